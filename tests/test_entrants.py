"""New entrants at one site are separate firms in enterprise counts."""

from __future__ import annotations

import numpy as np

from model.entrants import EntrantFirms, count_in_sites
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


def test_entrant_firms_add_up_to_the_site_revenue():
    dest = Destinations(site_park=np.array([0, 1]), site_cluster=np.array([0, 1]), site_weight=np.array([1.0, 1.0]))
    r = simulate_pipeline(PipelineParams.from_levers({}), dest, 20, 12, 5)
    e = r.entrants
    assert e.revenue.shape[1] > 0 and (e.site[e.revenue.sum(-1) > 0] >= 0).all()
    by_site = np.zeros_like(r.revenue_to_new)
    for s in range(r.revenue_to_new.shape[1]):
        by_site[:, s, :] = (e.revenue * (e.site == s)[..., None]).sum(1)
    np.testing.assert_allclose(by_site, r.revenue_to_new, rtol=1e-10, atol=1e-9)
    # several firms at one site on some path: the case merging got wrong
    assert any(np.bincount(e.site[p][e.site[p] >= 0]).max() > 1 for p in range(20))
