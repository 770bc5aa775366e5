"""What a block of paths of the pipeline gives: :class:`PipelineResult`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Sequence

import numpy as np
from numpy.typing import NDArray

from .timeline import Timeline

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["PipelineResult"]


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
    # model.pipeline.entrants.EntrantFirms, each new entrant as its own firm (for enterprise counts). Set by
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
