"""M4 Yearly forecast-skill benchmark for :func:`model.forecast.forecast`.

The harness loads the official M4 Yearly data (23,000 series, horizon 6),
scores point forecasts with the M4 metrics (sMAPE, MASE, OWA relative to
Naive2) and 95% prediction intervals with coverage, ACD and MSIS, overall and
by category, and sets the figures next to the published M4 results.

Data are read from the copy committed in ``<repo>/benchmarks/data/m4`` (byte-identical
to the team's ``shared/benchmarks``; override with the environment variable
``ATTAIN_M4_DIR``); see ``SOURCES.md`` there.

``--long`` scores long horizons from short histories instead: the last 6 or
10 + 12 points of every *training* series of the evaluation half
(:func:`split_halves`) are cut into a history and 12 scored points, and
coverage, tail shares and bias are reported per horizon band (1-3, 4-6, 7-12)
for all series and for fast growers (:func:`score_long`). Everything the
forecaster learns from M4 is fitted on the other half (:func:`calibrate`).

Run it with ``python benchmarks/m4_yearly.py [--long] [--sample N] [--workers K]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = [
    "HORIZON",
    "BASE_SEED",
    "CATEGORIES",
    "M4Yearly",
    "data_dir",
    "load_yearly",
    "smape",
    "mase",
    "msis",
    "coverage",
    "naive2_forecast",
    "series_seed",
    "run_method",
    "score",
    "published",
    "sample_indices",
    "validation_windows",
    "rolling_windows",
    "calibrate",
    "priors_toml",
    "split_halves",
    "LongWindows",
    "long_windows",
    "long_seeds",
    "run_long",
    "score_long",
    "calibration_windows",
    "run_to_last_target",
    "conformal_factors",
    "long_benchmark",
    "cli",
]

HORIZON = 6
BASE_SEED = 20180101
ALPHA = 0.05
SAMPLE_SEED = 6
CATEGORIES = ("Demographic", "Finance", "Industry", "Macro", "Micro", "Other")
REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class M4Yearly:
    """The M4 Yearly data set (or a subset of it).

    Attributes
    ----------
    ids : list of str
        Series ids (``Y1`` ...).
    index : ndarray of int
        Position of each series in the full data set (drives its seed).
    train : list of ndarray
        In-sample histories.
    test : ndarray, shape (n, 6)
        Out-of-sample values.
    category : ndarray of str
        M4 category of each series.
    """

    ids: list[str]
    index: NDArray[np.int64]
    train: list[NDArray[np.float64]]
    test: NDArray[np.float64]
    category: NDArray[np.str_]

    def subset(self, rows: Sequence[int]) -> "M4Yearly":
        """Return the series at positions ``rows`` (positions in this object)."""
        rows = list(rows)
        return M4Yearly(
            ids=[self.ids[r] for r in rows],
            index=self.index[rows],
            train=[self.train[r] for r in rows],
            test=self.test[rows],
            category=self.category[rows],
        )


def data_dir() -> Path:
    """Locate the M4 data directory.

    Returns
    -------
    Path
        ``$ATTAIN_M4_DIR`` if set, else the committed copy ``<repo>/benchmarks/data/m4``,
        else ``<repo>/../shared/benchmarks``.

    Raises
    ------
    FileNotFoundError
        If the directory or its train file is missing.
    """
    env = os.environ.get("ATTAIN_M4_DIR")
    repo = Path(__file__).resolve().parents[1]
    candidates = [Path(env)] if env else [repo / "benchmarks" / "data" / "m4", repo.parent / "shared" / "benchmarks"]
    for path in candidates:
        if (path / "m4_yearly_train.csv.gz").is_file():
            return path
    raise FileNotFoundError(
        f"M4 data not found in {' or '.join(map(str, candidates))} (expected m4_yearly_train.csv.gz); "
        "set ATTAIN_M4_DIR to the directory holding the M4 files"
    )


def _read_wide(path: Path) -> tuple[list[str], list[NDArray[np.float64]]]:
    frame = pd.read_csv(path)
    ids = frame.iloc[:, 0].astype(str).tolist()
    values = frame.iloc[:, 1:].to_numpy(dtype=float)
    rows = [row[~np.isnan(row)] for row in values]
    return ids, rows


def load_yearly(directory: Path | None = None) -> M4Yearly:
    """Load M4 Yearly train, test and categories.

    Parameters
    ----------
    directory : Path, optional
        Defaults to :func:`data_dir`.

    Returns
    -------
    M4Yearly
    """
    directory = directory or data_dir()
    ids, train = _read_wide(directory / "m4_yearly_train.csv.gz")
    test_ids, test = _read_wide(directory / "m4_yearly_test.csv.gz")
    if test_ids != ids:
        raise ValueError("train and test series ids differ")
    info = pd.read_csv(directory / "m4_info.csv.gz").set_index("M4id")
    category = info.loc[ids, "category"].to_numpy(dtype=str)
    return M4Yearly(ids, np.arange(len(ids)), train, np.vstack(test), category)


# ------------------------------------------------------------------------ metrics


def smape(actual: NDArray[np.float64], forecast: NDArray[np.float64]) -> NDArray[np.float64]:
    """Symmetric MAPE in percent, averaged over the last axis (M4 definition).

    Parameters
    ----------
    actual, forecast : ndarray, shape (..., horizon)

    Returns
    -------
    ndarray, shape (...)
    """
    denom = np.abs(actual) + np.abs(forecast)
    return np.mean(200.0 * np.abs(actual - forecast) / denom, axis=-1)


def _naive_scale(insample: NDArray[np.float64], m: int = 1) -> float:
    """Mean absolute ``m``-step difference of the history (MASE/MSIS scale)."""
    insample = np.asarray(insample, dtype=float)
    return float(np.mean(np.abs(insample[m:] - insample[:-m])))


def mase(insample: NDArray[np.float64], actual: NDArray[np.float64], forecast: NDArray[np.float64], m: int = 1) -> float:
    """Mean absolute scaled error of one series (M4 definition, seasonality ``m``).

    Parameters
    ----------
    insample : ndarray
        History used to compute the in-sample naive scale.
    actual, forecast : ndarray, shape (horizon,)
    m : int
        Seasonal period (1 for yearly data).

    Returns
    -------
    float
    """
    return float(np.mean(np.abs(np.asarray(actual) - forecast)) / _naive_scale(insample, m))


def msis(
    insample: NDArray[np.float64],
    actual: NDArray[np.float64],
    lower: NDArray[np.float64],
    upper: NDArray[np.float64],
    alpha: float = ALPHA,
    m: int = 1,
) -> float:
    """Mean scaled interval score of one series (M4 definition).

    Parameters
    ----------
    insample : ndarray
        History (for the naive scale).
    actual, lower, upper : ndarray, shape (horizon,)
    alpha : float
        ``1 - level`` of the interval (0.05 for 95%).
    m : int
        Seasonal period.

    Returns
    -------
    float
    """
    actual = np.asarray(actual, dtype=float)
    below = (lower - actual) * (actual < lower)
    above = (actual - upper) * (actual > upper)
    penalty = (upper - lower) + (2.0 / alpha) * (below + above)
    return float(np.mean(penalty) / _naive_scale(insample, m))


def coverage(actual: NDArray[np.float64], lower: NDArray[np.float64], upper: NDArray[np.float64]) -> float:
    """Share of actual values inside ``[lower, upper]``."""
    actual = np.asarray(actual, dtype=float)
    return float(np.mean((actual >= lower) & (actual <= upper)))


# ------------------------------------------------------------------------ methods


def naive2_forecast(y: NDArray[np.float64], horizon: int = HORIZON) -> NDArray[np.float64]:
    """Naive2 for yearly data: the last value repeated (no seasonal adjustment)."""
    return np.full(horizon, float(np.asarray(y)[-1]))


def series_seed(index: int) -> np.random.SeedSequence:
    """Seed of series ``index``: child ``index`` of ``SeedSequence(BASE_SEED)``.

    It depends only on the series position, never on workers or chunking.
    """
    return np.random.SeedSequence(BASE_SEED, spawn_key=(int(index),))


def _forecast_one(
    method: str, y: NDArray[np.float64], seed: np.random.SeedSequence, priors: object, levels: tuple[float, ...], horizon: int
) -> NDArray[np.float64]:
    """Return an array (1 + 2 * len(levels), horizon): point, then lower/upper per level."""
    if method == "naive2":
        return np.tile(naive2_forecast(y, horizon), (1 + 2 * len(levels), 1))
    from model.forecast import forecast  # local: workers import lazily

    res = forecast(y, horizon, levels=levels, seed=seed, priors=priors)
    bounds = [b for lv in levels for b in (res.lower[lv], res.upper[lv])]
    return np.vstack([res.mean, *bounds])


def _run_chunk(args: tuple) -> NDArray[np.float64]:
    method, series, seeds, priors, levels, horizon = args
    return np.stack([_forecast_one(method, y, s, priors, levels, horizon) for y, s in zip(series, seeds)])


def run_method(
    data: M4Yearly,
    method: str = "model",
    workers: int = 2,
    chunk: int = 250,
    priors: object = None,
    levels: tuple[float, ...] = (0.95,),
    horizon: int = HORIZON,
    seeds: Sequence[np.random.SeedSequence] | None = None,
) -> NDArray[np.float64]:
    """Forecast every series of ``data``.

    Parameters
    ----------
    data : M4Yearly
    method : {"model", "naive2"}
    workers : int
        Processes (1 runs in this process).
    chunk : int
        Series per task.
    priors : model.forecast.Priors, optional
        Hyper-parameters (default: the calibrated file).
    levels : tuple of float
        Interval levels.
    horizon : int
        Years ahead (default 6, the M4 Yearly horizon).
    seeds : sequence of SeedSequence, optional
        One per series; default :func:`series_seed` of each series position.

    Returns
    -------
    ndarray, shape (n, 1 + 2 * len(levels), horizon)
        Point forecast, then lower and upper bound per level, per series.
    """
    seeds = list(seeds) if seeds is not None else [series_seed(i) for i in data.index]
    starts = range(0, len(data.train), chunk)
    tasks = [
        (method, data.train[s : s + chunk], seeds[s : s + chunk], priors, levels, horizon) for s in starts
    ]
    if workers <= 1:
        parts = [_run_chunk(t) for t in tasks]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(_run_chunk, tasks))
    return np.concatenate(parts, axis=0)


# ------------------------------------------------------------------------ scoring


def _per_series(data: M4Yearly, out: NDArray[np.float64]) -> pd.DataFrame:
    rows = []
    for y, actual, f in zip(data.train, data.test, out):
        rows.append(
            {
                "smape": float(smape(actual, f[0])),
                "mase": mase(y, actual, f[0]),
                "msis": msis(y, actual, f[1], f[2]),
                "coverage": coverage(actual, f[1], f[2]),
                **{f"cov_h{h + 1}": float(f[1, h] <= actual[h] <= f[2, h]) for h in range(actual.size)},
            }
        )
    frame = pd.DataFrame(rows)
    frame["category"] = data.category
    return frame


def _aggregate(model: pd.DataFrame, naive: pd.DataFrame) -> dict[str, float]:
    s, m, s0, m0 = model.smape.mean(), model.mase.mean(), naive.smape.mean(), naive.mase.mean()
    cov = model.coverage.mean()
    return {
        "n": int(len(model)),
        "sMAPE": float(s),
        "MASE": float(m),
        "OWA": float(0.5 * (s / s0 + m / m0)),
        "coverage95": float(cov),
        "ACD": float(abs(cov - 0.95)),
        "MSIS": float(model.msis.mean()),
        "coverage95_by_horizon": [float(model[c].mean()) for c in model.columns if c.startswith("cov_h")],
        "naive2_sMAPE": float(s0),
        "naive2_MASE": float(m0),
    }


def score(data: M4Yearly, out: NDArray[np.float64], naive: NDArray[np.float64]) -> dict[str, dict[str, float]]:
    """M4 scores overall and per category.

    Parameters
    ----------
    data : M4Yearly
    out, naive : ndarray, shape (n, 3, horizon)
        Output of :func:`run_method` for the model and for Naive2.

    Returns
    -------
    dict
        ``{"All": {...}, "Demographic": {...}, ...}``.
    """
    mod, nai = _per_series(data, out), _per_series(data, naive)
    result = {"All": _aggregate(mod, nai)}
    for cat in CATEGORIES:
        mask = (mod.category == cat).to_numpy()
        if mask.any():
            result[cat] = _aggregate(mod[mask], nai[mask])
    return result


def published(directory: Path | None = None) -> dict[str, dict[str, float]]:
    """Published M4 Yearly figures for reference methods (from the shared CSVs).

    Returns
    -------
    dict
        Method -> ``{"sMAPE", "MASE", "OWA"}`` and, where published, ``{"MSIS", "ACD", "coverage95"}``.
    """
    directory = directory or data_dir()
    point = pd.read_csv(directory / "m4_published_point_results.csv").set_index("method")
    pi = pd.read_csv(directory / "m4_published_pi_results.csv").set_index("method")
    out: dict[str, dict[str, float]] = {}
    for name in ("Naive2", "Theta", "Damped", "Com", "Smyl"):
        row = point.loc[name]
        out[name] = {k: float(row[f"{k}_Yearly"]) for k in ("sMAPE", "MASE", "OWA")}
    for name in ("Naive", "ETS", "ARIMA", "Smyl"):
        row = pi.loc[name]
        entry = out.setdefault(name, {})
        entry.update({"MSIS": float(row["MSIS_Yearly"]), "ACD": float(row["ACD_Yearly"])})
        # ACD = |coverage - 0.95|; all these under-cover except the winner (reported as under too).
        entry["coverage95_if_under"] = 0.95 - float(row["ACD_Yearly"])
    return out


def sample_indices(n_total: int, n: int, seed: int = SAMPLE_SEED) -> NDArray[np.int64]:
    """A fixed random sample of ``n`` series positions (sorted)."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_total, size=min(n, n_total), replace=False))


# ---------------------------------------------------------------- long horizons

LONG_HORIZON = 12
LONG_HISTORIES = (6, 10)
LONG_LEVELS = (0.8, 0.95)
LONG_BANDS = ((1, 3), (4, 6), (7, 12))
FAST_GROWTH = 0.10
SPLIT_SEED = 12
GOAL_COVERAGE80 = (0.76, 0.84)
GOAL_ABOVE_Q90 = (0.07, 0.13)


def split_halves(n_total: int, seed: int = SPLIT_SEED) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Split series positions into a fitting half and an evaluation half (fixed random permutation).

    Everything the forecaster learns from M4 (``calibration/forecast_priors.toml``,
    ``[forecast]`` table) is fitted on the first half; ``--long`` is scored on the second.

    Returns
    -------
    fit, evaluate : ndarray of int
        Sorted positions.
    """
    perm = np.random.default_rng(seed).permutation(n_total)
    half = n_total // 2
    return np.sort(perm[:half]), np.sort(perm[half:])


@dataclass(frozen=True)
class LongWindows:
    """Short histories cut from M4 training series, with the points that follow them.

    Attributes
    ----------
    data : M4Yearly
        ``train`` holds the short histories, ``test`` the following values,
        shape ``(n, horizon)`` (NaN where the series ends earlier).
    n_hist : ndarray of int
        Points in each history.
    fast : ndarray of bool
        Mean log growth of the history above :data:`FAST_GROWTH`.
    """

    data: M4Yearly
    n_hist: NDArray[np.int64]
    fast: NDArray[np.bool_]


def long_windows(data: M4Yearly, histories: Sequence[int] = LONG_HISTORIES, horizon: int = LONG_HORIZON) -> LongWindows:
    """Cut every training series to short histories followed by ``horizon`` points, all inside the training data.

    For each history length ``n`` the window is the last ``n + horizon`` training
    points: the first ``n`` are the history, the last ``horizon`` the future.
    Series shorter than ``n + horizon`` are skipped. The M4 test file is never read.

    Parameters
    ----------
    data : M4Yearly
    histories : sequence of int
        History lengths in points.
    horizon : int

    Returns
    -------
    LongWindows
    """
    ids, index, hist, future, cat, n_hist = [], [], [], [], [], []
    for n in histories:
        for sid, i, y, c in zip(data.ids, data.index, data.train, data.category):
            if y.size >= n + horizon:
                ids.append(f"{sid}@n{n}")
                index.append(i)
                hist.append(y[-(n + horizon) : -horizon])
                future.append(y[-horizon:])
                cat.append(c)
                n_hist.append(n)
    growth = np.array([np.mean(np.diff(np.log(h))) for h in hist]) if hist else np.zeros(0)
    win = M4Yearly(ids, np.asarray(index, dtype=np.int64), hist, np.asarray(future).reshape(len(hist), horizon), np.asarray(cat, dtype=str))
    return LongWindows(win, np.asarray(n_hist, dtype=np.int64), growth > FAST_GROWTH)


def long_seeds(win: LongWindows) -> list[np.random.SeedSequence]:
    """Seed of each window: series position and history length (disjoint from :func:`series_seed`)."""
    return [np.random.SeedSequence(BASE_SEED, spawn_key=(int(i), 1000 + int(n))) for i, n in zip(win.data.index, win.n_hist)]


def run_long(win: LongWindows, workers: int = 2, priors: object = None, levels: tuple[float, ...] = LONG_LEVELS) -> NDArray[np.float64]:
    """Forecast every window ``LONG_HORIZON`` years ahead (see :func:`run_method` for the output layout)."""
    return run_method(win.data, "model", workers=workers, priors=priors, levels=levels, horizon=win.data.test.shape[1], seeds=long_seeds(win))


def score_long(win: LongWindows, out: NDArray[np.float64], levels: tuple[float, ...] = LONG_LEVELS) -> list[dict]:
    """Coverage, tail shares and median log bias per history length, slice and horizon band.

    Parameters
    ----------
    win : LongWindows
    out : ndarray, shape (n, 1 + 2 * len(levels), horizon)
        Output of :func:`run_long`; ``levels`` must contain 0.8 and 0.95.

    Returns
    -------
    list of dict
        One row per (history, slice, band): ``history`` (points; ``"all"`` pools
        both), ``slice`` (``"all"`` or ``"fast"``), ``band`` (e.g. ``"1-3"``),
        ``n_series``, ``n_points``, ``coverage80``, ``coverage95``,
        ``above_q90``, ``below_q10``, ``median_log_bias`` (median of
        ``log(actual / point)``) and ``goal_met`` (80 % coverage in
        [0.76, 0.84] and share above q90 in [0.07, 0.13]).
    """
    j80, j95 = levels.index(0.8), levels.index(0.95)
    y = win.data.test
    point, lo80, hi80 = out[:, 0], out[:, 1 + 2 * j80], out[:, 2 + 2 * j80]
    lo95, hi95 = out[:, 1 + 2 * j95], out[:, 2 + 2 * j95]
    rows = []
    for hist in ["all", *sorted(set(win.n_hist.tolist()))]:
        in_hist = np.ones(len(y), bool) if hist == "all" else win.n_hist == hist
        for name, mask in (("all", in_hist), ("fast", in_hist & win.fast)):
            for first, last in LONG_BANDS:
                cols = slice(first - 1, last)
                obs = y[mask, cols]
                ok = ~np.isnan(obs)
                if not ok.any():
                    continue

                def share(flag: NDArray[np.bool_]) -> float:
                    return float(flag[ok].mean())

                cov80 = share((obs >= lo80[mask, cols]) & (obs <= hi80[mask, cols]))
                above = share(obs > hi80[mask, cols])
                rows.append(
                    {
                        "history": hist,
                        "slice": name,
                        "band": f"{first}-{last}",
                        "n_series": int(mask.sum()),
                        "n_points": int(ok.sum()),
                        "coverage80": cov80,
                        "coverage95": share((obs >= lo95[mask, cols]) & (obs <= hi95[mask, cols])),
                        "above_q90": above,
                        "below_q10": share(obs < lo80[mask, cols]),
                        "median_log_bias": float(np.median(np.log(obs[ok] / point[mask, cols][ok]))),
                        "goal_met": bool(GOAL_COVERAGE80[0] <= cov80 <= GOAL_COVERAGE80[1] and GOAL_ABOVE_Q90[0] <= above <= GOAL_ABOVE_Q90[1]),
                    }
                )
    return rows


# -------------------------------------------------------------------- calibration

CAL_LEVELS = (0.5, 0.8, 0.9, 0.95, 0.99)
# Searched on hold-out OWA of the median path (fitting half only). mu0 = 0.02 and the
# weights were the older calibration's choices; r_obs is the filter's noise ratio.
POINT_GRID = {
    "phi0": (0.6, 0.7, 0.8),
    "k_phi": (5.0, 20.0),
    "k_mu": (15.0, 30.0),
    "r_obs": (0.1, 0.25, 0.5),
}
POINT_FIXED = {"mu0": 0.02, "w": 0.35}
MIN_CLASS_WINDOWS = 200


def validation_windows(data: M4Yearly, back: int = HORIZON, horizon: int = HORIZON) -> M4Yearly:
    """Hold-out windows inside the TRAINING data: the last ``back`` points become the future.

    The first ``horizon`` points after the cut are the target (NaN-padded when
    ``back < horizon``).
    """
    train = [y[:-back] for y in data.train]
    future = np.full((len(data.train), horizon), np.nan)
    for row, y in zip(future, data.train):
        part = y[len(y) - back : len(y) - back + horizon]
        row[: part.size] = part
    return M4Yearly(data.ids, data.index, train, future, data.category)


# Origins of the point-setting grid search (cut the last 6 or 12 training points).
CAL_BACKS = (6, 12)
# Origins of the widening: every origin in the last 6 training years (cut 1..6 points, each scored
# on the points it cut, as the M4 test scores the 6 years after the training data), plus 12 for
# horizons 7-12. On training hold-outs the last years are the hardest to cover (95 % coverage at
# h = 1: 0.86 one year back, 0.91 two years back, 0.94-0.95 six or twelve years back), so factors
# fitted on origins 6 and 12 alone leave one- and two-year intervals too narrow.
WIDEN_BACKS = (1, 2, 3, 4, 5, 6, 12)


def rolling_windows(data: M4Yearly, backs: Sequence[int] = CAL_BACKS, horizon: int = HORIZON) -> M4Yearly:
    """Pool hold-out windows at several origins inside the training data (see :func:`validation_windows`)."""
    parts = [validation_windows(data, b, horizon) for b in backs]
    return M4Yearly(
        ids=[f"{i}@-{b}" for b, part in zip(backs, parts) for i in part.ids],
        index=np.concatenate([part.index for part in parts]),
        train=[y for part in parts for y in part.train],
        test=np.vstack([part.test for part in parts]),
        category=np.concatenate([part.category for part in parts]),
    )


def _point_owa(val: M4Yearly, priors: object) -> float:
    """OWA (vs Naive2) of the analytic median path on hold-out windows."""
    from model.forecast import fit_series, median_path

    keep = [i for i, y in enumerate(val.train) if y.size >= 2 and np.ptp(y) > 0]  # MASE scale defined
    hist, future = [val.train[i] for i in keep], val.test[keep]
    point = np.array([median_path(fit_series(y, priors), HORIZON) for y in hist])
    naive = np.array([naive2_forecast(y) for y in hist])
    scale = np.array([_naive_scale(y) for y in hist])
    s, s0 = smape(future, point).mean(), smape(future, naive).mean()
    m, m0 = (np.abs(future - point).mean(1) / scale).mean(), (np.abs(future - naive).mean(1) / scale).mean()
    return float(0.5 * (s / s0 + m / m0))


def _owa_task(args: tuple) -> float:
    return _point_owa(*args)


def _grid_point(val: M4Yearly, base: object, workers: int = 1) -> tuple[object, float]:
    """Grid search of the point hyper-parameters (``POINT_GRID``) on hold-out OWA."""
    import itertools
    from dataclasses import replace

    cands = [replace(base, **dict(zip(POINT_GRID, combo))) for combo in itertools.product(*POINT_GRID.values())]
    if workers <= 1:
        owas = [_point_owa(val, c) for c in cands]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            owas = list(pool.map(_owa_task, [(val, c) for c in cands]))
    best = int(np.argmin(owas))
    return cands[best], float(owas[best])


def _noise_priors(val: M4Yearly, priors: object) -> dict[str, float]:
    """``sigma0`` (median unpooled residual scale) and ``df`` (Student-t MLE on pooled standardised residuals)."""
    from dataclasses import replace

    from scipy import stats

    from model.forecast import fit_series

    raw = replace(priors, k_sigma=0.0)
    resid, scales = [], []
    for y in (y for y in val.train if y.size >= 7):
        fit = fit_series(y, raw)
        g = np.diff(np.log(y)) - fit.mu
        e = g[1:] - fit.phi * g[:-1]
        if e.size >= 5 and fit.sigma > 0:
            resid.append(e / fit.sigma)
            scales.append(fit.sigma)
    pooled = np.concatenate(resid)
    pooled = np.random.default_rng(0).choice(pooled, size=min(50_000, pooled.size), replace=False)
    df, _, _ = stats.t.fit(pooled, floc=0.0)
    return {"sigma0": float(np.median(scales)), "df": float(max(df, 2.5))}


def calibration_windows(data: M4Yearly) -> M4Yearly:
    """All hold-out windows the widening is fitted on, ``LONG_HORIZON`` points of future each.

    The rolling origins :data:`WIDEN_BACKS` of every training series (cut the
    last ``b`` points and score the ``min(b, 12)`` points cut, NaN beyond) and
    the short histories of :func:`long_windows` (6 and 10 points before the
    last 12). Pass the fitting half only (:func:`split_halves`).
    """
    roll = rolling_windows(data, WIDEN_BACKS, LONG_HORIZON)
    short = long_windows(data).data
    return M4Yearly(
        ids=roll.ids + short.ids,
        index=np.concatenate([roll.index, short.index]),
        train=roll.train + short.train,
        test=np.vstack([roll.test, short.test]),
        category=np.concatenate([roll.category, short.category]),
    )


def conformal_factors(
    log_y: NDArray[np.float64],
    log_med: NDArray[np.float64],
    lower: NDArray[np.float64],
    upper: NDArray[np.float64],
    level: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """One-sided conformal factors per horizon column.

    The upper factor is the ``(1 + level) / 2`` quantile of
    ``(log y - log med) / (log upper - log med)``, so that a share
    ``(1 - level) / 2`` of the hold-out values lies above the widened bound;
    the lower factor likewise. NaN targets are ignored.

    Parameters
    ----------
    log_y, log_med : ndarray, shape (n, horizon)
        Hold-out values and point forecasts, in logs.
    lower, upper : ndarray, shape (n, horizon)
        Unwidened interval bounds, in logs.
    level : float

    Returns
    -------
    lower_factors, upper_factors : ndarray, shape (horizon,)
    """
    need_up = (log_y - log_med) / np.maximum(upper - log_med, 1e-12)
    need_dn = (log_med - log_y) / np.maximum(log_med - lower, 1e-12)
    q = (1.0 + level) / 2.0
    with np.errstate(all="ignore"):
        return np.nanquantile(need_dn, q, axis=0), np.nanquantile(need_up, q, axis=0)


def run_to_last_target(
    val: M4Yearly, workers: int = 2, priors: object = None, levels: tuple[float, ...] = CAL_LEVELS
) -> NDArray[np.float64]:
    """Forecast each window only as far as its last non-NaN target (NaN beyond), in groups of equal reach.

    Windows cut 1-5 points from the end have 1-5 targets; simulating 12 years
    for them would be wasted. Each window keeps its :func:`series_seed`, so a
    window with a full future gets exactly what :func:`run_method` gives it.

    Parameters
    ----------
    val : M4Yearly
        Windows; ``test`` has shape ``(n, horizon)``, NaN-padded after the last target.
    workers : int
    priors : model.forecast.Priors, optional
    levels : tuple of float

    Returns
    -------
    ndarray, shape (n, 1 + 2 * len(levels), horizon)
        As :func:`run_method`; NaN after each window's last target.
    """
    n, horizon = val.test.shape
    has = ~np.isnan(val.test)
    reach = np.where(has.any(axis=1), horizon - np.argmax(has[:, ::-1], axis=1), 0)
    out = np.full((n, 1 + 2 * len(levels), horizon), np.nan)
    for h in np.unique(reach[reach > 0]):
        rows = np.flatnonzero(reach == h)
        out[rows, :, :h] = run_method(val.subset(rows), "model", workers=workers, priors=priors, levels=levels, horizon=int(h))
    return out


def _widening(val: M4Yearly, priors: object, workers: int) -> tuple[dict, dict]:
    """Conformal factors per widening class, side, level and horizon 1..12 (fitted on ``val``).

    A class with fewer than ``MIN_CLASS_WINDOWS`` targets at a horizon borrows
    the factors of its length class (both growth classes pooled), and then of all windows.
    """
    from dataclasses import replace

    from model.forecast import LENGTH_CLASSES, series_class

    raw = replace(priors, widen={}, widen_classes={})
    out = run_to_last_target(val, workers=workers, priors=raw, levels=CAL_LEVELS)
    log_med, log_y = np.log(out[:, 0]), np.log(val.test)
    klass = np.array([series_class(y) for y in val.train])
    length = np.array([k.split("/")[0] for k in klass])
    names = [f"{ln}/{gr}" for ln in [name for _, name in LENGTH_CLASSES] + ["long"] for gr in ("fast", "other")]
    table: dict = {name: {"lower": {}, "upper": {}} for name in names}
    counts = {}
    for j, level in enumerate(CAL_LEVELS):
        lo, hi = np.log(out[:, 1 + 2 * j]), np.log(out[:, 2 + 2 * j])

        def fit(mask: NDArray[np.bool_]) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
            f_lo, f_hi = conformal_factors(log_y[mask], log_med[mask], lo[mask], hi[mask], level)
            return f_lo, f_hi, (~np.isnan(log_y[mask])).sum(axis=0)

        pooled = fit(np.ones(len(klass), bool))
        for name in names:
            tiers = [fit(klass == name), fit(length == name.split("/")[0]), pooled]
            f_lo, f_hi = np.empty(LONG_HORIZON), np.empty(LONG_HORIZON)
            for h in range(LONG_HORIZON):
                tier = next(t for t in tiers if t[2][h] >= MIN_CLASS_WINDOWS or t is pooled)
                f_lo[h], f_hi[h] = tier[0][h], tier[1][h]
            table[name]["lower"][level] = tuple(float(max(f, 0.05)) for f in f_lo)
            table[name]["upper"][level] = tuple(float(max(f, 0.05)) for f in f_hi)
            counts[name] = tiers[0][2].tolist()
    return table, counts


def calibrate(data: M4Yearly, workers: int = 2, point_sample: int = 6000, widen_sample: int | None = None) -> tuple[object, dict]:
    """Learn the forecaster's :class:`model.forecast.Priors` from TRAINING data of the fitting half only.

    Only the series of the fitting half (:func:`split_halves`) are read, and of
    them only the training data; the M4 test file is never read, and ``--long``
    is scored on the other half. Steps: (1) grid search of the point
    hyper-parameters (``POINT_GRID``) on the OWA of the median path over
    ``point_sample`` rolling hold-out windows (6 points after cutting the last
    6 or 12); (2) ``sigma0`` and tail ``df``; (3) one-sided conformal
    widening per class, level (0.5-0.99, so 95 % too) and horizon 1-12 on
    :func:`calibration_windows` (origins 1-6 and 12 years back, and the short histories).

    Parameters
    ----------
    data : M4Yearly
        All series (the function selects the fitting half itself).
    workers : int
    point_sample : int
        Rolling windows used in the grid search.
    widen_sample : int, optional
        Series of the fitting half used for the widening (default: all).

    Returns
    -------
    priors : Priors
    info : dict
        Diagnostics (validation OWA, window counts).
    """
    from dataclasses import replace

    from model.forecast import Priors

    fit_rows, _ = split_halves(len(data.ids))
    half = data.subset(fit_rows)
    val = rolling_windows(half)
    sub = val.subset(sample_indices(len(val.ids), point_sample, seed=SAMPLE_SEED + 1))
    priors, owa = _grid_point(sub, Priors(widen={}, **POINT_FIXED), workers)
    priors = replace(priors, **_noise_priors(sub, priors))
    wide_src = half if widen_sample is None else half.subset(sample_indices(len(half.ids), widen_sample, seed=SAMPLE_SEED + 2))
    cal = calibration_windows(wide_src)
    classes, counts = _widening(cal, priors, workers)
    priors = replace(priors, widen_classes=classes)
    info = {
        "validation_OWA": owa,
        "n_point_sample": len(sub.ids),
        "n_fit_series": len(wide_src.ids),
        "n_widen_windows": len(cal.ids),
        "class_windows_h1": {k: v[0] for k, v in counts.items()},
        "class_windows_h12": {k: v[-1] for k, v in counts.items()},
    }
    return priors, info


def _fmt_table(name: str, table: dict) -> list[str]:
    out = [f"[{name}]"]
    for level, factors in sorted(table.items()):
        out.append(f'"{level}" = [' + ", ".join(f"{f:.4f}" for f in factors) + "]")
    return out


def priors_toml(legacy: object, priors: object, info: dict) -> str:
    """Render the priors file: the older province block, then the forecaster's ``[forecast]`` tables.

    Parameters
    ----------
    legacy : Priors
        The older hyper-parameters (``[priors]``, ``[widen]``), rewritten unchanged.
    priors : Priors
        The forecaster's, from :func:`calibrate`.
    info : dict
        Diagnostics from :func:`calibrate`.

    Returns
    -------
    str
    """
    head = [
        "# Hyper-parameters of the damped log-growth kernel, learned on M4 Yearly TRAINING data only.",
        "#",
        "# [priors] and [widen]: the older calibration (all 23,000 training series, hold-out windows at",
        "# origins 6 and 12 years before the end; exponentially weighted start, clipped-normal persistence,",
        "# symmetric widening for horizons 1-6). Read by model.forecast.load_priors for the province's macro",
        "# path (model.calibrate / model.growth); not used by model.forecast.forecast any more.",
        "",
        "[priors]",
    ]
    for name in ("mu0", "k_mu", "phi0", "k_phi", "sigma0", "k_sigma", "w", "df", "n_paths"):
        head.append(f"{name} = {getattr(legacy, name)!r}")
    head += ["", "# level -> factor on the log-distance from the median, horizons 1..6"]
    head += _fmt_table("widen", legacy.widen)
    head += [
        "",
        "# [forecast]: model.forecast.forecast (load_forecast_priors). Produced by model.m4.calibrate from the",
        f"# TRAINING data of the fitting half of the series (model.m4.split_halves, seed {SPLIT_SEED}: "
        f"{info['n_fit_series']} series);",
        "# `attain bench m4 --long` is scored on the other half. Filtered start (Kalman, observation noise",
        "# r_obs * sigma^2), Beta persistence, one-sided conformal widening per class, level and horizon 1..12.",
        "# Regenerate with:  python benchmarks/m4_yearly.py --calibrate --workers 2",
        f"# Point grid searched: {POINT_GRID}, fixed {POINT_FIXED}",
        f"# Validation OWA of the chosen point settings: {info['validation_OWA']:.4f} ({info['n_point_sample']} windows"
        f" at origins {CAL_BACKS} points before the end);",
        f"# widening fitted on {info['n_widen_windows']} windows (origins {WIDEN_BACKS} points before the end, and the"
        f" {LONG_HISTORIES}-point histories before the last {LONG_HORIZON}); windows per class at h=1: {info['class_windows_h1']},",
        f"# at h=12: {info['class_windows_h12']} (a class with < {MIN_CLASS_WINDOWS} at a horizon borrows its length class's factor).",
        "",
        "[forecast]",
    ]
    for name in ("mu0", "k_mu", "phi0", "k_phi", "sigma0", "k_sigma", "w", "df", "n_paths", "r_obs"):
        head.append(f"{name} = {getattr(priors, name)!r}")
    for name, sides in priors.widen_classes.items():
        for side in ("lower", "upper"):
            head += [""] + _fmt_table(f'forecast.widen."{name}".{side}', sides[side])
    return "\n".join(head) + "\n"


# ------------------------------------------------------------------------ reports


def _markdown(result: dict, pub: dict) -> str:
    lines = [
        "# M4 Yearly benchmark (horizon 6)",
        "",
        f"Series: {result['n_series']}; workers: {result['workers']}; wall time: {result['wall_seconds']:.1f} s; "
        f"command: `{result['command']}`",
        "",
        "| slice | n | sMAPE | MASE | OWA | coverage 95% | ACD | MSIS |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, s in result["scores"].items():
        lines.append(
            f"| {name} | {s['n']} | {s['sMAPE']:.3f} | {s['MASE']:.3f} | {s['OWA']:.3f} | "
            f"{s['coverage95']:.3f} | {s['ACD']:.3f} | {s['MSIS']:.2f} |"
        )
    lines += ["", "95% coverage by horizon (h = 1..6):", ""]
    for name, s in result["scores"].items():
        lines.append(f"- {name}: " + ", ".join(f"{c:.3f}" for c in s["coverage95_by_horizon"]))
    lines += ["", "Naive2 recomputed by this harness on the same series:", ""]
    for name, s in result["scores"].items():
        lines.append(f"- {name}: sMAPE {s['naive2_sMAPE']:.3f}, MASE {s['naive2_MASE']:.3f}")
    lines += ["", "Published M4 Yearly figures (all 23,000 series):", "", "| method | sMAPE | MASE | OWA | MSIS | ACD |", "|---|---|---|---|---|---|"]
    for name, p in pub.items():
        cells = [f"{p[k]:.3f}" if k in p else "" for k in ("sMAPE", "MASE", "OWA", "MSIS", "ACD")]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="m4_yearly", description="M4 Yearly benchmark of model.forecast")
    p.add_argument("--sample", type=int, default=None, help="fixed random sample of N series")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--json", type=Path, default=None, help="write results JSON here")
    p.add_argument("--calibrate", action="store_true", help="re-learn calibration/forecast_priors.toml from train data")
    p.add_argument("--out", type=Path, default=None, help="directory for m4_yearly.{json,md} (full run default: benchmarks/results)")
    p.add_argument(
        "--long", action="store_true",
        help="long horizons: 6- and 10-point histories cut from the training series of the evaluation half, "
        "horizons 1-12 (writes m4_long.{json,md}); --sample N takes N series of that half",
    )
    return p


def cli(argv: list[str]) -> int:
    """Run the benchmark from the command line.

    Parameters
    ----------
    argv : list of str
        ``[--long] [--sample N] [--workers K] [--json FILE] [--out DIR]`` or ``--calibrate``.

    Returns
    -------
    int
        Exit status (0 on success, 2 when the data are missing).
    """
    args = _parser().parse_args(argv)
    try:
        data = load_yearly()
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.calibrate:
        return _run_calibration(data, args.workers)
    if args.long:
        _emit_long(long_benchmark(data, args.workers, args.sample, "python benchmarks/m4_yearly.py " + " ".join(argv)), args)
        return 0
    if args.sample:
        data = data.subset(sample_indices(len(data.ids), args.sample))
    t0 = time.perf_counter()
    out = run_method(data, "model", workers=args.workers)
    wall = time.perf_counter() - t0
    naive = run_method(data, "naive2", workers=1)
    result = {
        "n_series": len(data.ids),
        "sample": args.sample,
        "workers": args.workers,
        "wall_seconds": wall,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "command": "python benchmarks/m4_yearly.py " + " ".join(argv),
        "scores": score(data, out, naive),
        "published": published(),
    }
    _emit(result, args)
    return 0


def _run_calibration(data: M4Yearly, workers: int) -> int:
    from model.forecast import PRIORS_PATH, load_priors

    t0 = time.perf_counter()
    legacy = load_priors()
    priors, info = calibrate(data, workers)
    PRIORS_PATH.parent.mkdir(parents=True, exist_ok=True)
    PRIORS_PATH.write_text(priors_toml(legacy, priors, info))
    print(f"wrote {PRIORS_PATH} in {time.perf_counter() - t0:.1f} s: {info}")
    return 0


def _emit(result: dict, args: argparse.Namespace) -> None:
    text = json.dumps(result, indent=2)
    overall = result["scores"]["All"]
    print(
        f"n={result['n_series']} sMAPE={overall['sMAPE']:.3f} MASE={overall['MASE']:.3f} OWA={overall['OWA']:.3f} "
        f"cov95={overall['coverage95']:.3f} MSIS={overall['MSIS']:.2f} wall={result['wall_seconds']:.1f}s "
        f"(Naive2 sMAPE={overall['naive2_sMAPE']:.3f} MASE={overall['naive2_MASE']:.3f})"
    )
    if args.json:
        args.json.write_text(text)
    out_dir = args.out or (RESULTS_DIR if not args.sample else None)
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "m4_yearly.json").write_text(text)
        (out_dir / "m4_yearly.md").write_text(_markdown(result, result["published"]))


def long_benchmark(data: M4Yearly, workers: int = 2, sample: int | None = None, command: str = "") -> dict:
    """The ``--long`` benchmark: short histories of the evaluation half, horizons 1-12.

    Parameters
    ----------
    data : M4Yearly
        All series; only the training data of the evaluation half
        (:func:`split_halves`) are used.
    workers : int
    sample : int, optional
        Fixed random sample of this many series of the evaluation half.
    command : str
        Recorded in the result.

    Returns
    -------
    dict
        ``rows`` from :func:`score_long` plus run metadata and ``goals_met``.
    """
    _, eval_rows = split_halves(len(data.ids))
    if sample:
        eval_rows = eval_rows[sample_indices(len(eval_rows), sample)]
    win = long_windows(data.subset(eval_rows))
    t0 = time.perf_counter()
    out = run_long(win, workers=workers)
    wall = time.perf_counter() - t0
    rows = score_long(win, out)
    return {
        "n_series": len(eval_rows),
        "n_windows": len(win.data.ids),
        "n_fast_windows": int(win.fast.sum()),
        "sample": sample,
        "workers": workers,
        "wall_seconds": wall,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "command": command,
        "split": f"evaluation half of model.m4.split_halves(seed={SPLIT_SEED}); priors fitted on the other half",
        "goals": {"coverage80": list(GOAL_COVERAGE80), "above_q90": list(GOAL_ABOVE_Q90)},
        "goals_met": all(r["goal_met"] for r in rows),
        "rows": rows,
    }


def _markdown_long(result: dict) -> str:
    lines = [
        "# M4 Yearly, long horizons from short histories (`--long`)",
        "",
        f"Windows: {result['n_windows']} ({result['n_fast_windows']} fast growers) from {result['n_series']} series of the "
        f"{result['split']}. Each window is the last 6 or 10 + 12 points of a TRAINING series: the first 6 or 10 "
        "are the history, the 12 after it are scored (the M4 test file is not read). Fast grower: mean log growth "
        f"of the history > {FAST_GROWTH}. Workers: {result['workers']}; wall time: {result['wall_seconds']:.1f} s; "
        f"command: `{result['command']}`",
        "",
        f"Goals in every row: 80% coverage in [{GOAL_COVERAGE80[0]}, {GOAL_COVERAGE80[1]}], share above q90 in "
        f"[{GOAL_ABOVE_Q90[0]}, {GOAL_ABOVE_Q90[1]}]. All met: {'yes' if result['goals_met'] else 'no'}.",
        "",
        "| history | slice | h | points | 80% cov | 95% cov | above q90 | below q10 | median log bias | goal |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        lines.append(
            f"| {r['history']} | {r['slice']} | {r['band']} | {r['n_points']} | {r['coverage80']:.3f} | {r['coverage95']:.3f} | "
            f"{r['above_q90']:.3f} | {r['below_q10']:.3f} | {r['median_log_bias']:+.3f} | {'met' if r['goal_met'] else 'MISSED'} |"
        )
    lines += ["", "Median log bias = median of log(actual / point forecast); positive: outcomes above the point forecast."]
    return "\n".join(lines) + "\n"


def _emit_long(result: dict, args: argparse.Namespace) -> None:
    text = json.dumps(result, indent=2)
    pooled = [r for r in result["rows"] if r["history"] == "all"]
    print(f"n_windows={result['n_windows']} (fast {result['n_fast_windows']}) goals met: {result['goals_met']} wall={result['wall_seconds']:.1f}s")
    for r in pooled:
        print(
            f"  {r['slice']:>4} h{r['band']:<5} cov80={r['coverage80']:.3f} cov95={r['coverage95']:.3f} "
            f"above_q90={r['above_q90']:.3f} below_q10={r['below_q10']:.3f} bias={r['median_log_bias']:+.3f}"
        )
    if args.json:
        args.json.write_text(text)
    out_dir = args.out or (RESULTS_DIR if not args.sample else None)
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "m4_long.json").write_text(text)
        (out_dir / "m4_long.md").write_text(_markdown_long(result))
