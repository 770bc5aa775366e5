"""Rolling-origin backtest: are the model's intervals honest on the data we have?

For each origin year Y the model is calibrated on data up to Y only and
simulates Y+1 .. last year; every aggregate and enterprise with an actual value
is scored: coverage of the central 50/80/95 % intervals, PIT and CRPS (relative
to the actual, so small and large entities weigh alike). With data for
2008-2013 the horizons available are 1-3 years (origins 2010-2012); the M4
benchmark (``attain bench m4``) covers horizons 1-6 on 23,000 series.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .calibrate import as_of_range, calibrate_panel
from .data import Panel
from .errors import DataError
from .growth import simulate_leaves
from .hierarchy import build_hierarchy
from .scores import crps_sample

__all__ = ["rolling_origin", "coverage_table", "crps_sample", "default_origins", "LEVELS"]

LEVELS = (0.5, 0.8, 0.95)


def rolling_origin(panel: Panel, origins: tuple[int, ...] = (2010, 2011, 2012), n_paths: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Score as-of forecasts against what happened.

    Returns
    -------
    pandas.DataFrame
        One row per (origin, horizon, entity): ``kind`` (aggregate/enterprise),
        ``actual``, ``pit``, ``in50``/``in80``/``in95``, ``crps_rel``.
    """
    last = int(panel.years[-1])
    frames = []
    for k, origin in enumerate(origins):
        params, cut = calibrate_panel(panel, origin)
        h = build_hierarchy(cut)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(k,)))
        leaves = simulate_leaves(params, h, last - origin, n_paths, rng)
        nodes = h.aggregate(leaves)
        frames.append(_score(origin, h.nodes, nodes, panel, "aggregate"))
        ent_ids = h.leaves.iloc[h.enterprise_leaves]["id"].tolist()
        frames.append(_score(origin, ent_ids, leaves[:, h.enterprise_leaves, :], panel, "enterprise"))
    return pd.concat(frames, ignore_index=True)


def _score(origin: int, ids: list[str], sims: np.ndarray, panel: Panel, kind: str) -> pd.DataFrame:
    rows = []
    for j in range(sims.shape[2]):
        year = origin + 1 + j
        actual = panel.revenue.reindex(ids)[year].to_numpy(float)
        ok = np.isfinite(actual) & (actual > 0) & (sims[:, :, j].max(axis=0) > 0)
        s, y = sims[:, ok, j], actual[ok]
        pit = (s < y).mean(axis=0) + 0.5 * (s == y).mean(axis=0)
        frame = pd.DataFrame({"origin": origin, "horizon": j + 1, "kind": kind, "entity": np.asarray(ids)[ok], "actual": y, "pit": pit, "crps_rel": crps_sample(s, y) / y})
        for level in LEVELS:
            frame[f"in{int(level * 100)}"] = (pit >= (1 - level) / 2) & (pit <= (1 + level) / 2)
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def coverage_table(scores: pd.DataFrame) -> pd.DataFrame:
    """Coverage of each interval, mean PIT and relative CRPS by kind and horizon."""
    cols = {f"in{int(lv * 100)}": "mean" for lv in LEVELS} | {"pit": "mean", "crps_rel": "mean", "entity": "count"}
    return scores.groupby(["kind", "horizon"]).agg(cols).rename(columns={"entity": "n"}).reset_index()


def default_origins(panel: Panel) -> tuple[int, ...]:
    """Every origin that can be calibrated and still leaves a later year to score.

    Raises
    ------
    DataError
        When the data have fewer than four years.
    """
    low, high = as_of_range(panel)
    origins = tuple(range(low, high))
    if not origins:
        first = int(panel.years[0])
        raise DataError(f"the data cover {first}-{high}; a backtest needs at least 4 years (3 to calibrate, 1 to score)")
    return origins
