"""Single-series forecaster on the shared damped log-growth kernel.

The model (see :mod:`model.dynamics`) is, for annual log-growth ``g_t``::

    g_t     = mu + phi * (g_{t-1} - mu) + sigma * e_t,   e_t ~ unit-variance Student-t(df)
    log y_t = log y_{t-1} + g_t

Fitting (:func:`fit_series`) is a closed-form maximum a posteriori estimate
with partial pooling: every parameter is shrunk toward a global prior learned
on the M4 Yearly *training* data (``calibration/forecast_priors.toml``), with a
prior weight counted in pseudo-years, so a 3-point series leans on the priors
and an 80-point series on its own history.

The forecaster (:func:`forecast`, priors from :func:`load_forecast_priors`)
starts from the Kalman-filtered state of a damped trend whose observed log
levels carry noise (:func:`filter_state`): the filtered log level and growth at
the last observation, with their covariance, which every simulated path draws
its start from. The persistence ``phi`` has a Beta posterior on (0, 1) with
both shapes >= 2, so no draw sits on a bound. The point forecast is the
analytic median path (zero shocks at the posterior parameters); intervals come
from simulated paths in which each path draws its own parameters and
fat-tailed shocks. Their log-distances from the median are then scaled by
one-sided conformal factors fitted per class of series (history length and
growth, :func:`series_class`) for horizons 1-12 on hold-out windows of the
training data of one half of the M4 series (the other half scores
``attain bench m4 --long``).

The older settings (:func:`load_priors`: exponentially weighted start, the
last observed level, ``phi`` from a normal clipped to [0, 0.98], symmetric
widening for horizons 1-6 held beyond) stay in the same file for the
province's macro path in :mod:`model.calibrate` and :mod:`model.growth`.

The panel growth model reuses :func:`fit_series`, :class:`SeriesFit` and
:func:`simulate_paths` directly.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

from model.dynamics import damped_growth, integrate_log_levels, unit_student_t

__all__ = [
    "Priors",
    "SeriesFit",
    "ForecastResult",
    "PRIORS_PATH",
    "load_priors",
    "load_forecast_priors",
    "filter_state",
    "series_class",
    "widen_factors",
    "widen_factor_pair",
    "clean_series",
    "fit_series",
    "median_path",
    "simulate_paths",
    "forecast",
]

PRIORS_PATH = Path(__file__).resolve().parents[1] / "calibration" / "forecast_priors.toml"
PHI_MAX = 0.98
PHI_EPS = 1e-3
BETA_MIN_SHAPE = 2.0
FAST_GROWTH = 0.10
# History points <= bound -> class; longer: "long". Histories of 1-5 points lean on the priors and
# need other factors than 6-7 points; pooled with them they widened 6-point intervals at h = 7-12.
LENGTH_CLASSES = ((5, "tiny"), (7, "short"), (12, "medium"))
LEVEL_VAR0 = 100.0  # prior variance of the first log level: vague next to any observation noise
SeedLike = int | np.random.SeedSequence | np.random.Generator | None


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


@dataclass(frozen=True)
class SeriesFit:
    """Fitted damped log-growth model of one series.

    Attributes
    ----------
    mu, phi, sigma, df : float
        Posterior long-run growth, persistence, innovation scale, tail df.
    last_level : float
        Level the kernel starts from: the last observed value, or with a
        filtered start the filtered level ``exp(l_T)``.
    last_growth : float
        Current log-growth the kernel starts from (filtered).
    cov : ndarray, shape (3, 3)
        Approximate posterior covariance of ``(mu, phi, log sigma)``.
    n_growth : int
        Number of observed growth rates.
    start_cov : ndarray, shape (2, 2)
        Covariance of the filtered start ``(log level, growth)`` (zeros: a known start).
    obs_sd : float
        Standard deviation of the noise on an observed log level, relative to
        ``sigma`` (``sqrt(r_obs)``; 0: levels are observed exactly).
    phi_law : str
        ``"beta"`` (posterior on (0, 1), no point mass) or ``"clipped_normal"``
        (the older law: a normal clipped to [0, 0.98]).
    """

    mu: float
    phi: float
    sigma: float
    df: float
    last_level: float
    last_growth: float
    cov: NDArray[np.float64]
    n_growth: int
    start_cov: NDArray[np.float64] = field(default_factory=lambda: np.zeros((2, 2)))
    obs_sd: float = 0.0
    phi_law: str = "clipped_normal"

    def phi_beta(self) -> tuple[float, float]:
        """Beta ``(a, b)`` of the persistence: mean ``phi``, variance ``cov[1, 1]``, both shapes >= 2.

        The variance is capped so that neither shape parameter falls below
        :data:`BETA_MIN_SHAPE` (2): the density then vanishes at 0 and at 1, so
        short histories cannot pile persistence up next to 1 (where long
        horizons explode) or next to 0.

        Returns
        -------
        tuple of float
        """
        m = float(np.clip(self.phi, PHI_EPS, 1.0 - PHI_EPS))
        kappa_min = BETA_MIN_SHAPE / min(m, 1.0 - m)
        var = float(np.clip(self.cov[1, 1], 1e-12, m * (1.0 - m) / (kappa_min + 1.0)))
        kappa = m * (1.0 - m) / var - 1.0
        return m * kappa, (1.0 - m) * kappa

    def sample_params(self, rng: np.random.Generator, n: int) -> tuple[NDArray[np.float64], ...]:
        """Draw ``n`` parameter sets ``(mu, phi, sigma)`` from the posterior approximation.

        ``mu`` and ``log sigma`` are normal. ``phi`` follows :attr:`phi_law`:
        with ``"beta"`` it is Beta(:meth:`phi_beta`), strictly inside (0, 1)
        with no mass at a bound; with ``"clipped_normal"`` it is the older
        normal clipped to [0, 0.98].

        Parameters
        ----------
        rng : numpy.random.Generator
        n : int

        Returns
        -------
        tuple of ndarray
            ``mu``, ``phi`` and ``sigma``, each shape ``(n,)``.
        """
        centre = np.array([self.mu, self.phi, np.log(self.sigma)])
        draws = rng.multivariate_normal(centre, self.cov, size=n, method="eigh")
        if self.phi_law == "beta":
            phi = rng.beta(*self.phi_beta(), size=n)
        else:
            phi = np.clip(draws[:, 1], 0.0, PHI_MAX)
        return draws[:, 0], phi, np.exp(draws[:, 2])


@dataclass(frozen=True)
class ForecastResult:
    """Point forecast and prediction intervals.

    Attributes
    ----------
    mean : ndarray, shape (horizon,)
        Point forecast (the analytic median path).
    lower, upper : dict
        Level -> bound array of shape (horizon,).
    fit : SeriesFit
        Fitted parameters.
    """

    mean: NDArray[np.float64]
    lower: dict[float, NDArray[np.float64]]
    upper: dict[float, NDArray[np.float64]]
    fit: SeriesFit


def clean_series(y: ArrayLike) -> NDArray[np.float64]:
    """Validate a history: strip leading/trailing NaN, require positive finite values.

    Parameters
    ----------
    y : array_like
        1-D annual values.

    Returns
    -------
    ndarray

    Raises
    ------
    ValueError
        On a non 1-D input, an empty series, an interior NaN, or a non-positive
        or infinite value (the message names the index and the value).
    """
    arr = np.asarray(y, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"series must be 1-D, got shape {arr.shape}")
    finite = np.flatnonzero(~np.isnan(arr))
    if finite.size == 0:
        raise ValueError("series is empty (or all NaN)")
    arr = arr[finite[0] : finite[-1] + 1]
    bad = np.flatnonzero(~np.isfinite(arr) | (arr <= 0))
    if bad.size:
        i = int(bad[0] + finite[0])
        raise ValueError(f"series value at index {i} is {np.asarray(y, dtype=float)[i]!r}; need finite positive values")
    return arr


def _shrunk_mean(g: NDArray[np.float64], priors: Priors) -> float:
    """Long-run growth: sample mean shrunk toward ``mu0`` with weight ``k_mu``."""
    return float((g.sum() + priors.k_mu * priors.mu0) / (g.size + priors.k_mu))


def _shrunk_phi(g: NDArray[np.float64], mu: float, priors: Priors) -> float:
    """Persistence: lag-1 autocorrelation of deviations, shrunk toward ``phi0``."""
    dev = g - mu
    n = max(g.size - 1, 0)
    denom = float(np.dot(dev[:-1], dev[:-1])) if n else 0.0
    raw = float(np.dot(dev[1:], dev[:-1]) / denom) if denom > 0 else priors.phi0
    raw = float(np.clip(raw, 0.0, PHI_MAX))
    return float(np.clip((n * raw + priors.k_phi * priors.phi0) / (n + priors.k_phi), 0.0, PHI_MAX))


def _shrunk_sigma(g: NDArray[np.float64], mu: float, phi: float, priors: Priors) -> float:
    """Innovation scale: residual variance pooled with ``sigma0**2`` (weight ``k_sigma``)."""
    dev = g - mu
    resid = dev[1:] - phi * dev[:-1] if g.size > 1 else dev
    ss = float(np.dot(resid, resid))
    if resid.size + priors.k_sigma <= 0:
        return priors.sigma0
    return float(np.sqrt((ss + priors.k_sigma * priors.sigma0**2) / (resid.size + priors.k_sigma)))


def _filtered_growth(g: NDArray[np.float64], mu: float, w: float) -> float:
    """Exponentially weighted growth (newest weight ``w``), started at the first growth."""
    if g.size == 0:
        return mu
    from scipy.signal import lfilter  # scipy.signal imports scipy.stats: not at start-up

    out, _ = lfilter([w], [1.0, -(1.0 - w)], g, zi=[(1.0 - w) * g[0]])
    return float(out[-1])


def _posterior_cov(n: int, phi: float, sigma: float, priors: Priors) -> NDArray[np.float64]:
    """Diagonal posterior covariance of ``(mu, phi, log sigma)`` (pseudo-year counts)."""
    var_mu = (sigma / (1.0 - min(phi, 0.9))) ** 2 / (n + priors.k_mu)
    var_phi = (1.0 - phi**2) / (max(n - 1, 0) + min(priors.k_phi, 1e6))
    var_ls = 0.5 / (max(n - 1, 1) + priors.k_sigma)
    return np.diag([var_mu, max(var_phi, 1e-12), var_ls])


def filter_state(
    z: ArrayLike, mu: float, phi: float, sigma: float, r_obs: float, level_var0: float = LEVEL_VAR0
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Kalman filter of a damped trend on observed log levels; the state at the last observation.

    State ``(l_t, d_t)``: log level and deviation of growth from ``mu``::

        d_t = phi * d_{t-1} + eta_t,        eta_t ~ N(0, sigma**2)
        l_t = l_{t-1} + mu + d_t
        z_t = l_t + eps_t,                  eps_t ~ N(0, r_obs * sigma**2)

    The first level has a vague prior (mean ``z_0``, variance ``level_var0``)
    and ``d_0`` the stationary law ``N(0, sigma**2 / (1 - phi**2))``. With
    ``r_obs = 0`` the filtered growth is exactly the last observed growth;
    larger ``r_obs`` smooths it.

    Parameters
    ----------
    z : array_like
        Observed log levels, oldest first (1 or more).
    mu, phi, sigma : float
        Kernel parameters (``0 <= phi < 1``, ``sigma > 0``).
    r_obs : float
        Observation-noise variance relative to ``sigma**2`` (>= 0).
    level_var0 : float
        Prior variance of the first log level.

    Returns
    -------
    mean : ndarray, shape (2,)
        Filtered ``(l_T, g_T)`` with ``g_T = mu + d_T`` (growth, not deviation).
    cov : ndarray, shape (2, 2)
        Their covariance.
    """
    z = np.asarray(z, dtype=float)
    q, r = sigma**2, r_obs * sigma**2
    trans = np.array([[1.0, phi], [0.0, phi]])
    shock = q * np.ones((2, 2))  # eta enters d and, through d, l in the same year
    state = np.array([z[0], 0.0])
    cov = np.diag([level_var0, q / max(1.0 - phi**2, 1e-6)])
    for t, obs in enumerate(z):
        if t:
            state = trans @ state + np.array([mu, 0.0])
            cov = trans @ cov @ trans.T + shock
        gain = cov[:, 0] / (cov[0, 0] + r)
        state = state + gain * (obs - state[0])
        cov = cov - np.outer(gain, cov[0, :])
        cov = 0.5 * (cov + cov.T)
    return np.array([state[0], mu + state[1]]), cov


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


def fit_series(y: ArrayLike, priors: Priors | None = None) -> SeriesFit:
    """Fit the damped log-growth model to one series with partial pooling.

    Parameters
    ----------
    y : array_like
        Positive annual values (leading/trailing NaN are dropped).
    priors : Priors, optional
        Defaults to :func:`load_priors` (the older, unfiltered start). With
        ``priors.r_obs`` set, the start is the filtered state of
        :func:`filter_state` with its covariance, and ``phi`` gets a Beta posterior.

    Returns
    -------
    SeriesFit
    """
    priors = priors or load_priors()
    arr = clean_series(y)
    g = np.diff(np.log(arr))
    mu = _shrunk_mean(g, priors)
    phi = _shrunk_phi(g, mu, priors)
    sigma = _shrunk_sigma(g, mu, phi, priors)
    cov = _posterior_cov(g.size, phi, sigma, priors)
    if priors.r_obs is None:
        last_growth = _filtered_growth(g, mu, priors.w)
        return SeriesFit(mu, phi, sigma, priors.df, float(arr[-1]), last_growth, cov, int(g.size))
    state, state_cov = filter_state(np.log(arr), mu, phi, sigma, priors.r_obs)
    return SeriesFit(
        mu, phi, sigma, priors.df, float(np.exp(state[0])), float(state[1]), cov, int(g.size),
        start_cov=state_cov, obs_sd=float(np.sqrt(priors.r_obs)), phi_law="beta",
    )


def median_path(fit: SeriesFit, horizon: int) -> NDArray[np.float64]:
    """Analytic median path: the kernel at the posterior parameters with zero shocks."""
    growth = damped_growth(fit.last_growth, fit.mu, fit.phi, np.zeros(horizon))
    return integrate_log_levels(fit.last_level, growth)


def simulate_paths(fit: SeriesFit, horizon: int, n_paths: int, rng: np.random.Generator) -> NDArray[np.float64]:
    """Simulate future levels; each path draws its own ``(mu, phi, sigma)``.

    With a filtered start (``fit.start_cov`` not zero) each path also draws its
    start ``(log level, growth)`` from the filter's normal law, and observation
    noise ``N(0, (obs_sd * sigma)**2)`` is added to every simulated log level.

    Parameters
    ----------
    fit : SeriesFit
    horizon : int
    n_paths : int
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape (n_paths, horizon)
    """
    mu, phi, sigma = fit.sample_params(rng, n_paths)
    shocks = sigma[:, None] * unit_student_t(rng, fit.df, (n_paths, horizon))
    if not np.any(fit.start_cov):
        growth = damped_growth(np.full(n_paths, fit.last_growth), mu, phi, shocks)
        return integrate_log_levels(np.full(n_paths, fit.last_level), growth)
    start = rng.multivariate_normal([np.log(fit.last_level), fit.last_growth], fit.start_cov, size=n_paths, method="eigh")
    growth = damped_growth(start[:, 1], mu, phi, shocks)
    log_level = start[:, :1] + np.cumsum(growth, axis=1)
    log_level += (fit.obs_sd * sigma)[:, None] * rng.standard_normal((n_paths, horizon))
    return np.exp(log_level)


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


_widen_factor = widen_factors  # the old private name, still imported by model.growth


def _interval(
    log_paths: NDArray[np.float64], log_med: NDArray[np.float64], level: float,
    widen_lo: NDArray[np.float64], widen_hi: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Widened equal-tailed interval in levels from simulated log-paths."""
    q_lo, q_hi = np.quantile(log_paths, [(1 - level) / 2, (1 + level) / 2], axis=0)
    lo = log_med - widen_lo * np.maximum(log_med - q_lo, 0.0)
    hi = log_med + widen_hi * np.maximum(q_hi - log_med, 0.0)
    return np.exp(lo), np.exp(hi)


def _rng(seed: SeedLike) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def forecast(
    y: ArrayLike,
    horizon: int,
    levels: tuple[float, ...] = (0.8, 0.95),
    seed: SeedLike = 0,
    priors: Priors | None = None,
) -> ForecastResult:
    """Forecast one annual series with prediction intervals.

    Parameters
    ----------
    y : array_like
        Positive annual values, oldest first (1 or more points).
    horizon : int
        Years ahead (>= 1).
    levels : tuple of float
        Central interval levels in (0, 1).
    seed : int, SeedSequence or Generator
        Randomness for the simulated paths (no global state is used).
    priors : Priors, optional
        Defaults to :func:`load_forecast_priors`.

    Returns
    -------
    ForecastResult
    """
    if horizon < 1:
        raise ValueError(f"horizon must be >= 1, got {horizon}")
    priors = priors or load_forecast_priors()
    arr = clean_series(y)
    fit = fit_series(arr, priors)
    point = median_path(fit, horizon)
    log_paths = np.log(simulate_paths(fit, horizon, priors.n_paths, _rng(seed)))
    klass = series_class(arr)
    lower, upper = {}, {}
    for level in sorted(levels):
        if not 0.0 < level < 1.0:
            raise ValueError(f"interval level must be in (0, 1), got {level}")
        lo, hi = _interval(log_paths, np.log(point), level, *widen_factor_pair(priors, level, horizon, klass))
        lower[level], upper[level] = lo, hi
    _nest(lower, upper)
    return ForecastResult(point, lower, upper, fit)


def _nest(lower: dict[float, NDArray[np.float64]], upper: dict[float, NDArray[np.float64]]) -> None:
    """Force wider levels to contain narrower ones (in place, levels ascending)."""
    keys = sorted(lower)
    for small, big in zip(keys, keys[1:]):
        lower[big] = np.minimum(lower[big], lower[small])
        upper[big] = np.maximum(upper[big], upper[small])
