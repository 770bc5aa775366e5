"""An illustrative registry-scale dataset: the embedded panel with its remainders split into firms.

Planners who bring their full above-scale enterprise registry (Jiangxi had about
6,800 above-scale industrial enterprises in 2012; the embedded panel tracks 373)
multiply the model's leaves by 10-20. To measure what that costs before such a
registry exists, this module splits the untracked remainder of every (park,
cluster) cell of the illustrative panel into made-up firms:

* a cell receives firms in proportion to its last-year revenue (cells whose
  remainder moved more than fourfold over the data years receive none, nor cells
  of a cluster spread over several parks);
* within a cell, firm sizes are Pareto-distributed (tail index 1.2) and together
  hold 60 % of the cell's remainder; each firm's history is its share of the cell's
  history with a small yearly wobble (log-sd 0.05), capped so the firms of a cell
  never hold more than 90 % of its remainder in any year.

Every region, park and cluster total is unchanged, so the anchors (province and
Ganzhou totals, the counts of parks above 100亿, ...) are those of the embedded
panel, and every aggregate stays members + remainder. Every added value is
``synthetic``; ``dataset.toml`` says ``illustrative = true`` and names the
generator. The dataset is not shipped: ``python -m model.generator out/registry
--registry 7000`` builds it in a few seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["split_remainders", "REGISTRY_FIRMS"]

#: Default number of enterprises of the registry-scale dataset (tracked firms included).
REGISTRY_FIRMS = 7000
_HELD = 0.6      # share of a cell's remainder its made-up firms hold
_CAP = 0.9       # they never hold more than this share in any year
_ALPHA = 1.2     # Pareto tail index of firm sizes within a cell
_WOBBLE = 0.05   # yearly log-sd of a firm's share
_STEADY = 0.25   # cells whose remainder stayed within a factor 4 over the data years receive firms


def split_remainders(tables: dict[str, pd.DataFrame], panel, n_firms: int, seed: int, source: str) -> dict[str, pd.DataFrame]:
    """Add made-up enterprises inside the remainders until the dataset holds ``n_firms`` enterprises.

    Parameters
    ----------
    tables : dict of DataFrame
        The five tables of :func:`model.generator.generate`.
    panel : model.data.Panel
        The same tables loaded and validated (:func:`model.data.load_dataset`).
    n_firms : int
        Enterprises wanted in total (tracked firms included).
    seed : int
        Root of the ``SeedSequence`` of the split.
    source : str
        ``source`` of every added revenue value.

    Returns
    -------
    dict of DataFrame
        The same tables with the added enterprises and their revenue rows.
    """
    from .hierarchy import build_hierarchy

    h = build_hierarchy(panel)
    cells = h.leaves.index[h.leaves["kind"] == "cell"]
    hist = np.nan_to_num(h.history[cells])
    n_new = max(0, n_firms - int((h.leaves["kind"] == "enterprise").sum()))
    # Cells whose remainder moved more than fourfold over the data years (a park founded late) get no firms:
    # a firm following such a path would look like a typing error to the plausibility checks.
    steady = hist.min(axis=1) >= _STEADY * hist.max(axis=1)
    # A cluster spread over several parks (hosts 'P.A=0.25;P.B=0.25;...') gives each park a share of its
    # remainder: a firm there would take its whole value from the park but only that share from the park's
    # cluster cells, leaving the park's other clusters more than its remainder. Such cells get no firms.
    hosts = panel.clusters["hosts"].astype(str).to_dict()
    single = np.array([_whole_host(hosts.get(c, "")) for c in h.leaves.loc[cells, "cluster"]])
    counts = _allocate(np.where(steady & single, hist[:, -1], 0.0), n_new)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    years = [int(y) for y in panel.years]
    parks = tables["parks"].set_index("id")["region"].to_dict()
    ent_rows, rev_rows, k = [], [], 0
    for leaf, n, cell_hist in zip(cells, counts, hist):
        if n == 0:
            continue
        geo, cluster = h.leaves.at[leaf, "geo"], h.leaves.at[leaf, "cluster"]
        size = (1.0 - rng.random(n)) ** (-1.0 / _ALPHA)
        share = _HELD * size / size.sum()
        paths = share[:, None] * np.exp(rng.normal(0.0, _WOBBLE, (n, len(years))))
        paths *= np.minimum(1.0, _CAP / np.maximum(paths.sum(0), 1e-12))[None, :]
        for j in range(n):
            k += 1
            eid = f"E.R.{k:05d}"
            park = geo if geo in parks else ""
            ent_rows.append([eid, f"示意企业{k:05d}", parks.get(geo, geo), park, cluster or "", ""])
            rev_rows += [[eid, y, round(float(v), 4), "亿元", "synthetic", source] for y, v in zip(years, paths[j] * cell_hist) if v > 0]
    out = dict(tables)
    out["enterprises"] = pd.concat([tables["enterprises"], pd.DataFrame(ent_rows, columns=tables["enterprises"].columns)], ignore_index=True)
    out["revenue"] = pd.concat([tables["revenue"], pd.DataFrame(rev_rows, columns=tables["revenue"].columns)], ignore_index=True)
    return out


def _whole_host(hosts: str) -> bool:
    """Whether a cluster's ``hosts`` gives its whole remainder to one park (or to none: a cell without a cluster)."""
    parts = [p for p in hosts.split(";") if p.strip()]
    if len(parts) > 1:
        return False
    if not parts or "=" not in parts[0]:
        return True
    try:
        return float(parts[0].split("=", 1)[1]) == 1.0
    except ValueError:
        return False


def _allocate(weight: np.ndarray, n: int) -> np.ndarray:
    """``n`` firms over cells in proportion to ``weight`` (largest remainders), none where the weight is 0."""
    w = np.clip(weight, 0.0, None)
    if n == 0 or w.sum() <= 0:
        return np.zeros(len(w), int)
    exact = n * w / w.sum()
    base = np.floor(exact).astype(int)
    rest = n - base.sum()
    base[np.argsort(-(exact - base), kind="stable")[:rest]] += 1
    return base
