"""M4 Yearly forecast-skill benchmark for :func:`model.forecast.forecast`.

The harness loads the official M4 Yearly data (23,000 series, horizon 6),
scores point forecasts with the M4 metrics (sMAPE, MASE, OWA relative to
Naive2) and 95% prediction intervals with coverage, ACD and MSIS, overall and
by category, and sets the figures next to the published M4 results.

Data are read from the copy committed in ``<repo>/benchmarks/data/m4`` (byte-identical
to the team's ``shared/benchmarks``; override with the environment variable
``ATTAIN_M4_DIR``); see ``SOURCES.md`` there.

Run it with ``python benchmarks/m4_yearly.py [--sample N] [--workers K]``.
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


def _forecast_one(method: str, y: NDArray[np.float64], index: int, priors: object, levels: tuple[float, ...]) -> NDArray[np.float64]:
    """Return an array (1 + 2 * len(levels), horizon): point, then lower/upper per level."""
    if method == "naive2":
        return np.tile(naive2_forecast(y), (1 + 2 * len(levels), 1))
    from model.forecast import forecast  # local: workers import lazily

    res = forecast(y, HORIZON, levels=levels, seed=series_seed(index), priors=priors)
    bounds = [b for lv in levels for b in (res.lower[lv], res.upper[lv])]
    return np.vstack([res.mean, *bounds])


def _run_chunk(args: tuple) -> NDArray[np.float64]:
    method, series, indices, priors, levels = args
    return np.stack([_forecast_one(method, y, i, priors, levels) for y, i in zip(series, indices)])


def run_method(
    data: M4Yearly,
    method: str = "model",
    workers: int = 2,
    chunk: int = 250,
    priors: object = None,
    levels: tuple[float, ...] = (0.95,),
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

    Returns
    -------
    ndarray, shape (n, 1 + 2 * len(levels), horizon)
        Point forecast, then lower and upper bound per level, per series.
    """
    starts = range(0, len(data.train), chunk)
    tasks = [
        (method, data.train[s : s + chunk], data.index[s : s + chunk].tolist(), priors, levels) for s in starts
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


# -------------------------------------------------------------------- calibration

CAL_LEVELS = (0.5, 0.8, 0.9, 0.95, 0.99)
POINT_GRID = {
    "phi0": (0.6, 0.7, 0.8),
    "k_phi": (5.0, 20.0),
    "w": (0.25, 0.35),
    "k_mu": (15.0, 30.0),
    "mu0": (0.01, 0.02),
}


def validation_windows(data: M4Yearly, back: int = HORIZON) -> M4Yearly:
    """Hold-out windows inside the TRAINING data: the last ``back`` points become the future.

    Only the first ``HORIZON`` points after the cut are kept as the target.
    """
    train = [y[:-back] for y in data.train]
    future = np.vstack([y[len(y) - back : len(y) - back + HORIZON] for y in data.train])
    return M4Yearly(data.ids, data.index, train, future, data.category)


CAL_BACKS = (6, 12)


def rolling_windows(data: M4Yearly, backs: Sequence[int] = CAL_BACKS) -> M4Yearly:
    """Pool hold-out windows at several origins inside the training data (see :func:`validation_windows`)."""
    parts = [validation_windows(data, b) for b in backs]
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


def _grid_point(val: M4Yearly, base: object) -> tuple[object, float]:
    """Grid search of the point hyper-parameters (``POINT_GRID``) on hold-out OWA."""
    import itertools
    from dataclasses import replace

    best = (base, np.inf)
    for combo in itertools.product(*POINT_GRID.values()):
        cand = replace(base, **dict(zip(POINT_GRID, combo)))
        owa = _point_owa(val, cand)
        if owa < best[1]:
            best = (cand, owa)
    return best


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


def _widening(val: M4Yearly, priors: object, workers: int) -> dict[float, tuple[float, ...]]:
    """Conformal per-horizon factors: the ``level`` quantile of the factor each hold-out point needs."""
    from dataclasses import replace

    raw = replace(priors, widen={})
    out = run_method(val, "model", workers=workers, priors=raw, levels=CAL_LEVELS)
    log_med, log_y = np.log(out[:, 0]), np.log(val.test)
    widen = {}
    for j, level in enumerate(CAL_LEVELS):
        lo, hi = np.log(out[:, 1 + 2 * j]), np.log(out[:, 2 + 2 * j])
        need_up = (log_y - log_med) / np.maximum(hi - log_med, 1e-12)
        need_dn = (log_med - log_y) / np.maximum(log_med - lo, 1e-12)
        need = np.where(log_y >= log_med, need_up, need_dn)
        widen[level] = tuple(float(np.quantile(need[:, h], level)) for h in range(HORIZON))
    return widen


def calibrate(data: M4Yearly, workers: int = 2, point_sample: int = 12000) -> tuple[object, dict[str, float]]:
    """Learn :class:`model.forecast.Priors` from hold-out windows of the TRAINING data only.

    Hold-out windows at two origins of every training series (the 6 points after
    cutting the last 6, and after cutting the last 12; ``CAL_BACKS``) are pooled
    as validation targets; the test data are never read. Steps: (1) grid search of the point
    hyper-parameters on OWA over a fixed sample of ``point_sample`` series;
    (2) ``sigma0`` and tail ``df``; (3) conformal widening factors per level and
    horizon on all series.

    Returns
    -------
    priors : Priors
    info : dict
        Diagnostics (validation OWA).
    """
    from dataclasses import replace

    from model.forecast import Priors

    val = rolling_windows(data)
    sub = val.subset(sample_indices(len(val.ids), point_sample, seed=SAMPLE_SEED + 1))
    priors, owa = _grid_point(sub, Priors(widen={}))
    priors = replace(priors, **_noise_priors(sub, priors))
    priors = replace(priors, widen=_widening(val, priors, workers))
    return priors, {"validation_OWA": owa, "n_validation": len(val.ids), "n_point_sample": len(sub.ids)}


def priors_toml(priors: object, info: dict[str, float]) -> str:
    """Render calibrated priors as commented TOML."""
    head = [
        "# Global hyper-parameters of model.forecast (damped log-growth kernel).",
        "# Produced by model.m4.calibrate from M4 Yearly TRAINING data only: hold-out windows of",
        f"# 6 points at origins {CAL_BACKS} years before the end of each training series are pooled",
        "# as validation targets; the M4 test file is never read.",
        "# Regenerate with:  python benchmarks/m4_yearly.py --calibrate --workers 2",
        f"# Point grid searched: {POINT_GRID}",
        f"# Validation OWA of the chosen point settings: {info['validation_OWA']:.4f} "
        f"({info['n_point_sample']} series); widening fitted on {info['n_validation']} series.",
        "",
        "[priors]",
    ]
    for name in ("mu0", "k_mu", "phi0", "k_phi", "sigma0", "k_sigma", "w", "df", "n_paths"):
        head.append(f"{name} = {getattr(priors, name)!r}")
    head += ["", "# level -> factor on the log-distance from the median, horizons 1..6", "[widen]"]
    for level, factors in sorted(priors.widen.items()):
        head.append(f'"{level}" = [' + ", ".join(f"{f:.4f}" for f in factors) + "]")
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
    return p


def cli(argv: list[str]) -> int:
    """Run the benchmark from the command line.

    Parameters
    ----------
    argv : list of str
        ``[--sample N] [--workers K] [--json FILE] [--out DIR]``.

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
    from model.forecast import PRIORS_PATH

    t0 = time.perf_counter()
    priors, info = calibrate(data, workers)
    PRIORS_PATH.parent.mkdir(parents=True, exist_ok=True)
    PRIORS_PATH.write_text(priors_toml(priors, info))
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
