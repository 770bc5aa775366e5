"""Simulate revenue paths of every leaf (paths × leaves × years).

The law is the one calibrated in :mod:`model.calibrate`::

    g_it = m_t + d_it,   d_it = phi * d_i,t-1 + u_k(i),t + sigma * size^-beta * e_it

* the macro growth ``m_t`` is the damped-trend kernel of :mod:`model.forecast`
  (same code and same interval widening as the M4 benchmark);
* ``u_kt`` is one shock per cluster group and year, shared by all its leaves;
* every path draws its own parameters from their estimated sampling
  distribution, so parameter uncertainty is part of every interval.

Aggregates are never simulated: they are sums of leaves (see
:mod:`model.hierarchy`), so paths are coherent by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .calibrate import GrowthParams
from .dynamics import damped_growth, unit_student_t
from .errors import DataError
from .forecast import _widen_factor as widen_factors
from .forecast import load_priors
from .hierarchy import Hierarchy

__all__ = ["PathParams", "LeafState", "draw_params", "leaf_state", "simulate_macro", "simulate_leaves"]

# Guard against the t tail producing a 100x jump in one year (no firm does that).
_MAX_ABS_GROWTH = 1.5


@dataclass(frozen=True)
class PathParams:
    """One parameter set per path (arrays of shape ``(n_paths,)``)."""

    phi: np.ndarray
    tau: np.ndarray
    sigma: np.ndarray
    beta: np.ndarray
    df: np.ndarray
    macro_mu: np.ndarray
    macro_phi: np.ndarray
    macro_sigma: np.ndarray


@dataclass(frozen=True)
class LeafState:
    """Where every leaf starts: last level, last excess growth, shock group."""

    level: np.ndarray
    deviation: np.ndarray
    group: np.ndarray
    n_groups: int


def draw_params(params: GrowthParams, n_paths: int, rng: np.random.Generator) -> PathParams:
    """Draw each path's parameters from their estimated sampling distribution.

    Parameters
    ----------
    params : GrowthParams
    n_paths : int
    rng : numpy.random.Generator

    Returns
    -------
    PathParams
    """
    norm = lambda e: rng.normal(e.value, e.se, n_paths)  # noqa: E731
    lognorm = lambda e: e.value * np.exp(rng.normal(0.0, e.se / max(e.value, 1e-9), n_paths))  # noqa: E731
    df = np.clip(norm(params.df), 2.2, 200.0) if params.tail == "student_t" else np.full(n_paths, np.inf)
    mu, mphi, msig = params.macro.sample_params(rng, n_paths)
    return PathParams(
        phi=np.clip(norm(params.phi), -0.5, 0.95), tau=lognorm(params.tau), sigma=lognorm(params.sigma),
        beta=norm(params.beta), df=df, macro_mu=mu, macro_phi=mphi, macro_sigma=msig,
    )


def leaf_state(h: Hierarchy, macro_last_growth: float) -> LeafState:
    """Starting state of the leaves from the last two years of history.

    Raises
    ------
    DataError
        When a leaf has no value in the last year: :func:`model.data.load_dataset`
        rejects such data, so only a hand-built hierarchy gets here, and starting
        that leaf at 0 would silently drop it from every path.
    """
    hist = h.history
    missing = np.isnan(hist[:, -1])
    if missing.any():
        ids = h.leaves["id"].to_numpy()[missing]
        raise DataError(f"no value in {int(h.years[-1])} (the last data year) for {missing.sum()} leaf/leaves ({', '.join(map(str, ids[:5]))}); expected every leaf to start from its last-year value")
    level = hist[:, -1]
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = np.log(hist[:, -1] / hist[:, -2]) - macro_last_growth
    groups, index = np.unique(h.leaves["group"].replace("", "none").to_numpy(), return_inverse=True)
    return LeafState(level, np.nan_to_num(dev, nan=0.0, posinf=0.0, neginf=0.0), index, len(groups))


def simulate_macro(p: PathParams, params: GrowthParams, horizon: int, rng: np.random.Generator, shift: np.ndarray | None = None, widen: bool = True) -> np.ndarray:
    """Macro log-growth per path and year, widened like the M4-calibrated intervals.

    Parameters
    ----------
    p : PathParams
    params : GrowthParams
    horizon : int
    rng : numpy.random.Generator
    shift : ndarray, shape (horizon,), optional
        Scenario shift added to macro growth each year (e.g. a national slowdown).
    widen : bool
        Apply the interval widening calibrated on M4 (same as :func:`model.forecast`).

    Returns
    -------
    ndarray, shape (n_paths, horizon)
    """
    n = p.macro_mu.shape[0]
    df = params.macro.df
    shocks = p.macro_sigma[:, None] * unit_student_t(rng, df, (n, horizon))
    growth = damped_growth(np.full(n, params.macro.last_growth), p.macro_mu, p.macro_phi, shocks)
    if widen:
        centre = damped_growth(params.macro.last_growth, params.macro.mu, params.macro.phi, np.zeros(horizon))
        cum, cum_c = np.cumsum(growth, axis=1), np.cumsum(centre)
        cum = cum_c + widen_factors(load_priors(), 0.9, horizon) * (cum - cum_c)
        growth = np.diff(np.concatenate([np.zeros((n, 1)), cum], axis=1), axis=1)
    return growth + (0.0 if shift is None else np.asarray(shift)[None, :])


def simulate_leaves(
    params: GrowthParams,
    h: Hierarchy,
    horizon: int,
    n_paths: int,
    rng: np.random.Generator,
    macro_shift: np.ndarray | None = None,
    widen: bool = True,
    leaf_shift: np.ndarray | None = None,
) -> np.ndarray:
    """Revenue of every leaf in every future year and path (亿元).

    Parameters
    ----------
    params : GrowthParams
    h : Hierarchy
    horizon : int
        Years after the last data year.
    n_paths : int
    rng : numpy.random.Generator
    macro_shift : ndarray, optional
        Scenario shift of macro growth per year.
    widen : bool
        Use the M4-calibrated widening of the macro path.
    leaf_shift : ndarray, shape (n_leaves, horizon), optional
        Deterministic log-growth added to each leaf after the share normalisation
        (the regional organic adjustment of :mod:`model.context`).

    Returns
    -------
    ndarray, shape (n_paths, n_leaves, horizon)
    """
    p = draw_params(params, n_paths, rng)
    macro = simulate_macro(p, params, horizon, rng, macro_shift, widen)
    state = leaf_state(h, params.diagnostics["macro_last_observed_growth"])
    return _roll(p, state, macro, rng, leaf_shift)


def _roll(p: PathParams, s: LeafState, macro: np.ndarray, rng: np.random.Generator, leaf_shift: np.ndarray | None = None) -> np.ndarray:
    """Loop over years; every path and leaf moves at once.

    Leaf deviations redistribute shares inside the macro total: the province's
    revenue-weighted growth equals ``m_t`` exactly, so fat-tailed leaf shocks cannot
    inflate the aggregate through Jensen's inequality, and the bottom-up total is
    the top-down (M4-benchmarked) macro path. A ``leaf_shift`` moves leaves off
    that path on purpose (it is added after the normalisation).
    """
    n, horizon = macro.shape
    n_leaves = s.level.shape[0]
    alive = s.level > 0
    level = np.broadcast_to(s.level, (n, n_leaves)).copy()
    dev = np.broadcast_to(s.deviation, (n, n_leaves)).copy()
    out = np.empty((n, n_leaves, horizon))
    scale_t = np.sqrt(np.where(np.isfinite(p.df), (p.df - 2.0) / p.df, 1.0))[:, None]
    for t in range(horizon):
        industry = p.tau[:, None] * rng.standard_normal((n, s.n_groups))
        eps = _innovations(rng, p.df, (n, n_leaves)) * scale_t
        vol = p.sigma[:, None] * np.maximum(level, 0.1) ** (-p.beta[:, None])
        dev = np.clip(p.phi[:, None] * dev + industry[:, s.group] + vol * eps, -_MAX_ABS_GROWTH, _MAX_ABS_GROWTH)
        share_shift = np.log((level * np.exp(dev)).sum(axis=1) / level.sum(axis=1))
        step = macro[:, t : t + 1] + dev - share_shift[:, None]
        if leaf_shift is not None:
            step = step + leaf_shift[None, :, t]
        level = np.where(alive, level * np.exp(step), 0.0)
        out[:, :, t] = level
    return out


def _innovations(rng: np.random.Generator, df: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    if np.isfinite(df).all():
        return rng.standard_t(np.broadcast_to(df[:, None], size))
    return rng.laplace(0.0, 1.0 / np.sqrt(2.0), size)  # unit variance already
