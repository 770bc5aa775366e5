"""Vectorised major-project pipeline: timing, conservation, reproducibility, monotonicity."""

from __future__ import annotations

import math
from dataclasses import fields, replace

import numpy as np
import pytest

from model.pipeline import (
    MILESTONES,
    STAGES,
    Destinations,
    PipelineParams,
    PipelineResult,
    simulate_pipeline,
)

FIXED = {"reserve": 4.0, "approval": 6.0, "financing": 3.0, "start_prep": 2.0,
         "construction": 30.0, "commissioning": 3.0, "ramp_up": 18.0}
ONE_HOST = Destinations(host_index=np.array([7]), host_weight=np.array([1.0]),
                        site_park=np.array([0]), site_cluster=np.array([0]), site_weight=np.array([1.0]))


def fixed_params(n_per_year: int = 1) -> PipelineParams:
    """jx_major only, deterministic everything, no capacities, no warm-up."""
    p = replace(PipelineParams.from_levers({}), warmup_years=0)
    p = p.with_programme(
        "jx_major", signed_per_year=n_per_year, poisson=False, sign_month_fraction=0.5,
        durations={k: (v, 0.0) for k, v in FIXED.items()}, size_min=10.0, size_max=10.0,
        industry_weights=(1.0,) + (0.0,) * 7, new_entrant_share=0.0, abandon_reserve=0.0,
        abandon_approval=0.0, abandon_construction=0.0, approval_capacity=math.inf,
        land_quota=math.inf, loan_pool=math.inf, financing_success=1.0,
        construction_size_elasticity=0.0, approval_multiplier=1.0, construction_multiplier=1.0,
    )
    return p.with_programme("gz_1yi", signed_per_year=0, poisson=False)


def assert_results_equal(a: PipelineResult, b: PipelineResult) -> None:
    """Bit-identical comparison of every array in two results."""
    for f in fields(PipelineResult):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name == "timeline":
            if x is not None:
                np.testing.assert_array_equal(x.times, y.times)
                np.testing.assert_array_equal(x.abandon_time, y.abandon_time)
                np.testing.assert_array_equal(x.abandon_stage, y.abandon_stage)
                np.testing.assert_array_equal(x.construction_months, y.construction_months)
        elif f.name == "queue":
            assert x.keys() == y.keys()
            for k in x:
                for s in x[k]:
                    np.testing.assert_array_equal(x[k][s], y[k][s], err_msg=f"{k}.{s}")
        elif isinstance(x, dict):
            assert x.keys() == y.keys()
            for k in x:
                np.testing.assert_array_equal(x[k], y[k], err_msg=f"{f.name}[{k}]")
        else:
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y), err_msg=f.name)


def test_one_project_with_fixed_durations_lands_when_expected():
    r = simulate_pipeline(fixed_params(), ONE_HOST, 1, 6, 0, keep_timeline=True)
    t = r.timeline.times[0, 0]
    expected = np.cumsum([6.0, 4.0, 0.0, 6.0, 0.0, 3.0, 0.0, 2.0, 30.0, 3.0, 18.0])
    np.testing.assert_allclose(t, expected)
    assert dict(zip(MILESTONES, t))["producing"] == 54.0  # 投产 in June 2018
    np.testing.assert_array_equal(r.signed["jx_major"][0], [1, 1, 1, 1, 1, 1])
    # 开工 21, 33, 45, 57, 69 months; 投产 54 and 66.
    np.testing.assert_array_equal(r.starts["jx_major"][0], [0, 1, 1, 1, 1, 1])
    np.testing.assert_array_equal(r.completions["jx_major"][0], [0, 0, 0, 0, 1, 1])
    np.testing.assert_array_equal(r.in_production["jx_major"][0], [0, 0, 0, 0, 1, 2])
    np.testing.assert_array_equal(r.abandoned["jx_major"][0], 0)


def test_revenue_ramp_and_investment_follow_the_fixed_timeline():
    r = simulate_pipeline(fixed_params(), ONE_HOST, 1, 6, 0)
    inv, full = 10.0, 10.0 * 1.5  # size fixed at 10亿, industry "equipment" ratio 1.5
    grid = np.arange(0, 72, 1e-3) + 5e-4  # midpoint rule, months

    def factor(t, p):
        return np.where(t < p, 0.0, np.minimum(0.3 + 0.7 * (t - p) / 18.0, 1.0))

    cap = factor(grid, 54.0) + factor(grid, 66.0)
    expected = full * cap.reshape(6, -1).mean(1)
    assert r.host_ids.tolist() == [7]
    np.testing.assert_allclose(r.revenue_to_existing[0, 0], expected, rtol=1e-5, atol=1e-9)
    assert r.revenue_to_new.sum() == 0
    # Linear spending over construction: starts at 21+12k, each 30 months long.
    exp_inv = [sum(inv / 30 * max(0.0, min(s + 30, 12 * y + 12) - max(s, 12 * y)) for s in (21, 33, 45, 57, 69))
               for y in range(6)]
    np.testing.assert_allclose(r.investment_completed["jx_major"][0], exp_inv, rtol=1e-12, atol=1e-9)
    mi = r.monthly_investment["jx_major"][0]  # 月调度: one project builds from month 21, two from 33
    np.testing.assert_allclose(mi[:21], 0.0, atol=1e-12)
    np.testing.assert_allclose(mi[21:33], 1 / 3)
    np.testing.assert_allclose(mi[33:45], 2 / 3)
    np.testing.assert_allclose(exp_inv, [0, 1, 5, 9, 10, 10])


def test_conservation_and_shapes_default_params():
    p = PipelineParams.from_levers({})
    r = simulate_pipeline(p, Destinations.synthetic(), 8, range(2014, 2020), 3, monthly_paths=3)
    assert r.states_ok, r.conservation_errors()
    Y = 6
    for n in r.programmes:
        st = r.states[n]
        assert st.shape == (8, Y, len(STAGES)) and st.min() >= 0
        np.testing.assert_array_equal(st.sum(-1), r.signed_cumulative[n])
        assert r.monthly[n].shape == (3, 12 * Y, len(STAGES))
        np.testing.assert_array_equal(r.monthly[n][:, 11::12], st[:3])
        # Stock of producers grows by exactly this year's 投产 flow.
        np.testing.assert_array_equal(np.diff(r.in_production[n], axis=1), r.completions[n][:, 1:])
        assert (r.signing_to_production_months[n] > 0).all()
        for res in ("approval", "land", "loan"):
            q = r.queue[f"{n}.{res}"]
            assert q["mean_length"].shape == (8, Y) and (q["mean_length"] >= 0).all()
            assert (q["max_length"] >= 0).all()
        assert (r.investment_completed[n] > 0).all()
    assert r.revenue_to_existing.shape == (8, 50, Y) and r.revenue_to_new.shape == (8, 10, Y)
    assert (np.diff(r.revenue_to_existing.sum(1), axis=1) > 0).all()  # new capacity keeps ramping in


def test_no_hosts_means_all_new_entrants():
    dest = Destinations(site_park=np.array([1, 2]), site_cluster=np.array([5, 6]), site_weight=np.array([1.0, 3.0]))
    r = simulate_pipeline(PipelineParams.from_levers({}), dest, 2, 4, 1)
    assert r.revenue_to_existing.shape == (2, 0, 4)
    assert r.revenue_to_new.sum() > 0 and r.site_pairs.tolist() == [[1, 5], [2, 6]]
    for n in r.programmes:
        np.testing.assert_array_equal(r.new_enterprises[n], r.completions[n])


def test_same_seed_is_bit_identical_and_int_equals_seedsequence():
    p = PipelineParams.from_levers({})
    d = Destinations.synthetic()
    a = simulate_pipeline(p, d, 4, 5, np.random.SeedSequence(11), keep_timeline=True)
    b = simulate_pipeline(p, d, 4, 5, np.random.SeedSequence(11), keep_timeline=True)
    c = simulate_pipeline(p, d, 4, 5, 11, keep_timeline=True)
    assert_results_equal(a, b)
    assert_results_equal(a, c)
    other = simulate_pipeline(p, d, 4, 5, 12)
    assert not np.array_equal(other.signed["jx_major"], a.signed["jx_major"])


def test_blocks_give_the_same_paths_as_one_run():
    p = PipelineParams.from_levers({})
    d = Destinations.synthetic()
    root = np.random.SeedSequence(2024)
    whole = simulate_pipeline(p, d, 5, 5, root, keep_timeline=True)
    first = simulate_pipeline(p, d, 2, 5, root, keep_timeline=True)
    second = simulate_pipeline(p, d, 3, 5, root, path_offset=2, keep_timeline=True)
    for part, rows in ((first, slice(0, 2)), (second, slice(2, 5))):
        for n in whole.programmes:
            for attr in ("signed", "starts", "completions", "in_production", "reserve", "investment_completed"):
                np.testing.assert_array_equal(getattr(part, attr)[n], getattr(whole, attr)[n][rows])
            np.testing.assert_array_equal(part.states[n], whole.states[n][rows])
        np.testing.assert_array_equal(part.revenue_to_existing, whole.revenue_to_existing[rows])
        np.testing.assert_array_equal(part.revenue_to_new, whole.revenue_to_new[rows])


def test_faster_approval_never_lowers_cumulative_completions():
    """Common random numbers: the green channel only speeds approvals.

    Land and loan quotas are unlimited here: a FIFO multi-server approval queue is
    monotone in service times (Kiefer–Wolfowitz), so every project's milestones can
    only move earlier.  With binding FIFO quotas a re-ordering of arrivals can delay
    an individual project, so that case is checked on averages below instead.
    """
    base = PipelineParams.from_levers({})
    for name in base.names:
        base = base.with_programme(name, land_quota=math.inf, loan_pool=math.inf, approval_capacity=40)
    d = Destinations.synthetic()
    for seed in range(12):
        slow = simulate_pipeline(base, d, 4, 6, seed, keep_timeline=True)
        fast_p = base
        for name in base.names:
            fast_p = fast_p.with_programme(name, approval_multiplier=0.5)
        fast = simulate_pipeline(fast_p, d, 4, 6, seed, keep_timeline=True)
        producing = [STAGES.index("ramp_up"), STAGES.index("full_production")]
        for n in base.names:
            # Cumulative 投产 including warm-up cohorts, read from the year-end states
            # (a count from 2014 only could drop when speed-ups move completions into 2013).
            cum_fast = fast.states[n][..., producing].sum(-1)
            cum_slow = slow.states[n][..., producing].sum(-1)
            assert (cum_fast >= cum_slow).all()
            assert (cum_fast > cum_slow).any()
        # Per project, too: no milestone is reached later.
        assert (fast.timeline.times <= slow.timeline.times).all()


def test_green_channel_lever_raises_mean_completions_with_default_quotas():
    # Levers act from 2014 on (the warm-up runs at pre-policy speed), so faster
    # approvals pull production forward: more projects producing by 2021.
    slow = PipelineParams.from_levers({"green_channel_approval_multiplier": 1.0})
    fast = PipelineParams.from_levers({"green_channel_approval_multiplier": 0.4})
    d = Destinations.synthetic()
    a = simulate_pipeline(slow, d, 30, 8, 5)
    b = simulate_pipeline(fast, d, 30, 8, 5)
    for n in slow.names:
        assert b.in_production[n][:, -1].mean() > a.in_production[n][:, -1].mean() + 5
        # Steady-state intake is unchanged: signings are identical (common random numbers).
        np.testing.assert_array_equal(a.signed[n], b.signed[n])


def test_more_intake_only_adds_projects_without_contention():
    def params(n):
        p = PipelineParams.from_levers({"signed_per_year_jx_major": n, "signed_per_year_gz_1yi": n})
        for name in p.names:
            p = p.with_programme(name, approval_capacity=math.inf, land_quota=math.inf, loan_pool=math.inf)
        return p

    d = Destinations.synthetic()
    for seed in range(5):
        lo = simulate_pipeline(params(80), d, 3, 6, seed)
        hi = simulate_pipeline(params(120), d, 3, 6, seed)
        for n in lo.programmes:
            assert (hi.signed[n] >= lo.signed[n]).all()
            assert (hi.in_production[n] >= lo.in_production[n]).all()
            assert (hi.investment_completed[n] >= lo.investment_completed[n] - 1e-9).all()


def test_years_must_start_at_first_year():
    with pytest.raises(ValueError, match="start at 2014"):
        simulate_pipeline(PipelineParams.from_levers({}), ONE_HOST, 1, [2015, 2016], 0)


def test_no_intake_gives_empty_but_consistent_result():
    p = PipelineParams.from_levers({"signed_per_year_jx_major": 0, "signed_per_year_gz_1yi": 0})
    r = simulate_pipeline(replace(p, warmup_years=0), Destinations.synthetic(), 2, 3, 0)
    assert r.states_ok
    for n in r.programmes:
        assert r.signed[n].sum() == 0 and r.completions[n].sum() == 0
    assert r.revenue_to_existing.sum() == 0


def test_no_intake_from_the_policy_start_leaves_the_warm_up_cohorts():
    """Intake 0 acts from 2014 only: projects signed in the warm-up still start and complete."""
    r = simulate_pipeline(PipelineParams.from_levers({"signed_per_year_jx_major": 0, "signed_per_year_gz_1yi": 0}),
                          Destinations.synthetic(), 2, 4, 0)
    assert r.states_ok
    for n in r.programmes:
        assert r.signed[n].sum() == 0
        assert r.completions[n][:, :2].sum() > 0  # the 2012-2013 cohorts finish in 2014-2015
        assert r.completions[n][:, -1].sum() < r.completions[n][:, 0].sum()  # and die out


def test_output_ratio_override_and_bad_destinations():
    d = Destinations(host_index=np.array([0]), host_weight=np.array([1.0]), host_output_ratio=np.array([3.0]))
    p = fixed_params()
    r3 = simulate_pipeline(p, d, 1, 6, 0)
    r15 = simulate_pipeline(p, ONE_HOST, 1, 6, 0)
    np.testing.assert_allclose(r3.revenue_to_existing[0, 0], 2 * r15.revenue_to_existing[0, 0])
    with pytest.raises(ValueError, match="host_weight"):
        Destinations(host_index=np.array([0]), host_weight=np.array([-1.0]))
    with pytest.raises(ValueError, match="differ in length"):
        Destinations(host_index=np.array([0, 1]), host_weight=np.array([1.0]))
    with pytest.raises(ValueError, match="missing"):
        simulate_pipeline(p, {"jx_major": ONE_HOST}, 1, 2, 0)
    with pytest.raises(ValueError, match="neither hosts nor sites"):
        simulate_pipeline(p, {"jx_major": ONE_HOST, "gz_1yi": Destinations()}, 1, 2, 0)
