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
        elif f.name in ("queue", "provincial_list"):
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


# --------------------------------------------------------------------------- the provincial list


def _project(signed, *later):
    """Milestone times: signed, then the given milestones in order, the rest never (inf)."""
    t = [signed, *later]
    return t + [np.inf] * (len(MILESTONES) - len(t))


def test_a_list_of_known_composition_gives_the_known_counts():
    from model.pipeline import provincial_list

    inf = np.inf
    # months since the start of the (only) year; milestones 0..10, 7 = 开工, 8 = 竣工, 9 = 投产
    rows = {
        "A built, producing in May": _project(-40, -38, -37, -30, -29, -27, -26, -25, -2, 5, 20),
        "H building, done in June, producing in Sept": _project(-50, -48, -47, -40, -39, -37, -36, -20, 6, 9, 30),
        "C approved and funded, starts in April": _project(-15, -12, -11, -6, -5, -3, -2, 4, 40, 43, 60),
        "B building until month 30": _project(-30, -28, -27, -20, -19, -17, -16, -10, 30, 33, 50),
        "D in the reserve, no start this year": _project(-3),
        "E abandoned last year": _project(-20, -18),
        "F producing since last year": _project(-60, -58, -57, -50, -49, -47, -46, -40, -4, -1, 10),
        "G signed in March, started in August": _project(2, 3, 3.5, 4, 4.5, 5, 6, 8, 40, 43, 60),
    }
    times = np.array(list(rows.values()), float)[None]
    abandon = np.full((1, len(rows)), inf)
    abandon[0, 5] = -10.0
    valid = np.ones((1, len(rows)), bool)
    build = np.full((1, len(rows)), 34.0)

    def counts(length, build_months=build, max_build=inf):
        out = provincial_list(times, abandon, valid, build_months, 1, length, 0.0, max_build)
        return {k: int(v[0, 0]) for k, v in out.items()}

    # Length 3: A and H (due to be built this year), then C (ready to start); G is added.
    assert counts(3) == {"listed": 3, "added": 1, "new": 2, "continuing": 0, "completing": 2, "starts": 2, "completions": 2}
    # Length 10: every candidate (A, H, C, B, D) is listed; B continues, D is new but does not start.
    assert counts(10) == {"listed": 5, "added": 1, "new": 3, "continuing": 1, "completing": 2, "starts": 2, "completions": 2}
    # B's planned build of 60 months is not "about three years": it is not listed.
    long_b = build.copy()
    long_b[0, 3] = 60.0
    assert counts(10, long_b, 48.0) == {"listed": 4, "added": 1, "new": 3, "continuing": 0, "completing": 2, "starts": 2, "completions": 2}


def test_the_other_readings_of_the_list_rule():
    """Planned starts ranked with the ready ones, and additions of projects signed before the selection."""
    from model.pipeline import provincial_list

    inf = np.inf
    rows = {
        "B building until month 30 (continuing)": _project(-30, -28, -27, -20, -19, -17, -16, -10, 30, 33, 50),
        "K in approval on 1 January, starts in May": _project(-8, -6, 1, 2, 2.5, 3, 4, 5, 40, 43, 60),
        "L signed in October last year, starts in July": _project(-3, 1, 2, 3, 3.5, 4, 5, 7, 40, 43, 60),
    }
    times = np.array(list(rows.values()), float)[None]
    abandon = np.full((1, len(rows)), inf)
    valid = np.ones((1, len(rows)), bool)
    build = np.full((1, len(rows)), 34.0)

    def counts(length, **rule):
        out = provincial_list(times, abandon, valid, build, 1, length, 0.0, inf, **rule)
        return {k: int(out[k][0, 0]) for k in ("listed", "added", "starts")}

    # Default: B (construction) outranks K and L (earlier stages); one place, no listed start.
    assert counts(1) == {"listed": 1, "added": 0, "starts": 0}
    # Planned starts first: K and L both plan to start this year and now outrank B; K is further
    # on (its approval filed), so it takes the place and starts in May.
    assert counts(1, planned_starts_first=True) == {"listed": 1, "added": 0, "starts": 1}
    # Additions of projects signed within 12 months before the selection: K and L are not
    # listed, signed after month -12 and start this year, so both are added.
    assert counts(1, added_window=12.0) == {"listed": 1, "added": 2, "starts": 2}
    # A project on the list is never added again.
    assert counts(3, added_window=12.0) == {"listed": 3, "added": 0, "starts": 2}


def test_the_list_is_drawn_every_year_and_adds_up():
    p = PipelineParams.from_levers({"signed_per_year_jx_major": 60, "list_length_jx_major": 80})
    r = simulate_pipeline(p, Destinations.synthetic(), 20, 5, 3)
    lst = r.provincial_list["jx_major"]
    assert "gz_1yi" not in r.provincial_list
    np.testing.assert_array_equal(lst["new"] + lst["continuing"] + lst["completing"], lst["listed"] + lst["added"])
    assert (lst["listed"] <= 80).all() and (lst["listed"] == 80).mean() > 0.9
    assert (lst["completions"] <= r.completions["jx_major"]).all()
    assert (lst["starts"] <= r.starts["jx_major"]).all()
    np.testing.assert_array_equal(lst["completions"], lst["completing"])


def test_a_longer_list_acts_from_the_policy_start_only():
    """The list length is a lever: lists selected before a later policy start keep the history's length."""
    import dataclasses

    def lists(length, policy_start):
        p = dataclasses.replace(PipelineParams.from_levers({"signed_per_year_jx_major": 60, "list_length_jx_major": length}),
                                policy_start=policy_start)
        return simulate_pipeline(p, Destinations.synthetic(), 20, 4, 3).provincial_list["jx_major"]

    base, later, now = lists(100, 24.0), lists(200, 24.0), lists(200, 0.0)
    for k in ("listed", "starts", "completions", "new", "continuing"):
        np.testing.assert_array_equal(later[k][:, :2], base[k][:, :2], err_msg=k)  # 2014 and 2015 untouched
    assert (later["listed"][:, 2:] > base["listed"][:, 2:]).mean() > 0.9  # from 2016 the longer list
    assert (now["listed"][:, :2] > base["listed"][:, :2]).mean() > 0.9  # a policy from 2014 acts in 2014


# --------------------------------------------------------------------------- the cycle


def test_project_revenue_falls_in_a_path_with_a_deep_slump():
    p = PipelineParams.from_levers({"signed_per_year_jx_major": 60})
    d = Destinations.synthetic()
    flat = simulate_pipeline(p, d, 2, 8, 5)
    calm = simulate_pipeline(p, d, 2, 8, 5, cycle=np.zeros((2, 8)))
    # A cycle of zero changes nothing, bit for bit.
    np.testing.assert_array_equal(calm.revenue_to_existing, flat.revenue_to_existing)
    np.testing.assert_array_equal(calm.revenue_to_new, flat.revenue_to_new)
    slump = np.zeros((2, 8))
    slump[0, 3:5] = -0.25  # path 0: demand growth 25 points below trend in 2017 and 2018
    hit = simulate_pipeline(p, d, 2, 8, 5, cycle=slump)
    total = lambda r: r.revenue_to_existing.sum(1) + r.revenue_to_new.sum(1)  # noqa: E731
    base, got = total(flat), total(hit)
    np.testing.assert_array_equal(got[1], base[1])  # the other path is untouched
    np.testing.assert_array_equal(got[0, :3], base[0, :3])  # before the slump nothing changes
    # utilisation alone: gap -0.25 in 2017 gives exp(-0.25) = 0.78 of capacity
    assert (got[0, 3:6] < base[0, 3:6]).all()
    assert got[0, 3] <= np.exp(-0.25) * base[0, 3] * (1 + 1e-12)
    # the milestones do not move: the cycle is a layer on the timeline
    np.testing.assert_array_equal(hit.completions["jx_major"], flat.completions["jx_major"])


def test_a_boom_speeds_ramp_up_and_lifts_utilisation_within_its_bound():
    from model.pipeline import CycleParams

    c = CycleParams()
    gap = c.gap(np.array([[0.5, 0.0, 0.0]]))
    np.testing.assert_allclose(gap, [[0.5, 0.25, 0.125]])  # half of the gap is left a year later
    assert c.utilisation(gap)[0, 0] == c.utilisation_max
    p = PipelineParams.from_levers({})
    d = Destinations.synthetic()
    flat = simulate_pipeline(p, d, 1, 4, 2)
    boom = simulate_pipeline(p, d, 1, 4, 2, cycle=np.full((1, 4), 0.05))
    assert (boom.revenue_to_existing.sum(1) >= flat.revenue_to_existing.sum(1)).all()
    assert boom.revenue_to_existing.sum() > flat.revenue_to_existing.sum()


def test_projects_ramping_up_at_the_start_add_only_what_they_gain_after_2013():
    """A project producing since mid-2013 is in the 2013 data at its 2013 level; its later ramp-up is new revenue."""
    p = fixed_params()
    # the same fixed settings in the warm-up (no history settings)
    p = replace(p, warmup_years=5, programmes=tuple(replace(q, history=None) for q in p.programmes))
    r = simulate_pipeline(p, ONE_HOST, 1, 4, 0)
    full = 10.0 * 1.5
    grid = np.arange(-12, 48, 1e-3) + 5e-4  # midpoint rule, months from 2014-01

    def factor(t, p):
        return np.where(t < p, 0.0, np.minimum(0.3 + 0.7 * (t - p) / 18.0, 1.0))

    by_year = lambda p: factor(grid, p).reshape(5, -1).mean(1)  # noqa: E731  2013, 2014, ..., 2017
    old = by_year(-6.0)  # signed 2009-07, 投产 2013-07
    expected = full * ((old[1:] - old[0]) + sum(by_year(p)[1:] for p in (6.0, 18.0, 30.0, 42.0)))
    np.testing.assert_allclose(r.revenue_to_existing[0, 0], expected, rtol=1e-5, atol=1e-9)
    assert expected[0] > full * (by_year(6.0)[1])  # the old project's ramp-up does count


def test_poisson_ppf_equals_scipy_stats_float_for_float():
    """The intake counts avoid importing scipy.stats at start-up; the inverse CDF must not change."""
    from scipy.stats import poisson

    from model.pipeline.draws import poisson_ppf

    rng = np.random.default_rng(3)
    q = rng.random((400, 2, 18))
    q[0, 0, :3] = [0.0, 1e-300, 1 - 1e-16]
    lam = np.concatenate([rng.uniform(0, 700, (2, 15)), [[0.0, 1.0, 1e4]] * 2], axis=1)
    assert np.array_equal(poisson_ppf(q, lam[None]), poisson.ppf(q, lam[None]), equal_nan=True)


def test_a_draft_is_shared_only_by_parameters_that_draw_the_same_projects():
    import dataclasses

    from model.pipeline import finish_pipeline, prepare_pipeline

    p = PipelineParams.from_levers({"signed_per_year_jx_major": 60})
    d = Destinations.synthetic()
    draft = prepare_pipeline(p, d, 5, 4, 3)
    other_list = p.with_programme("jx_major", list_planned_starts_first=True)
    shared = finish_pipeline(draft.with_params(other_list))
    alone = simulate_pipeline(other_list, d, 5, 4, 3)
    for k in alone.provincial_list["jx_major"]:
        np.testing.assert_array_equal(shared.provincial_list["jx_major"][k], alone.provincial_list["jx_major"][k])
    np.testing.assert_array_equal(shared.revenue_to_existing, alone.revenue_to_existing)
    assert draft.with_params(p) is draft
    with pytest.raises(ValueError, match="more than the cycle and the list rule"):
        draft.with_params(dataclasses.replace(p, warmup_years=p.warmup_years + 1))
