"""New entrants at one site are separate firms in enterprise counts."""

from __future__ import annotations

import numpy as np

from model.pipeline.entrants import EntrantFirms, count_in_sites
from model.pipeline import Destinations, PipelineParams, simulate_pipeline
from model.targets import CompiledTarget, Outcome, measure


def test_two_entrants_at_one_site_count_separately():
    # Two 30亿 firms at site 0: merged they would be one 60亿 firm above 50亿; separately none is.
    firms = EntrantFirms(np.array([[[30.0], [30.0], [0.0]]]), np.array([[0, 0, -1]]))
    assert count_in_sites(firms, np.array([0]), 0, 50.0)[0] == 0
    # Two 60亿 firms at one site are two firms above 50亿, not one.
    firms = EntrantFirms(np.array([[[60.0], [60.0]]]), np.array([[0, 0]]))
    assert count_in_sites(firms, np.array([0]), 0, 50.0)[0] == 2
    assert count_in_sites(firms, np.array([1]), 0, 50.0)[0] == 0  # outside the target's sites


def test_measure_uses_separate_entrants_instead_of_site_sums():
    from model.catalogue import load_catalogue

    t = next(t for t in load_catalogue() if t.id == "JX-ENT50-2015")
    c = CompiledTarget(t, True, year_index=0, sites=np.array([0]))
    site_sum = np.array([[[60.0]]])
    merged = Outcome(np.zeros((1, 0, 1)), np.zeros((1, 0, 1)), site_sum, {})
    separate = Outcome(np.zeros((1, 0, 1)), np.zeros((1, 0, 1)), site_sum, {}, entrants=EntrantFirms(np.array([[[30.0], [30.0]]]), np.array([[0, 0]])))
    assert measure(c, merged)[0] == 1 and measure(c, separate)[0] == 0


def _firms_by_site(r) -> np.ndarray:
    e = r.entrants
    by_site = np.zeros_like(r.revenue_to_new)
    for s in range(r.revenue_to_new.shape[1]):
        by_site[:, s, :] = (e.revenue * (e.site == s)[..., None]).sum(1)
    return by_site


def _warm_up_tail(params, dest, n, years, seed, cycle=None) -> np.ndarray:
    """Site revenue still added after 2013 by entrants producing before 2014 (part of the 2013 base)."""
    from model.pipeline import draw_projects, fast_timeline
    from model.pipeline.destinations import _index_destinations
    from model.pipeline.revenue import _ramp_tail
    from model.pipeline.simulate import _years

    ys = _years(years, params.first_year)
    d = _index_destinations(dest, params.names)
    draws = draw_projects(params, d, n, len(ys), np.random.SeedSequence(seed) if isinstance(seed, int) else seed, 0)
    tl = fast_timeline(draws, params)
    gap = None if cycle is None else params.cycle.gap(cycle)
    rows, pos, new, y, val = _ramp_tail(draws, tl.times, params.ramp_start_share, draws.n_years, gap, params.cycle)
    out = np.zeros((n, len(d.site_park) if hasattr(d, "site_park") else 2, draws.n_years))
    np.add.at(out, (rows[new], pos[new], y[new]), val[new])
    return out


def test_entrant_firms_add_up_to_the_site_revenue():
    # Entrants producing from 2014 are firms of their own; entrants producing before 2014 are in the
    # 2013 base data and only their remaining ramp-up is added to the site (not a new firm).
    dest = Destinations(site_park=np.array([0, 1]), site_cluster=np.array([0, 1]), site_weight=np.array([1.0, 1.0]))
    params = PipelineParams.from_levers({})
    r = simulate_pipeline(params, dest, 20, 12, 5)
    e = r.entrants
    assert e.revenue.shape[1] > 0 and (e.site[e.revenue.sum(-1) > 0] >= 0).all()
    tail = _warm_up_tail(params, dest, 20, 12, 5)
    np.testing.assert_allclose(_firms_by_site(r) + tail, r.revenue_to_new, rtol=1e-9, atol=1e-7)
    # several firms at one site on some path: the case merging got wrong
    assert any(np.bincount(e.site[p][e.site[p] >= 0]).max() > 1 for p in range(20))


def test_entrant_firms_feel_the_same_cycle_as_their_sites():
    dest = Destinations(site_park=np.array([0, 1]), site_cluster=np.array([0, 1]), site_weight=np.array([1.0, 1.0]))
    params = PipelineParams.from_levers({})
    slump = np.full((20, 12), -0.15)  # a deep, lasting slump on every path
    calm = simulate_pipeline(params, dest, 20, 12, 5)
    r = simulate_pipeline(params, dest, 20, 12, 5, cycle=slump)
    tail = _warm_up_tail(params, dest, 20, 12, 5, slump)
    np.testing.assert_allclose(_firms_by_site(r) + tail, r.revenue_to_new, rtol=1e-9, atol=1e-7)
    assert r.entrants.revenue.sum() < calm.entrants.revenue.sum()
