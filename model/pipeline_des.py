"""Capacity-constrained pipeline stages: SimPy reference and exact vectorised queues.

Three stages of the major-project pipeline compete for capacity the policy
documents make explicit:

* **approval** (立项/环评/用地预审): a FIFO multi-server queue whose servers are the
  approval files handled at once (lever ``approval_capacity_<programme>``);
* **land** (用地指标): a yearly quota in mu that lapses at year end; requests are
  served strictly first come first served; a request that does not fit this
  year's remainder waits for next year's quota (and blocks those behind it);
* **loan** (担保贷款): a yearly guaranteed-loan pool (guarantee capital ×
  multiplier), same mechanics as land.

This module holds

* :class:`YearlyQuotaGate` and :func:`simulate_plain` — the plain reference: one
  SimPy environment per path in which every stage of every project is an event
  (timeouts, :class:`simpy.Resource` requests, quota requests);
* :func:`fifo_servers` and :func:`yearly_quota` — the same queue disciplines as
  exact recursions processed in arrival order, vectorised across paths, used by
  :func:`model.pipeline.simulate_pipeline`.  With the same random numbers they
  give bit-identical times to the SimPy processes (they perform the same float
  operations in the same order).

Ties (two requests at the same instant) are resolved by project order in both
implementations; with continuous durations they have probability zero.

Policy timing is decided identically in both: the approval duration by the
filing time (``>= policy_start``), the financing success by the time financing
starts, the construction duration and abandonment by the construction start
time; a quota (and the cap on one claim) by the quota year, which is a policy
year when it starts at or after the policy start; the number of approval servers
changes at the policy start (more servers: the extra ones open then; fewer: the
first servers to fall free from then on close, before any waiting project is served,
as if a higher-priority request held them).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Generator, Mapping, Sequence

import numpy as np
import simpy
from numpy.typing import NDArray

if TYPE_CHECKING:  # pragma: no cover
    from .pipeline import Destinations, PipelineParams, PipelineResult, ProjectDraws, Timeline

__all__ = ["fifo_servers", "yearly_quota", "quota_at", "YearlyQuotaGate", "simulate_plain", "plain_timeline"]


def quota_at(t: NDArray | float, t0: float, pre: float, post: float, policy_start: float) -> NDArray | float:
    """The quota of the quota year containing ``t``: ``post`` when that year starts at or after the policy start.

    Years start at ``t0 + 12·k``.  Used for the yearly quota itself and for the cap
    on a single claim, in both implementations (same float operations).
    """
    start = t0 + 12.0 * np.floor((np.asarray(t, float) - t0) / 12.0)
    out = np.where(start >= policy_start, post, pre)
    return float(out) if out.ndim == 0 else out


# ----------------------------------------------------------------------------- vectorised queues


def _sorted(arr: NDArray) -> tuple[NDArray, int]:
    """Stable per-path arrival order and the largest number of real arrivals.

    An unstable sort is much faster; it gives the stable order wherever the
    finite times of a path are all distinct (the order among ``inf`` padding is
    irrelevant: those slots stay ``inf``), so only paths with tied finite times
    are sorted again stably.
    """
    order = np.argsort(arr, axis=1)
    fin = np.isfinite(arr)
    n_fin = fin.sum(1)
    n_act = int(n_fin.max(initial=0))
    if arr.shape[1] > 1:
        srt = np.take_along_axis(arr, order, 1)
        tie = (srt[:, 1:] == srt[:, :-1]) & np.isfinite(srt[:, 1:])
        rows = np.flatnonzero(tie.any(1))
        if len(rows):
            order[rows] = np.argsort(arr[rows], axis=1, kind="stable")
    return order, n_act


def _by_length(a: NDArray) -> tuple[NDArray, NDArray]:
    """Rows ordered by their number of finite leading entries (descending), and those numbers.

    Rows are arrival-sorted with ``inf`` padding at the end, so at step ``j`` the
    rows still active are a prefix of this order: the recursions then need no
    masks for finished rows.
    """
    n = np.isfinite(a).sum(1)
    perm = np.argsort(-n, kind="stable")
    return perm, n[perm]


def fifo_servers(arrival: NDArray, service: NDArray, capacity: float,
                 pre_capacity: float | None = None, policy_start: float = -math.inf) -> NDArray:
    """Start times in a FIFO queue with ``capacity`` identical servers, per path.

    Kiefer–Wolfowitz recursion: in arrival order, each project starts at
    ``max(arrival, earliest server free time)`` and that server becomes free at
    ``start + service``; identical to :class:`simpy.Resource` with FIFO requests.

    Parameters
    ----------
    arrival : ndarray (P, N)
        Request times; ``inf`` = project never requests.
    service : ndarray (P, N)
        Holding times.
    capacity : float
        Number of servers (``inf``: no queue).
    pre_capacity : float, optional
        Number of servers before ``policy_start`` (default: ``capacity`` throughout).
    policy_start : float
        When the number of servers changes from ``pre_capacity`` to ``capacity``.

    Returns
    -------
    ndarray (P, N)
        Service start times (``inf`` where ``arrival`` is ``inf``).
    """
    arrival = np.asarray(arrival, float)
    if pre_capacity is not None and pre_capacity != capacity:
        return _fifo_switch(arrival, np.asarray(service, float), pre_capacity, capacity, policy_start)
    order, n_act = _sorted(arrival)
    if not math.isfinite(capacity) or capacity >= n_act:
        return arrival.copy()
    a = np.take_along_axis(arrival, order, 1)
    # Paths where nobody ever waits keep start = arrival.  The recursion gives
    # exactly that on such paths too, and its cost is per step, not per path, so
    # once one path needs it every path runs it.
    if not _fifo_any_binding(a, np.asarray(service, float), order, int(capacity)):
        return arrival.copy()
    s = np.take_along_axis(np.asarray(service, float), order, 1)
    st = _fifo_recursion(a, s, int(capacity))
    out = np.empty_like(st)
    np.put_along_axis(out, order, st, 1)
    return out


def _fifo_any_binding(a: NDArray, service: NDArray, order: NDArray, c: int) -> bool:
    """Whether some path has an arrival finding all ``c`` servers busy (see :func:`_fifo_binding_rows`)."""
    for i in range(a.shape[0]):
        ai = a[i][np.isfinite(a[i])]
        if len(ai) <= c:
            continue
        ends = np.sort(ai + service[i, order[i, : len(ai)]])
        busy = np.searchsorted(ai, ai, side="right") - np.searchsorted(ends, ai, side="right")
        if busy.max() > c:
            return True
    return False


def _fifo_binding_rows(a: NDArray, s: NDArray, c: int) -> NDArray:
    """Paths on which some arrival finds all ``c`` servers busy (with no queue ahead).

    With unlimited servers the number busy just after arrival ``j`` is the
    arrivals so far minus departures so far; if it never exceeds ``c`` nobody
    waits, so start = arrival exactly (a release and a request at the same instant
    give the same start either way).
    """
    out = []
    for i in range(a.shape[0]):
        ai = a[i][np.isfinite(a[i])]
        if len(ai) <= c:
            continue
        ends = np.sort(ai + s[i, : len(ai)])
        busy = np.searchsorted(ai, ai, side="right") - np.searchsorted(ends, ai, side="right")
        if busy.max() > c:
            out.append(i)
    return np.asarray(out, dtype=np.int64)


def _fifo_recursion(a: NDArray, s: NDArray, c: int) -> NDArray:
    """Kiefer–Wolfowitz recursion on arrival-sorted rows (``inf`` = padding).

    Steps over arrivals; the rows still active at step ``j`` form a prefix of the
    rows sorted by length, so each step is a few operations on contiguous slices.
    """
    P, N = a.shape
    perm, n = _by_length(a)
    aT = np.ascontiguousarray(a[perm].T)
    sT = np.ascontiguousarray(s[perm].T)
    stT = np.full((N, P), np.inf)
    free = np.full((P, c), -np.inf)
    rows = np.arange(P)
    n_act = int(n[0]) if P else 0
    m = P
    for j in range(n_act):
        while n[m - 1] <= j:
            m -= 1
        fr = free[:m]
        r = rows[:m]
        k = np.argmin(fr, axis=1)
        sj = np.maximum(aT[j, :m], fr[r, k])
        stT[j, :m] = sj
        fr[r, k] = sj + sT[j, :m]
    st = np.empty((P, N))
    st[perm] = stT.T
    return st


def _fifo_switch(arrival: NDArray, service: NDArray, c_pre: float, c_post: float, ps: float) -> NDArray:
    """FIFO servers whose number changes from ``c_pre`` to ``c_post`` at ``ps``.

    More servers: the extra ones are free from ``ps``.  Fewer: when the first
    project that cannot start before ``ps`` comes up (starts never decrease in a
    FIFO queue, so every later one starts at ``ps`` or after too), the ``c_pre −
    c_post`` servers that fall free first from ``ps`` on close for good.  This is
    what :func:`_project` does with blocking requests of higher priority.
    """
    order, n_act = _sorted(arrival)
    a = np.take_along_axis(arrival, order, 1)
    s = np.take_along_axis(service, order, 1)
    c0, c1 = (int(min(c, max(n_act, 1))) for c in (c_pre, c_post))
    P, N = a.shape
    free = np.full((P, max(c0, c1)), -np.inf)
    free[:, c0:] = ps  # extra servers open at the policy start
    closed = np.zeros(P, bool)
    st = np.full((P, N), np.inf)
    rows = np.arange(P)
    for j in range(n_act):
        live = np.isfinite(a[:, j])
        if c1 < c0:
            start = np.maximum(a[:, j], free.min(1))
            close = live & ~closed & (start >= ps)
            if close.any():
                fc = free[close]
                idx = np.argsort(np.maximum(fc, ps), axis=1, kind="stable")[:, : c0 - c1]
                np.put_along_axis(fc, idx, np.inf, 1)
                free[close] = fc
                closed |= close
        k = np.argmin(free, axis=1)
        sj = np.maximum(a[:, j], free[rows, k])
        st[live, j] = sj[live]
        free[live, k[live]] = (sj + s[:, j])[live]
    out = np.empty_like(st)
    np.put_along_axis(out, order, st, 1)
    return out


def yearly_quota(arrival: NDArray, need: NDArray, quota: float, t0: float,
                 pre_quota: float | None = None, policy_start: float = -math.inf) -> NDArray:
    """Grant times of a strict-FIFO yearly quota that lapses at year end, per path.

    Years start at ``t0 + 12·k`` (months).  The head request is granted at
    ``max(arrival, previous grant)`` if it fits what is left of that year's quota,
    otherwise at the start of the next year (fresh quota).  ``need`` must not
    exceed ``quota``.  Mirrors :class:`YearlyQuotaGate` operation for operation.

    Parameters
    ----------
    arrival : ndarray (P, N)
        Request times; ``inf`` = no request.
    need : ndarray (P, N)
        Amount requested (mu or 亿元).
    quota : float
        Amount available each year (``inf``: no queue).
    t0 : float
        Start of the first quota year (the warm-up start).
    pre_quota : float, optional
        Quota of the years starting before ``policy_start`` (default: ``quota``).
    policy_start : float
        First time a quota year may start with ``quota``.

    Returns
    -------
    ndarray (P, N)
        Grant times (``inf`` where ``arrival`` is ``inf``).
    """
    arrival = np.asarray(arrival, float)
    pre = quota if pre_quota is None else pre_quota
    if not math.isfinite(quota) and not math.isfinite(pre):
        return arrival.copy()
    Q = (quota, t0, pre, policy_start)
    order, _ = _sorted(arrival)
    a = np.take_along_axis(arrival, order, 1)
    q = np.take_along_axis(np.asarray(need, float), order, 1)
    g = a.copy()
    # Paths where every year's claims fit that year's quota are granted on arrival.
    rows = _quota_binding_rows(a, q, Q)
    if len(rows):
        g[rows] = _quota_recursion(a[rows], q[rows], Q)
    out = np.empty_like(g)
    np.put_along_axis(out, order, g, 1)
    return out


def _quota_of_year(y: NDArray | float, Q: tuple[float, float, float, float]) -> NDArray:
    """Quota of quota year ``y`` (years counted from ``t0``) for ``Q = (quota, t0, pre, policy_start)``."""
    quota, t0, pre, ps = Q
    return np.where(t0 + 12.0 * np.asarray(y, float) >= ps, quota, pre)


def _quota_binding_rows(a: NDArray, q: NDArray, Q: tuple[float, float, float, float]) -> NDArray:
    """Paths where some year's claims exceed that year's quota.

    Elsewhere every claim is granted on arrival.  The 1e-9 margin keeps rounding
    in the recursion's running subtraction from ever disagreeing with this sum.
    """
    t0 = Q[1]
    fin = np.isfinite(a)
    if not fin.any():
        return np.zeros(0, np.int64)
    y = np.floor((np.where(fin, a, t0) - t0) / 12.0).astype(np.int64)
    y0 = y[fin].min()
    y -= y0
    n_y = int(y[fin].max()) + 1
    P = a.shape[0]
    idx = (np.arange(P)[:, None] * n_y + y)[fin]
    per_year = np.bincount(idx, weights=q[fin], minlength=P * n_y).reshape(P, n_y)
    quota_y = _quota_of_year(np.arange(n_y) + y0, Q)
    return np.flatnonzero((per_year > quota_y * (1.0 - 1e-9)).any(1))


def _quota_recursion(a: NDArray, q: NDArray, Q: tuple[float, float, float, float]) -> NDArray:
    """Strict-FIFO yearly quota on arrival-sorted rows (``inf`` = padding).

    Same operations as :meth:`YearlyQuotaGate._run`; the rows still active at
    step ``j`` form a prefix of the rows sorted by length (no masks needed).
    """
    t0 = Q[1]
    P, N = a.shape
    perm, n = _by_length(a)
    aT = np.ascontiguousarray(a[perm].T)
    qT = np.ascontiguousarray(q[perm].T)
    gT = np.full((N, P), np.inf)
    cur = np.full(P, -np.inf)  # quota year in use
    rem = np.zeros(P)  # quota left in that year
    last = np.full(P, -np.inf)  # previous grant: the gate is busy until then
    n_act = int(n[0]) if P else 0
    m = P
    for j in range(n_act):
        while n[m - 1] <= j:
            m -= 1
        qj, cu, re, la = qT[j, :m], cur[:m], rem[:m], last[:m]
        t = np.maximum(aT[j, :m], la)
        y = np.floor((t - t0) / 12.0)
        newy = y > cu
        c1 = np.where(newy, y, cu)
        r1 = np.where(newy, _quota_of_year(y, Q), re)
        ok = qj <= r1
        ys = t0 + 12.0 * (c1 + 1.0)
        gj = np.where(ok, t, t + (ys - t))
        gT[j, :m] = gj
        cu[...] = np.where(ok, c1, c1 + 1.0)
        re[...] = np.where(ok, r1 - qj, _quota_of_year(c1 + 1.0, Q) - qj)
        la[...] = gj
    g = np.empty((P, N))
    g[perm] = gT.T
    return g


# ----------------------------------------------------------------------------- SimPy reference


class YearlyQuotaGate:
    """A yearly quota that lapses at year end, served strictly first come first served.

    Requests queue in a :class:`simpy.Store`; one gatekeeper process takes them in
    order and grants each when it fits the current year's remainder, else waits
    for the next year's quota.

    Parameters
    ----------
    env : simpy.Environment
    quota : float
        Amount available per year.
    t0 : float
        Start of the first quota year.
    pre_quota : float, optional
        Quota of years starting before ``policy_start`` (default ``quota``).
    policy_start : float
    """

    def __init__(self, env: simpy.Environment, quota: float, t0: float,
                 pre_quota: float | None = None, policy_start: float = -math.inf):
        self.env, self.quota, self.t0 = env, float(quota), float(t0)
        self.pre, self.policy_start = float(quota if pre_quota is None else pre_quota), float(policy_start)
        self.store = simpy.Store(env)
        env.process(self._run())

    def request(self, need: float) -> simpy.Event:
        """Ask for ``need``; the returned event fires when it is granted."""
        ev = self.env.event()
        self.store.put((need, ev))
        return ev

    def of_year(self, y: float) -> float:
        """Quota of quota year ``y`` (the policy value once the year starts at or after the policy start)."""
        return self.quota if self.t0 + 12.0 * float(y) >= self.policy_start else self.pre

    def _run(self) -> Generator:
        env = self.env
        cur, rem = -math.inf, 0.0
        while True:
            need, ev = yield self.store.get()
            now = env.now
            y = math.floor((now - self.t0) / 12.0)
            if y > cur:  # first request of a new year: fresh quota
                cur, rem = y, self.of_year(y)
            if need <= rem:
                rem = rem - need
            else:  # wait for next year's quota; the rest of the queue waits too
                ys = self.t0 + 12.0 * (cur + 1.0)
                yield env.timeout(ys - now)
                cur, rem = cur + 1.0, self.of_year(cur + 1.0) - need
            ev.succeed()


def _project(env: simpy.Environment, j: int, i: int, dr: "ProjectDraws", tl: "Timeline",
             approval: simpy.Resource | None, land: YearlyQuotaGate | None,
             loan: YearlyQuotaGate | None, kmax: int, claim_share: float = 1.0) -> Generator:
    """One project's life, every stage an event (mirrors ``fast_timeline``)."""
    from .pipeline import ABANDON_STAGES

    M = tl.times[i, j]
    d = {k: float(v[i, j]) for k, v in dr.d.items()}

    def drop(stage: str) -> None:
        tl.abandon_time[i, j] = env.now
        tl.abandon_stage[i, j] = ABANDON_STAGES[stage]

    yield env.timeout(float(dr.off_sign[i, j]))
    M[0] = env.now
    yield env.timeout(d["reserve"])
    if dr.ab_reserve[i, j]:
        return drop("reserve")
    M[1] = env.now
    # Green channel applies to approvals filed from policy_start on.
    d_appr = d["approval"] if env.now >= dr.policy_start else d["approval_pre"]
    if approval is None:
        M[2] = env.now
        yield env.timeout(d_appr)
    else:
        with approval.request() as req:
            yield req
            M[2] = env.now
            yield env.timeout(d_appr)
    if dr.ab_approval[i, j]:
        return drop("approval")
    M[3] = env.now
    if land is not None and dr.needs_land[i, j]:
        yield land.request(min(float(dr.land_need[i, j]), claim_share * land.of_year(math.floor((env.now - land.t0) / 12.0))))
    M[4] = env.now
    # The financing success in force when financing starts.
    n_fin = int(dr.n_fin[i, j] if env.now >= dr.policy_start else dr.n_fin_pre[i, j])
    for r in range(1, kmax + 1):
        yield env.timeout(d["financing"])
        if r == n_fin:
            break
    else:
        return drop("financing")
    M[5] = env.now
    if loan is not None:
        yield loan.request(min(float(dr.loan_need[i, j]), claim_share * loan.of_year(math.floor((env.now - loan.t0) / 12.0))))
    M[6] = env.now
    yield env.timeout(d["start_prep"])
    M[7] = env.now
    post = env.now >= dr.policy_start
    d_con = d["construction"] if post else d["construction_pre"]
    tl.construction_months[i, j] = d_con
    if dr.ab_construction[i, j] if post else dr.ab_construction_pre[i, j]:
        yield env.timeout(float(dr.ab_fraction[i, j]) * d_con)
        return drop("construction")
    yield env.timeout(d_con)
    M[8] = env.now
    yield env.timeout(d["commissioning"])
    M[9] = env.now
    yield env.timeout(d["ramp_up"])
    M[10] = env.now


def _approval_servers(env: simpy.Environment, c_pre: float, c_post: float, ps: float, n: int) -> simpy.Resource | None:
    """Approval servers: ``c_pre`` before the policy start, ``c_post`` from it (``inf``: no queue).

    A change is made with blocking requests: extra servers are held by blockers
    from the start until ``ps``; servers to close are taken by blockers of higher
    priority than any project from ``ps`` on and never released.
    """
    if c_pre == c_post:
        return simpy.Resource(env, capacity=int(c_post)) if math.isfinite(c_post) else None
    c0, c1 = (int(min(c, n)) for c in (c_pre, c_post))
    res = simpy.PriorityResource(env, capacity=max(c0, c1))

    def opening() -> Generator:  # hold a server until the policy start
        req = res.request(priority=-1)
        yield req
        yield env.timeout(ps - env.now)
        res.release(req)

    def closing() -> Generator:  # from the policy start, take a server for good
        yield env.timeout(ps - env.now)
        yield res.request(priority=-1)

    for _ in range(abs(c1 - c0)):
        env.process(opening() if c1 > c0 else closing())
    return res


def plain_timeline(draws: "ProjectDraws", params: "PipelineParams") -> "Timeline":
    """Milestones from one SimPy run per path with every stage as events.

    Runs each path's environment until no event is left (projects are followed
    past the horizon, exactly like the array path).
    """
    from .pipeline import Timeline

    tl = Timeline.empty(draws.shape)
    for i in range(draws.shape[0]):
        env = simpy.Environment(initial_time=draws.t0)
        gates = []
        ps = draws.policy_start
        n_valid = int(draws.valid[i].sum())
        for p in params.programmes:
            appr = _approval_servers(env, p.pre.approval_capacity, p.approval_capacity, ps, max(n_valid, 1))
            land = YearlyQuotaGate(env, p.land_quota, draws.t0, p.pre.land_quota, ps) if math.isfinite(p.land_quota) or math.isfinite(p.pre.land_quota) else None
            loan = YearlyQuotaGate(env, p.loan_pool, draws.t0, p.pre.loan_pool, ps) if math.isfinite(p.loan_pool) or math.isfinite(p.pre.loan_pool) else None
            gates.append((appr, land, loan, p.financing_max_attempts))
        for j in np.flatnonzero(draws.valid[i]):
            appr, land, loan, kmax = gates[int(draws.prog[i, j])]
            env.process(_project(env, int(j), i, draws, tl, appr, land, loan, kmax, params.max_claim_share))
        env.run()
    return tl


def simulate_plain(
    params: "PipelineParams",
    destinations: "Destinations | Mapping[str, Destinations]",
    n_paths: int,
    years: Sequence[int] | int,
    seed: np.random.SeedSequence | int,
    *,
    path_offset: int = 0,
    monthly_paths: int | None = None,
    keep_timeline: bool = False,
) -> "PipelineResult":
    """Reference implementation: same inputs and output as :func:`model.pipeline.simulate_pipeline`.

    Draws the same random numbers, then runs one SimPy environment per path in
    which every stage of every project is an event.  Slow; used for the
    benchmark and equivalence tests.
    """
    from .pipeline import _index_destinations, _years, aggregate, draw_projects

    ys = _years(years, params.first_year)
    dest = _index_destinations(destinations, params.names)
    draws = draw_projects(params, dest, n_paths, len(ys), seed, path_offset)
    tl = plain_timeline(draws, params)
    return aggregate(draws, tl, params, dest, ys, monthly_paths, keep_timeline)
