"""Simulate revenue paths of every leaf (paths × leaves × years).

The law is the one calibrated in :mod:`model.calibrate`::

    g_it = m_t + d_it,   d_it = phi * d_i,t-1 + u_k(i),t + sigma * size^-beta * e_it
    u_kt = rho * u_k,t-1 + tau * sqrt(1 - rho**2) * z_kt

* the macro growth ``m_t`` follows the damped law of :mod:`model.dynamics` with
  parameters and start state drawn jointly from the posterior of
  :mod:`model.macro_view` (a stated view updated by the province's data; no M4
  prior and, unless a scenario asks for it with ``widen = true``, no M4 widening);
* ``u_kt`` is one persistent (AR(1)) shock per shock group and year, shared by
  all its leaves, so a multi-year slump of one industry is possible and moves
  the province total in proportion to the industry's share; only ``m_t`` is
  common to all leaves;
* every path draws its own parameters from their estimated sampling
  distribution, so parameter uncertainty is part of every interval.

Aggregates are never simulated: they are sums of leaves (see
:mod:`model.hierarchy`), so paths are coherent by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .calibrate import GrowthParams, shock_groups
from .dynamics import damped_growth
from .errors import DataError
from .forecast_priors import load_priors, widen_factors
from .hierarchy import Hierarchy

__all__ = ["PathParams", "LeafState", "draw_params", "leaf_state", "simulate_macro", "simulate_leaves"]

# Guard against the t tail producing a 100x jump in one year (no firm does that).
_MAX_ABS_GROWTH = 1.5


@dataclass(frozen=True)
class PathParams:
    """One parameter set per path (arrays of shape ``(n_paths,)``)."""

    phi: np.ndarray
    tau: np.ndarray
    rho: np.ndarray
    sigma: np.ndarray
    beta: np.ndarray
    df: np.ndarray
    macro_mu: np.ndarray
    macro_phi: np.ndarray
    macro_sigma: np.ndarray
    macro_start: np.ndarray


@dataclass(frozen=True)
class LeafState:
    """Where every leaf starts: last level, last excess growth, shock group."""

    level: np.ndarray
    deviation: np.ndarray
    group: np.ndarray
    n_groups: int


def draw_params(params: GrowthParams, n_paths: int, rng: np.random.Generator) -> PathParams:
    """Draw each path's parameters from their estimated sampling distribution.

    ``sigma`` and ``beta`` are drawn jointly (their estimates correlate through
    the size regression's intercept and slope); the macro ``(mu, phi, sigma,
    start)`` jointly from their posterior. ``df`` is not drawn: its curvature SE
    covers the truth only 10 times in 20 in the known-answer fits
    (tests/test_calibrate.py), so every path uses the point estimate rather than
    a spread we know to be wrong. When the scenario's view turns parameter
    uncertainty off, every path gets the point estimates (the same random
    numbers are consumed, so the shocks stay common to both).

    Parameters
    ----------
    params : GrowthParams
    n_paths : int
    rng : numpy.random.Generator

    Returns
    -------
    PathParams
    """
    z = rng.standard_normal((5, n_paths)) * (1.0 if params.macro.view.parameter_uncertainty else 0.0)
    rel = lambda e: e.se / max(e.value, 1e-9)  # noqa: E731
    rho = float(np.clip(params.sigma_beta_corr, -0.999, 0.999))
    z_beta = rho * z[2] + np.sqrt(1.0 - rho**2) * z[3]
    df = np.full(n_paths, float(np.clip(params.df.value, 2.2, 200.0)) if params.tail == "student_t" else np.inf)
    mu, mphi, msig, start = params.macro.sample(rng, n_paths)
    return PathParams(
        phi=np.clip(params.phi.value + params.phi.se * z[0], -0.5, 0.95), tau=params.tau.value * np.exp(rel(params.tau) * z[1]),
        rho=np.clip(params.rho.value + params.rho.se * z[4], -0.5, 0.95),
        sigma=params.sigma.value * np.exp(rel(params.sigma) * z[2]), beta=params.beta.value + params.beta.se * z_beta,
        df=df, macro_mu=mu, macro_phi=mphi, macro_sigma=msig, macro_start=start,
    )


def leaf_state(h: Hierarchy, macro_last_growth: float) -> LeafState:
    """Starting state of the leaves from the last two years of history.

    A leaf's deviation is its 2013 growth minus the province's *observed* 2013
    growth, exactly as calibration measures it; the province's own start is the
    filtered growth state (:mod:`model.macro_view`). Both layers therefore agree
    on where 2013 ended: a leaf's first simulated year is the province's start
    carried one year forward plus ``phi`` times its own excess.

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
    # Unclustered leaves ("none") get index n_groups: a column of zeros (no industry shock).
    labels = shock_groups(h.leaves)
    groups, index = np.unique(labels[labels != "none"], return_inverse=True)
    full = np.full(len(labels), len(groups), dtype=np.intp)
    full[labels != "none"] = index
    return LeafState(level, np.nan_to_num(dev, nan=0.0, posinf=0.0, neginf=0.0), full, len(groups))


def simulate_macro(p: PathParams, params: GrowthParams, horizon: int, rng: np.random.Generator, shift: np.ndarray | None = None, widen: bool = False) -> np.ndarray:
    """Macro log-growth per path and year, from each path's start state and parameters.

    Parameters
    ----------
    p : PathParams
    params : GrowthParams
    horizon : int
    rng : numpy.random.Generator
    shift : ndarray, shape (horizon,), optional
        Scenario shift added to macro growth each year (e.g. a national slowdown).
    widen : bool
        Also apply the interval widening calibrated on M4 (:func:`model.forecast`);
        off by default: M4 is not a reference for a Chinese province's revenue.

    Returns
    -------
    ndarray, shape (n_paths, horizon)
    """
    n = p.macro_mu.shape[0]
    shocks = p.macro_sigma[:, None] * rng.standard_normal((n, horizon))
    growth = damped_growth(p.macro_start, p.macro_mu, p.macro_phi, shocks)
    if widen:
        centre = params.macro.median_growth(horizon)
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
    widen: bool = False,
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
        Also apply the M4-calibrated widening to the macro path (off by default).
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

    The firm-level part of a deviation (persistence of the firm's own excess
    growth and its idiosyncratic shock) redistributes shares: it is normalised
    so that, without industry shocks, the province grows by ``m_t`` exactly and
    fat-tailed firm shocks cannot inflate the aggregate through Jensen's
    inequality. The industry shocks come after that normalisation, so a slump
    of one industry lowers the province total by its share (no other industry
    grows faster to make up for it). A ``leaf_shift`` moves leaves on purpose.
    Industry shocks start at 0 in the first simulated year (their 2013 values
    are inside the leaves' last deviations, which damp out with ``phi``).
    """
    n, horizon = macro.shape
    n_leaves = s.level.shape[0]
    alive = s.level > 0
    level = np.broadcast_to(s.level, (n, n_leaves)).copy()
    dev = np.broadcast_to(s.deviation, (n, n_leaves)).copy()
    by_year = np.empty((horizon, n, n_leaves))  # contiguous per year; one transpose at the end
    scale_t = np.sqrt(np.where(np.isfinite(p.df), (p.df - 2.0) / p.df, 1.0))[:, None]
    industry = np.zeros((n, s.n_groups))
    shock = np.zeros((n, s.n_groups + 1))  # the last column (unclustered leaves) stays 0
    innov_sd = (p.tau * np.sqrt(1.0 - p.rho**2))[:, None]
    phi, sigma, beta = p.phi[:, None], p.sigma[:, None], -p.beta[:, None]
    for t in range(horizon):
        industry = p.rho[:, None] * industry + innov_sd * rng.standard_normal((n, s.n_groups))
        eps = _innovations(rng, p.df, (n, n_leaves))
        eps *= scale_t
        vol = sigma * np.maximum(level, 0.1) ** beta
        vol *= eps
        firm = phi * dev
        firm += vol
        np.clip(firm, -_MAX_ABS_GROWTH, _MAX_ABS_GROWTH, out=firm)
        share_shift = np.log((level * np.exp(firm)).sum(axis=1) / level.sum(axis=1))
        shock[:, :-1] = industry
        dev = firm + shock[:, s.group]
        step = macro[:, t : t + 1] + dev
        step -= share_shift[:, None]
        if leaf_shift is not None:
            step += leaf_shift[None, :, t]
        level = np.multiply(level, np.exp(step, out=step), out=by_year[t])
        level[:, ~alive] = 0.0
    return np.ascontiguousarray(by_year.transpose(1, 2, 0))


def _innovations(rng: np.random.Generator, df: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    if np.isfinite(df).all():
        if df.size and (df == df[0]).all():  # one df for every path (the usual case): the same draws, without broadcasting df
            return rng.standard_t(df[0], size)
        return rng.standard_t(np.broadcast_to(df[:, None], size))
    return rng.laplace(0.0, 1.0 / np.sqrt(2.0), size)  # unit variance already
