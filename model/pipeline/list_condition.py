"""A project dispatch table's reported state imposed on the simulated 百项 list: which projects have started and produce.

The simulated projects are anonymous draws, so a table row does not name a
simulated project. What the table fixes is the list's state at the report month:
how many of its projects reached 开工 and how many reached 投产 in January to the
report month, and on which dates. :func:`condition_timeline` makes each path's
listed projects agree with it, by moving as few projects across the report month
as the counts require, and always those the path has closest to the reported stage:

* **投产 (completions).** The path's projects known at the report month (listed in
  the first quarter, or added and started by the report month) are ranked by their
  simulated 投产 time. The ``k`` most advanced produce by the report month, at the
  ``k`` reported dates (in rank order); if the path had fewer, the next ones in
  line (under construction, due soonest) are brought forward; if it had more, the
  latest of them are late: their commissioning (竣工 → 投产) is their own draw of it
  conditioned on lasting past the report month (:func:`_pending`), so they produce
  after it, mostly within a few months as the model's commissioning law says.
* **开工 (starts).** Then among the rest (a project producing by the report month
  keeps its start), the same for 开工: projects not started by the report month are
  brought forward in the order of their simulated start (the next due first, to the
  latest reported dates), or the latest simulated starts are late: their start
  preparation (funded → 开工) is their own draw conditioned on lasting past the
  report month. A start brought forward never brings the project's 投产 before the
  report month (it would be an unreported completion).
* **A move shifts the project's construction chain** (开工, 竣工, 投产, 达产, and a
  construction abandonment; from 投产 on for a late commissioning) by the same
  months: its construction time, spending per month, total investment and ramp-up
  are unchanged, only earlier or later; the milestones before 开工 are pulled back
  when a start moves before them, and a start never moves before the signing (the
  construction is shortened in that corner).

Choosing the most advanced projects is the least change to each path that agrees
with the table (sorted matching moves the fewest months): the table says which
projects are done, not that the rest of the list goes faster. So a table far ahead
of the simulation (50 completions by June where the paths have about 13) takes the
list's next completions from the following months: the year's completions are
about 50, and the next year's fall (the stock due then has produced). A table
behind it only delays, by the model's own law of the late stage: the year's total
barely moves. Neither changes the model's pace for the other projects.

Everything downstream follows from the moved milestones on every path: the year's
list counts are the events among the known projects (the reported ones by the report
month, the simulated ones after it) plus the list's simulated additions after the
report month, with no project counted twice; a project reported producing does not
produce again, so the next year's stock is depleted; the producing projects'
revenue, the investment and the enterprise counts move with them. The list's
membership in the conditioned year is the one selected from the unconditioned
stock (the table is that list); later years select from the conditioned stock.

When a path has fewer candidate projects than the table reports (e.g. 100
completions against a list with 80 buildable projects), the reported events it
cannot place are counted as reported (``unmatched_*``) and have no simulated
project: the counts stay the reported floor, the stock cannot be depleted further.

Not conditioned: 竣工 of projects not producing (a project reported 竣工 but not 投产
may be built later or earlier in the simulation; it is neither a start nor a
completion of the list), the list's projects started before the year, the
investment reported (validated, summed, not used), and programmes other than the
listed one (``gz_1yi``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr, ndtri

from .draws import ProjectDraws
from .lists import ListCondition, ReportedList, list_lengths, list_membership
from .params import PipelineParams
from .timeline import ABANDON_STAGES, Timeline

__all__ = ["ReportedList", "condition_timeline", "condition_list"]

_START, _DONE, _PRODUCING = 7, 8, 9  # milestone indices: 开工, 竣工, 投产


def _shift_chain(M: NDArray, at: NDArray, ast: NDArray, con: NDArray, delta: NDArray, first: int = _START) -> None:
    """Shift milestones ``first``..达产 (and a construction abandonment) by ``delta`` (P, n) in place, keeping their order."""
    moved = delta != 0
    if not moved.any():
        return
    Ms = M[moved]  # (k, 11) copy
    d = delta[moved]
    Ms[:, first:] += d[:, None]
    # A start never before the signing (nor after 竣工): construction is compressed only in that corner.
    Ms[:, _START] = np.minimum(np.maximum(Ms[:, _START], Ms[:, 0]), Ms[:, _DONE])
    for k in range(_START - 1, -1, -1):  # earlier milestones pulled back where a start moved before them
        Ms[:, k] = np.minimum(Ms[:, k], Ms[:, k + 1])
    M[moved] = Ms
    ab = moved & (ast == ABANDON_STAGES["construction"]) & (first <= _START)
    at[ab] += delta[ab]
    built = moved & np.isfinite(M[..., _DONE])
    con[built] = M[..., _DONE][built] - M[..., _START][built]


def _pending(elapsed: NDArray, drawn: NDArray, law: tuple[float, float]) -> NDArray:
    """A late stage's duration: its own draw, conditioned on exceeding ``elapsed``.

    The stage's duration is lognormal (``law`` = median, sigma of log) and was drawn
    by the inverse CDF at ``u = F(drawn)``. A draw that already exceeds ``elapsed``
    stands. One that does not (``u < F(elapsed)``, the projects the table makes late)
    is uniform on [0, F(elapsed)), so ``u / F(elapsed)`` is uniform on [0, 1) and
    ``F⁻¹(F(elapsed) + u / F(elapsed) · (1 − F(elapsed)))`` is a draw from the tail
    beyond ``elapsed`` (common random numbers: a longer draw stays longer).
    """
    median, sigma = law
    z = lambda t: np.log(np.maximum(t, 1e-12) / median) / sigma  # noqa: E731
    fe, u = ndtr(z(elapsed)), ndtr(z(drawn))
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(u < fe, fe + np.where(fe > 0, u / fe, 0.0) * (1.0 - fe), u)
    q = np.clip(q, 1e-12, 1.0 - 1e-12)
    return np.maximum(median * np.exp(sigma * ndtri(q)), elapsed + 1e-9)


def _ranks(key: NDArray) -> NDArray:
    """Rank of each entry in its row (0 = smallest; ties by column)."""
    order = np.argsort(key, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(key.shape[1])[None, :], axis=1)
    return rank


def _dates(months: tuple[float, ...]) -> NDArray:
    return np.sort(np.asarray(months, float))


def condition_timeline(tl: Timeline, draws: ProjectDraws, params: PipelineParams, condition: ListCondition) -> tuple[Timeline, ReportedList | None]:
    """The timeline with the listed programme's projects moved to the table's state (see the module docstring).

    Parameters
    ----------
    tl : Timeline
        The unconditioned milestones (not modified).
    draws : ProjectDraws
    params : PipelineParams
        Its listed programme is the one with ``list_length > 0`` (``jx_major``).
    condition : ListCondition
        The reported 开工 and 投产 dates of the year's list up to the report month.

    Returns
    -------
    (Timeline, ReportedList or None)
        A new timeline (the input's arrays are copied), and the conditioned year's
        membership and unmatched counts; ``(tl, None)`` when no programme has a list
        or the year is beyond the simulated ones.
    """
    listed_prog = [(p, sl) for p, sl in zip(params.programmes, draws.slices) if max(p.list_length, p.pre.list_length) > 0]
    if not listed_prog or condition.year_index >= draws.n_years:
        return tl, None
    p, sl = listed_prog[0]
    con = tl.construction_months[:, sl]
    build = np.where(np.isfinite(con), con, draws.d["construction"][:, sl])
    M, at, con, reported = condition_list(tl.times[:, sl], tl.abandon_time[:, sl], tl.abandon_stage[:, sl], con, draws.valid[:, sl], build,
                                          list_lengths(p, params.policy_start, draws.n_years)[condition.year_index],
                                          p.list_selection_month, p.list_max_build_months, condition,
                                          {k: p.durations[k] for k in ("start_prep", "commissioning")},
                                          p.list_added_window_months, p.list_planned_starts_first)
    times, abandon_time, construction = tl.times.copy(order="K"), tl.abandon_time.copy(), tl.construction_months.copy()  # K: keeps the milestone planes
    times[:, sl], abandon_time[:, sl], construction[:, sl] = M, at, con
    return Timeline(times, abandon_time, tl.abandon_stage, construction), reported


def condition_list(times: NDArray, abandon_time: NDArray, abandon_stage: NDArray, construction_months: NDArray, valid: NDArray,
                   build_months: NDArray, length: int, selection_month: float, max_build_months: float,
                   condition: ListCondition, laws: dict[str, tuple[float, float]],
                   added_window: float = 0.0, planned_starts_first: bool = False) -> tuple[NDArray, NDArray, NDArray, ReportedList]:
    """One listed programme's milestones moved to the table's state (the arrays of :func:`condition_timeline`).

    Parameters
    ----------
    times : ndarray (P, n, 11)
    abandon_time, abandon_stage, construction_months, valid, build_months : ndarray (P, n)
        As in :class:`model.pipeline.Timeline`; ``build_months`` as in :func:`model.pipeline.list_membership`.
    length, selection_month, max_build_months, added_window, planned_starts_first
        The list's rule (:func:`model.pipeline.list_membership`).
    condition : ListCondition
    laws : dict
        ``start_prep`` and ``commissioning``: (median months, sigma of log) of the
        programme's lognormal durations (for projects late on the table's state).

    Returns
    -------
    times, abandon_time, construction_months : ndarray
        New arrays (the inputs are not modified).
    ReportedList
    """
    M, at, ast, con = times.copy(), abandon_time.copy(), abandon_stage, construction_months.copy()
    y = condition.year_index
    y0, cut = 12.0 * y, 12.0 * y + condition.month
    listed, added = list_membership(M, at, valid, build_months, y, length, selection_month, max_build_months,
                                    added_window=added_window, planned_starts_first=planned_starts_first)
    known = listed | (added & (M[..., _START] < cut))  # the projects the table reports on
    delta = np.zeros(M.shape[:2])

    # 投产: the most advanced known projects produce by the report month, at the reported dates.
    done = _dates(condition.producing_months)
    r9 = len(done)
    t9 = M[..., _PRODUCING]
    key = np.where(known & np.isfinite(t9) & (t9 >= y0), t9, np.inf)
    rank = _ranks(key)
    n_cand = np.isfinite(key).sum(1)
    producing = (rank < r9) & np.isfinite(key)
    unmatched_c = np.maximum(r9 - n_cand, 0)
    if r9:
        delta[producing] = (y0 + done[np.minimum(rank, r9 - 1)] - t9)[producing]
    _shift_chain(M, at, ast, con, delta)
    moved = delta != 0
    # the path had them producing, the table does not: their commissioning lasts beyond the report month
    late = np.isfinite(key) & (rank >= r9) & (t9 < cut)
    delta = np.zeros(M.shape[:2])
    t8 = M[..., _DONE][late]
    delta[late] = t8 + _pending(cut - t8, t9[late] - t8, laws["commissioning"]) - t9[late]
    _shift_chain(M, at, ast, con, delta, first=_PRODUCING)
    moved |= delta != 0

    # 开工: among the rest, the next starts brought forward or the latest ones delayed.
    starts = _dates(condition.start_months)
    r7 = len(starts)
    t7, t9 = M[..., _START], M[..., _PRODUCING]
    in_window = known & (t7 >= y0) & (t7 < cut)
    need = r7 - in_window.sum(1)  # (P,) > 0: bring forward; < 0: delay
    free = known & ~producing
    delta = np.zeros(M.shape[:2])
    ahead = np.where(free & np.isfinite(t7) & (t7 >= cut), t7, np.inf)
    rank = _ranks(ahead)
    n_ahead = np.isfinite(ahead).sum(1)
    take = np.isfinite(ahead) & (rank < need[:, None])
    if r7 and take.any():
        # the moved ones take the latest reported dates, in the order they were due
        idx = np.clip(r7 - np.minimum(need, n_ahead)[:, None] + rank, 0, r7 - 1)
        t = y0 + starts[idx]
        t = np.maximum(t, M[..., 0])  # never before the signing
        lead = np.where(take & np.isfinite(t9), t9 - np.where(take, t7, 0.0), np.inf)  # a start brought forward keeps 投产 after the report month
        t = np.where(np.isfinite(lead), np.maximum(t, cut - lead), t)
        delta[take] = t[take] - t7[take]
    unmatched_s = np.maximum(need - n_ahead, 0)
    behind = np.where(free & in_window, -t7, np.inf)  # latest start first
    rank = _ranks(behind)
    drop = np.isfinite(behind) & (rank < (-need)[:, None])
    # the path had them started, the table does not: their preparation lasts beyond the report month
    t6 = M[..., _START - 1][drop]
    delta[drop] = t6 + _pending(cut - t6, t7[drop] - t6, laws["start_prep"]) - t7[drop]
    _shift_chain(M, at, ast, con, delta)
    moved |= delta != 0

    return M, at, con, ReportedList(y, listed, added, unmatched_s.astype(np.int64), unmatched_c.astype(np.int64), moved)
