"""The pipeline's entry points: :func:`simulate_pipeline`, and its two halves for structural variants.

:func:`prepare_pipeline` draws a block's projects and milestones (no business cycle
changes them); :func:`finish_pipeline` turns them into a :class:`PipelineResult`
under the paths' cycle.  The SimPy reference (:mod:`model.pipeline.reference`) runs
the same code with its own timeline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from .aggregate import _conditioned, _flows_and_stocks, _with_revenue
from .destinations import Destinations, _DestIndex, _index_destinations
from .draws import ProjectDraws, draw_projects
from .entrants import entrant_firms
from .lists import ListCondition, ReportedList
from .params import CycleParams, PipelineParams, ProgrammeParams
from .result import PipelineResult
from .timeline import Timeline, fast_timeline

__all__ = ["simulate_pipeline", "PipelineDraft", "draw_params", "prepare_pipeline", "finish_pipeline"]


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
        on every path (:func:`model.pipeline.list_condition.condition_timeline`), and everything
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

    def conditioned(self, list_condition: ListCondition | None) -> tuple[Timeline, ReportedList | None]:
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
        if replace(params, cycle=CycleParams()) == replace(self.params, cycle=CycleParams()):
            # Another cycle only: the flows, stocks and lists do not depend on it, so they are computed once for both.
            return PipelineDraft(params, self.dest, self.years, self.draws, self.timeline, self._flows, self._by_table)
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
    return _prepare(params, destinations, n_paths, years, seed, path_offset, fast_timeline)


def _prepare(params: PipelineParams, destinations: Destinations | Mapping[str, Destinations], n_paths: int,
             years: Sequence[int] | int, seed: np.random.SeedSequence | int, path_offset: int,
             timeline: Callable[[ProjectDraws, PipelineParams], Timeline]) -> PipelineDraft:
    """:func:`prepare_pipeline` with the milestones computed by ``timeline``.

    :func:`fast_timeline` (the runs) or the SimPy reference's
    :func:`model.pipeline.reference.plain_timeline`: everything else is the same code.
    """
    if n_paths < 1 or path_offset < 0:
        raise ValueError(f"need n_paths >= 1 and path_offset >= 0, got {n_paths}, {path_offset}")
    ys = _years(years, params.first_year)
    dest = _index_destinations(destinations, params.names)
    draws = draw_projects(params, dest, n_paths, len(ys), seed, path_offset)
    return PipelineDraft(params, dest, ys, draws, timeline(draws, params))


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
    # Enterprise counts need every new entrant as its own firm, not summed by site (entrants.py).
    result.entrants = entrant_firms(draws, tl, params.ramp_start_share, gap, params.cycle)
    return result
