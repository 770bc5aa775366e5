"""Technical upgrades: bigger firms more likely, the rate capped, only above-scale firms counted."""

from __future__ import annotations

import numpy as np

from model.upgrades import simulate_upgrades, upgrade_probability

PARAMS = {"base_rate": 0.18, "size_elasticity": 0.3, "max_rate": 0.9, "spend_share_median": 0.1, "spend_share_sigma": 0.0}


def test_probability_rises_with_size_and_is_capped():
    p = upgrade_probability(np.array([0.2, 1.0, 10.0, 1e6]), PARAMS)
    assert p[0] < p[1] < p[2] and p[3] == 0.9
    np.testing.assert_allclose(p[1], 0.18)
    np.testing.assert_allclose(upgrade_probability(np.array(1.0), PARAMS, 2.0), 0.36)


def test_upgrades_rate_and_spend():
    revenue = np.full((40_000, 1, 2), 1.0)
    above = np.ones_like(revenue, bool)
    above[:, :, 1] = False
    up, spend = simulate_upgrades(np.random.default_rng(0), revenue, above, PARAMS, np.array([1.0, 1.0]))
    assert abs(up[:, 0, 0].mean() - 0.18) < 0.01 and not up[:, 0, 1].any()
    np.testing.assert_allclose(spend[up], 0.1)  # zero spread: exactly the median share of revenue
