"""Revenue paths of Xinyi's above-scale firms after the panel's base year.

Log growth = the stated trend + a Xinyi-wide year shock (normal) + firm noise
(Laplace, scale falling with size as size^size_exponent; Stanley et al. 1996),
all stated assumptions (``calibration/innovation.toml [revenue]``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["simulate_firm_revenue"]


def simulate_firm_revenue(rng: np.random.Generator, base: np.ndarray, n_paths: int, n_steps: int, params: dict[str, float]) -> np.ndarray:
    """Revenue (亿元) per path and firm, base year first: (P, n, n_steps + 1)."""
    macro = params["macro_sd"] * rng.standard_normal((n_paths, n_steps))
    noise = rng.laplace(0.0, 1.0, (n_paths, len(base), n_steps))
    # Years first, so each year's (P, n) slice is contiguous; one transpose at the end.
    by_year = np.empty((n_steps + 1, n_paths, len(base)))
    by_year[0] = base
    for t in range(n_steps):
        step = params["firm_scale"] * np.power(by_year[t], params["size_exponent"])
        step *= noise[:, :, t]
        step += params["log_growth"] + macro[:, t, None]
        np.multiply(by_year[t], np.exp(step, out=step), out=by_year[t + 1])
    return np.ascontiguousarray(by_year.transpose(1, 2, 0))
