"""From per-project milestones to yearly, monthly and per-destination arrays (:class:`PipelineResult`).

Year-end stocks and yearly flows come from one histogram per programme of the
month each milestone (and abandonment) falls in; the month-by-month stage
counts are only built for the ``monthly_paths`` kept and, for the three
waiting stages, for the yearly maximum queue length.  All counts are integers
and all float sums keep the element order of the straightforward
month-by-month computation, so the result does not depend on this shortcut.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from numpy.typing import NDArray

from .destinations import _DestIndex
from .draws import ProjectDraws
from .list_condition import condition_timeline
from .lists import ListCondition, ReportedList, list_lengths, provincial_list
from .params import PipelineParams
from .result import PipelineResult
from .revenue import _revenue
from .timeline import ABANDON_STAGES, MILESTONES, STAGES, Timeline


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


def _conditioned(draws: ProjectDraws, tl: Timeline, params: PipelineParams,
                 list_condition: ListCondition | None) -> tuple[Timeline, ReportedList | None]:
    """The timeline moved to a project dispatch table's state (unchanged without one)."""
    if list_condition is None:
        return tl, None
    return condition_timeline(tl, draws, params, list_condition)


def _with_revenue(draws: ProjectDraws, tl: Timeline, params: PipelineParams, dest: _DestIndex, flows: dict[str, Any],
                  cycle: NDArray | None) -> PipelineResult:
    """The flows plus the revenue projects add under the paths' ``cycle``."""
    gap = None if cycle is None else params.cycle.gap(np.asarray(cycle, float))
    rev_old, rev_new = _revenue(draws, tl.times, params.ramp_start_share, int(draws.horizon), len(dest.host_ids), len(dest.site_pairs), gap, params.cycle)
    return PipelineResult(revenue_to_existing=rev_old, revenue_to_new=rev_new, **flows)


def _flows_and_stocks(draws: ProjectDraws, tl: Timeline, params: PipelineParams, dest: _DestIndex, years: Sequence[int],
                      monthly_paths: int | None, keep_timeline: bool, reported: ReportedList | None = None) -> dict[str, Any]:
    """Everything a :class:`PipelineResult` holds except the revenue: it does not depend on the cycle.

    ``tl`` is the timeline already conditioned on a project dispatch table when
    ``reported`` (its conditioned year's list) is given.
    """
    Y, H = draws.n_years, int(draws.horizon)
    P = draws.shape[0]
    Pm = len(range(P)[:monthly_paths])  # paths with a monthly snapshot (slice semantics)
    out: dict[str, dict[str, Any]] = {k: {} for k in (
        "signed", "starts", "completions", "construction_completions", "in_production", "abandoned",
        "reserve", "investment_completed", "new_enterprises", "signing_to_production_months",
        "monthly", "monthly_investment", "states", "signed_cumulative")}
    queue: dict[str, dict[str, NDArray]] = {}
    for name, sl in zip(params.names, draws.slices):
        times, abandon_time, abandon_stage, valid = tl.times[:, sl], tl.abandon_time[:, sl], tl.abandon_stage[:, sl], draws.valid[:, sl]
        # Month of each milestone and abandonment, clipped to [-1, H].
        clipped = np.clip(times, -1.0, float(H))
        milestone_month = np.floor(clipped, out=clipped).astype(np.intp)
        abandon_month = np.floor(np.clip(abandon_time, -1.0, float(H))).astype(np.intp)
        hist = _yearly_histogram(milestone_month, abandon_month, abandon_stage, valid, draws.is_new[:, sl], Y, H)
        for key, arr in _yearly_flows(hist, Y).items():
            out[key][name] = arr
        if Pm:
            out["monthly"][name] = _occupancy(times[:Pm], abandon_time[:Pm], abandon_stage[:Pm], valid[:Pm], H).astype(np.int32)
        else:
            out["monthly"][name] = np.zeros((0, H, len(STAGES)), np.int32)
        rate = np.where(valid & np.isfinite(times[..., 7]), draws.inv[:, sl] / tl.construction_months[:, sl], 0.0)
        spent = _spend_curve(times, abandon_time, abandon_stage, rate, H)
        out["investment_completed"][name] = spent[:, 12::12] - spent[:, :-12:12]
        out["monthly_investment"][name] = np.diff(spent[:Pm], axis=1)
        lag_sel = valid & (times[..., 0] >= 0) & (times[..., 9] < H)
        out["signing_to_production_months"][name] = times[..., 9][lag_sel] - times[..., 0][lag_sel]
        for res, stats in _queues(times, milestone_month, valid, H, Y).items():
            queue[f"{name}.{res}"] = stats
    return dict(years=np.asarray(years, np.int64), programmes=params.names, stages=STAGES, host_ids=dest.host_ids,
                site_pairs=dest.site_pairs, queue=queue, timeline=tl if keep_timeline else None,
                provincial_list=_lists(draws, tl, params, reported), **out)


#: Abandonment stages with a histogram slot of their own (index into :data:`STAGES`).
_AB_STAGES = tuple(ABANDON_STAGES.values())
#: Histogram slots: the milestones, the abandonment stages, new enterprises, abandonments in any other stage.
_N_SLOT = len(MILESTONES) + len(_AB_STAGES) + 2
#: Queues: (milestone entering it, milestone leaving it); they are stages 1, 3 and 5.
_QUEUES = {"approval": (1, 2), "land": (3, 4), "loan": (5, 6)}


def _yearly_histogram(milestone_month: NDArray, abandon_month: NDArray, abandon_stage: NDArray, valid: NDArray,
                      is_new: NDArray, Y: int, H: int) -> NDArray:
    """Per path, the number of each event in each year: (P, slot, Y + 2) int.

    Slots (``_N_SLOT``): each milestone, each abandonment stage of :data:`ABANDON_STAGES`,
    new enterprises (new entrants reaching 投产), abandonments in any other stage.  Year
    bins: 0 = before the first simulated year, ``1 + y`` = year ``y``, ``Y + 1`` = at or
    after the horizon (and padding slots).
    """
    P, n = valid.shape
    n_ms, L = len(MILESTONES), Y + 2
    # Month index → year bin (index -1, i.e. the last entry, holds "before the first year").
    ybin = np.concatenate([1 + np.arange(H) // 12, [Y + 1, 0]]).astype(np.intp)
    # Abandon stage → slot (after the milestones); other values → the last slot.
    ab_slot = np.full(256, n_ms + len(_AB_STAGES) + 1, np.intp)
    for i, s in enumerate(_AB_STAGES):
        ab_slot[s] = n_ms + i
    # The stage as a byte, as ``& 255`` of the integer gives it (a view for one-byte stages).
    stage_byte = abandon_stage.view(np.uint8) if abandon_stage.dtype.itemsize == 1 else abandon_stage.astype(np.intp) & 255
    rowoff = (np.arange(P, dtype=np.intp) * _N_SLOT)[:, None]
    # Counts are integers: three contiguous bincounts added give the counts of one.
    idx = ybin[milestone_month]
    idx[~valid] = Y + 1
    new = (rowoff + (_N_SLOT - 2)) * L + np.where(is_new, idx[..., 9], Y + 1)
    idx += ((rowoff + np.arange(n_ms)) * L)[:, None, :]
    hist = np.bincount(idx.ravel(), minlength=P * _N_SLOT * L)
    hist += np.bincount(new.ravel(), minlength=P * _N_SLOT * L)
    ab = (rowoff + ab_slot[stage_byte]) * L + np.where(valid, ybin[abandon_month], Y + 1)
    hist += np.bincount(ab.ravel(), minlength=P * _N_SLOT * L)
    return hist.reshape(P, _N_SLOT, L)


def _stage_counts(reached: NDArray, dropped: NDArray) -> NDArray:
    """Projects in each stage, (..., stages), from cumulative counts (..., milestones).

    ``reached``: projects that reached each milestone; ``dropped``: projects abandoned in
    each stage (zero outside :data:`ABANDON_STAGES`).  Stage ``s`` holds the projects that
    reached milestone ``s`` but not ``s+1`` and were not dropped in it.
    """
    occ = np.empty(reached.shape[:-1] + (len(STAGES),), np.int64)
    occ[..., :-2] = reached[..., :-1] - reached[..., 1:] - dropped[..., :-1]
    occ[..., -2] = reached[..., -1]
    occ[..., -1] = dropped.sum(-1)
    return occ


def _yearly_flows(hist: NDArray, Y: int) -> dict[str, NDArray]:
    """Yearly flows and year-end stocks of one programme from its :func:`_yearly_histogram`."""
    n_ms = len(MILESTONES)
    to_year_end = np.cumsum(hist[..., : Y + 1], axis=-1)[..., 1:]  # counts up to each year end
    reached = to_year_end[:, :n_ms].transpose(0, 2, 1)  # (P, Y, milestones)
    dropped = np.zeros(reached.shape, np.int64)
    for i, s in enumerate(_AB_STAGES):
        dropped[..., s] = to_year_end[:, n_ms + i]
    states = _stage_counts(reached, dropped)

    def in_year(slot: int) -> NDArray:
        return np.ascontiguousarray(hist[:, slot, 1: Y + 1])

    completions = in_year(MILESTONES.index("producing"))
    return {
        "states": states.astype(np.int32),
        "signed_cumulative": np.ascontiguousarray(reached[..., 0]),
        "signed": in_year(MILESTONES.index("signed")),
        "starts": in_year(MILESTONES.index("started")),
        "construction_completions": in_year(MILESTONES.index("completed")),
        "completions": completions,
        "new_enterprises": in_year(_N_SLOT - 2),
        # every abandonment counts, whatever its stage (slot _N_SLOT - 1: any other stage)
        "abandoned": hist[:, n_ms: n_ms + len(_AB_STAGES), 1: Y + 1].sum(1) + hist[:, _N_SLOT - 1, 1: Y + 1],
        "in_production": np.cumsum(completions, axis=1),
        "reserve": states[..., :STAGES.index("construction")].sum(-1),
    }


def _queues(times: NDArray, milestone_month: NDArray, valid: NDArray, H: int, Y: int) -> dict[str, dict[str, NDArray]]:
    """Yearly statistics (:func:`_queue_stats_fast`) of the approval, land and loan queues of one programme."""
    P = valid.shape[0]
    # Month-end number waiting: projects that entered the queue by then minus those that left it.
    month = np.maximum(milestone_month[..., 1:7], 0)
    month[~valid] = H
    month += ((np.arange(P, dtype=np.intp) * 6)[:, None, None] + np.arange(6)) * (H + 1)
    per_month = np.bincount(month.ravel(), minlength=P * 6 * (H + 1)).reshape(P, 6, H + 1)
    # The queue milestones as contiguous (P, n) columns, each copied on its own (faster than one transposed copy):
    # each is read several times.
    col = {m: times[..., m].copy() for m in range(1, 7)}
    out = {}
    for res, (enter, leave) in _QUEUES.items():
        waiting = np.cumsum(per_month[:, enter - 1, :H] - per_month[:, leave - 1, :H], axis=1)
        out[res] = _queue_stats_fast(col[enter], col[leave], valid, waiting, Y)
    return out


def _lists(draws: ProjectDraws, tl: Timeline, params: PipelineParams, reported: ReportedList | None) -> dict[str, dict[str, NDArray]]:
    """The yearly list of each programme that has one (:func:`provincial_list`)."""
    lists = {}
    for p, sl in zip(params.programmes, draws.slices):
        if max(p.list_length, p.pre.list_length) > 0:
            build = np.where(np.isfinite(tl.construction_months[:, sl]), tl.construction_months[:, sl], draws.d["construction"][:, sl])
            # The list length is a lever: the history's length for lists selected before the policy start.
            lengths = list_lengths(p, params.policy_start, draws.n_years)
            lists[p.name] = provincial_list(tl.times[:, sl], tl.abandon_time[:, sl], draws.valid[:, sl], build, draws.n_years, lengths,
                                            p.list_selection_month, p.list_max_build_months, reported,
                                            p.list_added_window_months, p.list_planned_starts_first)
    return lists


def _occupancy(times: NDArray, abandon_time: NDArray, abandon_stage: NDArray, valid: NDArray, H: int) -> NDArray:
    """Projects per stage at each month end, (P, H, stages).

    Counting by cumulative milestone counts costs one bincount per milestone instead
    of a state scan per month.
    """
    reached = np.stack([_month_cumcounts(times[..., s], valid, H) for s in range(len(MILESTONES))], -1)
    dropped = np.zeros_like(reached)
    for s in _AB_STAGES:
        dropped[..., s] = _month_cumcounts(abandon_time, valid & (abandon_stage == s), H)
    return _stage_counts(reached, dropped)


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
        rows = np.repeat(np.arange(P), sel.sum(1))  # the path of each selected project, in project order
        ts = t[sel]
        # kink at t counts for every boundary T_k = k > t, i.e. from k = floor(t) + 1 (clipped to [0, H])
        k = np.floor(ts)
        k += 1
        np.maximum(k, 0, out=k)
        np.minimum(k, H, out=k)
        r = rate[sel]
        idx = rows * (H + 1) + k.astype(np.int64)
        sum_r = np.cumsum(np.bincount(idx, weights=r, minlength=P * (H + 1)).reshape(P, H + 1), 1)
        sum_rt = np.cumsum(np.bincount(idx, weights=r * ts, minlength=P * (H + 1)).reshape(P, H + 1), 1)
        S += sign * (T * sum_r - sum_rt)
    return S


def _queue_stats_fast(arr: NDArray, start: NDArray, mask: NDArray, waiting: NDArray, Y: int) -> dict[str, NDArray]:
    """Yearly statistics of one queue: time-averaged and largest number waiting, mean wait.

    ``arr``/``start``: each project's arrival in the queue and start of service;
    ``waiting`` (P, 12·Y): the number waiting at each month end.  The time waiting in
    each year is summed only over (project, year) pairs that can overlap, without a
    loop over years; the pairs left out add exactly 0, and each (path, year) sum keeps
    the project order, so the floats are those of a year-by-year sum.
    """
    P = arr.shape[0]
    sel = mask & (arr < 12.0 * Y) & (start >= 0)
    rows = np.repeat(np.arange(P), sel.sum(1))  # the path of each selected project, in project order
    a, b = arr[sel], start[sel]
    w = np.flatnonzero(b > a)  # projects that wait at all
    if len(w):
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
    else:
        mean_len = np.zeros((P, Y))  # 0.0 / 12.0: what the bincount of nothing gives
    in_h = b < 12.0 * Y
    idx = rows[in_h] * Y + np.floor(b[in_h] / 12.0).astype(np.int64)
    served = np.bincount(idx, minlength=P * Y).reshape(P, Y)
    wait = np.bincount(idx, weights=(b - a)[in_h], minlength=P * Y).reshape(P, Y)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_wait = np.where(served > 0, wait / np.maximum(served, 1), np.nan)
    max_len = waiting.reshape(P, Y, 12).max(-1)
    return {"mean_length": mean_len, "max_length": max_len, "mean_wait_months": mean_wait}
