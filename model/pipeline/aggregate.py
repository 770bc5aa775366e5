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
