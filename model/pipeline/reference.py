"""The plain reference of the pipeline: one SimPy environment per path, every stage of every project an event.

* :class:`YearlyQuotaGate` is the yearly quota (land, guaranteed loans) as a SimPy
  process; the approval servers are a :class:`simpy.Resource`;
* :func:`plain_timeline` computes the milestones with them, :func:`simulate_plain`
  runs the whole pipeline on that timeline (draws and aggregation are the fast
  path's own).

With the same random numbers it gives, float for float, the milestones of
:func:`model.pipeline.timeline.fast_timeline` and its exact queue recursions
(:mod:`model.pipeline.queues`): the tests and the benchmark compare them.

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
from typing import Generator, Mapping, Sequence

import numpy as np
import simpy

from .destinations import Destinations
from .draws import ProjectDraws
from .params import PipelineParams
from .result import PipelineResult
from .simulate import _prepare, finish_pipeline
from .timeline import ABANDON_STAGES, Timeline

__all__ = ["YearlyQuotaGate", "plain_timeline", "simulate_plain"]


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


def _project(env: simpy.Environment, j: int, i: int, dr: ProjectDraws, tl: Timeline,
             approval: simpy.Resource | None, land: YearlyQuotaGate | None,
             loan: YearlyQuotaGate | None, kmax: int, claim_share: float = 1.0) -> Generator:
    """One project's life, every stage an event (mirrors ``fast_timeline``)."""

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


def plain_timeline(draws: ProjectDraws, params: PipelineParams) -> Timeline:
    """Milestones from one SimPy run per path with every stage as events.

    Runs each path's environment until no event is left (projects are followed
    past the horizon, exactly like the array path).
    """
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
    params: PipelineParams,
    destinations: Destinations | Mapping[str, Destinations],
    n_paths: int,
    years: Sequence[int] | int,
    seed: np.random.SeedSequence | int,
    *,
    path_offset: int = 0,
    monthly_paths: int | None = None,
    keep_timeline: bool = False,
) -> PipelineResult:
    """Reference implementation: same inputs and output as :func:`model.pipeline.simulate_pipeline`.

    Draws the same random numbers, then runs one SimPy environment per path in
    which every stage of every project is an event (:func:`plain_timeline`); the
    rest is :func:`model.pipeline.simulate_pipeline`'s code.  Slow; used for the
    benchmark and equivalence tests.
    """
    draft = _prepare(params, destinations, n_paths, years, seed, path_offset, plain_timeline)
    return finish_pipeline(draft, monthly_paths=monthly_paths, keep_timeline=keep_timeline)
