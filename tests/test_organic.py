"""The organic adjustment: the share of each city's historical growth its existing firms keep."""

from __future__ import annotations

import numpy as np

from _shared import context
from model.organic import city_of, leaf_cities


def test_organic_removal_is_largest_where_the_projects_land():
    ctx = context("baseline")
    city, n = leaf_cities(ctx.panel, ctx.hierarchy)
    assert ctx.organic_shift.shape == (len(city), len(ctx.years))
    cum = ctx.organic_shift.sum(axis=1)
    gz = city_of(ctx.panel, "JX.GZ")[1]
    nc = city_of(ctx.panel, "JX.NC")[1]
    # Ganzhou hosts both programmes, Nanchang only the provincial list: more of Ganzhou's
    # historical growth came from projects, so its existing firms keep less of the trend
    assert cum[city == gz].max() < cum[city == nc].min() < 0
    # one shift per city: leaves of a city move together
    assert np.ptp(cum[city == gz]) == 0


def test_leaves_above_city_level_have_their_own_group():
    ctx = context("baseline")
    n_cities = int((ctx.panel.regions["level"] == "city").sum())
    assert city_of(ctx.panel, "JX") == ("", n_cities)
    assert leaf_cities(ctx.panel, ctx.hierarchy)[1] == n_cities + 1


def test_organic_growth_of_every_city_stays_in_the_range_its_history_supports():
    """Existing firms' growth (simulated, baseline) as a share of the trend's growth, per city, 2014-2025.

    History: in each data year, the share of the city's growth not made by the
    projects of the pipeline's warm-up (run on the history settings). The simulated
    organic share must lie within the city's own yearly range, and be positive.
    """
    from model.growth import simulate_leaves

    ctx = context("baseline")
    h = ctx.hierarchy
    city, n = leaf_cities(ctx.panel, h)
    H = len(ctx.years)
    args = (ctx.params, h, H, 300)
    org = simulate_leaves(*args, np.random.default_rng(3), ctx.macro_shift, True, ctx.organic_shift)
    trend = simulate_leaves(*args, np.random.default_rng(3), ctx.macro_shift, True, None)
    start = np.zeros(n)
    np.add.at(start, city, np.nan_to_num(h.history[:, -1]))
    by_city = lambda x: np.stack([x[:, city == c, -1].sum(1) for c in range(n)], 1)  # noqa: E731
    with np.errstate(invalid="ignore", divide="ignore"):  # groups without firms: 0 / 0
        share = np.median((by_city(org) - start) / (by_city(trend) - start), axis=0)
    hist = ctx.organic_split.yearly_organic_share
    checked = 0
    for c in range(n):
        if start[c] <= 0 or np.isnan(hist[c]).all():
            continue
        lo, hi = np.nanmin(hist[c]), np.nanmax(hist[c])
        assert 0 < share[c] and lo - 0.02 <= share[c] <= hi + 0.02, (ctx.organic_split.cities[c], share[c], lo, hi)
        checked += 1
    assert checked >= 10


def test_organic_split_comes_from_the_history_pipeline():
    ctx = context("baseline")
    sp = ctx.organic_split
    gz, nc = sp.cities.index("JX.GZ"), sp.cities.index("JX.NC")
    # Ganzhou hosts both programmes, so projects made more of its growth than of Nanchang's
    assert sp.project_share[gz] > sp.project_share[nc] > 0
    np.testing.assert_allclose(sp.project_share[gz], min(0.9, sp.project_growth[gz] / sp.observed_growth[gz]))
    # the same for every scenario: it does not depend on the scenario's levers
    np.testing.assert_array_equal(context("policy_push").organic_shift, ctx.organic_shift)
