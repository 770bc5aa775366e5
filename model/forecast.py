"""Single-series forecaster on the shared damped log-growth kernel.

The model (see :mod:`model.dynamics`) is, for annual log-growth ``g_t``::

    g_t     = mu + phi * (g_{t-1} - mu) + sigma * e_t,   e_t ~ unit-variance Student-t(df)
    log y_t = log y_{t-1} + g_t

Fitting (:func:`fit_series`) is a closed-form maximum a posteriori estimate
with partial pooling: every parameter is shrunk toward a global prior learned
on the M4 Yearly *training* data (``calibration/forecast_priors.toml``), with a
prior weight counted in pseudo-years, so a 3-point series leans on the priors
and an 80-point series on its own history.

The forecaster (:func:`forecast`, priors from :func:`load_forecast_priors`)
starts from the Kalman-filtered state of a damped trend whose observed log
levels carry noise (:func:`filter_state`): the filtered log level and growth at
the last observation, with their covariance, which every simulated path draws
its start from. The persistence ``phi`` has a Beta posterior on (0, 1) with
both shapes >= 2, so no draw sits on a bound. The point forecast is the
analytic median path (zero shocks at the posterior parameters); intervals come
from simulated paths in which each path draws its own parameters and
fat-tailed shocks. Their log-distances from the median are then scaled by
one-sided conformal factors fitted per class of series (history length and
growth, :func:`series_class`) for horizons 1-12 on hold-out windows of the
training data of one half of the M4 series (the other half scores
``attain bench m4 --long``).

The older settings (:func:`load_priors`: exponentially weighted start, the
last observed level, ``phi`` from a normal clipped to [0, 0.98], symmetric
widening for horizons 1-6 held beyond) stay in the same file for the
province's macro path in :mod:`model.calibrate` and :mod:`model.growth`.

The priors and the widening live in :mod:`model.forecast_priors`, the fit and
the simulated paths in :mod:`model.series_fit` (which the panel growth model
reuses directly); this module assembles a forecast and re-exports both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .forecast_priors import PRIORS_PATH, Priors, load_forecast_priors, load_priors, series_class, widen_factor_pair, widen_factors
from .series_fit import SeriesFit, clean_series, filter_state, fit_series, median_path, simulate_paths

__all__ = [
    "Priors",
    "SeriesFit",
    "ForecastResult",
    "PRIORS_PATH",
    "load_priors",
    "load_forecast_priors",
    "filter_state",
    "series_class",
    "widen_factors",
    "widen_factor_pair",
    "clean_series",
    "fit_series",
    "median_path",
    "simulate_paths",
    "forecast",
]

SeedLike = int | np.random.SeedSequence | np.random.Generator | None


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


def _interval(
    log_paths: NDArray[np.float64], log_med: NDArray[np.float64], level: float,
    widen_lo: NDArray[np.float64], widen_hi: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Widened equal-tailed interval in levels from simulated log-paths."""
    q_lo, q_hi = np.quantile(log_paths, [(1 - level) / 2, (1 + level) / 2], axis=0)
    lo = log_med - widen_lo * np.maximum(log_med - q_lo, 0.0)
    hi = log_med + widen_hi * np.maximum(q_hi - log_med, 0.0)
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
        Defaults to :func:`load_forecast_priors`.

    Returns
    -------
    ForecastResult
    """
    if horizon < 1:
        raise ValueError(f"horizon must be >= 1, got {horizon}")
    priors = priors or load_forecast_priors()
    arr = clean_series(y)
    fit = fit_series(arr, priors)
    point = median_path(fit, horizon)
    log_paths = np.log(simulate_paths(fit, horizon, priors.n_paths, _rng(seed)))
    klass = series_class(arr)
    lower, upper = {}, {}
    for level in sorted(levels):
        if not 0.0 < level < 1.0:
            raise ValueError(f"interval level must be in (0, 1), got {level}")
        lo, hi = _interval(log_paths, np.log(point), level, *widen_factor_pair(priors, level, horizon, klass))
        lower[level], upper[level] = lo, hi
    _nest(lower, upper)
    return ForecastResult(point, lower, upper, fit)


def _nest(lower: dict[float, NDArray[np.float64]], upper: dict[float, NDArray[np.float64]]) -> None:
    """Force wider levels to contain narrower ones (in place, levels ascending)."""
    keys = sorted(lower)
    for small, big in zip(keys, keys[1:]):
        lower[big] = np.minimum(lower[big], lower[small])
        upper[big] = np.maximum(upper[big], upper[small])
