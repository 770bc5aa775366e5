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


# ------------------------------------------------- filtered start, Beta persistence, class widening

from model.forecast import (  # noqa: E402
    PRIORS_PATH,
    filter_state,
    load_forecast_priors,
    series_class,
    widen_factor_pair,
    widen_factors,
)


def test_filter_without_observation_noise_returns_the_last_observation():
    z = np.log([100.0, 112.0, 121.0, 140.0, 150.0, 171.0])
    state, cov = filter_state(z, mu=0.02, phi=0.6, sigma=0.05, r_obs=0.0)
    # Levels observed exactly: the state is the last log level and the last log difference.
    assert state[0] == pytest.approx(np.log(171.0), abs=1e-9)
    assert state[1] == pytest.approx(np.log(171.0 / 150.0), abs=1e-9)
    np.testing.assert_allclose(cov, 0.0, atol=1e-9)


def test_filter_recovers_the_slope_of_linear_log_data():
    # Exactly linear log levels with slope b; with mu = b every prediction error is zero.
    b = 0.07
    z = 3.0 + b * np.arange(12)
    for r in (0.1, 1.0, 5.0):
        state, _ = filter_state(z, mu=b, phi=0.5, sigma=0.04, r_obs=r)
        assert state[1] == pytest.approx(b, abs=1e-9)
        assert state[0] == pytest.approx(z[-1], abs=1e-9)


def _brute_force_posterior(z, mu, phi, sigma, r_obs, level_var0):
    """The filtered state by Gaussian conditioning on the whole joint law (no recursion)."""
    n = len(z)
    q = sigma**2
    # Latent vector x = (l_0, d_0, eta_1..eta_{n-1}); states are affine in x: value = const + coef @ x.
    k = n + 1
    mean_x = np.zeros(k)
    mean_x[0] = z[0]
    cov_x = np.diag([level_var0, q / (1 - phi**2)] + [q] * (n - 1))
    l_coef, l_const = np.eye(k)[0], 0.0
    d_coef = np.eye(k)[1]
    z_rows, z_const = [l_coef.copy()], [0.0]
    for t in range(1, n):
        d_coef = phi * d_coef + np.eye(k)[1 + t]
        l_coef, l_const = l_coef + d_coef, l_const + mu
        z_rows.append(l_coef.copy())
        z_const.append(l_const)
    A = np.array(z_rows)
    m_z = A @ mean_x + np.array(z_const)
    s_zz = A @ cov_x @ A.T + r_obs * q * np.eye(n)
    B = np.vstack([l_coef, d_coef])
    m_s = B @ mean_x + np.array([l_const, 0.0])
    s_sz = B @ cov_x @ A.T
    s_ss = B @ cov_x @ B.T
    gain = np.linalg.solve(s_zz, s_sz.T).T
    post_m = m_s + gain @ (np.asarray(z) - m_z)
    post_c = s_ss - gain @ s_sz.T
    return np.array([post_m[0], mu + post_m[1]]), post_c


def test_filter_equals_gaussian_conditioning_on_the_joint_law():
    z = np.log([50.0, 61.0, 66.0, 80.0, 85.0, 99.0, 104.0])
    for r in (0.25, 2.0):
        got_m, got_c = filter_state(z, mu=0.05, phi=0.7, sigma=0.06, r_obs=r, level_var0=4.0)
        want_m, want_c = _brute_force_posterior(z, 0.05, 0.7, 0.06, r, 4.0)
        np.testing.assert_allclose(got_m, want_m, rtol=0, atol=1e-8)
        np.testing.assert_allclose(got_c, want_c, rtol=0, atol=1e-8)


def test_decelerating_series_does_not_accelerate_in_the_first_forecast_year():
    # Growth falls by 0.02 every year: 0.20, 0.18, ..., 0.10 (last observed growth 0.10).
    growth = 0.20 - 0.02 * np.arange(6)
    y = 100.0 * np.exp(np.r_[0.0, np.cumsum(growth)])
    res = forecast(y, 12, seed=1)
    first = np.log(res.mean[0] / y[-1])
    assert first <= growth[-1] + 1e-12
    # and the median path keeps decelerating toward the long-run rate
    g = np.diff(np.log(np.r_[y[-1], res.mean]))
    assert np.all(np.diff(g) <= 1e-12)


def test_forecaster_draws_phi_from_a_beta_without_point_mass():
    fit = SeriesFit(0.03, 0.5, 0.05, 6.0, 1.0, 0.03, np.diag([1e-4, 0.01, 0.01]), 40, phi_law="beta")
    _, phi, _ = fit.sample_params(np.random.default_rng(4), 20_000)
    assert phi.min() > 0.0 and phi.max() < 1.0
    assert np.unique(phi).size == phi.size  # no value drawn twice: no atom anywhere (0, 0.98, 1)
    # Beta moments: mean 0.5 and variance 0.01 (below the cap 0.25 / 5 = 0.05).
    assert np.mean(phi) == pytest.approx(0.5, abs=4 * np.sqrt(0.01 / phi.size))
    assert np.var(phi) == pytest.approx(0.01, rel=0.05)
    # and the forecaster's own fits use this law
    assert fit_series(TREND, load_forecast_priors()).phi_law == "beta"


def test_short_history_persistence_has_no_atom_and_thin_ends():
    growth = 0.15 + 0.04 * np.sin(np.arange(5))  # 6 points, like the province
    y = 100.0 * np.exp(np.r_[0.0, np.cumsum(growth)])
    _, phi, _ = fit_series(y, load_forecast_priors()).sample_params(np.random.default_rng(4), 20_000)
    assert phi.min() > 0.0 and phi.max() < 1.0 and np.unique(phi).size == phi.size
    # The old law put 12.9 % of the province's draws exactly on 0.98; here the density vanishes at 1.
    assert np.mean(phi >= 0.98) < 0.01


def test_beta_persistence_near_the_bound_has_no_atom():
    fit = SeriesFit(0.02, 0.97, 0.05, 6.0, 1.0, 0.02, np.diag([1e-4, 0.2, 0.01]), 5, phi_law="beta")
    _, phi, _ = fit.sample_params(np.random.default_rng(0), 20_000)
    assert phi.max() < 1.0 and np.unique(phi).size == phi.size
    # variance capped so that b = 2: Beta(a, 2) with mean 0.97 -> a = 2 * 0.97 / 0.03, var = ab / ((a+b)^2 (a+b+1))
    a, b = 2 * 0.97 / 0.03, 2.0
    assert np.var(phi) == pytest.approx(a * b / ((a + b) ** 2 * (a + b + 1)), rel=0.1)


def test_legacy_fit_keeps_the_clipped_normal_for_the_province():
    fit = fit_series(TREND)  # older priors: the province's macro path
    assert fit.phi_law == "clipped_normal" and not np.any(fit.start_cov)


@pytest.mark.parametrize(
    "n, g, want",
    [(2, 0.2, "tiny/fast"), (5, 0.0, "tiny/other"), (6, 0.2, "short/fast"), (7, 0.0, "short/other"), (8, 0.15, "medium/fast"), (12, 0.05, "medium/other"), (13, 0.3, "long/fast"), (40, -0.2, "long/other")],
)
def test_series_class(n, g, want):
    assert series_class(np.exp(g * np.arange(n))) == want


def test_growth_exactly_at_the_threshold_is_not_fast():
    assert series_class(np.exp(0.10 * np.arange(6))) == "short/other"


def test_widen_factors_interpolate_levels_and_hold_the_last_horizon():
    pri = Priors(widen_classes={"short/fast": {"lower": {0.8: (1.0, 2.0), 0.9: (3.0, 4.0)}, "upper": {0.8: (5.0, 6.0), 0.9: (7.0, 8.0)}}})
    lo, hi = widen_factor_pair(pri, 0.85, 4, "short/fast")
    np.testing.assert_allclose(lo, [2.0, 3.0, 3.0, 3.0])
    np.testing.assert_allclose(hi, [6.0, 7.0, 7.0, 7.0])
    # unknown class: the older symmetric table (empty here -> no widening)
    lo, hi = widen_factor_pair(pri, 0.85, 3, "long/other")
    np.testing.assert_allclose(lo, 1.0) and np.testing.assert_allclose(hi, 1.0)


def test_widen_factors_read_the_symmetric_table():
    pri = Priors(widen={0.5: (1.0, 1.0), 0.9: (0.5, 0.7)})
    np.testing.assert_allclose(widen_factors(pri, 0.7, 3), [0.75, 0.85, 0.85])


def test_shipped_forecast_priors_cover_twelve_horizons_for_every_class():
    pri = load_forecast_priors(PRIORS_PATH)
    assert pri.r_obs is not None and pri.r_obs > 0
    assert set(pri.widen_classes) == {f"{a}/{b}" for a in ("tiny", "short", "medium", "long") for b in ("fast", "other")}
    for sides in pri.widen_classes.values():
        for side in ("lower", "upper"):
            assert all(len(f) == 12 and min(f) > 0 for f in sides[side].values())


def test_filtered_forecaster_raw_coverage_on_kernel_series():
    """Kernel-simulated series, raw filtered-forecaster intervals (no widening): roughly nominal or wider."""
    rng = np.random.default_rng(321)
    pri = replace(load_forecast_priors(), widen={}, widen_classes={}, n_paths=1000)
    hits = {0.8: [], 0.95: []}
    for i in range(150):
        y = _kernel_series(rng, 40 + 6, mu=0.03, phi=0.5, sigma=0.05, df=6.0)
        res = forecast(y[:40], 6, seed=i, priors=pri)
        for level in hits:
            hits[level].append((y[40:] >= res.lower[level]) & (y[40:] <= res.upper[level]))
    assert 0.72 < np.mean(hits[0.8]) < 0.97
    assert 0.9 < np.mean(hits[0.95]) < 0.999
