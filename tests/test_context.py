"""Run context: where projects land, and the organic adjustment."""

from __future__ import annotations

import numpy as np

from _shared import context
from model.context import _city_of, _in_ganzhou, _leaf_cities


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
    gz = np.array([_in_ganzhou(ctx.panel, parks[p]) for p in d.site_park])
    weight_share = d.site_weight[gz].sum() / d.site_weight.sum()
    assert gz.mean() > 0.3  # a third of the sites: Ganzhou's registry lists many county parks
    assert weight_share < 0.2  # but about its revenue share of the parks


def test_ganzhou_programme_lands_only_in_ganzhou():
    ctx = context("baseline")
    parks = list(ctx.panel.parks.index)
    d = ctx.destinations["gz_1yi"]
    assert all(_in_ganzhou(ctx.panel, parks[p]) for p in d.site_park)
    geo = ctx.hierarchy.leaves.iloc[ctx.hierarchy.enterprise_leaves]["geo"].to_numpy()
    assert all(_in_ganzhou(ctx.panel, g) for g in geo[d.host_index])


def test_organic_removal_is_largest_where_the_projects_land():
    ctx = context("baseline")
    city, n = _leaf_cities(ctx.panel, ctx.hierarchy)
    assert ctx.organic_shift.shape == (len(city), len(ctx.years))
    cum = ctx.organic_shift.sum(axis=1)
    gz = _city_of(ctx.panel, "JX.GZ")[1]
    nc = _city_of(ctx.panel, "JX.NC")[1]
    # Ganzhou hosts both programmes, Nanchang only the provincial list
    assert cum[city == gz].max() < cum[city == nc].min() < 0
    # one shift per city: leaves of a city move together
    assert np.ptp(cum[city == gz]) == 0


def test_leaves_above_city_level_have_their_own_group():
    ctx = context("baseline")
    n_cities = int((ctx.panel.regions["level"] == "city").sum())
    assert _city_of(ctx.panel, "JX") == ("", n_cities)
    assert _leaf_cities(ctx.panel, ctx.hierarchy)[1] == n_cities + 1
