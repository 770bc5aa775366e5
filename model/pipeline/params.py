"""Parameters of the major-project pipeline: programmes, the cycle response, and the calibration file.

Levers (:mod:`model.levers`) act on top of ``calibration/pipeline_defaults.toml`` from
``PipelineParams.policy_start`` on; before it every programme runs on its ``[history]``
settings (see the modelling notes of :mod:`model.pipeline`).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

import numpy as np
from numpy.typing import NDArray

from ..levers import PROGRAMMES, validate_levers

__all__ = ["DEFAULT_CALIBRATION", "load_calibration", "ProgrammeParams", "CycleParams", "PipelineParams",
           "history_levers"]

#: The calibration file shipped with the repository.
DEFAULT_CALIBRATION = Path(__file__).resolve().parents[2] / "calibration" / "pipeline_defaults.toml"


def load_calibration(path: str | Path | None = None) -> dict[str, Any]:
    """Read the pipeline calibration TOML (default: ``calibration/pipeline_defaults.toml``)."""
    path = Path(path) if path is not None else DEFAULT_CALIBRATION
    with open(path, "rb") as fh:
        return tomllib.load(fh)


@dataclass(frozen=True)
class ProgrammeParams:
    """Everything the pipeline needs about one programme (levers already applied).

    Durations are lognormal ``(median months, sigma of log)``; capacities may be
    ``math.inf`` (no queue).  ``sign_month_fraction`` fixes the month of signing
    within the year (``None``: uniform); ``poisson`` chooses Poisson or fixed
    yearly intake.

    Every field set by a lever acts from ``PipelineParams.policy_start`` on:
    intake by signing year, new-entrant share by signing time, approval capacity
    and duration by the time an approval starts or is filed, land and loan quotas by
    quota year, financing success by the time financing starts, construction
    duration and abandonment by the construction start.  Before it the programme
    runs on ``history`` (the settings history implies, ``[history]`` of the
    calibration file); with ``history=None`` (hand-built parameters) only the
    duration multipliers switch and the rest applies throughout.
    """

    name: str
    signed_per_year: float
    size_min: float
    size_max: float
    size_alpha: float
    industry_weights: tuple[float, ...]
    new_entrant_share: float
    land_need_share_expansion: float
    guaranteed_loan_share: float
    financing_success: float
    financing_max_attempts: int
    construction_size_elasticity: float
    durations: Mapping[str, tuple[float, float]]
    abandon_reserve: float
    abandon_approval: float
    abandon_construction: float
    approval_multiplier: float = 1.0
    construction_multiplier: float = 1.0
    abandon_construction_multiplier: float = 1.0
    approval_capacity: float = math.inf
    land_quota: float = math.inf
    loan_pool: float = math.inf
    poisson: bool = True
    sign_month_fraction: float | None = None
    history: "ProgrammeParams | None" = None
    list_length: int = 0
    list_selection_month: float = 3.0
    list_max_build_months: float = math.inf
    list_added_window_months: float = 0.0
    list_planned_starts_first: bool = False

    @property
    def pre(self) -> "ProgrammeParams":
        """Settings before the policy start (the warm-up)."""
        if self.history is not None:
            return self.history
        return replace(self, approval_multiplier=1.0, construction_multiplier=1.0, abandon_construction_multiplier=1.0)


@dataclass(frozen=True)
class CycleParams:
    """How producing projects respond to the path's cycle (``[cycle]`` of the calibration file).

    A path's cycle is the deviation of its demand growth from the trend, per year;
    ``gap_t = persistence · gap_{t−1} + deviation_t``.  Utilisation of a producing
    project = ``clip(exp(utilisation_elasticity · gap_t), utilisation_min,
    utilisation_max)``; its ramp-up lasts ``exp(−ramp_elasticity · gap)`` times the
    planned one, the gap taken in its 投产 year.
    """

    utilisation_elasticity: float = 1.0
    ramp_elasticity: float = 2.0
    persistence: float = 0.5
    utilisation_min: float = 0.3
    utilisation_max: float = 1.15

    def gap(self, deviation: NDArray) -> NDArray:
        """Demand gap (P, Y) from growth deviations (P, Y)."""
        gap = np.empty_like(deviation, dtype=float)
        g = np.zeros(deviation.shape[0])
        for t in range(deviation.shape[1]):  # years, vectorised over paths
            g = self.persistence * g + deviation[:, t]
            gap[:, t] = g
        return gap

    def utilisation(self, gap: NDArray) -> NDArray:
        """Capacity utilisation for a demand gap."""
        return np.clip(np.exp(self.utilisation_elasticity * gap), self.utilisation_min, self.utilisation_max)


@dataclass(frozen=True)
class PipelineParams:
    """Parameters of the whole pipeline.

    Build with :meth:`from_levers`; tweak with :func:`dataclasses.replace` or
    :meth:`with_programme` (tests use this for fixed durations or unlimited capacity).

    ``policy_start`` (months since ``first_year``-01, default 0, never negative)
    is when every lever takes effect; before it the warm-up runs on each
    programme's ``history`` settings, the same for every scenario, so the levers
    show up as a change in flows rather than a rewritten past.
    """

    programmes: tuple[ProgrammeParams, ...]
    industries: tuple[str, ...]
    output_ratio: tuple[float, ...]
    warmup_years: int = 3
    land_intensity: float = 0.02
    ramp_start_share: float = 0.3
    max_claim_share: float = 1.0
    first_year: int = 2014
    policy_start: float = 0.0
    levers: Mapping[str, float] = field(default_factory=dict)
    cycle: "CycleParams" = field(default_factory=lambda: CycleParams())

    @classmethod
    def from_levers(
        cls,
        mapping: Mapping[str, Any] | None = None,
        *,
        where: str = "scenario",
        calibration: Mapping[str, Any] | str | Path | None = None,
    ) -> "PipelineParams":
        """Build parameters from lever settings on top of the calibration defaults.

        Parameters
        ----------
        mapping : mapping, optional
            Lever settings (see :data:`model.levers.LEVERS`); missing levers take defaults.
        where : str
            Name of the source of ``mapping`` for error messages.
        calibration : mapping or path, optional
            Parsed calibration or a TOML path; default :data:`DEFAULT_CALIBRATION`.

        Raises
        ------
        ValueError
            Unknown lever, wrong type or out-of-range value (message names ``where``).
        """
        lev = validate_levers(mapping, where)
        cal_where = "calibration" if isinstance(calibration, Mapping) else str(calibration or DEFAULT_CALIBRATION)
        cal = calibration if isinstance(calibration, Mapping) else load_calibration(calibration)
        gen, ind = cal["general"], cal["industries"]
        hist = history_levers(cal, cal_where)
        progs = tuple(
            replace(_programme_from(cal["programmes"][name], name, lev),
                    history=_programme_from(cal["programmes"][name], name, hist))
            for name in PROGRAMMES
        )
        return cls(
            programmes=progs,
            industries=tuple(ind["names"]),
            output_ratio=tuple(float(x) for x in ind["output_ratio"]),
            warmup_years=int(gen["warmup_years"]),
            land_intensity=float(gen["land_intensity_yi_per_mu"]),
            ramp_start_share=float(gen["ramp_start_share"]),
            max_claim_share=float(gen["max_claim_share_of_quota"]),
            levers=lev,
            cycle=CycleParams(**{k: float(v) for k, v in cal.get("cycle", {}).items() if k != "source"}),
        )

    @property
    def names(self) -> tuple[str, ...]:
        """Programme names in order."""
        return tuple(p.name for p in self.programmes)

    def programme(self, name: str) -> ProgrammeParams:
        """Return the programme called ``name``."""
        return self.programmes[self.names.index(name)]

    def with_programme(self, name: str, **changes: Any) -> "PipelineParams":
        """Return a copy with fields of programme ``name`` replaced."""
        progs = tuple(replace(p, **changes) if p.name == name else p for p in self.programmes)
        return replace(self, programmes=progs)


def history_levers(cal: Mapping[str, Any], where: str = "calibration") -> dict[str, float]:
    """Lever values of the warm-up: ``[history]`` of the calibration over the lever defaults.

    Raises
    ------
    ValueError
        An unknown lever or an out-of-range value in ``[history]`` (names ``where``).
    """
    table = {k: v for k, v in cal.get("history", {}).items() if k != "source"}
    return validate_levers(table, f"{where} [history]")


def _programme_from(cal: Mapping[str, Any], name: str, lev: Mapping[str, float]) -> ProgrammeParams:
    """Combine one programme's calibration table with the lever values."""
    sub = cal["subsidy"]
    s = lev["early_production_subsidy"]
    # Subsidy effect is linear in its intensity: 1 → the calibrated factor, 0 → none.
    con_sub = 1.0 + s * (float(sub["construction_multiplier_at_full"]) - 1.0)
    ab_sub = 1.0 + s * (float(sub["abandonment_multiplier_at_full"]) - 1.0)
    ab = cal["abandonment"]
    lst = cal.get("list", {})
    return ProgrammeParams(
        name=name,
        signed_per_year=lev[f"signed_per_year_{name}"],
        size_min=float(cal["size_min"]),
        size_max=float(cal["size_max"]),
        size_alpha=float(cal["size_alpha"]),
        industry_weights=tuple(float(w) for w in cal["industry_weights"]),
        new_entrant_share=lev[f"new_entrant_share_{name}"],
        land_need_share_expansion=float(cal["land_need_share_expansion"]),
        guaranteed_loan_share=float(cal["guaranteed_loan_share"]),
        financing_success=lev["financing_success_probability"],
        financing_max_attempts=int(cal["financing_max_attempts"]),
        construction_size_elasticity=float(cal["construction_size_elasticity"]),
        durations={k: (float(v[0]), float(v[1])) for k, v in cal["durations"].items()},
        abandon_reserve=float(ab["reserve"]),
        abandon_approval=float(ab["approval"]),
        abandon_construction=float(ab["construction"]),
        abandon_construction_multiplier=ab_sub,
        approval_multiplier=lev["green_channel_approval_multiplier"],
        construction_multiplier=lev["construction_duration_multiplier"] * con_sub,
        approval_capacity=lev[f"approval_capacity_{name}"],
        land_quota=lev[f"land_quota_{name}"],
        loan_pool=lev[f"guarantee_capital_{name}"] * lev["guarantee_multiplier"],
        list_length=int(lev.get(f"list_length_{name}", 0)) if lst else 0,
        list_selection_month=float(lst.get("selection_month", 3.0)),
        list_max_build_months=float(lst.get("max_build_months", math.inf)),
        list_added_window_months=float(lst.get("added_signed_within_months", 0.0)),
        list_planned_starts_first=bool(lst.get("planned_starts_first", False)),
    )
