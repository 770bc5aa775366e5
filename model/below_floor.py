"""Firms below the tracking floor: a Pareto tail inside the untracked remainders.

The panel tracks firms above a floor (``tracking_threshold`` in dataset.toml:
10亿 in the province, 5亿 in Ganzhou); everything smaller sits in remainders.
A count target such as GZ-ENT10-2016 (≥100 Ganzhou firms above 10亿) must also
see the firms that grow from below the floor, so the remainders are given
firms:

* **Size law.** Above its floor, each tracking scope's 2013 firm sizes are
  Pareto; the tail exponent α is the Hill maximum-likelihood estimate on the
  tracked firms of the scope (α = n / Σ ln(s / floor)). Below the floor the
  same law is continued down to ``depth × floor`` (default half the floor),
  which gives ``n_above × (depth^-α − 1)`` firms in the band. Their sizes are
  the band's quantiles (``(k - 0.5) / n``), so nothing here is random.
* **Where they sit.** Largest first, each firm goes to the remainder cell of
  its scope with the most room left; a cell gives at most ``_MAX_SHARE`` of its
  revenue to such firms (the rest is firms below the band). A firm that fits
  nowhere is dropped (the count is reported in :class:`TailFirms`).
* **How they move.** A tail firm is a share of its cell. Each year its share
  moves by the calibrated firm law (persistence φ, idiosyncratic sd
  σ·size^-β with Student-t innovations) and the shares of the cell are
  renormalised against the part of the cell below the band, so tail firms +
  the rest = the cell on every path: the remainder keeps its total and
  aggregates stay coherent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .panel import Panel
from .hierarchy import Hierarchy

__all__ = ["TailFirms", "hill_alpha", "band_sizes", "tail_firms", "simulate_tail", "tracking_floor"]

#: Largest share of a remainder cell given to below-floor firms of the band.
_MAX_SHARE = 0.5
#: Same guard as the growth law: no firm moves by more than e^1.5 in one year.
_MAX_ABS_DEV = 1.5


@dataclass(frozen=True)
class TailFirms:
    """Below-floor firms of the untracked remainders.

    Attributes
    ----------
    cell : ndarray (n,) int
        Leaf index of the remainder cell holding each firm.
    size : ndarray (n,)
        Size in the last data year (亿元).
    region : ndarray (n,) object
        Region id of the cell (for count targets within a region).
    scopes : dict
        Per tracking scope: ``floor``, ``alpha``, ``alpha_se``, ``n_tracked``,
        ``n_band`` (firms the law implies), ``n_placed``, ``revenue`` (亿元).
    """

    cell: np.ndarray
    size: np.ndarray
    region: np.ndarray
    scopes: dict

    def __len__(self) -> int:
        return int(self.size.size)


def hill_alpha(sizes: np.ndarray, floor: float) -> tuple[float, float]:
    """Pareto tail exponent (Hill maximum likelihood) and its standard error.

    Parameters
    ----------
    sizes : ndarray
        Firm sizes; only those at or above ``floor`` are used.
    floor : float

    Returns
    -------
    (alpha, se)
    """
    s = np.asarray(sizes, float)
    s = s[s >= floor]
    if s.size < 2:
        raise ValueError(f"need at least two firms above the floor {floor} to fit a tail, got {s.size}")
    alpha = s.size / np.log(s / floor).sum()
    return float(alpha), float(alpha / np.sqrt(s.size))


def band_sizes(n_above: int, floor: float, alpha: float, depth: float) -> np.ndarray:
    """Sizes of the firms a Pareto(α) law puts in ``[depth × floor, floor)``, largest first.

    There are ``round(n_above × (depth^-α − 1))`` of them; firm k of n sits at
    the band quantile ``(k - 0.5) / n`` counted from the top.
    """
    n = int(round(n_above * (depth ** -alpha - 1.0)))
    u = (np.arange(n) + 0.5) / max(n, 1)
    lo, hi = (depth * floor) ** -alpha, floor ** -alpha
    return (hi + u * (lo - hi)) ** (-1.0 / alpha)


def tracking_floor(panel: Panel) -> dict[str, float]:
    """Tracking floor per region id from ``dataset.toml``.

    Without ``tracking_threshold`` the floor is the smallest tracked firm of the
    last data year, for the whole province.
    """
    given = panel.meta.get("tracking_threshold") or {}
    if given:
        return {str(k): float(v) for k, v in given.items()}
    last = panel.revenue.reindex(panel.enterprises.index)[panel.years[-1]].dropna()
    return {panel.province: float(last.min())} if len(last) else {}


def _scope_of(region: str, floors: dict[str, float], parent: dict[str, str]) -> str:
    """The nearest region (itself or an ancestor) with a floor of its own."""
    node = region
    while node:
        if node in floors:
            return node
        node = parent.get(node, "")
    return ""


def tail_firms(panel: Panel, h: Hierarchy, depth: float = 0.5) -> TailFirms:
    """Place the below-floor firms of every tracking scope into remainder cells.

    Parameters
    ----------
    panel : Panel
    h : Hierarchy
    depth : float
        The band modelled is ``[depth × floor, floor)``.

    Returns
    -------
    TailFirms
    """
    floors = tracking_floor(panel)
    parent = panel.regions["parent"].to_dict()
    region_of = lambda geo: panel.parks.at[geo, "region"] if geo in panel.parks.index else geo  # noqa: E731
    leaf_region = np.array([region_of(g) for g in h.leaves["geo"]], dtype=object)
    leaf_scope = np.array([_scope_of(r, floors, parent) for r in leaf_region], dtype=object)
    level = np.nan_to_num(h.history[:, -1])
    is_cell = h.leaves["kind"].to_numpy() == "cell"
    cells, sizes, scopes = [], [], {}
    for scope, floor in floors.items():
        tracked = level[h.enterprise_leaves][leaf_scope[h.enterprise_leaves] == scope]
        above = tracked[tracked >= floor]
        if above.size < 2:
            continue
        alpha, se = hill_alpha(above, floor)
        want = band_sizes(above.size, floor, alpha, depth)
        pool = np.flatnonzero(is_cell & (leaf_scope == scope) & (level > 0))
        room = _MAX_SHARE * level[pool]
        placed = []
        for s in want:  # largest first, into the cell with the most room left
            k = int(np.argmax(room)) if pool.size else -1
            if k < 0 or room[k] < s:
                continue
            room[k] -= s
            placed.append((pool[k], s))
        cells += [c for c, _ in placed]
        sizes += [s for _, s in placed]
        scopes[scope] = {"floor": floor, "alpha": alpha, "alpha_se": se, "n_tracked": int(above.size), "n_band": int(want.size),
                         "n_placed": len(placed), "revenue": float(sum(s for _, s in placed)), "depth": depth}
    cell = np.asarray(cells, dtype=np.int64)
    return TailFirms(cell, np.asarray(sizes, float), leaf_region[cell] if cell.size else np.zeros(0, object), scopes)


def simulate_tail(tail: TailFirms, cell_paths: np.ndarray, cell_start: np.ndarray, phi: float, sigma: float, beta: float, df: float, rng: np.random.Generator) -> np.ndarray:
    """Revenue paths of the below-floor firms, as shares of their cells.

    Parameters
    ----------
    tail : TailFirms
    cell_paths : ndarray (P, n_leaves, H)
        Simulated leaf revenue (only the cells holding tail firms are read).
    cell_start : ndarray (P, n_leaves)
        Leaf revenue in the last data year (per path: made-up values may be drawn).
    phi, sigma, beta, df : float
        Firm law of :mod:`model.calibrate` (persistence, sd = sigma · size^-beta,
        Student-t degrees of freedom; ``inf`` for Laplace-free normal draws).
    rng : numpy.random.Generator

    Returns
    -------
    ndarray (P, n, H)
        Revenue of each tail firm; per cell, the firms sum to less than the cell.
    """
    n_paths, _, horizon = cell_paths.shape
    n = len(tail)
    out = np.zeros((n_paths, n, horizon))
    if n == 0:
        return out
    used, col = np.unique(tail.cell, return_inverse=True)
    slot = (np.arange(n_paths)[:, None] * used.size + col).ravel()  # (path, cell) of each (path, firm)
    per_cell = lambda x: np.bincount(slot, x.ravel(), n_paths * used.size).reshape(n_paths, used.size)  # noqa: E731
    start = cell_start[:, used]
    with np.errstate(divide="ignore", invalid="ignore"):
        w0 = np.where(start[:, col] > 0, tail.size[None, :] / start[:, col], 0.0)
    rest = np.clip(1.0 - per_cell(w0), 0.0, None)  # (P, cells): share below the band
    dev = np.zeros((n_paths, n))
    size = np.broadcast_to(tail.size, (n_paths, n)).copy()
    scale = np.sqrt((df - 2.0) / df) if np.isfinite(df) else 1.0
    leaf = used[col]
    by_year = np.empty((horizon, n_paths, n))  # contiguous per year; one transpose at the end
    for t in range(horizon):
        eps = rng.standard_t(df, (n_paths, n)) if np.isfinite(df) else rng.standard_normal((n_paths, n))
        eps *= scale
        step = sigma * np.maximum(size, 0.1) ** -beta
        step *= eps
        dev *= phi
        dev += step
        np.clip(dev, -_MAX_ABS_DEV, _MAX_ABS_DEV, out=dev)
        # Cumulative log deviation of the share: a random walk with weakly persistent steps.
        if t == 0:
            logw = dev.copy()
        else:
            logw += dev
            np.clip(logw, -10.0, 10.0, out=logw)
        raw = np.exp(logw)
        raw *= w0
        denom = (per_cell(raw) + rest)[:, col]
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(denom > 0, raw / denom, 0.0)
        size = np.multiply(share, cell_paths[:, leaf, t], out=by_year[t])
    out[...] = by_year.transpose(1, 2, 0)
    return out
