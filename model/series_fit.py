"""Fitting the damped log-growth kernel to one series with partial pooling, and simulating its future.

Every parameter is shrunk toward the global priors (:mod:`model.forecast_priors`)
with a prior weight counted in pseudo-years; with ``priors.r_obs`` set the start
is the Kalman-filtered state of a damped trend (:func:`filter_state`) and the
persistence has a Beta posterior. :mod:`model.forecast` and the panel growth
model (:mod:`model.growth`) use :func:`fit_series`, :class:`SeriesFit` and
:func:`simulate_paths`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from model.dynamics import damped_growth, integrate_log_levels, unit_student_t

from .forecast_priors import Priors, load_priors

__all__ = ["SeriesFit", "clean_series", "filter_state", "fit_series", "median_path", "simulate_paths"]

PHI_MAX = 0.98
PHI_EPS = 1e-3
BETA_MIN_SHAPE = 2.0
LEVEL_VAR0 = 100.0  # prior variance of the first log level: vague next to any observation noise


@dataclass(frozen=True)
class SeriesFit:
    """Fitted damped log-growth model of one series.

    Attributes
    ----------
    mu, phi, sigma, df : float
        Posterior long-run growth, persistence, innovation scale, tail df.
    last_level : float
        Level the kernel starts from: the last observed value, or with a
        filtered start the filtered level ``exp(l_T)``.
    last_growth : float
        Current log-growth the kernel starts from (filtered).
    cov : ndarray, shape (3, 3)
        Approximate posterior covariance of ``(mu, phi, log sigma)``.
    n_growth : int
        Number of observed growth rates.
    start_cov : ndarray, shape (2, 2)
        Covariance of the filtered start ``(log level, growth)`` (zeros: a known start).
    obs_sd : float
        Standard deviation of the noise on an observed log level, relative to
        ``sigma`` (``sqrt(r_obs)``; 0: levels are observed exactly).
    phi_law : str
        ``"beta"`` (posterior on (0, 1), no point mass) or ``"clipped_normal"``
        (the older law: a normal clipped to [0, 0.98]).
    """

    mu: float
    phi: float
    sigma: float
    df: float
    last_level: float
    last_growth: float
    cov: NDArray[np.float64]
    n_growth: int
    start_cov: NDArray[np.float64] = field(default_factory=lambda: np.zeros((2, 2)))
    obs_sd: float = 0.0
    phi_law: str = "clipped_normal"

    def phi_beta(self) -> tuple[float, float]:
        """Beta ``(a, b)`` of the persistence: mean ``phi``, variance ``cov[1, 1]``, both shapes >= 2.

        The variance is capped so that neither shape parameter falls below
        :data:`BETA_MIN_SHAPE` (2): the density then vanishes at 0 and at 1, so
        short histories cannot pile persistence up next to 1 (where long
        horizons explode) or next to 0.

        Returns
        -------
        tuple of float
        """
        m = float(np.clip(self.phi, PHI_EPS, 1.0 - PHI_EPS))
        kappa_min = BETA_MIN_SHAPE / min(m, 1.0 - m)
        var = float(np.clip(self.cov[1, 1], 1e-12, m * (1.0 - m) / (kappa_min + 1.0)))
        kappa = m * (1.0 - m) / var - 1.0
        return m * kappa, (1.0 - m) * kappa

    def sample_params(self, rng: np.random.Generator, n: int) -> tuple[NDArray[np.float64], ...]:
        """Draw ``n`` parameter sets ``(mu, phi, sigma)`` from the posterior approximation.

        ``mu`` and ``log sigma`` are normal. ``phi`` follows :attr:`phi_law`:
        with ``"beta"`` it is Beta(:meth:`phi_beta`), strictly inside (0, 1)
        with no mass at a bound; with ``"clipped_normal"`` it is the older
        normal clipped to [0, 0.98].

        Parameters
        ----------
        rng : numpy.random.Generator
        n : int

        Returns
        -------
        tuple of ndarray
            ``mu``, ``phi`` and ``sigma``, each shape ``(n,)``.
        """
        centre = np.array([self.mu, self.phi, np.log(self.sigma)])
        draws = rng.multivariate_normal(centre, self.cov, size=n, method="eigh")
        if self.phi_law == "beta":
            phi = rng.beta(*self.phi_beta(), size=n)
        else:
            phi = np.clip(draws[:, 1], 0.0, PHI_MAX)
        return draws[:, 0], phi, np.exp(draws[:, 2])


def clean_series(y: ArrayLike) -> NDArray[np.float64]:
    """Validate a history: strip leading/trailing NaN, require positive finite values.

    Parameters
    ----------
    y : array_like
        1-D annual values.

    Returns
    -------
    ndarray

    Raises
    ------
    ValueError
        On a non 1-D input, an empty series, an interior NaN, or a non-positive
        or infinite value (the message names the index and the value).
    """
    arr = np.asarray(y, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"series must be 1-D, got shape {arr.shape}")
    finite = np.flatnonzero(~np.isnan(arr))
    if finite.size == 0:
        raise ValueError("series is empty (or all NaN)")
    arr = arr[finite[0] : finite[-1] + 1]
    bad = np.flatnonzero(~np.isfinite(arr) | (arr <= 0))
    if bad.size:
        i = int(bad[0] + finite[0])
        raise ValueError(f"series value at index {i} is {np.asarray(y, dtype=float)[i]!r}; need finite positive values")
    return arr


def _shrunk_mean(g: NDArray[np.float64], priors: Priors) -> float:
    """Long-run growth: sample mean shrunk toward ``mu0`` with weight ``k_mu``."""
    return float((g.sum() + priors.k_mu * priors.mu0) / (g.size + priors.k_mu))


def _shrunk_phi(g: NDArray[np.float64], mu: float, priors: Priors) -> float:
    """Persistence: lag-1 autocorrelation of deviations, shrunk toward ``phi0``."""
    dev = g - mu
    n = max(g.size - 1, 0)
    denom = float(np.dot(dev[:-1], dev[:-1])) if n else 0.0
    raw = float(np.dot(dev[1:], dev[:-1]) / denom) if denom > 0 else priors.phi0
    raw = float(np.clip(raw, 0.0, PHI_MAX))
    return float(np.clip((n * raw + priors.k_phi * priors.phi0) / (n + priors.k_phi), 0.0, PHI_MAX))


def _shrunk_sigma(g: NDArray[np.float64], mu: float, phi: float, priors: Priors) -> float:
    """Innovation scale: residual variance pooled with ``sigma0**2`` (weight ``k_sigma``)."""
    dev = g - mu
    resid = dev[1:] - phi * dev[:-1] if g.size > 1 else dev
    ss = float(np.dot(resid, resid))
    if resid.size + priors.k_sigma <= 0:
        return priors.sigma0
    return float(np.sqrt((ss + priors.k_sigma * priors.sigma0**2) / (resid.size + priors.k_sigma)))


def _filtered_growth(g: NDArray[np.float64], mu: float, w: float) -> float:
    """Exponentially weighted growth (newest weight ``w``), started at the first growth."""
    if g.size == 0:
        return mu
    from scipy.signal import lfilter  # scipy.signal imports scipy.stats: not at start-up

    out, _ = lfilter([w], [1.0, -(1.0 - w)], g, zi=[(1.0 - w) * g[0]])
    return float(out[-1])


def _posterior_cov(n: int, phi: float, sigma: float, priors: Priors) -> NDArray[np.float64]:
    """Diagonal posterior covariance of ``(mu, phi, log sigma)`` (pseudo-year counts)."""
    var_mu = (sigma / (1.0 - min(phi, 0.9))) ** 2 / (n + priors.k_mu)
    var_phi = (1.0 - phi**2) / (max(n - 1, 0) + min(priors.k_phi, 1e6))
    var_ls = 0.5 / (max(n - 1, 1) + priors.k_sigma)
    return np.diag([var_mu, max(var_phi, 1e-12), var_ls])


def filter_state(
    z: ArrayLike, mu: float, phi: float, sigma: float, r_obs: float, level_var0: float = LEVEL_VAR0
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Kalman filter of a damped trend on observed log levels; the state at the last observation.

    State ``(l_t, d_t)``: log level and deviation of growth from ``mu``::

        d_t = phi * d_{t-1} + eta_t,        eta_t ~ N(0, sigma**2)
        l_t = l_{t-1} + mu + d_t
        z_t = l_t + eps_t,                  eps_t ~ N(0, r_obs * sigma**2)

    The first level has a vague prior (mean ``z_0``, variance ``level_var0``)
    and ``d_0`` the stationary law ``N(0, sigma**2 / (1 - phi**2))``. With
    ``r_obs = 0`` the filtered growth is exactly the last observed growth;
    larger ``r_obs`` smooths it.

    Parameters
    ----------
    z : array_like
        Observed log levels, oldest first (1 or more).
    mu, phi, sigma : float
        Kernel parameters (``0 <= phi < 1``, ``sigma > 0``).
    r_obs : float
        Observation-noise variance relative to ``sigma**2`` (>= 0).
    level_var0 : float
        Prior variance of the first log level.

    Returns
    -------
    mean : ndarray, shape (2,)
        Filtered ``(l_T, g_T)`` with ``g_T = mu + d_T`` (growth, not deviation).
    cov : ndarray, shape (2, 2)
        Their covariance.
    """
    z = np.asarray(z, dtype=float)
    q, r = sigma**2, r_obs * sigma**2
    trans = np.array([[1.0, phi], [0.0, phi]])
    shock = q * np.ones((2, 2))  # eta enters d and, through d, l in the same year
    state = np.array([z[0], 0.0])
    cov = np.diag([level_var0, q / max(1.0 - phi**2, 1e-6)])
    for t, obs in enumerate(z):
        if t:
            state = trans @ state + np.array([mu, 0.0])
            cov = trans @ cov @ trans.T + shock
        gain = cov[:, 0] / (cov[0, 0] + r)
        state = state + gain * (obs - state[0])
        cov = cov - np.outer(gain, cov[0, :])
        cov = 0.5 * (cov + cov.T)
    return np.array([state[0], mu + state[1]]), cov


def fit_series(y: ArrayLike, priors: Priors | None = None) -> SeriesFit:
    """Fit the damped log-growth model to one series with partial pooling.

    Parameters
    ----------
    y : array_like
        Positive annual values (leading/trailing NaN are dropped).
    priors : Priors, optional
        Defaults to :func:`load_priors` (the older, unfiltered start). With
        ``priors.r_obs`` set, the start is the filtered state of
        :func:`filter_state` with its covariance, and ``phi`` gets a Beta posterior.

    Returns
    -------
    SeriesFit
    """
    priors = priors or load_priors()
    arr = clean_series(y)
    g = np.diff(np.log(arr))
    mu = _shrunk_mean(g, priors)
    phi = _shrunk_phi(g, mu, priors)
    sigma = _shrunk_sigma(g, mu, phi, priors)
    cov = _posterior_cov(g.size, phi, sigma, priors)
    if priors.r_obs is None:
        last_growth = _filtered_growth(g, mu, priors.w)
        return SeriesFit(mu, phi, sigma, priors.df, float(arr[-1]), last_growth, cov, int(g.size))
    state, state_cov = filter_state(np.log(arr), mu, phi, sigma, priors.r_obs)
    return SeriesFit(
        mu, phi, sigma, priors.df, float(np.exp(state[0])), float(state[1]), cov, int(g.size),
        start_cov=state_cov, obs_sd=float(np.sqrt(priors.r_obs)), phi_law="beta",
    )


def median_path(fit: SeriesFit, horizon: int) -> NDArray[np.float64]:
    """Analytic median path: the kernel at the posterior parameters with zero shocks."""
    growth = damped_growth(fit.last_growth, fit.mu, fit.phi, np.zeros(horizon))
    return integrate_log_levels(fit.last_level, growth)


def simulate_paths(fit: SeriesFit, horizon: int, n_paths: int, rng: np.random.Generator) -> NDArray[np.float64]:
    """Simulate future levels; each path draws its own ``(mu, phi, sigma)``.

    With a filtered start (``fit.start_cov`` not zero) each path also draws its
    start ``(log level, growth)`` from the filter's normal law, and observation
    noise ``N(0, (obs_sd * sigma)**2)`` is added to every simulated log level.

    Parameters
    ----------
    fit : SeriesFit
    horizon : int
    n_paths : int
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape (n_paths, horizon)
    """
    mu, phi, sigma = fit.sample_params(rng, n_paths)
    shocks = sigma[:, None] * unit_student_t(rng, fit.df, (n_paths, horizon))
    if not np.any(fit.start_cov):
        growth = damped_growth(np.full(n_paths, fit.last_growth), mu, phi, shocks)
        return integrate_log_levels(np.full(n_paths, fit.last_level), growth)
    start = rng.multivariate_normal([np.log(fit.last_level), fit.last_growth], fit.start_cov, size=n_paths, method="eigh")
    growth = damped_growth(start[:, 1], mu, phi, shocks)
    log_level = start[:, :1] + np.cumsum(growth, axis=1)
    log_level += (fit.obs_sd * sigma)[:, None] * rng.standard_normal((n_paths, horizon))
    return np.exp(log_level)
