"""Kalman filter of a damped local-linear trend in log revenue.

The province's log revenue ``y_t`` is read as a level that grows by a damped
growth rate, seen through a little measurement noise::

    y_t   = l_t + eps_t,                     eps_t ~ N(0, meas_sd**2)
    l_t   = l_{t-1} + mu + dev_t
    dev_t = phi * dev_{t-1} + eta_t,         eta_t ~ N(0, sigma**2)
    mu    constant (a state with a normal prior)

``g_t = mu + dev_t`` is the growth state. Carrying ``mu`` in the state makes
the filter do the conjugate normal update of the long-run growth for free: the
prior ``N(mu_mean, mu_var)`` goes in as the initial state, and the filtered
state at the last year is the joint normal posterior of ``(dev_T, mu)`` given
``phi``, ``sigma`` and the data; the prediction-error decomposition gives the
marginal likelihood ``p(y | phi, sigma)`` with ``mu`` integrated out, which is
what a grid posterior over ``(phi, sigma)`` needs (:mod:`model.macro_view`).

Every function is vectorised over K parameter sets (leading axis), so a whole
grid is filtered in one pass over the few observed years.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["FilterResult", "filter_damped_trend"]


@dataclass(frozen=True)
class FilterResult:
    """Output of :func:`filter_damped_trend` for K parameter sets.

    Attributes
    ----------
    loglik : ndarray, shape (K,)
        Log marginal likelihood of ``y[1:]`` given ``y[0]`` (``mu`` integrated out).
    mean : ndarray, shape (K, 3)
        Filtered mean of ``(l_T, dev_T, mu)`` at the last observation.
    cov : ndarray, shape (K, 3, 3)
        Filtered covariance of the same.
    growth_path : ndarray, shape (K, T)
        Filtered growth ``E[mu + dev_t | y_1..y_t]`` for every observed growth year.
    """

    loglik: NDArray[np.float64]
    mean: NDArray[np.float64]
    cov: NDArray[np.float64]
    growth_path: NDArray[np.float64]

    @property
    def growth(self) -> NDArray[np.float64]:
        """Filtered growth state ``g_T = mu + dev_T`` at the last year, shape (K,)."""
        return self.mean[:, 1] + self.mean[:, 2]

    @property
    def growth_var(self) -> NDArray[np.float64]:
        """Its variance, shape (K,)."""
        c = self.cov
        return c[:, 1, 1] + c[:, 2, 2] + 2.0 * c[:, 1, 2]


def filter_damped_trend(
    log_y: ArrayLike,
    phi: ArrayLike,
    sigma: ArrayLike,
    mu_mean: float,
    mu_var: float,
    meas_sd: float,
) -> FilterResult:
    """Filter the damped local-linear trend for K parameter sets at once.

    Parameters
    ----------
    log_y : array_like, shape (T + 1,)
        Log levels, oldest first (at least two).
    phi, sigma : array_like, shape (K,) or scalar
        Persistence of the growth deviation and its yearly shock sd.
    mu_mean, mu_var : float
        Normal prior of the long-run growth ``mu``.
    meas_sd : float
        Measurement-noise sd of log revenue (0 allowed: then ``g_T`` is the last
        observed growth exactly).

    Returns
    -------
    FilterResult

    Notes
    -----
    The first level is taken as known up to measurement noise (``l_0 ~ N(y_0,
    meas_sd**2)``) and the first deviation comes from its stationary law
    ``N(0, sigma**2 / (1 - phi**2))``, so no diffuse prior is needed and the
    likelihood of different ``(phi, sigma)`` is comparable.
    """
    y = np.asarray(log_y, dtype=float)
    if y.ndim != 1 or y.size < 2 or not np.isfinite(y).all():
        raise ValueError(f"log_y must be a finite 1-D series of at least 2 values, got {y!r}")
    phi, sigma = np.broadcast_arrays(np.atleast_1d(np.asarray(phi, float)), np.atleast_1d(np.asarray(sigma, float)))
    k = phi.shape[0]
    r = float(meas_sd) ** 2
    m = np.zeros((k, 3))
    m[:, 0], m[:, 2] = y[0], mu_mean
    p = np.zeros((k, 3, 3))
    p[:, 0, 0] = max(r, 1e-12)
    p[:, 1, 1] = sigma**2 / np.maximum(1.0 - phi**2, 1e-6)
    p[:, 2, 2] = mu_var
    f = np.zeros((k, 3, 3))
    f[:, 0, 0], f[:, 0, 1], f[:, 0, 2], f[:, 1, 1], f[:, 2, 2] = 1.0, phi, 1.0, phi, 1.0
    q = np.zeros((k, 3, 3))
    q[:, :2, :2] = (sigma**2)[:, None, None]  # the shock moves dev and, through it, the level
    loglik = np.zeros(k)
    growth_path = np.empty((k, y.size - 1))
    for t in range(1, y.size):
        m = np.einsum("kij,kj->ki", f, m)
        p = f @ p @ np.transpose(f, (0, 2, 1)) + q
        v = y[t] - m[:, 0]
        s = p[:, 0, 0] + r
        gain = p[:, :, 0] / s[:, None]
        m = m + gain * v[:, None]
        p = p - gain[:, :, None] * p[:, None, 0, :]
        p = 0.5 * (p + np.transpose(p, (0, 2, 1)))  # keep it symmetric against rounding
        loglik += -0.5 * (np.log(2.0 * np.pi * s) + v**2 / s)
        growth_path[:, t - 1] = m[:, 1] + m[:, 2]
    return FilterResult(loglik, m, p, growth_path)
