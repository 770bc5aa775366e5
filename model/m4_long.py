"""Long horizons from short histories on M4 Yearly (``--long``): windows, forecasts and their scores.

The last 6 or 10 + 12 points of every *training* series of the evaluation
half (:func:`model.m4.split_halves`) are cut into a history and 12 scored
points, and coverage, tail shares and bias are reported per horizon band
(1-3, 4-6, 7-12) for all series and for fast growers (:func:`score_long`).
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from .m4 import BASE_SEED, SPLIT_SEED, M4Yearly, run_method, sample_indices, split_halves

if TYPE_CHECKING:  # at run time workers import the forecaster lazily
    from .forecast_priors import Priors

__all__ = ["LONG_HORIZON", "LONG_HISTORIES", "LongWindows", "long_windows", "long_seeds", "run_long", "score_long", "long_benchmark", "long_markdown"]

LONG_HORIZON = 12
LONG_HISTORIES = (6, 10)
LONG_LEVELS = (0.8, 0.95)
LONG_BANDS = ((1, 3), (4, 6), (7, 12))
FAST_GROWTH = 0.10
GOAL_COVERAGE80 = (0.76, 0.84)
GOAL_ABOVE_Q90 = (0.07, 0.13)


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


def run_long(win: LongWindows, workers: int = 2, priors: Priors | None = None, levels: tuple[float, ...] = LONG_LEVELS) -> NDArray[np.float64]:
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


def long_markdown(result: dict) -> str:
    """The ``--long`` result as the markdown of ``benchmarks/results/m4_long.md``."""
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
