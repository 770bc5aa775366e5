"""What the reporting firms say about the ones that do not report: partial pooling of the year's surprise.

The nowcast moves the reported units' current year. Leaves of no unit (units the
月调度 does not reach: e.g. the cells outside the reported parks) would keep
their unconditioned year, although the reporters reveal a shared year effect.
They are moved by Gaussian conditioning on the model's own joint distribution
(Matheron's rule, path by path):

    log y_j ← log y_j + β_j (log Σ nowcast − log Σ simulated reported)

where the bracket is the path's surprise (the reported units' nowcast total over
their simulated total on that path) and ``β_j = Cov(log y_j, log X) / Var(log X)``
is leaf ``j``'s regression on the reported total ``X`` across paths of the
unconditioned model. The surprise carries the nowcast's uncertainty (its common
year draw); each leaf keeps its own residual noise from its path. A leaf whose
fate the reporters do not share (β ≈ 0) stays as it was, one that moves with
them follows them.

The β are estimated from a pilot of the unconditioned growth and count layers
(:data:`PILOT_PATHS` paths, their own random stream) and shrunk towards their
revenue-weighted mean by their sampling error (empirical Bayes: partial pooling),
so a leaf's noisy pilot estimate does not carry it alone. Leaves that are zero on
some pilot path take the pooled value.

The same surprise also carries forward. A path's first year is set to the
nowcast, but its later growth was simulated from its own first-year shock, which
persists (the macro growth's AR(1), φ ≈ 0.68, and each path's drawn mean growth).
Matheron's rule for a later year ``t`` is

    log y_jt ← log y_jt + (β_j + γ_jt) (log Σ nowcast − log Σ simulated reported)

with ``γ_jt = Cov(log y_jt − log y_j1, log X) / Var(log X)``, leaf ``j``'s growth
from the first year to year ``t`` regressed on the reported total in the same
pilot (shrunk the same way, per year). The path's own first-year shock is not
counted twice: the bracket subtracts what the pilot says the path's own simulated
total implies for its later growth and adds what the nowcast implies. The
reported leaves' own level moves one for one (β = 1 through their unit's
ratio, :mod:`model.ytd_condition`): a firm's own excess growth barely persists
(φ ≈ 0.05), so its own level surprise is permanent and only the shared part
changes later growth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .counts import block_counts
from .growth import simulate_leaves

__all__ = ["Pooling", "estimate_pooling", "regression_betas", "growth_betas", "PILOT_PATHS", "POOLING_STREAM"]

#: Paths of the pilot the β are estimated from.
PILOT_PATHS = 500
#: Spawn key of the pilot's random stream (no other part of a run uses it).
POOLING_STREAM = 3


@dataclass(frozen=True)
class Pooling:
    """Leaves outside every nowcast unit and their regression on the reported total."""

    leaves: np.ndarray  # leaf indices
    beta: np.ndarray  # shrunk β per leaf
    beta_total: float  # β of their total
    corr_total: float  # correlation of their total with the reported total (pilot)
    share_of_revenue: float  # their share of the last data year's revenue
    pilot_paths: int
    growth_beta: np.ndarray | None = None  # (n_leaves, years): γ_jt of every leaf, first column 0 (None: no carry-forward)
    growth_beta_total: tuple = ()  # γ_t of the whole total (all leaves), per year, first 0

    def carry(self, surprise: np.ndarray) -> np.ndarray:
        """Factor ``exp(γ_jt × surprise)`` of every leaf and year, ``(P, n_leaves, years)``; 1 in the first year."""
        return np.exp(self.growth_beta[None, :, :] * surprise[:, None, None])

    def info(self) -> dict:
        """For the run's output: what was assumed for the non-reporters."""
        return {"leaves": int(len(self.leaves)), "share_of_revenue": self.share_of_revenue, "beta_total": self.beta_total,
                "corr_total": self.corr_total, "beta_median": float(np.median(self.beta)) if len(self.beta) else 0.0,
                "pilot_paths": self.pilot_paths, "growth_beta_total": [float(b) for b in self.growth_beta_total]}


def regression_betas(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """Regression slopes of every column of ``y`` on ``x``, shrunk towards their weighted mean.

    Parameters
    ----------
    x : ndarray (n,)
        Log reported total per pilot path.
    y : ndarray (n, m)
        Log value of each leaf per pilot path.
    weights : ndarray (m,), optional
        Weights of the pooled mean (default equal).

    Returns
    -------
    (shrunk β (m,), raw β (m,), pooled β)
    """
    n = len(x)
    xc = x - x.mean()
    sxx = float(xc @ xc)
    if n < 3 or sxx <= 0:
        return np.zeros(y.shape[1]), np.zeros(y.shape[1]), 0.0
    yc = y - y.mean(axis=0)
    raw = (xc @ yc) / sxx
    resid = yc - np.outer(xc, raw)
    se2 = (resid ** 2).sum(axis=0) / (n - 2) / sxx
    w = np.ones(y.shape[1]) if weights is None else np.asarray(weights, float)
    pooled = float(np.average(raw, weights=w)) if w.sum() > 0 else float(raw.mean())
    tau2 = max(float(np.average((raw - pooled) ** 2, weights=w) - np.average(se2, weights=w)) if w.sum() > 0 else 0.0, 0.0)
    keep = tau2 / (tau2 + se2) if tau2 > 0 else np.zeros_like(se2)
    return pooled + keep * (raw - pooled), raw, pooled


def growth_betas(x: np.ndarray, leaves: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every leaf's log growth from the first year to each later year, regressed on ``x``.

    Parameters
    ----------
    x : ndarray (n,)
        Log reported first-year total per pilot path.
    leaves : ndarray (n, L, H)
        Pilot leaf values.
    weights : ndarray (L,)
        Weights of the pooled mean (last data year's revenue).

    Returns
    -------
    (γ (L, H) shrunk per year, first column 0; γ of the total of all leaves (H,))
    """
    n, n_leaves, horizon = leaves.shape
    gamma, total = np.zeros((n_leaves, horizon)), np.zeros(horizon)
    positive = (leaves > 0).all(axis=(0, 2))
    logy = np.log(np.where(leaves > 0, leaves, 1.0))
    log_total = np.log(np.maximum(leaves.sum(axis=1), 1e-12))
    for t in range(1, horizon):
        b, _, pooled = regression_betas(x, (logy[:, :, t] - logy[:, :, 0])[:, positive], weights[positive])
        gamma[:, t] = pooled  # a leaf that is zero on some pilot path takes the pooled value
        gamma[positive, t] = b
        total[t] = regression_betas(x, (log_total[:, t] - log_total[:, 0])[:, None])[0][0]
    return gamma, total


def estimate_pooling(ctx, groups, seed: int, n: int = PILOT_PATHS) -> Pooling:
    """The non-reporting leaves and their β, and every leaf's γ, from a pilot of the unconditioned model.

    Parameters
    ----------
    ctx : RunContext
    groups : sequence of ndarray
        Leaf indices of each nowcast unit (the reported leaves).
    seed : int
        The run's seed; the pilot uses ``SeedSequence(seed, spawn_key=(POOLING_STREAM,))``.
    n : int
        Pilot paths.

    Returns
    -------
    Pooling
    """
    h = ctx.hierarchy
    covered = np.zeros(len(h.leaves), bool)
    for g in groups:
        covered[g] = True
    others = np.flatnonzero(~covered)
    last = np.nan_to_num(h.history[:, -1])
    share = float(last[others].sum() / last.sum()) if last.sum() > 0 else 0.0
    if not covered.any():
        return Pooling(others, np.zeros(len(others)), 0.0, 0.0, share, 0)
    ss = np.random.SeedSequence(seed, spawn_key=(POOLING_STREAM,))
    leaves = simulate_leaves(ctx.params, h, len(ctx.years), n, np.random.default_rng(ss), ctx.macro_shift,
                             widen=ctx.scenario.get("macro", "widen"), leaf_shift=ctx.organic_shift)
    leaves = block_counts(ctx.counts, h, leaves, int(ss.generate_state(1)[0]), 0).leaves
    first = leaves[:, :, 0]
    x = np.log(first[:, covered].sum(axis=1))
    gamma, gamma_total = growth_betas(x, leaves, last)
    if len(others) == 0:
        return Pooling(others, np.zeros(0), 0.0, 0.0, share, n, gamma, tuple(gamma_total))
    y = first[:, others]
    positive = (y > 0).all(axis=0)
    logy = np.log(np.where(y > 0, y, 1.0))
    beta, _, pooled = regression_betas(x, logy[:, positive], last[others][positive])
    out = np.full(len(others), pooled)
    out[positive] = beta
    total = np.log(np.maximum(y.sum(axis=1), 1e-12))
    b_total, _, _ = regression_betas(x, total[:, None])
    corr = float(np.corrcoef(x, total)[0, 1]) if total.std() > 0 else 0.0
    return Pooling(others, out, float(b_total[0]), corr, share, n, gamma, tuple(gamma_total))
