"""Tests of model.forecast: shapes, intervals, reproducibility, edge cases, kernel coverage."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from model.dynamics import damped_growth, integrate_log_levels, unit_student_t
from model.forecast import (
    ForecastResult,
    Priors,
    SeriesFit,
    fit_series,
    forecast,
    load_priors,
    median_path,
    simulate_paths,
)

TREND = 100.0 * np.exp(0.04 * np.arange(20) + 0.02 * np.sin(np.arange(20)))


def test_forecast_shapes_and_types():
    res = forecast(TREND, 6)
    assert isinstance(res, ForecastResult)
    assert isinstance(res.fit, SeriesFit)
    assert res.mean.shape == (6,)
    assert set(res.lower) == set(res.upper) == {0.8, 0.95}
    for level in (0.8, 0.95):
        assert res.lower[level].shape == res.upper[level].shape == (6,)


def test_intervals_are_ordered_and_nested():
    res = forecast(TREND, 6, levels=(0.5, 0.8, 0.95))
    assert np.all(res.lower[0.95] <= res.lower[0.8])
    assert np.all(res.lower[0.8] <= res.lower[0.5])
    assert np.all(res.lower[0.5] <= res.mean)
    assert np.all(res.mean <= res.upper[0.5])
    assert np.all(res.upper[0.5] <= res.upper[0.8] + 1e-12)
    assert np.all(res.upper[0.8] <= res.upper[0.95] + 1e-12)
    # A real interval, and it widens with the horizon.
    width = np.log(res.upper[0.95] / res.lower[0.95])
    assert width[0] > 0
    assert width[-1] > width[0]


def test_trending_series_forecast_keeps_growing():
    res = forecast(TREND, 6)
    assert np.all(np.diff(res.mean) > 0)
    assert res.mean[0] > TREND[-1] * 0.98


def test_seed_reproducibility():
    a, b, c = forecast(TREND, 6, seed=3), forecast(TREND, 6, seed=3), forecast(TREND, 6, seed=4)
    np.testing.assert_array_equal(a.upper[0.95], b.upper[0.95])
    assert not np.array_equal(a.upper[0.95], c.upper[0.95])
    # Accepts SeedSequence too.
    s1 = forecast(TREND, 6, seed=np.random.SeedSequence(9, spawn_key=(5,)))
    s2 = forecast(TREND, 6, seed=np.random.SeedSequence(9, spawn_key=(5,)))
    np.testing.assert_array_equal(s1.lower[0.8], s2.lower[0.8])


@pytest.mark.parametrize("y", [[5.0], [5.0, 6.0], [5.0, 6.0, 5.5]])
def test_short_series(y):
    res = forecast(y, 6)
    assert np.all(np.isfinite(res.mean)) and np.all(res.mean > 0)
    assert np.all(res.lower[0.95] < res.upper[0.95])


def test_single_point_uses_priors():
    pri = load_priors()
    fit = fit_series([10.0])
    assert fit.mu == pytest.approx(pri.mu0)
    assert fit.last_growth == pytest.approx(pri.mu0)
    assert fit.sigma == pytest.approx(pri.sigma0)


def test_constant_series_has_positive_width_and_flat_point():
    res = forecast(np.full(15, 42.0), 6)
    assert np.all(np.isfinite(res.upper[0.95]))
    assert np.all(res.upper[0.95] > res.lower[0.95])
    # Long-run growth is shrunk toward the prior but stays small for a flat history.
    assert np.all(np.abs(np.log(res.mean / 42.0)) < 0.1)


@pytest.mark.parametrize("bad, idx", [([1.0, 2.0, 0.0, 3.0], 2), ([1.0, -4.0], 1), ([1.0, np.inf], 1)])
def test_non_positive_values_raise_with_index(bad, idx):
    with pytest.raises(ValueError, match=f"index {idx}"):
        forecast(bad, 3)


def test_nan_padding_dropped_interior_nan_raises():
    padded = np.r_[np.nan, TREND, np.nan]
    np.testing.assert_allclose(forecast(padded, 3).mean, forecast(TREND, 3).mean)
    with pytest.raises(ValueError, match="index 3"):
        forecast([1.0, 2.0, 3.0, np.nan, 5.0], 3)
    with pytest.raises(ValueError, match="empty"):
        forecast([np.nan, np.nan], 3)


def test_bad_arguments():
    with pytest.raises(ValueError):
        forecast(TREND, 0)
    with pytest.raises(ValueError):
        forecast(TREND, 3, levels=(1.5,))
    with pytest.raises(ValueError):
        forecast(np.ones((3, 3)), 3)


def test_shrinkage_is_stronger_for_short_series():
    pri = replace(load_priors(), mu0=0.0)
    fast = 100.0 * np.exp(0.10 * np.arange(60))
    short, long = fit_series(fast[:4], pri), fit_series(fast, pri)
    assert 0.0 < short.mu < long.mu < 0.10 + 1e-12


def test_simulate_paths_draws_parameters_per_path():
    fit = fit_series(TREND)
    rng = np.random.default_rng(1)
    mu, phi, sigma = fit.sample_params(rng, 500)
    assert np.std(mu) > 0 and np.std(phi) > 0 and np.std(sigma) > 0
    assert np.all((phi >= 0) & (phi <= 0.98))
    # With zero-variance shocks the spread across paths can only come from parameters.
    calm = replace(fit, sigma=1e-12, cov=fit.cov.copy())
    cov = calm.cov.copy()
    cov[2, 2] = 0.0
    calm = replace(calm, cov=cov)
    paths = simulate_paths(calm, 6, 400, np.random.default_rng(2))
    assert paths.shape == (400, 6)
    assert np.std(np.log(paths[:, -1])) > 1e-4
    # And a fit without parameter uncertainty and without shocks collapses onto the median path.
    frozen = replace(calm, cov=np.zeros((3, 3)))
    flat = simulate_paths(frozen, 6, 50, np.random.default_rng(2))
    np.testing.assert_allclose(flat, np.broadcast_to(median_path(frozen, 6), flat.shape), rtol=1e-9)


def _kernel_series(rng: np.random.Generator, n: int, mu: float, phi: float, sigma: float, df: float) -> np.ndarray:
    shocks = sigma * unit_student_t(rng, df, (n,))
    growth = damped_growth(mu, mu, phi, shocks)
    return integrate_log_levels(100.0, growth)


def test_coverage_on_kernel_simulated_series_is_near_nominal():
    """Series drawn from the kernel with known parameters: 80%/95% intervals cover roughly nominally."""
    rng = np.random.default_rng(123)
    pri = replace(load_priors(), widen={}, n_paths=1000)  # the raw model interval, no M4 widening
    hits = {0.8: [], 0.95: []}
    for i in range(150):
        y = _kernel_series(rng, 40 + 6, mu=0.03, phi=0.5, sigma=0.05, df=6.0)
        res = forecast(y[:40], 6, seed=i, priors=pri)
        for level in hits:
            hits[level].append((y[40:] >= res.lower[level]) & (y[40:] <= res.upper[level]))
    cov80, cov95 = np.mean(hits[0.8]), np.mean(hits[0.95])
    assert 0.68 < cov80 < 0.92
    assert 0.88 < cov95 < 0.995
