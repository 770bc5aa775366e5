"""M4 Yearly forecast-skill benchmark for :func:`model.forecast.forecast`: data, methods and scores.

The harness loads the official M4 Yearly data (23,000 series, horizon 6),
scores point forecasts with the M4 metrics (sMAPE, MASE, OWA relative to
Naive2; :mod:`model.scores`) and 95% prediction intervals with coverage, ACD
and MSIS, overall and by category, and sets the figures next to the published
M4 results.

Data are read from the copy committed in ``<repo>/benchmarks/data/m4`` (byte-identical
to the team's ``shared/benchmarks``; override with the environment variable
``ATTAIN_M4_DIR``); see ``SOURCES.md`` there.

``--long`` scores long horizons from short histories instead
(:mod:`model.m4_long`): the last 6 or 10 + 12 points of every *training*
series of the evaluation half (:func:`split_halves`) are cut into a history
and 12 scored points. Everything the forecaster learns from M4 is fitted on
the other half (:func:`model.m4_priors.learn_priors`).

Run it with ``python benchmarks/m4_yearly.py [--long] [--sample N] [--workers K]``
or ``attain bench m4`` (:mod:`model.commands.bench`).
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .scores import coverage, mase, msis, smape

if TYPE_CHECKING:  # at run time workers import the forecaster lazily
    from .forecast_priors import Priors

__all__ = [
    "HORIZON",
    "BASE_SEED",
    "CATEGORIES",
    "SPLIT_SEED",
    "M4Yearly",
    "data_dir",
    "load_yearly",
    "naive2_forecast",
    "series_seed",
    "run_method",
    "score",
    "published",
    "sample_indices",
    "split_halves",
    "yearly_benchmark",
    "yearly_markdown",
]

HORIZON = 6
BASE_SEED = 20180101
SAMPLE_SEED = 6
CATEGORIES = ("Demographic", "Finance", "Industry", "Macro", "Micro", "Other")
SPLIT_SEED = 12


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
    method: str, y: NDArray[np.float64], seed: np.random.SeedSequence, priors: Priors | None, levels: tuple[float, ...], horizon: int
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
    priors: Priors | None = None,
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


def yearly_benchmark(data: M4Yearly, workers: int = 2, sample: int | None = None, command: str = "") -> dict:
    """The horizon-6 benchmark: the model and Naive2 on (a fixed sample of) the series, scored.

    Parameters
    ----------
    data : M4Yearly
    workers : int
    sample : int, optional
        Fixed random sample of this many series (:func:`sample_indices`).
    command : str
        Recorded in the result.

    Returns
    -------
    dict
        ``scores`` from :func:`score`, ``published`` from :func:`published`, and run metadata.
    """
    if sample:
        data = data.subset(sample_indices(len(data.ids), sample))
    t0 = time.perf_counter()
    out = run_method(data, "model", workers=workers)
    wall = time.perf_counter() - t0
    naive = run_method(data, "naive2", workers=1)
    return {
        "n_series": len(data.ids),
        "sample": sample,
        "workers": workers,
        "wall_seconds": wall,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "command": command,
        "scores": score(data, out, naive),
        "published": published(),
    }


def yearly_markdown(result: dict, pub: dict) -> str:
    """The benchmark's result as the markdown of ``benchmarks/results/m4_yearly.md``."""
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
