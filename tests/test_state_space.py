"""Kalman filter of the damped local-linear trend: known answers from closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from model.state_space import filter_damped_trend


def test_exactly_linear_log_growth_recovers_the_slope():
    slope = 0.2
    log_y = 3.0 + slope * np.arange(8)
    # no measurement noise: the growth state is identified exactly, whatever phi
    exact = filter_damped_trend(log_y, [0.0, 0.5, 0.9, 1.0], 0.05, 0.10, 0.03**2, 0.0)
    np.testing.assert_allclose(exact.growth, slope, atol=1e-6)
    # a random-walk growth (phi = 1) recovers it with measurement noise as well
    rw = filter_damped_trend(log_y, 1.0, 0.05, 0.10, 0.03**2, 0.02)
    assert rw.growth[0] == pytest.approx(slope, abs=1e-6)
    # damped (phi < 1) with 1 % noise: the data win over a prior mean half as large
    damped = filter_damped_trend(3.0 + slope * np.arange(13), [0.6, 0.9], 0.05, 0.10, 0.03**2, 0.01)
    np.testing.assert_allclose(damped.growth, slope, atol=0.01)


def test_iid_growth_gives_the_textbook_conjugate_normal_update():
    """phi = 0 and no measurement noise: g_t = mu + sigma e_t, mu ~ N(m0, s0^2)."""
    g = np.array([0.22, 0.33, 0.29, 0.17, 0.16])
    log_y = np.concatenate([[0.0], np.cumsum(g)])
    sigma, m0, s0 = 0.07, 0.10, 0.03
    res = filter_damped_trend(log_y, 0.0, sigma, m0, s0**2, 0.0)
    prec = 1 / s0**2 + g.size / sigma**2
    mean = (m0 / s0**2 + g.sum() / sigma**2) / prec
    assert res.mean[0, 2] == pytest.approx(mean, abs=1e-9)
    assert res.cov[0, 2, 2] == pytest.approx(1 / prec, rel=1e-6)
    # the marginal likelihood integrates mu out: g ~ N(m0, sigma^2 I + s0^2 11')
    cov = sigma**2 * np.eye(g.size) + s0**2
    expected = stats.multivariate_normal(np.full(g.size, m0), cov).logpdf(g)
    assert res.loglik[0] == pytest.approx(expected, abs=1e-6)


def test_vectorised_over_parameter_sets():
    log_y = np.log([7600, 9450, 13210, 17650, 20900, 24560.0])
    many = filter_damped_trend(log_y, [0.3, 0.7], [0.05, 0.08], 0.10, 0.03**2, 0.01)
    one = filter_damped_trend(log_y, 0.7, 0.08, 0.10, 0.03**2, 0.01)
    assert many.loglik[1] == pytest.approx(one.loglik[0])
    np.testing.assert_allclose(many.cov[1], one.cov[0])
    assert many.growth_path.shape == (2, 5)
    assert (many.growth_var > 0).all()


def test_bad_series_is_refused():
    with pytest.raises(ValueError, match="at least 2"):
        filter_damped_trend([1.0], 0.5, 0.05, 0.1, 0.01, 0.01)
