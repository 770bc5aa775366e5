"""R&D intensity of firms: each firm's R&D spending over its revenue, and its R&D unit.

Log share of firm *i*, *k* years after the base year:
``ln s_ik = ln s_i0 + D_k + (C_k - Var C_k / 2) + (u_ik - Var u_ik / 2)``, with
``D_k`` the cumulated drift (the stated trend plus the R&D-incentive lever from
the policy start), ``C_k`` a random walk of common year shocks and ``u_ik`` a
firm AR(1) deviation; the variance terms make the expected share follow the
trend. The share is capped at 100 % (R&D cannot exceed revenue). With zero
shocks every firm's share, and so the revenue-weighted share of firms growing
alike, follows ``s_0 · exp(D_k)`` exactly.

A firm without an R&D unit sets one up in a year with probability
``logistic(a + b · ln revenue)`` (bigger firms more likely); a unit stays.
"""

from __future__ import annotations

import numpy as np

__all__ = ["rd_share_paths", "weighted_share", "unit_paths", "unit_share"]


def rd_share_paths(base: np.ndarray, drift: np.ndarray, common: np.ndarray, firm: np.ndarray, params: dict[str, float]) -> np.ndarray:
    """R&D shares (fractions) per path, firm and year after the base year.

    Parameters
    ----------
    base : ndarray (n,)
        Shares in the base year.
    drift : ndarray (K,)
        Drift of each year after the base year (log points).
    common : ndarray (P, K)
        Standard normal common shocks.
    firm : ndarray (P, n, K)
        Standard normal firm shocks.
    params : dict
        ``[rnd]``: ``common_sd``, ``firm_persistence``, ``firm_sd``.

    Returns
    -------
    ndarray (P, n, K)
    """
    sc, rho, sf = params["common_sd"], params["firm_persistence"], params["firm_sd"]
    k = np.arange(1, len(drift) + 1)
    c = np.cumsum(sc * common, axis=1) - 0.5 * sc**2 * k
    u = np.empty(firm.shape)
    prev = np.zeros(firm.shape[:2])
    for t in range(firm.shape[2]):
        prev = rho * prev + sf * firm[:, :, t]
        u[:, :, t] = prev
    var_u = sf**2 * np.cumsum(rho ** (2 * (k - 1)))
    log_s = np.log(base)[None, :, None] + np.cumsum(drift)[None, None, :] + c[:, None, :] + u - 0.5 * var_u[None, None, :]
    return np.minimum(np.exp(log_s), 1.0)


def weighted_share(share: np.ndarray, revenue: np.ndarray, above: np.ndarray) -> np.ndarray:
    """Revenue-weighted R&D share of the above-scale firms, in %, (P, K) from (P, n, K)."""
    rev = np.where(above, revenue, 0.0)
    return 100.0 * (share * rev).sum(axis=1) / rev.sum(axis=1)


def unit_paths(has: np.ndarray, revenue: np.ndarray, u: np.ndarray, params: dict[str, float]) -> np.ndarray:
    """R&D units per path, firm and year after the base year, (P, n, K) bool.

    ``has`` (n,) are the base year's units, ``u`` (P, n, K) uniforms; a firm sets
    one up in year *k* when ``u < logistic(a + b ln revenue_k)``.
    """
    p = 1.0 / (1.0 + np.exp(-(params["unit_intercept"] + params["unit_slope"] * np.log(np.maximum(revenue, 1e-12)))))
    return np.logical_or.accumulate(has[None, :, None] | (u < p), axis=2)


def unit_share(units: np.ndarray, above: np.ndarray) -> np.ndarray:
    """Share of above-scale firms with an R&D unit, in %, (P, K)."""
    return 100.0 * (units & above).sum(axis=1) / np.maximum(above.sum(axis=1), 1)
