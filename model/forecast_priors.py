"""The forecaster's hyper-parameters, learned on M4 Yearly training data, and the widening of its intervals.

``calibration/forecast_priors.toml`` holds the older ``[priors]`` / ``[widen]``
tables (the province's macro path: :func:`load_priors`) and the forecaster's
``[forecast]`` tables (:func:`load_forecast_priors`), written by
:mod:`model.m4_priors`. The widening factors scale the log-distance between
the median and a simulated quantile, per level and horizon, and for the
forecaster per class of series (:func:`series_class`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["Priors", "PRIORS_PATH", "LENGTH_CLASSES", "load_priors", "load_forecast_priors", "series_class", "widen_factors", "widen_factor_pair"]

PRIORS_PATH = Path(__file__).resolve().parents[1] / "calibration" / "forecast_priors.toml"
FAST_GROWTH = 0.10
# History points <= bound -> class; longer: "long". Histories of 1-5 points lean on the priors and
# need other factors than 6-7 points; pooled with them they widened 6-point intervals at h = 7-12.
LENGTH_CLASSES = ((5, "tiny"), (7, "short"), (12, "medium"))


@dataclass(frozen=True)
class Priors:
    """Global hyper-parameters (learned on M4 Yearly training data).

    Attributes
    ----------
    mu0, k_mu : float
        Prior long-run log-growth and its weight in pseudo-years.
    phi0, k_phi : float
        Prior persistence and its weight in pseudo-years.
    sigma0, k_sigma : float
        Prior innovation standard deviation and its weight in pseudo-years.
    w : float
        Weight of the newest year in the exponentially filtered current growth.
    df : float
        Student-t degrees of freedom of the innovations (> 2).
    n_paths : int
        Simulated paths per forecast.
    widen : dict
        Level -> per-horizon factors applied to the log-distance between the
        simulated quantiles and the median (1 = no widening). The older,
        symmetric widening (horizons 1-6) read by :func:`load_priors`.
    r_obs : float or None
        ``None``: the start is the exponentially weighted growth (weight ``w``)
        and the last observed level, and ``phi`` is drawn from a normal clipped
        to [0, 0.98] (the older law, kept for the province's macro path).
        A number: the start is the Kalman-filtered state of a damped trend in
        which the observed log level carries noise of variance ``r_obs * sigma**2``
        (see :func:`filter_state`), and ``phi`` is drawn from a Beta posterior on (0, 1).
    widen_classes : dict
        Class name (:func:`series_class`) -> side (``"lower"``/``"upper"``) ->
        level -> per-horizon factors (horizons 1-12), fitted conformally on
        training windows; used instead of ``widen`` when not empty.
    """

    mu0: float = 0.02
    k_mu: float = 30.0
    phi0: float = 0.6
    k_phi: float = 5.0
    sigma0: float = 0.055
    k_sigma: float = 3.0
    w: float = 0.35
    df: float = 5.8
    n_paths: int = 2000
    widen: dict[float, tuple[float, ...]] = field(default_factory=dict)
    r_obs: float | None = None
    widen_classes: dict[str, dict[str, dict[float, tuple[float, ...]]]] = field(default_factory=dict)


def _scalars(raw: dict) -> dict:
    return {k: v for k, v in raw.items() if k in Priors.__dataclass_fields__ and not isinstance(v, dict)}


@lru_cache(maxsize=4)
def load_priors(path: Path | None = None) -> Priors:
    """Read the older :class:`Priors` (``[priors]`` and ``[widen]`` tables) from a TOML file.

    These are the hyper-parameters the province's macro path uses
    (:mod:`model.calibrate`, :mod:`model.growth`): exponentially weighted start,
    clipped-normal persistence, symmetric widening for horizons 1-6.
    :func:`forecast` uses :func:`load_forecast_priors` instead.

    Parameters
    ----------
    path : Path, optional
        Defaults to ``calibration/forecast_priors.toml`` in the repository.

    Returns
    -------
    Priors
        Defaults if the file is absent.
    """
    path = path or PRIORS_PATH
    if not path.is_file():
        return Priors()
    raw = tomllib.loads(path.read_text())
    widen = {float(k): tuple(float(x) for x in v) for k, v in raw.get("widen", {}).items()}
    return Priors(**_scalars(raw.get("priors", {})), widen=widen)


@lru_cache(maxsize=4)
def load_forecast_priors(path: Path | None = None) -> Priors:
    """Read the hyper-parameters of the single-series forecaster (``[forecast]`` table).

    Parameters
    ----------
    path : Path, optional
        Defaults to ``calibration/forecast_priors.toml`` in the repository.

    Returns
    -------
    Priors
        With ``r_obs`` set (filtered start, Beta persistence) and the
        class-wise widening of ``[forecast.widen.<class>.<side>]``; if the file or
        the table is absent, :func:`load_priors` with ``r_obs = 0.5``.
    """
    path = path or PRIORS_PATH
    raw = tomllib.loads(path.read_text()) if path.is_file() else {}
    table = raw.get("forecast")
    if not table:
        return replace(load_priors(path), r_obs=0.5)
    classes = {
        name: {side: {float(k): tuple(float(x) for x in v) for k, v in levels.items()} for side, levels in sides.items()}
        for name, sides in table.get("widen", {}).items()
    }
    scalars = _scalars(table)
    scalars.setdefault("r_obs", 0.5)
    return Priors(**scalars, widen_classes=classes)


def series_class(y: ArrayLike) -> str:
    """Widening class of a history: length class and growth class, e.g. ``"short/fast"``.

    Length: ``tiny`` (<= 5 points), ``short`` (6-7), ``medium`` (8-12), ``long`` (13 or more).
    Growth: ``fast`` when the mean log growth of the history exceeds 0.10, else ``other``.

    Parameters
    ----------
    y : array_like
        Positive values (already cleaned).

    Returns
    -------
    str
    """
    arr = np.asarray(y, dtype=float)
    length = next((name for bound, name in LENGTH_CLASSES if arr.size <= bound), "long")
    growth = float(np.mean(np.diff(np.log(arr)))) if arr.size > 1 else 0.0
    return f"{length}/{'fast' if growth > FAST_GROWTH else 'other'}"


def _table_factors(table: dict[float, tuple[float, ...]], level: float, horizon: int) -> NDArray[np.float64]:
    """Per-horizon factors for ``level`` from a level -> factors table (linear in level; last horizon held)."""
    if not table:
        return np.ones(horizon)
    levels = sorted(table)
    rows = np.array([table[lv] for lv in levels])
    h = min(horizon, rows.shape[1])
    cols = [float(np.interp(level, levels, rows[:, j])) for j in range(h)]
    cols += [cols[-1]] * (horizon - h)  # beyond the calibrated horizons the last factor is held
    return np.asarray(cols)


def widen_factor_pair(
    priors: Priors, level: float, horizon: int, klass: str | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Lower- and upper-side widening factors for ``level`` and horizons ``1..horizon``.

    Parameters
    ----------
    priors : Priors
    level : float
        Central interval level in (0, 1).
    horizon : int
    klass : str, optional
        Widening class (:func:`series_class`). Without class tables (or an
        unknown class) the older symmetric table ``priors.widen`` is used on both sides.

    Returns
    -------
    lower, upper : ndarray, shape (horizon,)
        Factors on the log-distance between the median and the simulated quantile.
    """
    sides = priors.widen_classes.get(klass) if klass is not None else None
    if not sides:
        both = _table_factors(priors.widen, level, horizon)
        return both, both
    return _table_factors(sides["lower"], level, horizon), _table_factors(sides["upper"], level, horizon)


def widen_factors(priors: Priors, level: float, horizon: int) -> NDArray[np.float64]:
    """Symmetric per-horizon factors of the older table ``priors.widen`` (used by :mod:`model.growth`).

    Parameters
    ----------
    priors : Priors
    level : float
    horizon : int

    Returns
    -------
    ndarray, shape (horizon,)
        Linear in level between the tabulated levels; beyond the table's
        horizons the last factor is held.
    """
    return _table_factors(priors.widen, level, horizon)
