"""SimPy reference vs vectorised queues: serialisation, quotas, exact equivalence."""

from __future__ import annotations

import math
from dataclasses import fields, replace

import numpy as np
import pytest
import simpy

from model.pipeline import Destinations, PipelineParams, PipelineResult, simulate_pipeline
from model.pipeline.queues import fifo_servers, yearly_quota
from model.pipeline.reference import YearlyQuotaGate, simulate_plain

FIXED = {"reserve": 4.0, "approval": 6.0, "financing": 3.0, "start_prep": 2.0,
         "construction": 30.0, "commissioning": 3.0, "ramp_up": 18.0}
ONE_HOST = Destinations(host_index=np.array([0]), host_weight=np.array([1.0]))


def _fixed(n_per_year: int, approval_capacity: float) -> PipelineParams:
    p = replace(PipelineParams.from_levers({}), warmup_years=0)
    p = p.with_programme(
        "jx_major", signed_per_year=n_per_year, poisson=False, sign_month_fraction=0.0,
        durations={k: (v, 0.0) for k, v in FIXED.items()}, abandon_reserve=0.0, abandon_approval=0.0,
        abandon_construction=0.0, approval_capacity=approval_capacity, land_quota=math.inf,
        loan_pool=math.inf, financing_success=1.0, approval_multiplier=1.0,
    )
    return p.with_programme("gz_1yi", signed_per_year=0, poisson=False)


def _equal(a: PipelineResult, b: PipelineResult) -> None:
    np.testing.assert_array_equal(a.timeline.times, b.timeline.times)
    np.testing.assert_array_equal(a.timeline.abandon_time, b.timeline.abandon_time)
    np.testing.assert_array_equal(a.timeline.abandon_stage, b.timeline.abandon_stage)
    np.testing.assert_array_equal(a.timeline.construction_months, b.timeline.construction_months)
    for f in fields(PipelineResult):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, dict) and f.name not in ("queue", "provincial_list"):
            for k in x:
                np.testing.assert_array_equal(x[k], y[k], err_msg=f"{f.name}[{k}]")
        elif f.name in ("queue", "provincial_list"):
            assert x.keys() == y.keys()
            for k in x:
                for s in x[k]:
                    np.testing.assert_array_equal(x[k][s], y[k][s], err_msg=f"{k}.{s}")
        elif isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y, err_msg=f.name)


# --------------------------------------------------------------------------- kernels


def test_capacity_one_serialises_in_arrival_order():
    arr = np.array([[0.0, 0.0, 0.0, 0.0, np.inf]])
    svc = np.array([[2.0, 3.0, 1.0, 4.0, 9.0]])
    np.testing.assert_array_equal(fifo_servers(arr, svc, 1), [[0.0, 2.0, 5.0, 6.0, np.inf]])
    np.testing.assert_array_equal(fifo_servers(arr, svc, 2), [[0.0, 0.0, 2.0, 3.0, np.inf]])
    np.testing.assert_array_equal(fifo_servers(arr, svc, math.inf), arr)


def _simpy_resource(arr: np.ndarray, svc: np.ndarray, cap: int) -> np.ndarray:
    env = simpy.Environment()
    res = simpy.Resource(env, capacity=cap)
    out = np.full(len(arr), np.inf)

    def job(i):
        yield env.timeout(arr[i])
        with res.request() as rq:
            yield rq
            out[i] = env.now
            yield env.timeout(svc[i])

    for i in range(len(arr)):
        env.process(job(i))
    env.run()
    return out


def _simpy_quota(off: np.ndarray, need: np.ndarray, quota: float, t0: float) -> np.ndarray:
    """Reference: request ``i`` arrives at ``t0 + off[i]`` and queues at the gate."""
    env = simpy.Environment(initial_time=t0)
    gate = YearlyQuotaGate(env, quota, t0)
    out = np.full(len(off), np.inf)

    def job(i):
        yield env.timeout(off[i])
        yield gate.request(need[i])
        out[i] = env.now

    for i in range(len(off)):
        env.process(job(i))
    env.run()
    return out


@pytest.mark.parametrize("seed", range(8))
def test_fifo_servers_equals_simpy_resource(seed):
    rng = np.random.default_rng(seed)
    n, cap = 60, int(rng.integers(1, 6))
    arr = np.sort(rng.uniform(0, 50, n))
    svc = rng.lognormal(1.0, 0.8, n)
    perm = rng.permutation(n)
    got = fifo_servers(arr[perm][None], svc[perm][None], cap)[0]
    ref = _simpy_resource(arr[perm], svc[perm], cap)
    np.testing.assert_array_equal(got, ref)
    # Never more than `cap` in service at once.
    starts, ends = got, got + svc[perm]
    for t in starts:
        assert ((starts <= t) & (ends > t)).sum() <= cap


def test_yearly_quota_worked_example():
    # quota 10 a year, three claims of 6: second waits for the next year's quota,
    # third (arriving before that) queues behind it and waits one more year.
    arr = np.array([[1.0, 2.0, 3.0, 40.0]])
    need = np.array([[6.0, 6.0, 6.0, 3.0]])
    np.testing.assert_array_equal(yearly_quota(arr, need, 10.0, 0.0), [[1.0, 12.0, 24.0, 40.0]])
    np.testing.assert_array_equal(_simpy_quota(arr[0], need[0], 10.0, 0.0), [1.0, 12.0, 24.0, 40.0])


@pytest.mark.parametrize("seed", range(8))
def test_yearly_quota_equals_simpy_gate(seed):
    rng = np.random.default_rng(100 + seed)
    n, t0, quota = 80, -24.0, 50.0
    off = rng.uniform(0, 60 - t0, n)
    arr = t0 + off  # exactly the time the DES reaches
    need = np.minimum(rng.pareto(1.2, n) * 5 + 1, quota)
    got = yearly_quota(arr[None], need[None], quota, t0)[0]
    np.testing.assert_array_equal(got, _simpy_quota(off, need, quota, t0))
    assert (got >= arr).all()
    # Granted amounts never exceed the yearly quota.
    yr = np.floor((got - t0) / 12 + 1e-9)
    for y in np.unique(yr):
        assert need[yr == y].sum() <= quota + 1e-9


# --------------------------------------------------------------------------- whole pipeline


def test_capacity_one_approval_spaces_projects_by_service_time():
    p = _fixed(5, approval_capacity=1)
    for sim in (simulate_pipeline, simulate_plain):
        r = sim(p, ONE_HOST, 1, 3, 0, keep_timeline=True)
        t = r.timeline.times[0]
        first_year = np.isfinite(t[:, 0]) & (t[:, 0] < 12)
        # Five projects signed together in January: approval starts 4, 10, 16, 22, 28.
        np.testing.assert_array_equal(np.sort(t[first_year, 2]), [4.0, 10.0, 16.0, 22.0, 28.0])
        np.testing.assert_array_equal(t[first_year, 3] - t[first_year, 2], 6.0)


def test_unlimited_capacity_des_equals_array_path_exactly():
    p = PipelineParams.from_levers({})
    for name in p.names:
        p = p.with_programme(name, approval_capacity=math.inf, land_quota=math.inf, loan_pool=math.inf)
    d = Destinations.synthetic()
    a = simulate_pipeline(p, d, 2, 5, 7, keep_timeline=True)
    b = simulate_plain(p, d, 2, 5, 7, keep_timeline=True)
    _equal(a, b)


def test_default_capacities_des_equals_array_path_exactly():
    # Tight quotas so every queue is exercised.
    p = PipelineParams.from_levers({"land_quota_gz_1yi": 8000, "guarantee_capital_jx_major": 50,
                                    "approval_capacity_jx_major": 30})
    d = Destinations.synthetic()
    a = simulate_pipeline(p, d, 3, 5, np.random.SeedSequence(99), path_offset=4, keep_timeline=True)
    b = simulate_plain(p, d, 3, 5, np.random.SeedSequence(99), path_offset=4, keep_timeline=True)
    _equal(a, b)
    assert a.queue["gz_1yi.land"]["mean_wait_months"][:, -1].mean() > 0  # the queue did bind
    assert a.queue["jx_major.approval"]["mean_length"].mean() > 0


@pytest.mark.parametrize("seed", range(4))
def test_skipping_non_binding_paths_changes_nothing(seed):
    """The shortcut (start = arrival where nobody waits) equals the full recursion."""
    from model.pipeline.queues import _fifo_recursion, _quota_recursion

    rng = np.random.default_rng(seed)
    P, n = 30, 50
    arr = rng.uniform(0, 100, (P, n))
    arr[rng.random((P, n)) < 0.2] = np.inf
    svc = rng.lognormal(1.0, 0.7, (P, n)) * np.linspace(0.05, 1.5, P)[:, None]  # light to heavy load
    order = np.argsort(arr, 1, kind="stable")
    a, s = np.take_along_axis(arr, order, 1), np.take_along_axis(svc, order, 1)
    cap = 3
    full = np.empty_like(a)
    np.put_along_axis(full, order, _fifo_recursion(a, s, cap), 1)
    got = fifo_servers(arr, svc, cap)
    np.testing.assert_array_equal(got, full)
    assert (got > arr).any(axis=1).sum() not in (0, P)  # both kinds of path present

    need = rng.uniform(0, 10, (P, n)) * np.linspace(0.2, 1.5, P)[:, None]
    quota = 45.0
    full_q = np.empty_like(a)
    np.put_along_axis(full_q, order, _quota_recursion(a, np.take_along_axis(need, order, 1), (quota, 0.0, quota, -math.inf)), 1)
    got_q = yearly_quota(arr, need, quota, 0.0)
    np.testing.assert_array_equal(got_q, full_q)
    assert (got_q > arr).any(axis=1).sum() not in (0, P)


@pytest.mark.parametrize("levers", [
    {"approval_capacity_jx_major": 120, "approval_capacity_gz_1yi": 5, "land_quota_jx_major": 200_000,
     "guarantee_capital_gz_1yi": 2.0, "financing_success_probability": 0.4, "signed_per_year_jx_major": 70},
    {"approval_capacity_jx_major": 20, "land_quota_gz_1yi": 3000, "guarantee_capital_jx_major": 300.0,
     "guarantee_multiplier": 1.0, "new_entrant_share_jx_major": 0.9, "signed_per_year_gz_1yi": 150},
])
def test_levers_switching_at_the_policy_start_des_equals_array_path_exactly(levers):
    """Capacities, quotas, financing and intake change at the policy start in both implementations alike."""
    p = replace(PipelineParams.from_levers(levers), policy_start=6.0)
    d = Destinations.synthetic()
    a = simulate_pipeline(p, d, 3, 4, np.random.SeedSequence(5), keep_timeline=True)
    b = simulate_plain(p, d, 3, 4, np.random.SeedSequence(5), keep_timeline=True)
    _equal(a, b)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("caps", [(2, 5), (5, 2), (3, 1)])
def test_fifo_servers_switching_capacity_equals_simpy(seed, caps):
    c_pre, c_post = caps
    rng = np.random.default_rng(seed)
    arr = np.sort(rng.uniform(0, 60, (1, 25)), axis=1)
    svc = rng.lognormal(1.5, 0.5, (1, 25))
    ps = 30.0
    got = fifo_servers(arr, svc, c_post, c_pre, ps)
    from model.pipeline.reference import _approval_servers
    env = simpy.Environment()
    res = _approval_servers(env, c_pre, c_post, ps, 25)
    out = np.full(25, np.nan)

    def job(i):
        yield env.timeout(arr[0, i])
        with res.request() as req:
            yield req
            out[i] = env.now
            yield env.timeout(svc[0, i])

    for i in range(25):
        env.process(job(i))
    env.run()
    np.testing.assert_array_equal(got[0], out)
    # By hand: at no time run more than c_pre projects before ps, or more than c_post well after it.
    end = got[0] + svc[0]
    for t, cap in ((ps - 1e-9, c_pre), (ps + 40.0, c_post)):
        assert ((got[0] <= t) & (end > t)).sum() <= cap
