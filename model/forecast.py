"""Single-series forecaster on the shared damped log-growth kernel.

The model (see :mod:`model.dynamics`) is, for annual log-growth ``g_t``::

    g_t     = mu + phi * (g_{t-1} - mu) + sigma * e_t,   e_t ~ unit-variance Student-t(df)
    log y_t = log y_{t-1} + g_t

Fitting (:func:`fit_series`) is a closed-form maximum a posteriori estimate
with partial pooling: every parameter is shrunk toward a global prior learned
on the M4 Yearly *training* data (``calibration/forecast_priors.toml``), with a
prior weight counted in pseudo-years, so a 3-point series leans on the priors
and an 80-point series on its own history. The current growth that the kernel
starts from is an exponentially weighted (filtered) growth rate, not the last
noisy difference.

Forecasting (:func:`forecast`) takes the analytic median path (the kernel run
with zero shocks at the posterior parameters) as the point forecast, and
prediction intervals from simulated paths (:func:`simulate_paths`) in which
each path draws its own parameters (parameter uncertainty) and fat-tailed
shocks. Simulated log-quantiles are then widened per horizon by factors
calibrated conformally on hold-out windows of the training data.

The panel growth model reuses :func:`fit_series`, :class:`SeriesFit` and
:func:`simulate_paths` directly.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.signal import lfilter

from model.dynamics import damped_growth, integrate_log_levels, unit_student_t

__all__ = [
    "Priors",
    "SeriesFit",
    "ForecastResult",
    "PRIORS_PATH",
    "load_priors",
    "clean_series",
    "fit_series",
    "median_path",
    "simulate_paths",
    "forecast",
]

PRIORS_PATH = Path(__file__).resolve().parents[1] / "calibration" / "forecast_priors.toml"
PHI_MAX = 0.98
SeedLike = int | np.random.SeedSequence | np.random.Generator | None


@dataclass(frozen=True)
class Priors:
    """Global hyper-parameters (learned on M4 Yearly training data).

    Attributes
    ----------
    mu0, k_mu : float
        Prior long-run log-growth and its weight in pseudo-years.
    phi0, k_phi : float
        Prior persistence and its weight in pseudo-years.
    sigma0, k_sigma : float
        Prior innovation standard deviation and its weight in pseudo-years.
    w : float
        Weight of the newest year in the exponentially filtered current growth.
    df : float
        Student-t degrees of freedom of the innovations (> 2).
    n_paths : int
        Simulated paths per forecast.
    widen : dict
        Level -> per-horizon factors applied to the log-distance between the
        simulated quantiles and the median (1 = no widening).
    """

    mu0: float = 0.02
    k_mu: float = 30.0
    phi0: float = 0.6
    k_phi: float = 5.0
    sigma0: float = 0.055
    k_sigma: float = 3.0
    w: float = 0.35
    df: float = 5.8
    n_paths: int = 2000
    widen: dict[float, tuple[float, ...]] = field(default_factory=dict)


@lru_cache(maxsize=4)
def load_priors(path: Path | None = None) -> Priors:
    """Read :class:`Priors` from a TOML file (defaults if the file is absent).

    Parameters
    ----------
    path : Path, optional
        Defaults to ``calibration/forecast_priors.toml`` in the repository.

    Returns
    -------
    Priors
    """
    path = path or PRIORS_PATH
    if not path.is_file():
        return Priors()
    raw = tomllib.loads(path.read_text())
    widen = {float(k): tuple(float(x) for x in v) for k, v in raw.pop("widen", {}).items()}
    scalars = {k: v for k, v in raw.get("priors", {}).items() if k in Priors.__dataclass_fields__}
    return Priors(**scalars, widen=widen)


@dataclass(frozen=True)
class SeriesFit:
    """Fitted damped log-growth model of one series.

    Attributes
    ----------
    mu, phi, sigma, df : float
        Posterior long-run growth, persistence, innovation scale, tail df.
    last_level : float
        Last observed value.
    last_growth : float
        Filtered current log-growth the kernel starts from.
    cov : ndarray, shape (3, 3)
        Approximate posterior covariance of ``(mu, phi, log sigma)``.
    n_growth : int
        Number of observed growth rates.
    """

    mu: float
    phi: float
    sigma: float
    df: float
    last_level: float
    last_growth: float
    cov: NDArray[np.float64]
    n_growth: int

    def sample_params(self, rng: np.random.Generator, n: int) -> tuple[NDArray[np.float64], ...]:
        """Draw ``n`` parameter sets ``(mu, phi, sigma)`` from the posterior approximation.

        Parameters
        ----------
        rng : numpy.random.Generator
        n : int

        Returns
        -------
        tuple of ndarray
            ``mu``, ``phi`` (clipped to [0, 0.98]) and ``sigma``, each shape ``(n,)``.
        """
        centre = np.array([self.mu, self.phi, np.log(self.sigma)])
        draws = rng.multivariate_normal(centre, self.cov, size=n, method="eigh")
        return draws[:, 0], np.clip(draws[:, 1], 0.0, PHI_MAX), np.exp(draws[:, 2])


@dataclass(frozen=True)
class ForecastResult:
    """Point forecast and prediction intervals.

    Attributes
    ----------
    mean : ndarray, shape (horizon,)
        Point forecast (the analytic median path).
    lower, upper : dict
        Level -> bound array of shape (horizon,).
    fit : SeriesFit
        Fitted parameters.
    """

    mean: NDArray[np.float64]
    lower: dict[float, NDArray[np.float64]]
    upper: dict[float, NDArray[np.float64]]
    fit: SeriesFit


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
    out, _ = lfilter([w], [1.0, -(1.0 - w)], g, zi=[(1.0 - w) * g[0]])
    return float(out[-1])


def _posterior_cov(n: int, phi: float, sigma: float, priors: Priors) -> NDArray[np.float64]:
    """Diagonal posterior covariance of ``(mu, phi, log sigma)`` (pseudo-year counts)."""
    var_mu = (sigma / (1.0 - min(phi, 0.9))) ** 2 / (n + priors.k_mu)
    var_phi = (1.0 - phi**2) / (max(n - 1, 0) + min(priors.k_phi, 1e6))
    var_ls = 0.5 / (max(n - 1, 1) + priors.k_sigma)
    return np.diag([var_mu, max(var_phi, 1e-12), var_ls])


def fit_series(y: ArrayLike, priors: Priors | None = None) -> SeriesFit:
    """Fit the damped log-growth model to one series with partial pooling.

    Parameters
    ----------
    y : array_like
        Positive annual values (leading/trailing NaN are dropped).
    priors : Priors, optional
        Defaults to :func:`load_priors`.

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
    last_growth = _filtered_growth(g, mu, priors.w)
    return SeriesFit(mu, phi, sigma, priors.df, float(arr[-1]), last_growth, cov, int(g.size))


def median_path(fit: SeriesFit, horizon: int) -> NDArray[np.float64]:
    """Analytic median path: the kernel at the posterior parameters with zero shocks."""
    growth = damped_growth(fit.last_growth, fit.mu, fit.phi, np.zeros(horizon))
    return integrate_log_levels(fit.last_level, growth)


def simulate_paths(fit: SeriesFit, horizon: int, n_paths: int, rng: np.random.Generator) -> NDArray[np.float64]:
    """Simulate future levels; each path draws its own ``(mu, phi, sigma)``.

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
    growth = damped_growth(np.full(n_paths, fit.last_growth), mu, phi, shocks)
    return integrate_log_levels(np.full(n_paths, fit.last_level), growth)


def _widen_factor(priors: Priors, level: float, horizon: int) -> NDArray[np.float64]:
    """Per-horizon widening factors for ``level`` (interpolated between calibrated levels)."""
    if not priors.widen:
        return np.ones(horizon)
    levels = sorted(priors.widen)
    table = np.array([priors.widen[lv] for lv in levels])
    h = min(horizon, table.shape[1])
    cols = [np.interp(level, levels, table[:, j]) for j in range(h)]
    cols += [cols[-1]] * (horizon - h)  # hold the last calibrated factor beyond the table
    return np.asarray(cols)


def _interval(log_paths: NDArray[np.float64], log_med: NDArray[np.float64], level: float, widen: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Widened equal-tailed interval in levels from simulated log-paths."""
    q_lo, q_hi = np.quantile(log_paths, [(1 - level) / 2, (1 + level) / 2], axis=0)
    lo = log_med - widen * np.maximum(log_med - q_lo, 0.0)
    hi = log_med + widen * np.maximum(q_hi - log_med, 0.0)
    return np.exp(lo), np.exp(hi)


def _rng(seed: SeedLike) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def forecast(
    y: ArrayLike,
    horizon: int,
    levels: tuple[float, ...] = (0.8, 0.95),
    seed: SeedLike = 0,
    priors: Priors | None = None,
) -> ForecastResult:
    """Forecast one annual series with prediction intervals.

    Parameters
    ----------
    y : array_like
        Positive annual values, oldest first (1 or more points).
    horizon : int
        Years ahead (>= 1).
    levels : tuple of float
        Central interval levels in (0, 1).
    seed : int, SeedSequence or Generator
        Randomness for the simulated paths (no global state is used).
    priors : Priors, optional
        Defaults to :func:`load_priors`.

    Returns
    -------
    ForecastResult
    """
    if horizon < 1:
        raise ValueError(f"horizon must be >= 1, got {horizon}")
    priors = priors or load_priors()
    fit = fit_series(y, priors)
    point = median_path(fit, horizon)
    log_paths = np.log(simulate_paths(fit, horizon, priors.n_paths, _rng(seed)))
    lower, upper = {}, {}
    for level in sorted(levels):
        if not 0.0 < level < 1.0:
            raise ValueError(f"interval level must be in (0, 1), got {level}")
        lo, hi = _interval(log_paths, np.log(point), level, _widen_factor(priors, level, horizon))
        lower[level], upper[level] = lo, hi
    _nest(lower, upper)
    return ForecastResult(point, lower, upper, fit)


def _nest(lower: dict[float, NDArray[np.float64]], upper: dict[float, NDArray[np.float64]]) -> None:
    """Force wider levels to contain narrower ones (in place, levels ascending)."""
    keys = sorted(lower)
    for small, big in zip(keys, keys[1:]):
        lower[big] = np.minimum(lower[big], lower[small])
        upper[big] = np.maximum(upper[big], upper[small])
