"""Technical upgrades (技术改造) of above-scale firms: a stated-rate process per firm and year.

Each above-scale firm upgrades in a year with probability
``min(max_rate, base_rate · multiplier · (revenue / 1亿)^size_elasticity)``
(bigger firms more likely; ``multiplier`` is the upgrade-support lever, 1
before the policy start), and an upgrade spends a lognormal share of the
firm's revenue within the year. The uniforms and normals are drawn for every
firm and year whatever the rate, so a lever keeps the other draws.
"""

from __future__ import annotations

import numpy as np

__all__ = ["upgrade_probability", "simulate_upgrades"]


def upgrade_probability(revenue: np.ndarray, params: dict[str, float], multiplier: np.ndarray | float = 1.0) -> np.ndarray:
    """Probability of upgrading in the year for each firm (``revenue`` in 亿元, any shape; ``multiplier`` broadcasts)."""
    rate = params["base_rate"] * multiplier * np.power(np.maximum(revenue, 1e-12), params["size_elasticity"])
    return np.minimum(rate, params["max_rate"])


def simulate_upgrades(rng: np.random.Generator, revenue: np.ndarray, above: np.ndarray, params: dict[str, float], multiplier: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which firms upgrade each year and what they spend.

    Parameters
    ----------
    rng : numpy.random.Generator
    revenue : ndarray (P, n, H)
        Firm revenue, 亿元.
    above : ndarray (P, n, H) bool
        Above-scale in the year (only they count and upgrade).
    params : dict
        ``[upgrades]`` of the innovation assumptions.
    multiplier : ndarray (H,)
        Upgrade-rate multiplier per year (the lever from the policy start, 1 before).

    Returns
    -------
    upgrading : ndarray (P, n, H) bool
    spend : ndarray (P, n, H)
        亿元 spent on upgrades.
    """
    u = rng.random(revenue.shape)
    z = rng.standard_normal(revenue.shape)
    upgrading = above & (u < upgrade_probability(revenue, params, multiplier[None, None, :]))
    share = params["spend_share_median"] * np.exp(params["spend_share_sigma"] * z)
    return upgrading, np.where(upgrading, share * revenue, 0.0)
