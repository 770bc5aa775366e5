"""The damped log-growth kernel shared by every projection in the tool.

One law moves every series forward, whether it is a single M4 series
(:func:`model.forecast`), the provincial macro path, or an enterprise:

    g_t     = mu + phi * (g_{t-1} - mu) + sigma * e_t
    log y_t = log y_{t-1} + g_t

``g`` is annual log-growth, ``mu`` the long-run growth rate the series damps
toward, ``phi`` in [0, 1) the persistence of a deviation (Gardner & McKenzie's
damped trend, written on growth rates) and ``e_t`` a unit-variance innovation.
Everything is vectorised: parameters broadcast over leading axes (paths,
entities) and innovations carry a trailing horizon axis.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "damped_growth",
    "integrate_log_levels",
    "unit_student_t",
]


def damped_growth(
    last_growth: ArrayLike,
    mu: ArrayLike,
    phi: ArrayLike,
    innovations: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Roll damped growth forward over the trailing horizon axis.

    Parameters
    ----------
    last_growth : array_like
        Growth in the last observed year, broadcastable to ``innovations.shape[:-1]``.
    mu : array_like
        Long-run growth rate, same broadcasting.
    phi : array_like
        Persistence of deviations from ``mu`` (0 = none, 1 = random-walk growth).
    innovations : ndarray, shape (..., horizon)
        Already scaled shocks added to growth each year (``sigma * e_t`` plus any
        common components).

    Returns
    -------
    ndarray, shape (..., horizon)
        Growth in each future year.
    """
    horizon = innovations.shape[-1]
    mu = np.asarray(mu, dtype=float)
    phi = np.asarray(phi, dtype=float)
    out = np.empty_like(innovations, dtype=float)
    dev = np.asarray(last_growth, dtype=float) - mu
    # Loop over years only; every path and entity moves at once.
    for h in range(horizon):
        dev = phi * dev + innovations[..., h]
        out[..., h] = mu + dev
    return out


def integrate_log_levels(last_level: ArrayLike, growth: NDArray[np.float64]) -> NDArray[np.float64]:
    """Turn growth paths into levels: ``y_{T+h} = y_T * exp(sum g)``.

    Parameters
    ----------
    last_level : array_like
        Last observed level (positive), broadcastable to ``growth.shape[:-1]``.
    growth : ndarray, shape (..., horizon)
        Log-growth per year.

    Returns
    -------
    ndarray, shape (..., horizon)
    """
    base = np.asarray(last_level, dtype=float)[..., None]
    return base * np.exp(np.cumsum(growth, axis=-1))


def unit_student_t(rng: np.random.Generator, df: ArrayLike, size: tuple[int, ...]) -> NDArray[np.float64]:
    """Student-t draws rescaled to unit variance (``df`` > 2).

    Parameters
    ----------
    rng : numpy.random.Generator
    df : array_like
        Degrees of freedom, broadcastable to ``size``.
    size : tuple of int

    Returns
    -------
    ndarray
    """
    df = np.asarray(df, dtype=float)
    draws = rng.standard_t(np.broadcast_to(df, size))
    return draws * np.sqrt((df - 2.0) / df)


