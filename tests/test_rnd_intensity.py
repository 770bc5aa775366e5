"""R&D intensity: zero shocks follow the stated trend; units rise with size and stay."""

from __future__ import annotations

import numpy as np

from model.rnd_intensity import rd_share_paths, unit_paths, unit_share, weighted_share

PARAMS = {"common_sd": 0.0, "firm_persistence": 0.6, "firm_sd": 0.0, "unit_intercept": -4.6, "unit_slope": 0.8}


def test_zero_shocks_follow_the_stated_trend():
    base = np.array([0.004, 0.01, 0.0068])
    drift = np.array([0.06, 0.06, 0.10])
    shares = rd_share_paths(base, drift, np.zeros((2, 3)), np.zeros((2, 3, 3)), PARAMS)
    expected = base[:, None] * np.exp(np.array([0.06, 0.12, 0.22]))[None, :]
    np.testing.assert_allclose(shares[0], expected, rtol=1e-12)
    # firms growing alike: the revenue-weighted share follows the same trend
    revenue = np.broadcast_to(np.array([5.0, 1.0, 2.0])[None, :, None] * np.exp(0.08 * np.arange(1, 4)), (2, 3, 3))
    w0 = (base * revenue[0, :, 0]).sum() / revenue[0, :, 0].sum()
    np.testing.assert_allclose(weighted_share(shares, revenue, np.ones_like(revenue, bool))[0], 100 * w0 * np.exp([0.06, 0.12, 0.22]))


def test_shocks_leave_the_expected_share_on_the_trend():
    p = dict(PARAMS, common_sd=0.05, firm_sd=0.3)
    rng = np.random.default_rng(0)
    shares = rd_share_paths(np.array([0.01]), np.full(4, 0.05), rng.standard_normal((40_000, 4)), rng.standard_normal((40_000, 1, 4)), p)
    np.testing.assert_allclose(shares[:, 0, :].mean(0), 0.01 * np.exp(0.05 * np.arange(1, 5)), rtol=0.01)


def test_rd_never_exceeds_revenue():
    shares = rd_share_paths(np.array([0.9]), np.full(3, 0.5), np.zeros((1, 3)), np.zeros((1, 1, 3)), PARAMS)
    assert shares.max() == 1.0


def test_units_rise_with_size_and_stay():
    rng = np.random.default_rng(2)
    revenue = np.broadcast_to(np.array([0.3, 30.0])[None, :, None], (20_000, 2, 3))
    units = unit_paths(np.array([False, False]), revenue, rng.random((20_000, 2, 3)), PARAMS)
    assert units[:, 1, -1].mean() > 3 * units[:, 0, -1].mean()
    assert (units[:, :, 1:] >= units[:, :, :-1]).all()
    assert unit_share(units[:1], np.ones_like(units[:1], bool)).shape == (1, 3)
