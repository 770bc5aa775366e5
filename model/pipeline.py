"""Major-project pipeline: signed projects → approval → land → funding → construction → production.

This module is the fast, vectorised implementation and the public entry point
(:func:`simulate_pipeline`).  Projects are signed each year in two programmes
(``jx_major``: Jiangxi's list of ≥10亿 projects, 赣府厅字〔2013〕97号;
``gz_1yi``: Ganzhou's >1亿 signings, 赣市府发〔2014〕26号) and move through
eleven milestones::

    signed → approval_filed → approval_start → approved → land_granted → financed
           → funded → started (开工) → completed (竣工) → producing (投产) → full_capacity (达产)

Stages without contention (reserve, financing rounds, start preparation,
construction, commissioning, ramp-up) are plain numpy arithmetic over
``paths × projects``.  Three stages have capacities implied by the documents
and are queues, one set per programme: approval throughput (a FIFO multi-server
queue), the yearly land quota and the yearly guaranteed-loan pool (FIFO yearly
quotas that lapse at year end).  They are computed by exact recursions
vectorised across paths (:mod:`model.pipeline_des`), which reproduce, float for
float, the SimPy reference :func:`model.pipeline_des.simulate_plain` fed with
the same random numbers.

Time is in months since 2014-01-01 (first simulated year; data as of 2013);
the pipeline starts ``warmup_years`` earlier so the reserve, queues and
construction stock are in steady state at the start.  Money is 亿元, land mu.

Randomness: every path owns a child of the caller's :class:`numpy.random.SeedSequence`
keyed by its global path index (``path_offset + i``), so a block of paths gives the
same numbers whether it is run alone or as part of a larger block.  Each project
consumes a fixed row of uniforms (one column per attribute, see ``_U_COLS``), so
changing a duration lever keeps common random numbers.

Modelling choices (numbers in ``calibration/pipeline_defaults.toml`` and
:mod:`model.levers`, each with its source or marked as a stated assumption)
---------------------------------------------------------------------------
* Intake: Poisson number of projects a year per programme (mean = lever from the
  policy start, history's value before it), signing month uniform in the year.
  ``jx_major`` holds every ≥10亿 project in the province's pipeline; the yearly
  百项 list is drawn from its stock (:func:`provincial_list`) and the decree's "≥30
  start, ≥50 complete" are counted among the listed projects.
* Size: truncated Pareto; tail index 1.026 from the 2010 anchor (1454 projects
  ≥1亿 of which 137 ≥10亿); ``jx_major`` on [10, 300]亿, ``gz_1yi`` on [1, 100]亿.
  A Ganzhou project ≥10亿 may also be on the provincial list: avoid double counting
  when adding programmes for the same region.
* Destination: with probability ``new_entrant_share_<programme>`` a project is by
  a new entrant (央企入赣, 产业转移) and founds an enterprise at a (park, cluster)
  site; otherwise it expands an existing host enterprise (weights from the caller).
* Stages and durations: lognormal (median, sigma) per stage and programme;
  approval × green-channel lever; construction × (size/size_min)^0.1 ×
  construction lever × (Ganzhou) early-production-subsidy factor.
* Abandonment: Bernoulli at the end of reserve (签约不落地) and of approval, after
  the maximum number of failed financing rounds, and during construction (at a
  uniform fraction of it; investment spent up to then counts).
* Capacities: approval = FIFO multi-server queue; land and guaranteed-loan pool =
  strict-FIFO yearly quotas that lapse at year end (a claim never exceeds one
  year's quota).  New entrants always need land; an expansion needs land with
  probability ``land_need_share_expansion`` (the rest renovate on own land);
  land need = investment ÷ 200万元/亩.
* Output: full-capacity revenue = investment × output/investment ratio (industry
  table anchored on 300万元/亩 ÷ 200万元/亩 = 1.5); production starts at 30 % of
  capacity at 投产 and ramps linearly to 100 % at 达产.  Projects reaching 投产 from
  2014 on add their revenue; earlier ones are in the 2013 base data at their 2013
  level and add only what they gain by ramping up further.  Given the
  path's cycle (from the growth layer), utilisation and ramp-up speed respond to it
  (:class:`CycleParams`, ``[cycle]`` of the calibration file); milestones do not.
* Investment: spent linearly between 开工 and 竣工 (or abandonment).
* Warm-up: the pipeline starts 6 years before 2014 so that queues and stocks are
  in steady state; warm-up cohorts appear in ``states`` and queues, not in flows.
  Every lever acts from ``policy_start`` (the first simulated year, or later);
  the warm-up runs on each programme's ``history`` settings (``[history]`` in the
  calibration file), the same for every scenario, so no lever rewrites the past.
* Not modelled: contention between programmes (each has its own queues), capacity
  that changes over the years other than at the policy start, cycles in milestone
  timing (the cycle acts on revenue only), industry (cluster) shocks on projects,
  reallocation of lapsed quota, exits of producing projects.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Mapping, Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri, pdtr, pdtrik

from .levers import PROGRAMMES, validate_levers
from .entrants import entrant_firms

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .list_condition import ReportedList

__all__ = [
    "MILESTONES",
    "LIST_FIELDS",
    "ListCondition",
    "list_membership",
    "provincial_list",
    "STAGES",
    "ABANDON_STAGES",
    "DEFAULT_CALIBRATION",
    "load_calibration",
    "ProgrammeParams",
    "PipelineParams",
    "CycleParams",
    "Destinations",
    "ProjectDraws",
    "Timeline",
    "PipelineResult",
    "path_seed_sequences",
    "history_levers",
    "draw_projects",
    "fast_timeline",
    "aggregate",
    "simulate_pipeline",
    "PipelineDraft",
    "prepare_pipeline",
    "finish_pipeline",
]

#: Milestones of a project, in order (index = milestone number).
MILESTONES: tuple[str, ...] = (
    "signed", "approval_filed", "approval_start", "approved", "land_granted", "financed",
    "funded", "started", "completed", "producing", "full_capacity",
)
#: Stages a project can be in: stage ``s < 11`` lies between milestones ``s`` and ``s+1``
#: (stage 10 after the last milestone); the last stage is ``abandoned``.
STAGES: tuple[str, ...] = (
    "reserve", "approval_queue", "approval", "land_queue", "financing", "loan_queue",
    "start_prep", "construction", "commissioning", "ramp_up", "full_production", "abandoned",
)
#: Stages in which a project can be abandoned (index into :data:`STAGES`).
ABANDON_STAGES: dict[str, int] = {"reserve": 0, "approval": 2, "financing": 4, "construction": 7}

#: The calibration file shipped with the repository.
DEFAULT_CALIBRATION = Path(__file__).resolve().parents[1] / "calibration" / "pipeline_defaults.toml"

_DURATIONS = ("reserve", "approval", "financing", "start_prep", "construction", "commissioning", "ramp_up")
# Columns of the per-project uniform matrix; fixed so the plain and fast paths share draws.
_U_COLS = (
    "sign_month", "size", "industry", "new_entrant", "destination", "reserve", "ab_reserve",
    "approval", "ab_approval", "land_need", "financing", "fin_success", "start_prep",
    "construction", "ab_construction", "ab_fraction", "commissioning", "ramp_up",
)
_U = {name: i for i, name in enumerate(_U_COLS)}
_EPS = 1e-12
_CHUNK = 1 << 15  # elements per chunk of elementwise work on long vectors


# ----------------------------------------------------------------------------- parameters


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


# ----------------------------------------------------------------------------- destinations


@dataclass(frozen=True, eq=False)
class Destinations:
    """Where a programme's projects land.

    Expansion projects go to an existing enterprise drawn from ``host_index`` with
    probability ∝ ``host_weight``; new-entrant projects (央企入赣, 产业转移) found a
    new enterprise at a (park, cluster) site drawn from ``site_park``/``site_cluster``
    ∝ ``site_weight``.  Region filtering is the caller's job.  If a programme has no
    host candidates every project is a new entrant; with no sites, none is.

    Optional ``host_output_ratio``/``site_output_ratio`` override the industry-drawn
    output/investment ratio for projects landing there.
    """

    host_index: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    host_weight: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    site_park: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    site_cluster: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    site_weight: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    host_output_ratio: NDArray[np.float64] | None = None
    site_output_ratio: NDArray[np.float64] | None = None

    def __post_init__(self) -> None:
        for a, b in (("host_index", "host_weight"), ("site_park", "site_weight"), ("site_cluster", "site_weight")):
            if len(getattr(self, a)) != len(getattr(self, b)):
                raise ValueError(f"Destinations: {a} and {b} differ in length")
        for w in ("host_weight", "site_weight"):
            arr = np.asarray(getattr(self, w), float)
            if np.any(~np.isfinite(arr)) or np.any(arr < 0):
                raise ValueError(f"Destinations: {w} must be finite and non-negative")
        for ix in ("host_index", "site_park", "site_cluster"):
            if np.any(np.asarray(getattr(self, ix)) < 0):
                raise ValueError(f"Destinations: {ix} must be non-negative indices")
        for r, ref in (("host_output_ratio", "host_index"), ("site_output_ratio", "site_park")):
            val = getattr(self, r)
            if val is not None and len(val) != len(getattr(self, ref)):
                raise ValueError(f"Destinations: {r} must have one value per {ref}")

    @classmethod
    def synthetic(cls, n_hosts: int = 50, n_sites: int = 10, seed: int = 0) -> "Destinations":
        """A small made-up destination set (tests, benchmarks)."""
        rng = np.random.default_rng(seed)
        return cls(
            host_index=np.arange(n_hosts, dtype=np.int64),
            host_weight=rng.lognormal(0, 1, n_hosts),
            site_park=np.arange(n_sites, dtype=np.int64) % max(1, n_sites // 2),
            site_cluster=np.arange(n_sites, dtype=np.int64),
            site_weight=np.ones(n_sites),
        )


@dataclass(frozen=True)
class _DestIndex:
    """Destinations of all programmes mapped onto shared output axes."""

    host_ids: NDArray[np.int64]
    site_pairs: NDArray[np.int64]  # (n_sites, 2) park, cluster
    host_pos: tuple[NDArray[np.int64], ...]
    host_cum: tuple[NDArray[np.float64], ...]
    site_pos: tuple[NDArray[np.int64], ...]
    site_cum: tuple[NDArray[np.float64], ...]
    host_ratio: tuple[NDArray[np.float64] | None, ...]
    site_ratio: tuple[NDArray[np.float64] | None, ...]


def _index_destinations(
    destinations: Destinations | Mapping[str, Destinations], names: Sequence[str]
) -> _DestIndex:
    """Union the candidates of every programme into output axes and weight CDFs."""
    per = {n: destinations for n in names} if isinstance(destinations, Destinations) else dict(destinations)
    missing = [n for n in names if n not in per]
    if missing:
        raise ValueError(f"Destinations missing for programme(s): {missing}")
    empty = [n for n in names if len(per[n].host_index) == 0 and len(per[n].site_park) == 0]
    if empty:
        raise ValueError(f"Destinations for programme(s) {empty} have neither hosts nor sites; "
                         "give candidates or set the programme's intake lever to 0 and pass any destination")
    hosts = np.unique(np.concatenate([np.asarray(per[n].host_index, np.int64) for n in names]))
    pairs_all = np.concatenate(
        [np.stack([np.asarray(per[n].site_park, np.int64), np.asarray(per[n].site_cluster, np.int64)], 1)
         for n in names]
    ).reshape(-1, 2)
    sites = np.unique(pairs_all, axis=0) if len(pairs_all) else np.zeros((0, 2), np.int64)

    def cum(w: NDArray) -> NDArray:
        w = np.asarray(w, float)
        return np.cumsum(w) / w.sum() if len(w) and w.sum() > 0 else np.zeros(0)

    host_pos, host_cum, site_pos, site_cum = [], [], [], []
    for n in names:
        d = per[n]
        host_pos.append(np.searchsorted(hosts, np.asarray(d.host_index, np.int64)))
        host_cum.append(cum(d.host_weight))
        pairs = np.stack([np.asarray(d.site_park, np.int64), np.asarray(d.site_cluster, np.int64)], 1)
        # Row position of each site pair in the unique list.
        lookup = {tuple(p): i for i, p in enumerate(sites.tolist())}
        site_pos.append(np.array([lookup[tuple(p)] for p in pairs.tolist()], np.int64))
        site_cum.append(cum(d.site_weight))
    return _DestIndex(
        hosts, sites, tuple(host_pos), tuple(host_cum), tuple(site_pos), tuple(site_cum),
        tuple(None if per[n].host_output_ratio is None else np.asarray(per[n].host_output_ratio, float) for n in names),
        tuple(None if per[n].site_output_ratio is None else np.asarray(per[n].site_output_ratio, float) for n in names),
    )


# ----------------------------------------------------------------------------- random draws


def path_seed_sequences(
    seed: np.random.SeedSequence | int, n_paths: int, path_offset: int = 0
) -> list[np.random.SeedSequence]:
    """One SeedSequence per path, keyed by the global path index.

    Path ``i`` of a block starting at ``path_offset`` gets the child with spawn key
    ``root.spawn_key + (path_offset + i,)``, so results for a path do not depend on
    how paths are split into blocks.
    """
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return [
        np.random.SeedSequence(root.entropy, spawn_key=tuple(root.spawn_key) + (path_offset + i,),
                               pool_size=root.pool_size)
        for i in range(n_paths)
    ]


@dataclass
class ProjectDraws:
    """All random project attributes of a block of paths, shape ``(paths, projects)``.

    Padding slots (``valid`` False) exist because paths sign different numbers of
    projects.  Durations already include lever multipliers (``*_pre``: history
    values).  ``n_fin`` is the number of financing rounds until success (may exceed
    the allowed maximum → abandoned).  ``land_need``/``loan_need`` are raw claims;
    :func:`claim` caps them at the quota of the year they are made in.
    """

    valid: NDArray[np.bool_]
    prog: NDArray[np.int8]
    off_sign: NDArray[np.float64]  # months after the warm-up start
    inv: NDArray[np.float64]
    ratio: NDArray[np.float64]
    is_new: NDArray[np.bool_]
    dest: NDArray[np.int64]  # position on the host axis (expansion) or site axis (new entrant)
    needs_land: NDArray[np.bool_]
    land_need: NDArray[np.float64]
    loan_need: NDArray[np.float64]
    d: dict[str, NDArray[np.float64]]
    n_fin: NDArray[np.int64]
    n_fin_pre: NDArray[np.int64]  # rounds at the history success probability (financing before the policy start)
    ab_reserve: NDArray[np.bool_]
    ab_approval: NDArray[np.bool_]
    ab_construction: NDArray[np.bool_]
    ab_construction_pre: NDArray[np.bool_]
    ab_fraction: NDArray[np.float64]
    t0: float
    horizon: float
    n_years: int
    slices: tuple[slice, ...]  # column block of each programme
    policy_start: float = 0.0

    @property
    def shape(self) -> tuple[int, int]:
        return self.valid.shape


def _child(ss: np.random.SeedSequence, *key: int) -> np.random.Generator:
    """Generator of the sub-stream ``key`` of a path's SeedSequence."""
    return np.random.Generator(np.random.PCG64(
        np.random.SeedSequence(ss.entropy, spawn_key=tuple(ss.spawn_key) + key, pool_size=ss.pool_size)))


def _uniform_block(
    params: PipelineParams, seeds: Sequence[np.random.SeedSequence], n_years_total: int
) -> tuple[NDArray, NDArray, NDArray, NDArray, tuple[slice, ...]]:
    """Draw yearly intake counts and the uniform matrix for each path; pad to a block.

    Each programme occupies its own column block (same columns on every path) so
    per-programme work is a slice; within a block projects are ordered by year.

    Common random numbers across scenarios: counts come from one uniform per
    (programme, calendar year) through the Poisson inverse CDF (monotone in the
    mean), and the projects of each (programme, calendar year) read their rows
    from their own sub-stream.  Raising the intake therefore only appends
    projects; every other project keeps its attributes.
    """
    # Intake of a calendar year: the lever from the policy start on, history before it.
    first_cal = params.first_year - params.warmup_years
    year_start = 12.0 * (np.arange(n_years_total) - params.warmup_years)
    post = year_start >= params.policy_start
    lam = np.array([np.where(post, p.signed_per_year, p.pre.signed_per_year) for p in params.programmes])
    fixed = np.array([not p.poisson for p in params.programmes])
    n_prog = len(lam)
    u_cnt = np.stack([_child(ss, 0).random((n_prog, n_years_total)) for ss in seeds]) if seeds else np.zeros((0, n_prog, n_years_total))
    all_counts = np.maximum(poisson_ppf(u_cnt, lam[None]), 0).astype(np.int64)
    all_counts[:, fixed] = np.rint(lam[fixed]).astype(np.int64)[None]
    n_cols = len(_U_COLS)
    width = [int(all_counts[:, k].sum(-1).max(initial=0)) for k in range(n_prog)]
    starts = np.concatenate([[0], np.cumsum(width)]).astype(int)
    slices = tuple(slice(int(starts[k]), int(starts[k + 1])) for k in range(n_prog))
    n_paths, n_tot = len(seeds), int(starts[-1])
    # Column-major (column, path, project): each attribute is a contiguous array.
    U = np.empty((n_cols, n_paths, n_tot))
    valid = np.zeros((n_paths, n_tot), bool)
    prog = np.repeat(np.arange(n_prog, dtype=np.int8), width)[None, :].repeat(n_paths, 0)
    year = np.zeros((n_paths, n_tot), np.int64)
    buf = np.empty((max(width, default=0), n_cols))  # one programme's rows of one path, reused
    for i, (ss, counts) in enumerate(zip(seeds, all_counts)):
        for k in range(n_prog):
            # One stream per programme; calendar year y starts 2^40 draws × (y − 1900) in.
            # Each uniform is one 64-bit draw, so after n rows the next year's start is
            # 2^40 − n·n_cols draws ahead (same state as resetting and advancing).
            bg = _child(ss, 1, k).bit_generator
            gen = np.random.Generator(bg)
            bg.advance((first_cal - 1900) << 40)
            row = 0
            for y in range(n_years_total):
                c = int(counts[k, y])
                if c:
                    gen.random(out=buf[row: row + c])
                    row += c
                if y + 1 < n_years_total:
                    bg.advance((1 << 40) - c * n_cols)
            c0 = starts[k]
            U[:, i, c0:c0 + row] = buf[:row].T
            U[:, i, c0 + row: starts[k + 1]] = 0.5
            valid[i, c0:c0 + row] = True
            year[i, c0:c0 + row] = np.repeat(np.arange(n_years_total), counts[k])
    return U, valid, prog, year, slices


def poisson_ppf(q: NDArray, mu: NDArray) -> NDArray:
    """``scipy.stats.poisson.ppf(q, mu)``, float for float, without importing scipy.stats (start-up).

    The same steps as scipy 1.x: ``ceil(pdtrik(q, mu))``, stepped down by one where
    the CDF there already reaches ``q``; ``q = 0`` gives −1, ``q = 1`` gives inf,
    a negative ``mu`` NaN.
    """
    q, mu = np.broadcast_arrays(np.asarray(q, float), np.asarray(mu, float))
    out = np.full(q.shape, np.nan)
    ok = mu >= 0
    inside = ok & (q > 0) & (q < 1)
    out[ok & (q == 0)] = -1.0
    out[ok & (q == 1)] = np.inf
    qq, mm = q[inside], mu[inside]
    vals = np.ceil(pdtrik(qq, mm))
    vals1 = np.maximum(vals - 1, 0)
    out[inside] = np.where(pdtr(vals1, mm) >= qq, vals1, vals)
    return out


def _lognormal(u: NDArray, median: NDArray, sigma: NDArray) -> NDArray:
    """Inverse-CDF lognormal draw (shared by both engines through ``u``)."""
    return median * np.exp(sigma * ndtri(np.clip(u, _EPS, 1 - _EPS)))


def _destinations_and_ratio(
    params: PipelineParams, dest: _DestIndex, prog: NDArray, col: Any, post: NDArray | None = None
) -> tuple[NDArray, NDArray, NDArray]:
    """Industry output ratio, new-entrant flag and destination position per project.

    A project is a new entrant with probability ``new_entrant_share`` (1 if the
    programme has no host candidates, 0 if it has no sites); its destination is
    drawn by weight among the programme's sites, else among its hosts.  Projects
    signed before the policy start (``post`` False) use the history share.
    """
    post = np.ones(prog.shape, bool) if post is None else post
    ratio_tab = np.asarray(params.output_ratio)
    shape = prog.shape
    ratio = np.empty(shape)
    is_new = np.zeros(shape, bool)
    dest_pos = np.zeros(shape, np.int64)
    for k, p in enumerate(params.programmes):
        m = prog == k
        w = np.cumsum(p.industry_weights) / np.sum(p.industry_weights)
        ind = np.minimum(np.searchsorted(w, col("industry")[m], side="right"), len(w) - 1)
        ratio[m] = ratio_tab[ind]
        has_h, has_s = len(dest.host_cum[k]) > 0, len(dest.site_cum[k]) > 0
        share = np.where(post[m], p.new_entrant_share, p.pre.new_entrant_share) if (has_h and has_s) else (1.0 if has_s else 0.0)
        new_k = col("new_entrant")[m] < share
        ud = col("destination")[m]
        pos = np.zeros(ud.shape, np.int64)
        if has_h:
            hi_ = np.minimum(np.searchsorted(dest.host_cum[k], ud, side="right"), len(dest.host_cum[k]) - 1)
            pos = np.where(~new_k, dest.host_pos[k][hi_], pos)
            if dest.host_ratio[k] is not None:
                ratio[m] = np.where(~new_k, dest.host_ratio[k][hi_], ratio[m])
        if has_s:
            si = np.minimum(np.searchsorted(dest.site_cum[k], ud, side="right"), len(dest.site_cum[k]) - 1)
            pos = np.where(new_k, dest.site_pos[k][si], pos)
            if dest.site_ratio[k] is not None:
                ratio[m] = np.where(new_k, dest.site_ratio[k][si], ratio[m])
        is_new[m], dest_pos[m] = new_k, pos
    return ratio, is_new, dest_pos


def draw_projects(
    params: PipelineParams,
    dest: _DestIndex,
    n_paths: int,
    n_years: int,
    seed: np.random.SeedSequence | int,
    path_offset: int = 0,
) -> ProjectDraws:
    """Draw every project's attributes for a block of paths.

    Parameters
    ----------
    params : PipelineParams
    dest : _DestIndex
        Indexed destinations (see :class:`Destinations`).
    n_paths, n_years : int
        Block size and number of simulated years (after the warm-up).
    seed : SeedSequence or int
        Root seed; path ``i`` uses child ``path_offset + i``.
    path_offset : int
        Global index of the first path of this block.

    Returns
    -------
    ProjectDraws
    """
    wy = params.warmup_years
    seeds = path_seed_sequences(seed, n_paths, path_offset)
    U, valid, prog, year, slices = _uniform_block(params, seeds, wy + n_years)
    col = lambda name: U[_U[name]]  # noqa: E731 - local accessor

    P = params.programmes
    def per(attr: str) -> NDArray:  # programme parameter gathered per project
        return np.array([getattr(p, attr) for p in P], float)[prog]

    frac = np.array([np.nan if p.sign_month_fraction is None else p.sign_month_fraction for p in P])[prog]
    off_sign = 12.0 * year + 12.0 * np.where(np.isnan(frac), col("sign_month"), frac)

    # Truncated Pareto by inverse CDF: heavy tail anchored on 1454 ≥1亿 vs 137 ≥10亿 (2010).
    lo, hi, a = per("size_min"), per("size_max"), per("size_alpha")
    inv = lo * (1.0 - col("size") * (1.0 - (lo / hi) ** a)) ** (-1.0 / a)

    signed_post = -12.0 * wy + off_sign >= params.policy_start
    ratio, is_new, dest_pos = _destinations_and_ratio(params, dest, prog, col, signed_post)

    def pre(attr: str) -> NDArray:  # the programme's warm-up (history) value per project
        return np.array([getattr(p.pre, attr) for p in P], float)[prog]

    # New entrants always need land; expansions only when not renovating on own land.
    needs_land = is_new | (col("land_need") < per("land_need_share_expansion"))
    # Raw claims; the timeline caps each at a share of the quota of the year it is
    # made in (big projects are phased), so the cap follows the policy start too.
    land_need = inv / params.land_intensity
    loan_need = inv * per("guaranteed_loan_share")

    d = {}
    for name in _DURATIONS:
        med = np.array([p.durations[name][0] for p in P])[prog]
        sig = np.array([p.durations[name][1] for p in P])[prog]
        d[name] = _lognormal(col(name), med, sig)
    # Policy levers act only from policy_start; the warm-up runs on the history values.
    base_approval = d["approval"]
    d["approval_pre"] = base_approval * pre("approval_multiplier")
    d["approval"] = base_approval * per("approval_multiplier")
    # Bigger projects take longer to build: median × (size/size_min)^elasticity.
    base_con = d["construction"] * (inv / lo) ** per("construction_size_elasticity")
    d["construction_pre"] = base_con * pre("construction_multiplier")
    d["construction"] = base_con * per("construction_multiplier")
    ab_con = per("abandon_construction")

    def rounds(ps: NDArray) -> NDArray:  # financing rounds until success, from one uniform
        with np.errstate(divide="ignore", invalid="ignore"):
            tries = 1.0 + np.floor(np.log(np.clip(col("fin_success"), _EPS, 1.0)) / np.log1p(-ps))
        return np.where(ps >= 1.0, 1, np.minimum(tries, 1_000)).astype(np.int64)

    return ProjectDraws(
        valid=valid, prog=prog, off_sign=off_sign, inv=inv, ratio=ratio, is_new=is_new, dest=dest_pos,
        needs_land=needs_land, land_need=land_need, loan_need=loan_need, d=d,
        n_fin=rounds(per("financing_success")), n_fin_pre=rounds(pre("financing_success")),
        ab_reserve=col("ab_reserve") < per("abandon_reserve"),
        ab_approval=col("ab_approval") < per("abandon_approval"),
        ab_construction=col("ab_construction") < np.minimum(1.0, ab_con * per("abandon_construction_multiplier")),
        ab_construction_pre=col("ab_construction") < np.minimum(1.0, ab_con * pre("abandon_construction_multiplier")),
        ab_fraction=col("ab_fraction").copy(),
        t0=-12.0 * wy, horizon=12.0 * n_years, n_years=n_years, slices=slices, policy_start=params.policy_start,
    )


# ----------------------------------------------------------------------------- timeline


@dataclass
class Timeline:
    """Milestone times of every project (months since the first simulated year).

    ``times[..., k]`` is the time milestone :data:`MILESTONES` ``[k]`` was reached
    (``inf``: never).  ``abandon_time``/``abandon_stage`` record drop-outs
    (stage index into :data:`STAGES`, −1 = not abandoned).
    """

    times: NDArray[np.float64]  # (paths, projects, 11)
    abandon_time: NDArray[np.float64]  # (paths, projects)
    abandon_stage: NDArray[np.int8]  # (paths, projects)
    construction_months: NDArray[np.float64]  # planned construction duration (NaN: never started)

    @classmethod
    def empty(cls, shape: tuple[int, int]) -> "Timeline":
        return cls(np.full(shape + (len(MILESTONES),), np.inf), np.full(shape, np.inf),
                   np.full(shape, -1, np.int8), np.full(shape, np.nan))


def fast_timeline(draws: ProjectDraws, params: PipelineParams) -> Timeline:
    """Compute every milestone with array arithmetic plus exact vectorised queues.

    The arithmetic (order of additions included) mirrors the SimPy processes of
    :func:`model.pipeline_des.simulate_plain`, so both give identical floats.
    """
    from .pipeline_des import fifo_servers, quota_at, yearly_quota  # queue kernels live with the DES code

    tl = Timeline.empty(draws.shape)
    M, d, v = tl.times, draws.d, draws.valid
    inf = np.inf

    def abandon(mask: NDArray, t: NDArray, stage: int) -> None:
        tl.abandon_time[mask] = t[mask]
        tl.abandon_stage[mask] = stage

    M[..., 0] = np.where(v, draws.t0 + draws.off_sign, inf)
    t1 = M[..., 0] + d["reserve"]
    abandon(v & draws.ab_reserve, t1, ABANDON_STAGES["reserve"])
    M[..., 1] = np.where(v & ~draws.ab_reserve, t1, inf)

    # Approval: one FIFO multi-server queue per programme.
    # Green channel applies to approvals filed from policy_start on.
    d_appr = np.where(M[..., 1] >= draws.policy_start, d["approval"], d["approval_pre"])
    start = np.full(draws.shape, inf)
    ps = draws.policy_start
    for p, sl in zip(params.programmes, draws.slices):
        start[:, sl] = fifo_servers(M[:, sl, 1], d_appr[:, sl], p.approval_capacity, p.pre.approval_capacity, ps)
    M[..., 2] = start
    t3 = start + d_appr
    abandon(np.isfinite(start) & draws.ab_approval, t3, ABANDON_STAGES["approval"])
    M[..., 3] = np.where(draws.ab_approval, inf, t3)

    # Land: yearly quota, only for projects needing new land.
    grant = M[..., 3].copy()
    for p, sl in zip(params.programmes, draws.slices):
        m = draws.needs_land[:, sl]
        arr = np.where(m, M[:, sl, 3], inf)
        # A single claim never exceeds a share of the year's quota (big projects are phased).
        need = np.minimum(draws.land_need[:, sl], params.max_claim_share * quota_at(arr, draws.t0, p.pre.land_quota, p.land_quota, ps))
        grant[:, sl] = np.where(m, yearly_quota(arr, need, p.land_quota, draws.t0, p.pre.land_quota, ps), grant[:, sl])
    M[..., 4] = grant

    # Financing rounds: repeated additions, exactly as the DES adds one timeout per round.
    # The success probability is the one in force when financing starts.
    n_fin = np.where(M[..., 4] >= ps, draws.n_fin, draws.n_fin_pre)
    t = M[..., 4].copy()
    kmax = np.array([p.financing_max_attempts for p in params.programmes])[draws.prog]
    for r in range(1, int(kmax.max(initial=0)) + 1):
        step = np.isfinite(t) & (n_fin >= r) & (kmax >= r)
        t[step] = t[step] + d["financing"][step]
    ok = n_fin <= kmax
    abandon(np.isfinite(t) & ~ok, t, ABANDON_STAGES["financing"])
    M[..., 5] = np.where(ok, t, inf)

    # Guaranteed-loan pool: yearly quota.
    loan = np.full(draws.shape, inf)
    for p, sl in zip(params.programmes, draws.slices):
        arr = M[:, sl, 5]
        need = np.minimum(draws.loan_need[:, sl], params.max_claim_share * quota_at(arr, draws.t0, p.pre.loan_pool, p.loan_pool, ps))
        loan[:, sl] = yearly_quota(arr, need, p.loan_pool, draws.t0, p.pre.loan_pool, ps)
    M[..., 6] = loan
    M[..., 7] = M[..., 6] + d["start_prep"]

    # Construction levers apply to constructions started from policy_start on.
    post = M[..., 7] >= draws.policy_start
    d_con = np.where(post, d["construction"], d["construction_pre"])
    tl.construction_months[...] = np.where(np.isfinite(M[..., 7]), d_con, np.nan)
    ab_c = np.isfinite(M[..., 7]) & np.where(post, draws.ab_construction, draws.ab_construction_pre)
    abandon(ab_c, M[..., 7] + draws.ab_fraction * d_con, ABANDON_STAGES["construction"])
    M[..., 8] = np.where(ab_c, inf, M[..., 7] + d_con)
    M[..., 9] = M[..., 8] + d["commissioning"]
    M[..., 10] = M[..., 9] + d["ramp_up"]
    return tl


# ----------------------------------------------------------------------------- the provincial list

#: Composition and flows of the yearly provincial list (keys of ``PipelineResult.provincial_list``).
LIST_FIELDS: tuple[str, ...] = ("listed", "added", "new", "continuing", "completing", "starts", "completions")


@dataclass(frozen=True)
class ListCondition:
    """What a project dispatch table (项目调度表) reports of one year's list, up to its report month.

    The dates of the 开工 and 投产 the year's listed projects reached in January to
    ``month``. :func:`model.list_condition.condition_timeline` moves the simulated
    projects to that state on every path (the reported projects are started or
    producing and are not started or completed again; the rest of the year and the
    later years are simulated from there).

    Attributes
    ----------
    year_index : int
        The conditioned year (index into the simulated years; 0 = the current year).
    month : int
        Report month, 1-12.
    start_months, producing_months : tuple of float
        Each reported 开工 / 投产 of the year, in months since the year's start
        (``[0, month)``; 2014-03-15 is 2.47, a month without a day its middle).
    """

    year_index: int
    month: int
    start_months: tuple[float, ...] = ()
    producing_months: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        dates = self.start_months + self.producing_months
        if not 1 <= self.month <= 12 or self.year_index < 0 or any(not 0.0 <= t < self.month for t in dates):
            raise ValueError(f"ListCondition: month 1-12 and reported dates in [0, month) months into the year, got {self}")

    @property
    def starts(self) -> int:
        """Reported 开工 of the year up to the report month."""
        return len(self.start_months)

    @property
    def completions(self) -> int:
        """Reported 投产 of the year up to the report month."""
        return len(self.producing_months)


def list_membership(
    times: NDArray, abandon_time: NDArray, valid: NDArray, build_months: NDArray, y: int,
    length: int, selection_month: float = 3.0, max_build_months: float = math.inf, planes: NDArray | None = None,
    added_window: float = 0.0, planned_starts_first: bool = False,
) -> tuple[NDArray, NDArray]:
    """Which projects are on year ``y``'s list: ``(listed at selection, added during the year)``, each (P, n) bool.

    The rule is that of :func:`provincial_list` (which counts these sets). ``planes`` is
    ``times[..., :10]`` as one contiguous (10, P, n) array per milestone (computed when not
    given; :func:`provincial_list` passes it for every year). ``added_window`` and
    ``planned_starts_first`` are the two readings of document 000 the defaults leave open
    (see :func:`provincial_list`).
    """
    T = np.ascontiguousarray(np.moveaxis(times[..., :10], -1, 0)) if planes is None else planes
    M0, M7, M9 = T[0], T[7], T[9]
    buildable = valid & ~(build_months > max_build_months)
    y0, y1 = 12.0 * y, 12.0 * (y + 1)
    sel = y0 + selection_month
    cand = buildable & (M0 < sel) & ~(abandon_time < sel) & ~(M9 < sel)
    reached = T[:9] < sel
    stage = reached.sum(0)  # milestones reached: 9 = built, awaiting 投产
    entered = np.choose(np.maximum(stage - 1, 0), T[:9])  # time the current stage was entered
    # Class: 0 due to be built this year, 1 ready to start, 2 other construction, 3 earlier stages.
    building = stage >= 8
    due = building & (T[8] < y1)
    ready = (stage >= 4) | (~building & (T[7] < y1)) if planned_starts_first else stage >= 4
    klass = np.where(due, 0, np.where(building, 2, np.where(ready, 1, 3)))
    key = np.where(cand, klass * 1e8 + (10.0 - stage) * 1e6 + entered, np.inf)
    # The length-th smallest key per path (inf when fewer candidates); exact ties of
    # continuous entry times have probability zero.
    if length <= 0:
        listed = np.zeros_like(cand)
    elif length >= key.shape[1]:
        listed = cand
    else:
        kth = np.partition(key, length - 1, axis=1)[:, length - 1: length]
        listed = cand & (key <= kth)
    added = valid & (M0 >= sel - added_window) & (M7 >= sel) & (M7 < y1)
    if added_window > 0:  # projects signed before the selection may be candidates already
        added &= ~listed
    return listed, added


def list_lengths(p: "ProgrammeParams", policy_start: float, n_years: int) -> list[int]:
    """Each simulated year's list length: the history's before the policy start, the lever's from it."""
    return [p.pre.list_length if 12.0 * y + p.list_selection_month < policy_start else p.list_length for y in range(n_years)]


def provincial_list(
    times: NDArray, abandon_time: NDArray, valid: NDArray, build_months: NDArray, n_years: int,
    length: int, selection_month: float = 3.0, max_build_months: float = math.inf,
    reported: "ReportedList | None" = None, added_window: float = 0.0, planned_starts_first: bool = False,
) -> dict[str, NDArray]:
    """The yearly 百项 list drawn from the stock of one programme's projects, and its flows.

    Document 000 (关于全省百项重大工业项目调度推进工作方案, 二(一)): each first quarter the
    cities report their ≥10亿 projects with a build time of about three years, the
    province selects the year's list of 100, the list is managed dynamically and cities
    add newly settled projects that have started.  Read as a rule on the simulated stock:

    * at the selection date (``selection_month`` months into year ``y``) a project is a
      candidate if it was signed, is neither abandoned nor producing (投产) yet, and its
      planned build time is at most ``max_build_months``;
    * candidates are ranked in the order the plan counts them: first projects due to
      be built within the year (built and awaiting 投产, or under construction with the
      planned 竣工 before the year end), then projects ready to start (approved: 前期基础好),
      then the other projects under construction (续建), then earlier stages; within a
      class by how far they have come and, in a stage, by when they entered it
      (earliest first); the first ``length`` form the list;
    * projects signed (落户) after the selection date that start construction within
      the year are added (cities' additions of newly settled projects that have started);
      ``added_window`` months widens "newly settled" to projects signed that long before
      the selection date and not listed (default 0);
    * ``planned_starts_first``: projects not yet under construction whose planned 开工
      falls within the year rank with the ready-to-start class (the year's plan of new
      starts) rather than with the earlier stages (default False);
    * starts and completions are counted among the listed and added projects: 开工 and
      投产 in the calendar year.

    Parameters
    ----------
    times : ndarray (P, n, 11)
        Milestone times (months since the first simulated year).
    abandon_time : ndarray (P, n)
    valid : ndarray (P, n) bool
    build_months : ndarray (P, n)
        Planned construction duration of each project.
    n_years : int
    length : int or sequence of int
        List length at selection (lever ``list_length_jx_major``), or one per year (the
        history's length before the policy start, the lever's from it).
    selection_month, max_build_months : float
    reported : model.list_condition.ReportedList, optional
        A project dispatch table's year on a timeline conditioned on it
        (:func:`model.list_condition.condition_timeline`): that year's membership is
        the given one (selected before the table moved any milestone), and the
        reported events no simulated project could take (``unmatched_*``) are added
        to its ``starts`` and ``completions``.

    Returns
    -------
    dict of (P, Y) int64
        ``listed`` (selected in Q1), ``added`` (during the year), ``new`` (on the list,
        construction not started before the year, not producing in it), ``continuing``
        (started before the year, not producing in it, 续建), ``completing`` (reaching
        投产 in the year), ``starts``, ``completions``.  ``new + continuing + completing
        = listed + added``.
    """
    P, n = valid.shape
    out = {k: np.zeros((P, n_years), np.int64) for k in LIST_FIELDS}
    known = reported if reported is not None and reported.year_index < n_years else None
    if known is not None:  # reported events without a simulated project (an empty stock still has them)
        out["starts"][:, known.year_index] = known.unmatched_starts
        out["completions"][:, known.year_index] = known.unmatched_completions
    # Only projects neither producing nor dropped before the first year can ever be on a list.
    on_any = (valid & ~(times[..., 9] < 0) & ~(abandon_time < 0)).any(0)
    if known is not None:
        on_any |= (known.listed | known.added).any(0)
    keep = np.flatnonzero(on_any)
    if len(keep) == 0:
        return out
    times, abandon_time, valid, build_months = times[:, keep], abandon_time[:, keep], valid[:, keep], build_months[:, keep]
    # One contiguous (P, n) array per milestone: the yearly scans below read whole planes.
    T = np.ascontiguousarray(np.moveaxis(times[..., :10], -1, 0))
    M7, M9 = T[7], T[9]
    lengths = [int(length)] * n_years if np.ndim(length) == 0 else [int(x) for x in length]
    for y in range(n_years):
        y0, y1 = 12.0 * y, 12.0 * (y + 1)
        if known is not None and known.year_index == y:
            listed, added = known.listed[:, keep], known.added[:, keep]
        else:
            listed, added = list_membership(times, abandon_time, valid, build_months, y, lengths[y], selection_month, max_build_months, planes=T,
                                            added_window=added_window, planned_starts_first=planned_starts_first)
        on = listed | added
        completing = on & (M9 >= y0) & (M9 < y1)
        continuing = on & ~completing & (M7 < y0)
        out["listed"][:, y] = listed.sum(1)
        out["added"][:, y] = added.sum(1)
        out["completing"][:, y] = completing.sum(1)
        out["continuing"][:, y] = continuing.sum(1)
        out["new"][:, y] = (on & ~completing & ~(M7 < y0)).sum(1)
        out["starts"][:, y] += (on & (M7 >= y0) & (M7 < y1)).sum(1)
        out["completions"][:, y] += completing.sum(1)
    return out


# ----------------------------------------------------------------------------- aggregation


@dataclass
class PipelineResult:
    """Outcome of :func:`simulate_pipeline` for a block of paths.

    Per-programme dicts map programme name → array of shape ``(paths, years)``
    unless stated.  Flows count events in the year; stocks are at year end.

    Attributes
    ----------
    years : ndarray (Y,)
    programmes : tuple of str
    stages : tuple of str
        :data:`STAGES`, the last axis of ``monthly`` and ``states``.
    signed, starts, completions, abandoned : dict of (P, Y) int
        Flows: signed (签约/列入), construction starts (开工), completed and producing
        (投产), dropped.
    construction_completions : dict of (P, Y) int
        Flow of 竣工 (end of construction).
    in_production : dict of (P, Y) int
        Projects that reached 投产 from 2014-01 up to the year end (cumulative
        ``completions``); earlier cohorts belong to the 2013 base data (they are
        still visible in ``states``).
    reserve : dict of (P, Y) int
        Stock of 储备 projects: signed, not abandoned, construction not started.
    investment_completed : dict of (P, Y) float
        亿元 invested in the year; spending is linear over construction.
    new_enterprises : dict of (P, Y) int
        New-entrant projects reaching 投产 in the year (each founds an enterprise).
    revenue_to_existing : ndarray (P, n_hosts, Y)
        Revenue (亿元 in that year: a level, not an increment) that expansion projects
        of all programmes reaching 投产 from 2014 on (and projects producing earlier, with
        what they gain over their 2013 revenue by ramping up) add to host enterprises
        ``host_ids``; each project's full-capacity revenue = investment × output/
        investment ratio, ramped from ``ramp_start_share`` at 投产 to 1 at 达产.
        Gross of any growth the caller's enterprise model already projects.
    host_ids : ndarray (n_hosts,)
        Enterprise index of each host axis position (union of all candidates).
    revenue_to_new : ndarray (P, n_sites, Y)
        Revenue of new-entrant projects by (park, cluster) site ``site_pairs``.
    site_pairs : ndarray (n_sites, 2)
    signing_to_production_months : dict of 1-d float arrays
        Months from signing to 投产 of projects signed in the simulated years and
        producing before the horizon (right-censored: long lags are under-represented).
    queue : dict ``"<programme>.<approval|land|loan>"`` → dict of (P, Y) arrays
        ``mean_length`` (time-averaged number waiting), ``max_length`` (largest
        month-end count waiting), ``mean_wait_months`` (projects served that year; NaN
        if none).
    monthly : dict of (P_m, 12·Y, n_stages) int32
        月调度 snapshot: projects per stage at each month end (first ``P_m`` paths).
    monthly_investment : dict of (P_m, 12·Y) float
        亿元 invested in each month (first ``P_m`` paths).
    states : dict of (P, Y, n_stages) int32
        Year-end snapshot; each signed project is in exactly one stage.
    signed_cumulative : dict of (P, Y) int
        Projects signed up to each year end (warm-up included) = ``states.sum(-1)``.
    timeline : Timeline or None
        Per-project milestones (only with ``keep_timeline=True``).
    provincial_list : dict programme → dict of (P, Y) int
        For programmes with a yearly list (``jx_major``: the 百项 list): its
        composition and flows, keys :data:`LIST_FIELDS` (see :func:`provincial_list`).
        A layer on top of the timelines: it changes no milestone.
    """

    years: NDArray[np.int64]
    programmes: tuple[str, ...]
    stages: tuple[str, ...]
    signed: dict[str, NDArray]
    starts: dict[str, NDArray]
    completions: dict[str, NDArray]
    construction_completions: dict[str, NDArray]
    in_production: dict[str, NDArray]
    abandoned: dict[str, NDArray]
    reserve: dict[str, NDArray]
    investment_completed: dict[str, NDArray]
    new_enterprises: dict[str, NDArray]
    revenue_to_existing: NDArray
    host_ids: NDArray
    revenue_to_new: NDArray
    site_pairs: NDArray
    signing_to_production_months: dict[str, NDArray]
    queue: dict[str, dict[str, NDArray]]
    monthly: dict[str, NDArray]
    monthly_investment: dict[str, NDArray]
    states: dict[str, NDArray]
    signed_cumulative: dict[str, NDArray]
    timeline: Timeline | None = None
    provincial_list: dict[str, dict[str, NDArray]] = field(default_factory=dict)
    # model.entrants.EntrantFirms, each new entrant as its own firm (for enterprise counts). Set by
    # simulate_pipeline; a ClassVar, not a field, because its padding depends on the block's paths.
    entrants: ClassVar[Any] = None

    def conservation_errors(self) -> list[str]:
        """List violations of "every signed project is in exactly one stage each year end"."""
        errs = []
        for n in self.programmes:
            st = self.states[n]
            if np.any(st < 0):
                errs.append(f"{n}: negative stage count")
            if not np.array_equal(st.sum(-1), self.signed_cumulative[n]):
                errs.append(f"{n}: stage counts do not sum to projects signed")
            if not np.array_equal(np.diff(self.signed_cumulative[n], axis=1), self.signed[n][:, 1:]):
                errs.append(f"{n}: cumulative signed inconsistent with yearly signed")
        return errs

    @property
    def states_ok(self) -> bool:
        """True when :meth:`conservation_errors` finds nothing."""
        return not self.conservation_errors()

    def summary(self, quantiles: Sequence[float] = (0.1, 0.5, 0.9)) -> "pd.DataFrame":
        """Mean and quantiles over paths of the yearly programme arrays.

        Returns
        -------
        pandas.DataFrame
            Index (programme, quantity, year); columns ``mean`` and ``q<q>``.
        """
        import pandas as pd

        rows = []
        for n in self.programmes:
            for q in ("signed", "starts", "completions", "in_production", "abandoned", "reserve",
                      "investment_completed", "new_enterprises"):
                arr = getattr(self, q)[n]
                qs = np.quantile(arr, quantiles, axis=0)
                for y, year in enumerate(self.years):
                    row = {"programme": n, "quantity": q, "year": int(year), "mean": float(arr[:, y].mean())}
                    row.update({f"q{int(round(100 * qq))}": float(qs[i, y]) for i, qq in enumerate(quantiles)})
                    rows.append(row)
        return pd.DataFrame(rows).set_index(["programme", "quantity", "year"])


def _month_cumcounts(t: NDArray, mask: NDArray, n_months: int) -> NDArray:
    """Cumulative count per path of events with time < month end, for each month."""
    P = t.shape[0]
    sel = mask & (t < n_months)
    m = np.clip(np.floor(np.where(sel, t, 0.0)), 0, n_months - 1).astype(np.int64)
    rows = np.broadcast_to(np.arange(P)[:, None], t.shape)
    counts = np.bincount((rows * n_months + m)[sel], minlength=P * n_months).reshape(P, n_months)
    return np.cumsum(counts, axis=1)


def _overlap(a: NDArray, b: NDArray, lo: float, hi: float) -> NDArray:
    """Length of [a, b) ∩ [lo, hi) (0 when empty; handles inf)."""
    return np.clip(np.minimum(b, hi) - np.maximum(a, lo), 0.0, None)


def _ramp_integral(t: NDArray | float, p: NDArray, r: NDArray, r0: float) -> NDArray:
    """∫_{-∞}^{t} of the capacity factor: 0 before ``p``, linear r0→1 over ``r``, then 1."""
    x = np.clip(t - np.where(np.isfinite(p), p, np.inf), 0.0, None)
    xr = np.minimum(x, r)
    with np.errstate(invalid="ignore", divide="ignore"):
        ramp = r0 * xr + (1.0 - r0) * np.where(r > 0, xr * xr / (2.0 * r), 0.0)
    return np.where(np.isfinite(p), ramp + np.maximum(x - r, 0.0), 0.0)


def aggregate(
    draws: ProjectDraws,
    tl: Timeline,
    params: PipelineParams,
    dest: _DestIndex,
    years: Sequence[int],
    monthly_paths: int | None = None,
    keep_timeline: bool = False,
    cycle: NDArray | None = None,
    list_condition: ListCondition | None = None,
) -> PipelineResult:
    """Turn per-project milestones into yearly, monthly and per-destination arrays.

    ``cycle`` (P, Y): the path's demand-growth deviation from trend each year; when
    given, producing projects' utilisation and ramp-up respond to it (see
    :class:`CycleParams`), a layer on top of the timelines.  ``list_condition``: a project
    dispatch table's state of the listed programme's year; the milestones are first
    moved to it (:func:`model.list_condition.condition_timeline`).

    Year-end stocks and yearly flows come from one histogram per programme of the
    month each milestone (and abandonment) falls in; the month-by-month stage
    counts are only built for the ``monthly_paths`` kept and, for the three
    waiting stages, for the yearly maximum queue length.  All counts are integers
    and all float sums keep the element order of the straightforward
    month-by-month computation, so the result does not depend on this shortcut.
    """
    tl, reported = _conditioned(draws, tl, params, list_condition)
    return _with_revenue(draws, tl, params, dest, _flows_and_stocks(draws, tl, params, dest, years, monthly_paths, keep_timeline, reported), cycle)


def _conditioned(draws: ProjectDraws, tl: Timeline, params: PipelineParams,
                 list_condition: ListCondition | None) -> "tuple[Timeline, ReportedList | None]":
    """The timeline moved to a project dispatch table's state (unchanged without one)."""
    if list_condition is None:
        return tl, None
    from .list_condition import condition_timeline  # it builds on this module
    return condition_timeline(tl, draws, params, list_condition)


def _with_revenue(draws: ProjectDraws, tl: Timeline, params: PipelineParams, dest: _DestIndex, flows: dict[str, Any],
                  cycle: NDArray | None) -> PipelineResult:
    """The flows plus the revenue projects add under the paths' ``cycle``."""
    gap = None if cycle is None else params.cycle.gap(np.asarray(cycle, float))
    rev_old, rev_new = _revenue(draws, tl.times, params.ramp_start_share, int(draws.horizon), len(dest.host_ids), len(dest.site_pairs), gap, params.cycle)
    return PipelineResult(revenue_to_existing=rev_old, revenue_to_new=rev_new, **flows)


def _flows_and_stocks(draws: ProjectDraws, tl: Timeline, params: PipelineParams, dest: _DestIndex, years: Sequence[int],
                      monthly_paths: int | None, keep_timeline: bool, reported: "ReportedList | None" = None) -> dict[str, Any]:
    """Everything :func:`aggregate` returns except the revenue: it does not depend on the cycle.

    ``tl`` is the timeline already conditioned on a project dispatch table when
    ``reported`` (its conditioned year's list) is given.
    """
    Y, H = draws.n_years, int(draws.horizon)
    P = draws.shape[0]
    Pm = len(range(P)[:monthly_paths])  # paths with a monthly snapshot (slice semantics)
    M, at, ast = tl.times, tl.abandon_time, tl.abandon_stage
    names = params.names
    out: dict[str, dict[str, Any]] = {k: {} for k in (
        "signed", "starts", "completions", "construction_completions", "in_production", "abandoned",
        "reserve", "investment_completed", "new_enterprises", "signing_to_production_months",
        "monthly", "monthly_investment", "states", "signed_cumulative")}
    queue: dict[str, dict[str, NDArray]] = {}
    n_ms, n_st = len(MILESTONES), len(STAGES)
    ab_stages = list(ABANDON_STAGES.values())
    # Month index → histogram bin: 0 = before 2014, 1 + year, Y + 1 = at/after the horizon
    # (index -1, i.e. the last entry, holds "before 2014").
    ybin = np.concatenate([1 + np.arange(H) // 12, [Y + 1, 0]]).astype(np.intp)
    # Abandon stage → histogram slot (after the milestones); other values → dropped.
    ab_slot = np.full(256, n_ms + len(ab_stages) + 1, np.intp)
    for i, s in enumerate(ab_stages):
        ab_slot[s] = n_ms + i
    n_slot = n_ms + len(ab_stages) + 2  # + one slot for new enterprises, one for other abandon stages
    for name, sl in zip(names, draws.slices):
        Ms, ats, asts, pm = M[:, sl], at[:, sl], ast[:, sl], draws.valid[:, sl]
        n = Ms.shape[1]
        o = out
        # Month of each milestone, clipped to [-1, H].
        mi = np.floor(np.clip(Ms, -1.0, float(H))).astype(np.intp)
        mia = np.floor(np.clip(ats, -1.0, float(H))).astype(np.intp)
        # Yearly histogram (P, slot, Y + 2) of milestones, abandonments and new enterprises.
        yb = ybin[mi]
        yb[~pm] = Y + 1
        slots = np.empty((P, n, n_ms + 2), np.intp)
        rowoff = (np.arange(P, dtype=np.intp) * n_slot)[:, None]
        slots[..., :n_ms] = (rowoff[:, :, None] + np.arange(n_ms)) * (Y + 2) + yb
        slots[..., n_ms] = (rowoff + ab_slot[asts.astype(np.intp) & 255]) * (Y + 2) + np.where(pm, ybin[mia], Y + 1)
        slots[..., n_ms + 1] = (rowoff + (n_slot - 2)) * (Y + 2) + np.where(draws.is_new[:, sl], yb[..., 9], Y + 1)
        hist = np.bincount(slots.ravel(), minlength=P * n_slot * (Y + 2)).reshape(P, n_slot, Y + 2)
        cum = np.cumsum(hist[..., : Y + 1], axis=-1)[..., 1:]  # counts up to each year end
        R = cum[:, :n_ms].transpose(0, 2, 1)  # (P, Y, milestones)
        A = np.zeros((P, Y, n_ms), np.int64)
        for i, s in enumerate(ab_stages):
            A[..., s] = cum[:, n_ms + i]
        occ_end = np.empty((P, Y, n_st), np.int64)
        occ_end[..., :-2] = R[..., :-1] - R[..., 1:] - A[..., :-1]
        occ_end[..., -2] = R[..., -1]
        occ_end[..., -1] = A.sum(-1)
        year_flow = lambda s: np.ascontiguousarray(hist[:, s, 1: Y + 1])  # noqa: E731
        if Pm:
            occ_m, _ = _occupancy(Ms[:Pm], ats[:Pm], asts[:Pm], pm[:Pm], H)
            o["monthly"][name] = occ_m.astype(np.int32)
        else:
            o["monthly"][name] = np.zeros((0, H, n_st), np.int32)
        o["states"][name] = occ_end.astype(np.int32)
        o["signed_cumulative"][name] = np.ascontiguousarray(R[..., 0])
        o["signed"][name] = year_flow(0)
        o["starts"][name] = year_flow(7)
        o["construction_completions"][name] = year_flow(8)
        o["completions"][name] = year_flow(9)
        o["new_enterprises"][name] = year_flow(n_slot - 2)
        # every abandonment counts, whatever its stage (slot n_slot - 1: any other stage)
        o["abandoned"][name] = hist[:, n_ms: n_ms + len(ab_stages), 1: Y + 1].sum(1) + hist[:, n_slot - 1, 1: Y + 1]
        o["in_production"][name] = np.cumsum(o["completions"][name], axis=1)
        o["reserve"][name] = occ_end[..., :7].sum(-1)
        rate = np.where(pm & np.isfinite(Ms[..., 7]), draws.inv[:, sl] / tl.construction_months[:, sl], 0.0)
        S = _spend_curve(Ms, ats, asts, rate, H)
        o["investment_completed"][name] = S[:, 12::12] - S[:, :-12:12]
        o["monthly_investment"][name] = np.diff(S[:Pm], axis=1)
        lag_sel = pm & (Ms[..., 0] >= 0) & (Ms[..., 9] < H)
        o["signing_to_production_months"][name] = Ms[..., 9][lag_sel] - Ms[..., 0][lag_sel]
        # Month-end number waiting in the approval, land and loan queues (stages 1, 3, 5).
        mb = np.maximum(mi[..., 1:7], 0)
        mb[~pm] = H
        mrow = (np.arange(P, dtype=np.intp) * 6)[:, None, None] + np.arange(6)
        mh = np.bincount((mrow * (H + 1) + mb).ravel(), minlength=P * 6 * (H + 1)).reshape(P, 6, H + 1)
        for res, (ia, ib, st) in {"approval": (1, 2, 1), "land": (3, 4, 3), "loan": (5, 6, 5)}.items():
            waiting = np.cumsum(mh[:, ia - 1, :H] - mh[:, ib - 1, :H], axis=1)
            queue[f"{name}.{res}"] = _queue_stats_fast(Ms[..., ia], Ms[..., ib], pm, waiting, Y)

    lists = {}
    for p, sl in zip(params.programmes, draws.slices):
        if max(p.list_length, p.pre.list_length) > 0:
            build = np.where(np.isfinite(tl.construction_months[:, sl]), tl.construction_months[:, sl], draws.d["construction"][:, sl])
            # The list length is a lever: the history's length for lists selected before the policy start.
            lengths = list_lengths(p, params.policy_start, Y)
            lists[p.name] = provincial_list(M[:, sl], at[:, sl], draws.valid[:, sl], build, Y, lengths,
                                            p.list_selection_month, p.list_max_build_months, reported,
                                            p.list_added_window_months, p.list_planned_starts_first)
    return dict(years=np.asarray(years, np.int64), programmes=names, stages=STAGES, host_ids=dest.host_ids,
                site_pairs=dest.site_pairs, queue=queue, timeline=tl if keep_timeline else None, provincial_list=lists, **out)


def _occupancy(M: NDArray, at: NDArray, ast: NDArray, pm: NDArray, H: int) -> tuple[NDArray, NDArray]:
    """Projects per stage at each month end, and cumulative milestone counts.

    Stage ``s`` holds projects that reached milestone ``s`` but not ``s+1`` and were
    not dropped in it; counting by cumulative milestone counts costs one bincount
    per milestone instead of a state scan per month.
    """
    R = np.stack([_month_cumcounts(M[..., s], pm, H) for s in range(len(MILESTONES))], -1)
    A = np.zeros_like(R)
    for s in ABANDON_STAGES.values():
        A[..., s] = _month_cumcounts(at, pm & (ast == s), H)
    occ = np.empty(R.shape[:2] + (len(STAGES),), np.int64)
    occ[..., :-2] = R[..., :-1] - R[..., 1:] - A[..., :-1]
    occ[..., -2] = R[..., -1]
    occ[..., -1] = A.sum(-1)
    return occ, R


def _spend_curve(M: NDArray, at: NDArray, ast: NDArray, rate: NDArray, H: int) -> NDArray:
    """Cumulative 亿元 spent by each month boundary ``T = 0..H``, per path.

    Spending is linear at ``rate`` from 开工 ``a`` to 竣工 (or abandonment) ``b``, so
    ``S(T) = Σ rate·(T−a)⁺ − Σ rate·(T−b)⁺``; grouping the kinks by month turns this
    into two cumulative bincounts instead of a loop over months.
    """
    P = M.shape[0]
    a = M[..., 7]
    b = np.where(ast == ABANDON_STAGES["construction"], at, M[..., 8])
    S = np.zeros((P, H + 1))
    T = np.arange(H + 1, dtype=float)
    for t, sign in ((a, 1.0), (b, -1.0)):
        sel = t < H
        rows = np.broadcast_to(np.arange(P)[:, None], t.shape)[sel]
        # kink at t counts for every boundary T_k = k > t, i.e. from k = floor(t) + 1
        k = np.clip(np.floor(t[sel]) + 1, 0, H).astype(np.int64)
        r = rate[sel]
        idx = rows * (H + 1) + k
        sum_r = np.cumsum(np.bincount(idx, weights=r, minlength=P * (H + 1)).reshape(P, H + 1), 1)
        sum_rt = np.cumsum(np.bincount(idx, weights=r * t[sel], minlength=P * (H + 1)).reshape(P, H + 1), 1)
        S += sign * (T * sum_r - sum_rt)
    return S


def _revenue(draws: ProjectDraws, M: NDArray, r0: float, H: int, n_host: int, n_site: int,
             gap: NDArray | None = None, cyc: CycleParams | None = None) -> tuple[NDArray, NDArray]:
    """Ramped revenue of projects producing from 2014 on, by host and by site, (P, n, Y).

    Projects producing before 2014 are part of the 2013 base data; only what they
    still gain from ramping up after 2013 is added (:func:`_ramp_tail`).  With a demand ``gap`` (P, Y) each project's ramp-up is stretched or shortened by
    the gap of its 投产 year and each year's revenue is scaled by that year's
    utilisation (:class:`CycleParams`); without it the arithmetic is unchanged.
    A project adds ``full × (I(year end) − I(year start)) / 12`` to each year, ``I``
    being :func:`_ramp_integral`; years ending before it produces add exactly 0
    and are skipped.  Each (path, destination, year) sum keeps the project order
    of a year-by-year bincount, so the floats are the same.
    """
    P, Y = M.shape[0], draws.n_years
    sel = (M[..., 9] >= 0) & (M[..., 9] < H)
    rows = np.broadcast_to(np.arange(P)[:, None], sel.shape)[sel]
    p9, p10 = M[..., 9][sel], M[..., 10][sel]
    full = (draws.inv * draws.ratio)[sel]
    new, pos = draws.is_new[sel], draws.dest[sel]
    ramp = p10 - p9
    if gap is not None and cyc is not None:
        y_prod = np.clip(np.floor(p9 / 12.0), 0, Y - 1).astype(np.int64)
        ramp = ramp * np.exp(-cyc.ramp_elasticity * gap[rows, y_prod])
    # First year that may be non-zero (one year of margin against rounding of p9 / 12).
    y0 = np.clip(np.floor(p9 / 12.0) - 1.0, 0, Y).astype(np.int64)
    cnt = Y + 1 - y0  # year boundaries y0 .. Y per project
    first = np.cumsum(cnt) - cnt
    e = np.repeat(np.arange(len(p9)), cnt)
    k = np.arange(int(cnt.sum())) - first[e] + y0[e]
    integ = np.empty(len(k))
    for c in range(0, len(k), _CHUNK):  # chunks: large temporaries cost more than the arithmetic
        ec = e[c: c + _CHUNK]
        integ[c: c + _CHUNK] = _ramp_integral(12.0 * k[c: c + _CHUNK], p9[ec], ramp[ec], r0)
    hi = np.flatnonzero(k > y0[e])  # boundary k closes year k - 1
    e_hi = e[hi]
    val = full[e_hi] * ((integ[hi] - integ[hi - 1]) / 12.0)
    y = k[hi] - 1
    if gap is not None and cyc is not None:
        val = val * cyc.utilisation(gap)[rows[e_hi], y]
    res = []
    t_rows, t_pos, t_new, t_y, t_val = _ramp_tail(draws, M, r0, Y, gap, cyc)
    for n_out, m, mt in ((n_host, ~new[e_hi], ~t_new), (n_site, new[e_hi], t_new)):
        if n_out:
            idx = (rows[e_hi[m]] * n_out + pos[e_hi[m]]) * Y + y[m]
            out = np.bincount(idx, weights=val[m], minlength=P * n_out * Y).reshape(P, n_out, Y)
            if mt.any():
                idx_t = (t_rows[mt] * n_out + t_pos[mt]) * Y + t_y[mt]
                out = out + np.bincount(idx_t, weights=t_val[mt], minlength=P * n_out * Y).reshape(P, n_out, Y)
            res.append(out)
        else:
            res.append(np.zeros((P, 0, Y)))
    return res[0], res[1]


def _ramp_tail(draws: ProjectDraws, M: NDArray, r0: float, Y: int, gap: NDArray | None,
               cyc: CycleParams | None) -> tuple[NDArray, NDArray, NDArray, NDArray, NDArray]:
    """Revenue gained after 2013 by projects producing before 2014 and still ramping up in 2013.

    Their 2013 revenue is in the base data; what they add later is the rest of
    their ramp-up: ``full × ((I(y end) − I(y start)) − (I(0) − I(−12))) / 12`` in year
    ``y`` (``I``: :func:`_ramp_integral`), scaled by the year's utilisation when a
    cycle is given.  Returns (path row, destination, new-entrant flag, year, value)
    per (project, year).
    """
    sel = (M[..., 9] < 0) & (M[..., 10] > -12.0) & draws.valid
    rows = np.broadcast_to(np.arange(M.shape[0])[:, None], sel.shape)[sel]
    p9, p10 = M[..., 9][sel], M[..., 10][sel]
    full = (draws.inv * draws.ratio)[sel]
    ramp = p10 - p9
    base = _ramp_integral(0.0, p9, ramp, r0) - _ramp_integral(-12.0, p9, ramp, r0)
    k = 12.0 * np.arange(Y + 1)
    integ = _ramp_integral(k[None, :], p9[:, None], ramp[:, None], r0)  # (n, Y + 1)
    val = full[:, None] * ((np.diff(integ, axis=1) - base[:, None]) / 12.0)
    if gap is not None and cyc is not None:
        val = val * cyc.utilisation(gap)[rows]
    n = len(p9)
    return (np.repeat(rows, Y), np.repeat(draws.dest[sel], Y), np.repeat(draws.is_new[sel], Y),
            np.tile(np.arange(Y), n), val.ravel())


def _queue_stats_fast(arr: NDArray, start: NDArray, mask: NDArray, waiting: NDArray, Y: int) -> dict[str, NDArray]:
    """:func:`_queue_stats` without the loop over years.

    The time waiting in each year is summed only over (project, year) pairs that
    can overlap; the pairs left out add exactly 0, and each (path, year) sum keeps
    the project order, so the floats are the same.
    """
    P = arr.shape[0]
    sel = mask & (arr < 12.0 * Y) & (start >= 0)
    rows = np.broadcast_to(np.arange(P)[:, None], arr.shape)[sel]
    a, b = arr[sel], start[sel]
    w = np.flatnonzero(b > a)  # projects that wait at all
    aw, bw = a[w], b[w]
    # Years possibly overlapped: a margin of one year below against rounding of a / 12.
    ya = np.clip(np.floor(aw / 12.0) - 1.0, 0, Y - 1).astype(np.int64)
    yb = np.clip(np.floor(np.minimum(bw, 12.0 * Y) / 12.0), 0, Y - 1).astype(np.int64)
    cnt = yb - ya + 1
    first = np.cumsum(cnt) - cnt
    e = np.repeat(np.arange(len(w)), cnt)
    yy = np.arange(int(cnt.sum())) - first[e] + ya[e]
    lo = 12.0 * yy
    ov = _overlap(aw[e], bw[e], lo, lo + 12)
    mean_len = np.bincount(rows[w][e] * Y + yy, weights=ov, minlength=P * Y).reshape(P, Y) / 12.0
    in_h = b < 12.0 * Y
    idx = rows[in_h] * Y + np.floor(b[in_h] / 12.0).astype(np.int64)
    served = np.bincount(idx, minlength=P * Y).reshape(P, Y)
    wait = np.bincount(idx, weights=(b - a)[in_h], minlength=P * Y).reshape(P, Y)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_wait = np.where(served > 0, wait / np.maximum(served, 1), np.nan)
    max_len = waiting.reshape(P, Y, 12).max(-1)
    return {"mean_length": mean_len, "max_length": max_len, "mean_wait_months": mean_wait}


# ----------------------------------------------------------------------------- entry point


def _years(years: Sequence[int] | int, first_year: int) -> NDArray[np.int64]:
    """Normalise ``years`` to consecutive calendar years starting at ``first_year``."""
    ys = np.arange(first_year, first_year + years) if isinstance(years, (int, np.integer)) else np.asarray(list(years), np.int64)
    if len(ys) == 0 or ys[0] != first_year or np.any(np.diff(ys) != 1):
        raise ValueError(f"years must be consecutive and start at {first_year}, got {list(ys)[:5]}...")
    return ys


def simulate_pipeline(
    params: PipelineParams,
    destinations: Destinations | Mapping[str, Destinations],
    n_paths: int,
    years: Sequence[int] | int,
    seed: np.random.SeedSequence | int,
    *,
    path_offset: int = 0,
    monthly_paths: int | None = None,
    keep_timeline: bool = False,
    cycle: NDArray | None = None,
    list_condition: ListCondition | None = None,
) -> PipelineResult:
    """Simulate the major-project pipeline for a block of Monte Carlo paths.

    Parameters
    ----------
    params : PipelineParams
        From :meth:`PipelineParams.from_levers`.
    destinations : Destinations or mapping programme → Destinations
        Candidate hosts (expansions) and (park, cluster) sites (new entrants).
    n_paths : int
        Paths in this block.
    years : sequence of int or int
        Consecutive simulated years starting at ``params.first_year`` (2014), or their count.
    seed : SeedSequence or int
        Root seed. Results depend only on it and the global path indices.
    path_offset : int
        Global index of this block's first path (blocks of one run share ``seed``).
    monthly_paths : int, optional
        Keep the monthly snapshot for the first ``monthly_paths`` paths only.
    keep_timeline : bool
        Keep per-project milestone times in ``result.timeline``.
    cycle : ndarray (n_paths, years), optional
        The paths' business cycle from the growth layer: deviation of demand log growth
        from its trend each year.  Producing projects' utilisation and ramp-up respond
        to it (:class:`CycleParams`); ``None``: no response (the SimPy reference's case).
    list_condition : ListCondition, optional
        A project dispatch table's reported 开工 and 投产 of the listed programme's year
        up to its report month: the listed projects' milestones are moved to that state
        on every path (:func:`model.list_condition.condition_timeline`), and everything
        (list counts, stocks, later years, revenue, investment) follows from them.

    Returns
    -------
    PipelineResult
    """
    return finish_pipeline(prepare_pipeline(params, destinations, n_paths, years, seed, path_offset=path_offset),
                           monthly_paths=monthly_paths, keep_timeline=keep_timeline, cycle=cycle, list_condition=list_condition)


@dataclass
class PipelineDraft:
    """The part of a block's pipeline that no business cycle changes: draws and milestones.

    Structural variants change the growth layer, hence the cycle, but never the
    pipeline's draws or milestones; :func:`finish_pipeline` on one draft with each
    variant's cycle gives, float for float, what :func:`simulate_pipeline` gives.
    """

    params: PipelineParams
    dest: _DestIndex
    years: NDArray[np.int64]
    draws: ProjectDraws
    timeline: Timeline
    _flows: dict[tuple, dict[str, Any]] = field(default_factory=dict)
    _by_table: dict[int, tuple] = field(default_factory=dict)  # id(ListCondition) -> (it, timeline, its year's list)

    def conditioned(self, list_condition: ListCondition | None) -> "tuple[Timeline, ReportedList | None]":
        """The timeline under a project dispatch table's state, and its year's list (computed once per table)."""
        if list_condition is None:
            return self.timeline, None
        key = id(list_condition)
        if key not in self._by_table:  # the condition is kept so that its id is not reused
            self._by_table[key] = (list_condition, *_conditioned(self.draws, self.timeline, self.params, list_condition))
        return self._by_table[key][1:]

    def with_params(self, params: PipelineParams) -> "PipelineDraft":
        """The same draws and milestones finished under ``params`` (another cycle or list rule).

        Raises
        ------
        ValueError
            If ``params`` would draw other projects or milestones (see :func:`draw_params`).
        """
        if params is self.params:
            return self
        if draw_params(params) != draw_params(self.params):
            raise ValueError("PipelineDraft.with_params: the parameters differ in more than the cycle and the list rule")
        return PipelineDraft(params, self.dest, self.years, self.draws, self.timeline)

    def flows(self, monthly_paths: int | None, keep_timeline: bool, list_condition: ListCondition | None = None) -> dict[str, Any]:
        """Flows, stocks, queues and lists (computed once per set of options)."""
        key = (monthly_paths, keep_timeline, id(list_condition))
        if key not in self._flows:
            tl, reported = self.conditioned(list_condition)
            self._flows[key] = _flows_and_stocks(self.draws, tl, self.params, self.dest, self.years, monthly_paths, keep_timeline, reported)
        return self._flows[key]


#: ProgrammeParams fields only :func:`finish_pipeline` reads (the list rule), with their defaults.
_LIST_RULE_DEFAULTS = dict(list_length=0, list_selection_month=3.0, list_max_build_months=math.inf,
                           list_added_window_months=0.0, list_planned_starts_first=False)


def draw_params(params: PipelineParams) -> PipelineParams:
    """``params`` without what only :func:`finish_pipeline` reads (the cycle and the list rule).

    Two parameter sets with equal ``draw_params`` draw the same projects and milestones, so
    one :class:`PipelineDraft` serves both (:meth:`PipelineDraft.with_params`).
    """
    def strip(p: ProgrammeParams | None) -> ProgrammeParams | None:
        return None if p is None else replace(p, history=strip(p.history), **_LIST_RULE_DEFAULTS)

    return replace(params, cycle=CycleParams(), programmes=tuple(strip(p) for p in params.programmes))


def prepare_pipeline(
    params: PipelineParams,
    destinations: Destinations | Mapping[str, Destinations],
    n_paths: int,
    years: Sequence[int] | int,
    seed: np.random.SeedSequence | int,
    *,
    path_offset: int = 0,
) -> PipelineDraft:
    """Draw a block's projects and their milestones (see :func:`simulate_pipeline` for the parameters)."""
    if n_paths < 1 or path_offset < 0:
        raise ValueError(f"need n_paths >= 1 and path_offset >= 0, got {n_paths}, {path_offset}")
    ys = _years(years, params.first_year)
    dest = _index_destinations(destinations, params.names)
    draws = draw_projects(params, dest, n_paths, len(ys), seed, path_offset)
    return PipelineDraft(params, dest, ys, draws, fast_timeline(draws, params))


def finish_pipeline(draft: PipelineDraft, *, monthly_paths: int | None = None, keep_timeline: bool = False,
                    cycle: NDArray | None = None, list_condition: ListCondition | None = None) -> PipelineResult:
    """The block's result under the paths' ``cycle`` (see :func:`simulate_pipeline`)."""
    draws, params = draft.draws, draft.params
    tl = draft.conditioned(list_condition)[0]
    n_paths, n_years = draws.shape[0], len(draft.years)
    if cycle is not None and np.shape(cycle) != (n_paths, n_years):
        raise ValueError(f"cycle must have shape (n_paths, years) = {(n_paths, n_years)}, got {np.shape(cycle)}")
    result = _with_revenue(draws, tl, params, draft.dest, draft.flows(monthly_paths, keep_timeline, list_condition), cycle)
    gap = None if cycle is None else params.cycle.gap(np.asarray(cycle, float))
    # Enterprise counts need every new entrant as its own firm, not summed by site (model/entrants.py).
    result.entrants = entrant_firms(draws, tl, params.ramp_start_share, gap, params.cycle)
    return result
