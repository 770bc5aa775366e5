"""Where projects land: hosts and new-entrant sites of each programme."""

from __future__ import annotations

import numpy as np

from _shared import context
from model.sites import destinations_for, in_region, programme_regions


def test_new_entrant_sites_weigh_parks_by_revenue():
    ctx = context("baseline")
    parks = list(ctx.panel.parks.index)
    d = ctx.destinations["jx_major"]
    per_park = np.bincount(d.site_park, weights=d.site_weight, minlength=len(parks))
    last = np.nan_to_num(ctx.panel.revenue.reindex(parks)[ctx.panel.years[-1]].to_numpy(float))
    used = np.unique(d.site_park)
    np.testing.assert_allclose(per_park[used], last[used])


def test_ganzhou_gets_its_revenue_share_of_provincial_new_entrants_not_its_share_of_sites():
    ctx = context("baseline")
    parks = list(ctx.panel.parks.index)
    d = ctx.destinations["jx_major"]
    gz = np.array([in_region(ctx.panel, parks[p], "JX.GZ") for p in d.site_park])
    weight_share = d.site_weight[gz].sum() / d.site_weight.sum()
    assert gz.mean() > 0.3  # a third of the sites: Ganzhou's registry lists many county parks
    assert weight_share < 0.2  # but about its revenue share of the parks


def test_ganzhou_programme_lands_only_in_ganzhou():
    ctx = context("baseline")
    parks = list(ctx.panel.parks.index)
    d = ctx.destinations["gz_1yi"]
    assert all(in_region(ctx.panel, parks[p], "JX.GZ") for p in d.site_park)
    geo = ctx.hierarchy.leaves.iloc[ctx.hierarchy.enterprise_leaves]["geo"].to_numpy()
    assert all(in_region(ctx.panel, g, "JX.GZ") for g in geo[d.host_index])


def test_a_programmes_region_comes_from_the_pipeline_calibration():
    assert programme_regions() == {"jx_major": None, "gz_1yi": "JX.GZ"}
    ctx = context("baseline")
    parks = list(ctx.panel.parks.index)
    d = destinations_for(ctx.panel, ctx.hierarchy, {"gz_1yi": "JX.NC"})["gz_1yi"]
    assert len(d.site_park) and all(in_region(ctx.panel, parks[p], "JX.NC") for p in d.site_park)
    geo = ctx.hierarchy.leaves.iloc[ctx.hierarchy.enterprise_leaves]["geo"].to_numpy()
    assert len(d.host_index) and all(in_region(ctx.panel, g, "JX.NC") for g in geo[d.host_index])
    assert not any(in_region(ctx.panel, parks[p], "JX.GZ") for p in d.site_park)
