"""How forecasts are scored: the M4 point and interval metrics, and the CRPS of a sample forecast."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["smape", "mase", "msis", "coverage", "crps_sample", "ALPHA"]

#: ``1 - level`` of the interval MSIS scores by default (the M4 95 % interval).
ALPHA = 0.05


def smape(actual: NDArray[np.float64], forecast: NDArray[np.float64]) -> NDArray[np.float64]:
    """Symmetric MAPE in percent, averaged over the last axis (M4 definition).

    Parameters
    ----------
    actual, forecast : ndarray, shape (..., horizon)

    Returns
    -------
    ndarray, shape (...)
    """
    denom = np.abs(actual) + np.abs(forecast)
    return np.mean(200.0 * np.abs(actual - forecast) / denom, axis=-1)


def _naive_scale(insample: NDArray[np.float64], m: int = 1) -> float:
    """Mean absolute ``m``-step difference of the history (MASE/MSIS scale)."""
    insample = np.asarray(insample, dtype=float)
    return float(np.mean(np.abs(insample[m:] - insample[:-m])))


def mase(insample: NDArray[np.float64], actual: NDArray[np.float64], forecast: NDArray[np.float64], m: int = 1) -> float:
    """Mean absolute scaled error of one series (M4 definition, seasonality ``m``).

    Parameters
    ----------
    insample : ndarray
        History used to compute the in-sample naive scale.
    actual, forecast : ndarray, shape (horizon,)
    m : int
        Seasonal period (1 for yearly data).

    Returns
    -------
    float
    """
    return float(np.mean(np.abs(np.asarray(actual) - forecast)) / _naive_scale(insample, m))


def msis(
    insample: NDArray[np.float64],
    actual: NDArray[np.float64],
    lower: NDArray[np.float64],
    upper: NDArray[np.float64],
    alpha: float = ALPHA,
    m: int = 1,
) -> float:
    """Mean scaled interval score of one series (M4 definition).

    Parameters
    ----------
    insample : ndarray
        History (for the naive scale).
    actual, lower, upper : ndarray, shape (horizon,)
    alpha : float
        ``1 - level`` of the interval (0.05 for 95%).
    m : int
        Seasonal period.

    Returns
    -------
    float
    """
    actual = np.asarray(actual, dtype=float)
    below = (lower - actual) * (actual < lower)
    above = (actual - upper) * (actual > upper)
    penalty = (upper - lower) + (2.0 / alpha) * (below + above)
    return float(np.mean(penalty) / _naive_scale(insample, m))


def coverage(actual: NDArray[np.float64], lower: NDArray[np.float64], upper: NDArray[np.float64]) -> float:
    """Share of actual values inside ``[lower, upper]``."""
    actual = np.asarray(actual, dtype=float)
    return float(np.mean((actual >= lower) & (actual <= upper)))



def crps_sample(samples: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """CRPS of a sample forecast, per column: ``E|X - y| - E|X - X'| / 2``.

    Parameters
    ----------
    samples : ndarray (n_samples, n)
    actual : ndarray (n,)
    """
    x = np.sort(samples, axis=0)
    n = x.shape[0]
    weights = (2 * np.arange(1, n + 1) - n - 1)[:, None]
    spread = (weights * x).sum(axis=0) / n**2
    return np.abs(x - actual[None, :]).mean(axis=0) - spread
