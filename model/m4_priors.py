"""Learning the forecaster's priors from M4 Yearly: point grid search, noise, and conformal widening.

Only the TRAINING data of the fitting half (:func:`model.m4.split_halves`) are
read; ``--long`` is scored on the other half. The result is written to
``calibration/forecast_priors.toml`` by :func:`priors_toml`.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from .m4 import HORIZON, SAMPLE_SEED, SPLIT_SEED, M4Yearly, naive2_forecast, run_method, sample_indices, split_halves
from .m4_long import LONG_HISTORIES, LONG_HORIZON, long_windows
from .scores import _naive_scale, smape

if TYPE_CHECKING:  # at run time workers import the forecaster lazily
    from .forecast_priors import Priors

__all__ = ["validation_windows", "rolling_windows", "calibration_windows", "conformal_factors", "run_to_last_target", "learn_priors", "priors_toml"]

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


def _point_owa(val: M4Yearly, priors: Priors) -> float:
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


def _grid_point(val: M4Yearly, base: Priors, workers: int = 1) -> tuple[Priors, float]:
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


def _noise_priors(val: M4Yearly, priors: Priors) -> dict[str, float]:
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
    val: M4Yearly, workers: int = 2, priors: Priors | None = None, levels: tuple[float, ...] = CAL_LEVELS
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


def _widening(val: M4Yearly, priors: Priors | None, workers: int) -> tuple[dict, dict]:
    """Conformal factors per widening class, side, level and horizon 1..12 (fitted on ``val``).

    A class with fewer than ``MIN_CLASS_WINDOWS`` targets at a horizon borrows
    the factors of its length class (both growth classes pooled), and then of all windows.
    """
    from dataclasses import replace

    from model.forecast_priors import LENGTH_CLASSES, series_class

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


def learn_priors(data: M4Yearly, workers: int = 2, point_sample: int = 6000, widen_sample: int | None = None) -> tuple[Priors, dict]:
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


def priors_toml(legacy: Priors, priors: Priors, info: dict) -> str:
    """Render the priors file: the older province block, then the forecaster's ``[forecast]`` tables.

    Parameters
    ----------
    legacy : Priors
        The older hyper-parameters (``[priors]``, ``[widen]``), rewritten unchanged.
    priors : Priors
        The forecaster's, from :func:`learn_priors`.
    info : dict
        Diagnostics from :func:`learn_priors`.

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
        "# [forecast]: model.forecast.forecast (load_forecast_priors). Produced by model.m4_priors.learn_priors from the",
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
