"""Capacity-constrained pipeline stages as exact queue recursions, vectorised across paths.

Three stages of the major-project pipeline compete for capacity the policy
documents make explicit:

* **approval** (立项/环评/用地预审): a FIFO multi-server queue whose servers are the
  approval files handled at once (lever ``approval_capacity_<programme>``);
  :func:`fifo_servers`;
* **land** (用地指标): a yearly quota in mu that lapses at year end; requests are
  served strictly first come first served; a request that does not fit this
  year's remainder waits for next year's quota (and blocks those behind it);
  :func:`yearly_quota`;
* **loan** (担保贷款): a yearly guaranteed-loan pool (guarantee capital ×
  multiplier), same mechanics as land.

The recursions process requests in arrival order and are used by
:func:`model.pipeline.timeline.fast_timeline` on every run.  With the same random
numbers they give bit-identical times to the SimPy processes of
:mod:`model.pipeline.reference` (they perform the same float operations in the
same order).  Ties (two requests at the same instant) are resolved by project
order in both; with continuous durations they have probability zero.

A quota (and the cap on one claim) is the one of its quota year, which is a policy
year when it starts at or after the policy start; the number of approval servers
changes at the policy start (more servers: the extra ones open then; fewer: the
first servers to fall free from then on close, before any waiting project is served,
as if a higher-priority request held them).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

__all__ = ["fifo_servers", "yearly_quota", "quota_at"]


def quota_at(t: NDArray | float, t0: float, pre: float, post: float, policy_start: float) -> NDArray | float:
    """The quota of the quota year containing ``t``: ``post`` when that year starts at or after the policy start.

    Years start at ``t0 + 12·k``.  Used for the yearly quota itself and for the cap
    on a single claim, in both implementations (same float operations).
    """
    if _same(pre, post):  # one quota throughout: no need to find the year
        out = np.full(np.shape(t), post, dtype=float)
    else:
        start = t0 + 12.0 * np.floor((np.asarray(t, float) - t0) / 12.0)
        out = np.where(start >= policy_start, post, pre)
    return float(out) if out.ndim == 0 else out


def _same(x: float, y: float) -> bool:
    """Whether two quotas are the same float (sign of zero included), so choosing between them changes no bit."""
    return x == y and math.copysign(1.0, x) == math.copysign(1.0, y)


# ----------------------------------------------------------------------------- vectorised queues


def _sorted(arr: NDArray) -> tuple[NDArray, NDArray, int]:
    """Stable per-path arrival order as flat positions in ``arr``, the sorted times, and the largest number of real arrivals.

    An unstable sort is much faster; it gives the stable order wherever the
    finite times of a path are all distinct (the order among ``inf`` padding is
    irrelevant: those slots stay ``inf``), so only paths with tied finite times
    are sorted again stably (their sorted times are the same).  Sorting once, the
    flat positions then gather every other per-project input in arrival order
    (:func:`_gather`) and scatter the results back.
    """
    P, N = arr.shape
    arr = np.ascontiguousarray(arr)
    order = np.argsort(arr, axis=1)
    rowoff = (np.arange(P, dtype=np.intp) * N)[:, None]
    flat = order + rowoff
    srt = arr.reshape(-1).take(flat)
    n_act = int(np.isfinite(srt).sum(1).max(initial=0))
    if N > 1:
        tie = (srt[:, 1:] == srt[:, :-1]) & np.isfinite(srt[:, 1:])
        rows = np.flatnonzero(tie.any(1))
        if len(rows):
            flat[rows] = np.argsort(arr[rows], axis=1, kind="stable") + rowoff[rows]
    return flat, srt, n_act


def _gather(x: NDArray, flat: NDArray) -> NDArray:
    """``x`` (P, N) in the arrival order of :func:`_sorted`."""
    return np.ascontiguousarray(x, dtype=float).reshape(-1).take(flat)


def _scatter(sorted_values: NDArray, flat: NDArray) -> NDArray:
    """Back from arrival order to project order (the inverse of :func:`_gather`)."""
    out = np.empty(sorted_values.shape)
    out.reshape(-1)[flat] = sorted_values
    return out


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
    if not math.isfinite(capacity):
        return arrival.copy()
    flat, a, n_act = _sorted(arrival)
    if capacity >= n_act:
        return arrival.copy()
    s = _gather(service, flat)
    # Paths where nobody ever waits keep start = arrival.  The recursion gives
    # exactly that on such paths too, and its cost is per step, not per path, so
    # once one path needs it every path runs it.
    if not _fifo_any_binding(a, s, int(capacity)):
        return arrival.copy()
    return _scatter(_fifo_recursion(a, s, int(capacity)), flat)


def _fifo_any_binding(a: NDArray, s: NDArray, c: int) -> bool:
    """Whether some path has an arrival finding all ``c`` servers busy (with no queue ahead).

    ``a`` and ``s`` are in arrival order.  With unlimited servers the number busy
    just after arrival ``j`` is the arrivals so far minus the departures so far
    (``a + s`` at or before ``a_j``); if it never exceeds ``c`` nobody waits, so
    start = arrival exactly (a release and a request at the same instant give the
    same start either way).  All paths at once: the sorted departures and the
    arrivals are merged (a stable sort of two sorted runs, departures first among
    equal times) and the running count of arrivals minus departures is its
    largest at the last arrival of some instant, where it is that arrival's count.
    """
    P, N = a.shape
    if N <= c:
        return False
    for r in range(0, P, _CHUNK):  # in chunks of paths: a binding queue usually shows in the first
        ar = a[r: r + _CHUNK]
        ends = np.sort(ar + s[r: r + _CHUNK], axis=1)
        order = np.argsort(np.concatenate([ends, ar], axis=1), axis=1, kind="stable")
        step = np.concatenate([-np.isfinite(ends).astype(np.int32), np.isfinite(ar).astype(np.int32)], axis=1)
        busy = np.cumsum(step.reshape(-1).take(order + (np.arange(len(ar), dtype=np.intp) * 2 * N)[:, None]), axis=1)
        if busy.max(initial=0) > c:
            return True
    return False


#: Paths per chunk of :func:`_fifo_any_binding`.
_CHUNK = 64


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
    flat, a, n_act = _sorted(arrival)
    s = _gather(service, flat)
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
    return _scatter(st, flat)


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
    need = np.asarray(need, float)
    # Paths where every year's claims fit that year's quota are granted on arrival;
    # only the others are sorted and run through the recursion.
    rows = _quota_binding_rows(arrival, need, Q)
    out = arrival.copy()
    if len(rows):
        flat, a, _ = _sorted(arrival[rows])
        out[rows] = _scatter(_quota_recursion(a, _gather(need[rows], flat), Q), flat)
    return out


def _quota_of_year(y: NDArray | float, Q: tuple[float, float, float, float]) -> NDArray:
    """Quota of quota year ``y`` (years counted from ``t0``) for ``Q = (quota, t0, pre, policy_start)``."""
    quota, t0, pre, ps = Q
    return np.where(t0 + 12.0 * np.asarray(y, float) >= ps, quota, pre)


def _quota_binding_rows(a: NDArray, q: NDArray, Q: tuple[float, float, float, float]) -> NDArray:
    """Paths where some year's claims exceed that year's quota.

    Elsewhere every claim is granted on arrival.  The 1e-9 margin keeps rounding
    in the recursion's running subtraction from ever disagreeing with this sum
    (whatever order the claims are summed in).  Requests that never come are
    counted in a spare year past the last, then dropped (no masked gathers).
    """
    t0 = Q[1]
    yf = np.asarray(a, float) - t0
    yf /= 12.0
    np.floor(yf, out=yf)  # quota year of each finite request
    fin = np.isfinite(yf)
    if not fin.any():
        return np.zeros(0, np.int64)
    y0 = yf.min()  # requests that never come are +inf: never the smallest
    only_inf = bool(np.isfinite(y0))  # else NaN or −inf requests too, set aside by mask
    if not only_inf:
        y0 = np.where(fin, yf, np.inf).min()
    n_y = int(np.where(fin, yf, -np.inf).max() - y0) + 1
    yf -= y0
    if only_inf:
        np.minimum(yf, n_y, out=yf)
    else:
        np.copyto(yf, n_y, where=~fin)
    P = yf.shape[0]
    idx = yf.astype(np.intp) + (np.arange(P, dtype=np.intp) * (n_y + 1))[:, None]
    per_year = np.bincount(idx.reshape(-1), weights=np.ascontiguousarray(q, dtype=float).reshape(-1),
                           minlength=P * (n_y + 1)).reshape(P, n_y + 1)[:, :n_y]
    quota_y = _quota_of_year(np.arange(n_y) + y0, Q)
    return np.flatnonzero((per_year > quota_y * (1.0 - 1e-9)).any(1))


def _quota_recursion(a: NDArray, q: NDArray, Q: tuple[float, float, float, float]) -> NDArray:
    """Strict-FIFO yearly quota on arrival-sorted rows (``inf`` = padding).

    Same operations as :meth:`YearlyQuotaGate._run`; the rows still active at
    step ``j`` form a prefix of the rows sorted by length (no masks needed).  Each
    step works in place on the state (its cost is the number of array operations):
    ``where(ok, x, y)`` is written as ``y`` then ``x`` where ``ok``, and
    ``where(ok, r − q, r' − q)`` as ``where(ok, r, r') − q`` (the same floats).
    """
    quota, t0, pre, ps = Q
    const = _same(quota, pre)

    def year_quota(y: NDArray) -> NDArray | float:  # _quota_of_year without the conversions
        return quota if const else np.where(t0 + 12.0 * y >= ps, quota, pre)

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
        qj, cu, re, la, gj = qT[j, :m], cur[:m], rem[:m], last[:m], gT[j, :m]
        t = np.maximum(aT[j, :m], la)
        y = t - t0
        y /= 12.0
        np.floor(y, out=y)
        newy = y > cu
        c1 = np.where(newy, y, cu)
        r1 = np.where(newy, year_quota(y), re)
        ok = qj <= r1
        c2 = c1 + 1.0
        ys = 12.0 * c2
        ys += t0  # start of the next quota year
        ys -= t
        ys += t  # t + (ys − t), as the gate's timeout
        np.copyto(gj, ys)
        np.copyto(gj, t, where=ok)
        np.copyto(cu, c2)
        np.copyto(cu, c1, where=ok)
        np.subtract(np.where(ok, r1, year_quota(c2)), qj, out=re)
        np.copyto(la, gj)
    g = np.empty((P, N))
    g[perm] = gT.T
    return g


# ----------------------------------------------------------------------------- SimPy reference
