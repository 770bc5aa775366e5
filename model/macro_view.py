"""The province's macro growth: a stated view, updated by Jiangxi's own data.

The province's nominal industrial revenue grows at ``g_t = mu + dev_t`` with
``dev_t = phi dev_{t-1} + sigma e_t`` (the damped law of :mod:`model.dynamics`).
Six yearly totals (five growth rates) cannot pin down the long-run rate ``mu``
or the persistence ``phi`` on their own, so both come from a *stated* prior view
(the ``[macro]`` section of a scenario) combined with the data by Bayes' rule:

* ``mu`` has a normal prior; given ``phi`` and ``sigma`` its update is the
  conjugate normal one, done exactly by the Kalman filter of
  :mod:`model.state_space` (``mu`` is a constant state);
* ``(phi, sigma)`` get a grid posterior: Beta prior on ``phi`` in (0, 1), a
  log-normal prior on ``sigma``, times the filter's marginal likelihood;
* the growth state at the last data year (the start of every projected path)
  is the filtered state, jointly normal with ``mu`` in each grid cell.

Each path draws one grid cell (then a uniform point inside it, so ``phi`` has no
point mass anywhere), then ``(mu, start)`` from that cell's joint normal.

Default view and where it comes from (what a planner had in 2013; see README):

* ``long_run_growth = 0.10 ± 0.03`` (log, nominal). The national 12th
  five-year plan (2011-2015) and its 工业转型升级规划 aim at ~8 %/yr real growth
  of industrial value added; with 2-4 %/yr of prices that is ~10-12 % nominal.
  Jiangxi grew much faster in 2008-2013 (mean log-growth 0.235, but only 0.169
  and 0.161 in 2012-2013, and 16.3 % in Jan-Oct 2013, published_history.csv),
  and a catching-up province slows as it converges: 0.10 is a long-run
  (2020s) attractor, and ± 0.03 spans "national pace" to "catching up".
* ``persistence = 0.6 ± 0.2`` (Beta). Provincial booms and slumps last a few
  years (2009-2011 boom; 2012-2013 slowdown in the data): a deviation halves in
  1-3 years (phi 0.5-0.8).
* ``shock_sd = 0.05`` (median of a log-normal with log-sd 0.5). Jiangxi's
  growth moved by 4-12 points from year to year in 2008-2013.
* ``measurement_sd = 0.01``. Provincial revenue totals are revised and the
  规模以上 threshold rose from 5 to 20 million yuan in 2011 (a one-off break);
  year to year a level is known to about 1 %.

None of this uses the M4 benchmark: the M4-learned kernel stays for
:func:`model.forecast.forecast` only.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field

import numpy as np
from numpy.typing import NDArray

from .dynamics import damped_growth, integrate_log_levels
from .errors import ScenarioError
from .state_space import filter_damped_trend

__all__ = ["MacroView", "MacroPosterior", "DEFAULT_VIEW", "PROVENANCE", "macro_posterior", "view_from_settings", "simulate_levels"]

#: Spread (sd of log sigma) of the log-normal prior on the macro shock sd.
SHOCK_SD_SPREAD = 0.5
_N_PHI = 49
_N_SIGMA = 31
_SIGMA_RANGE = (0.005, 0.40)

PROVENANCE = {
    "long_run_growth": "national 12th five-year plan (~8 %/yr real industrial value added, ~10-12 % nominal) "
    "and Jiangxi's own slowdown from 0.29 (2010) to 0.16 (2013) log-growth; a long-run attractor, not 2013's pace",
    "persistence": "provincial booms and slowdowns last a few years (2009-2011, 2012-2013): half-life 1-3 years",
    "shock_sd": "Jiangxi's yearly growth moved by 4-12 points in 2008-2013",
    "measurement_sd": "revisions and the 2011 change of the 规模以上 threshold (5 -> 20 million yuan): levels known to ~1 % year to year",
}


@dataclass(frozen=True)
class MacroView:
    """A stated prior view of the province's long-run growth and persistence.

    Attributes
    ----------
    long_run_growth, long_run_growth_sd : float
        Normal prior of ``mu`` (annual log-growth, nominal).
    persistence, persistence_sd : float
        Mean and sd of the Beta prior of ``phi``.
    shock_sd : float
        Median of the log-normal prior of the yearly growth shock sd.
    measurement_sd : float
        Noise of observed log revenue in the filter.
    start : str
        ``"filtered"`` (the Kalman-filtered growth at the last data year, with
        its uncertainty) or ``"last_observed"`` (the last observed growth, exactly).
    parameter_uncertainty : bool
        False: every path uses the posterior means (a structural-range variant).
    """

    long_run_growth: float = 0.10
    long_run_growth_sd: float = 0.03
    persistence: float = 0.6
    persistence_sd: float = 0.2
    shock_sd: float = 0.05
    measurement_sd: float = 0.01
    start: str = "filtered"
    parameter_uncertainty: bool = True

    def __post_init__(self) -> None:
        m, s = self.persistence, self.persistence_sd
        if not (0.0 < m < 1.0 and 0.0 < s and s * s < m * (1.0 - m)):
            raise ScenarioError(
                f"[macro] persistence = {m}, persistence_sd = {s}: a Beta prior on (0, 1) needs 0 < persistence < 1 "
                f"and persistence_sd < sqrt(persistence * (1 - persistence)) = {np.sqrt(max(m * (1 - m), 0)):.3f}"
            )
        if self.start not in ("filtered", "last_observed"):
            raise ScenarioError(f"[macro] start = {self.start!r}: expected \"filtered\" or \"last_observed\"")

    @property
    def beta_ab(self) -> tuple[float, float]:
        """Beta parameters matching the stated mean and sd of ``phi``."""
        m, s = self.persistence, self.persistence_sd
        k = m * (1.0 - m) / s**2 - 1.0
        return m * k, (1.0 - m) * k

    def to_dict(self) -> dict:
        return asdict(self)


DEFAULT_VIEW = MacroView()


def view_from_settings(macro: dict) -> MacroView:
    """The view of a scenario's validated ``[macro]`` table (keys not in the view are ignored)."""
    keys = MacroView.__dataclass_fields__
    return MacroView(**{k: v for k, v in macro.items() if k in keys})


@dataclass(frozen=True)
class MacroPosterior:
    """The province's macro parameters after combining the view with the data.

    The scalar fields are posterior summaries (stored in ``parameters.toml`` and
    compared by ``attain calibrate --check``); the grid itself is recomputed from
    ``view`` and ``province`` when paths are drawn (:attr:`grid`).

    Attributes
    ----------
    mu, phi, sigma : float
        Posterior means (``sigma``: of the shock sd).
    mu_sd, phi_sd, log_sigma_sd : float
        Posterior sds.
    last_level : float
        Last observed province total (亿元).
    last_growth, last_growth_sd : float
        Start growth (filtered state at the last data year, or the last
        observed growth when ``view.start == "last_observed"``) and its sd.
    last_observed_growth : float
    data_weight : dict
        Per parameter, the share of posterior precision that comes from the
        data: ``1 - posterior variance / prior variance`` (0 = all prior,
        1 = all data), floored at 0.
    df : float
        Tail of the shocks (inf: normal; the parameter uncertainty already makes
        the predictive law fat-tailed).
    view : MacroView
    province : tuple of float
        The province totals the posterior was computed from.
    """

    mu: float
    phi: float
    sigma: float
    mu_sd: float
    phi_sd: float
    log_sigma_sd: float
    last_level: float
    last_growth: float
    last_growth_sd: float
    last_observed_growth: float
    data_weight: dict
    view: MacroView = field(default=DEFAULT_VIEW)
    province: tuple = field(default=())
    df: float = float("inf")

    @functools.cached_property
    def grid(self) -> "_Grid":
        """The grid posterior (recomputed, deterministic)."""
        return _grid(self.view, np.asarray(self.province, float))

    def sample(self, rng: np.random.Generator, n: int) -> tuple[NDArray[np.float64], ...]:
        """Draw ``n`` joint sets ``(mu, phi, sigma, start growth)``.

        One uniform picks a grid cell by its posterior weight, two more place
        the point inside the cell (``phi`` uniform within its cell, ``sigma``
        log-uniform), and two normals give ``(mu, dev_T)`` from the cell's joint
        filtered normal. Without parameter uncertainty every path gets the
        posterior means and the same random numbers are still consumed, so the
        variants share their shocks (common random numbers).

        Returns
        -------
        tuple of ndarray, each shape (n,)
        """
        g = self.grid
        u = rng.random((n, 3))
        z = rng.standard_normal((n, 2))
        if not self.view.parameter_uncertainty:
            full = lambda x: np.full(n, float(x))  # noqa: E731
            return full(self.mu), full(self.phi), full(self.sigma), full(self.last_growth)
        k = np.minimum(np.searchsorted(g.cdf, u[:, 0], side="right"), g.cdf.size - 1)
        i, j = np.divmod(k, _N_SIGMA)
        phi = (i + u[:, 1]) / _N_PHI
        log_sigma = g.log_sigma_edges[j] + u[:, 2] * (g.log_sigma_edges[1] - g.log_sigma_edges[0])
        mean, chol = g.mean[k], g.chol[k]
        draws = mean + np.einsum("nij,nj->ni", chol, z)
        mu, dev = draws[:, 1], draws[:, 0]
        start = mu + dev if self.view.start == "filtered" else np.full(n, self.last_observed_growth)
        return mu, phi, np.exp(log_sigma), start

    def median_growth(self, horizon: int) -> NDArray[np.float64]:
        """Central growth path: the damped law at the posterior means, no shocks."""
        h = np.arange(1, horizon + 1)
        return self.mu + self.phi**h * (self.last_growth - self.mu)

    def summary(self) -> dict:
        """Prior vs posterior of every macro parameter, for reports (JSON-ready)."""
        v = self.view
        a, b = v.beta_ab
        return {
            "view": v.to_dict(),
            "provenance": PROVENANCE,
            "parameters": {
                "long_run_growth": {"prior_mean": v.long_run_growth, "prior_sd": v.long_run_growth_sd, "posterior_mean": self.mu, "posterior_sd": self.mu_sd, "data_weight": self.data_weight["mu"]},
                "persistence": {"prior_mean": v.persistence, "prior_sd": v.persistence_sd, "posterior_mean": self.phi, "posterior_sd": self.phi_sd, "data_weight": self.data_weight["phi"], "prior": f"Beta({a:.2f}, {b:.2f})"},
                "shock_sd": {"prior_median": v.shock_sd, "prior_log_sd": SHOCK_SD_SPREAD, "posterior_mean": self.sigma, "posterior_log_sd": self.log_sigma_sd, "data_weight": self.data_weight["log_sigma"]},
            },
            "start": {"rule": v.start, "growth": self.last_growth, "sd": self.last_growth_sd, "last_observed_growth": self.last_observed_growth},
            "data": {"province": list(self.province), "mean_growth": float(np.mean(np.diff(np.log(self.province)))) if len(self.province) > 1 else None},
        }

    def to_dict(self) -> dict:
        """Plain dict for the TOML artefact (``mu``, ``phi``, ``sigma``, ``df``, ``last_level``, ``last_growth`` first)."""
        out = {k: getattr(self, k) for k in ("mu", "phi", "sigma", "df", "last_level", "last_growth", "mu_sd", "phi_sd", "log_sigma_sd", "last_growth_sd", "last_observed_growth")}
        out.update(data_weight=dict(self.data_weight), view=self.view.to_dict(), province=[float(x) for x in self.province])
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "MacroPosterior":
        """Inverse of :meth:`to_dict`."""
        scalars = {k: float(d[k]) for k in ("mu", "phi", "sigma", "df", "last_level", "last_growth", "mu_sd", "phi_sd", "log_sigma_sd", "last_growth_sd", "last_observed_growth")}
        return cls(**scalars, data_weight=dict(d["data_weight"]), view=MacroView(**d["view"]), province=tuple(float(x) for x in d["province"]))


@dataclass(frozen=True)
class _Grid:
    cdf: NDArray[np.float64]              # (K,) cumulative posterior weights, K = _N_PHI * _N_SIGMA
    weight: NDArray[np.float64]           # (K,)
    phi: NDArray[np.float64]              # (K,) cell centres
    log_sigma: NDArray[np.float64]        # (K,)
    log_sigma_edges: NDArray[np.float64]  # (_N_SIGMA + 1,)
    mean: NDArray[np.float64]             # (K, 2) filtered (dev_T, mu)
    chol: NDArray[np.float64]             # (K, 2, 2) Cholesky factor of their covariance
    growth_mean: NDArray[np.float64]      # (K,) filtered g_T
    growth_var: NDArray[np.float64]       # (K,)


_NORM_LOG_C = float(np.log(np.sqrt(2 * np.pi)))


def _beta_logpdf(x: NDArray[np.float64], a: float, b: float) -> NDArray[np.float64]:
    """``scipy.stats.beta.logpdf`` on (0, 1), float for float, without importing scipy.stats (start-up)."""
    from scipy.special import betaln, xlog1py, xlogy

    return (xlog1py(b - 1.0, -x) + xlogy(a - 1.0, x) - betaln(a, b)) - np.log(1.0)


def _norm_logpdf(x: NDArray[np.float64], loc: float, scale: float) -> NDArray[np.float64]:
    """``scipy.stats.norm.logpdf``, float for float, without importing scipy.stats."""
    z = (np.asarray(x, float) - loc) / scale
    return (-z**2 / 2.0 - _NORM_LOG_C) - np.log(scale)


def _grid(view: MacroView, province: NDArray[np.float64]) -> _Grid:
    log_y = np.log(province)
    phi_c = (np.arange(_N_PHI) + 0.5) / _N_PHI
    edges = np.linspace(np.log(_SIGMA_RANGE[0]), np.log(_SIGMA_RANGE[1]), _N_SIGMA + 1)
    ls_c = 0.5 * (edges[:-1] + edges[1:])
    phi, log_sigma = (a.ravel() for a in np.meshgrid(phi_c, ls_c, indexing="ij"))
    res = filter_damped_trend(log_y, phi, np.exp(log_sigma), view.long_run_growth, view.long_run_growth_sd**2, view.measurement_sd)
    a, b = view.beta_ab
    logp = res.loglik + _beta_logpdf(phi, a, b) + _norm_logpdf(log_sigma, np.log(view.shock_sd), SHOCK_SD_SPREAD)
    w = np.exp(logp - logp.max())
    w /= w.sum()
    cov = res.cov[:, 1:, 1:]
    chol = np.linalg.cholesky(cov + 1e-14 * np.eye(2))
    cdf = np.cumsum(w)
    cdf /= cdf[-1]
    return _Grid(cdf, w, phi, log_sigma, edges, res.mean[:, 1:], chol, res.growth, res.growth_var)


def macro_posterior(province: NDArray[np.float64] | list[float], view: MacroView = DEFAULT_VIEW) -> MacroPosterior:
    """Combine a stated view with the province's history.

    Parameters
    ----------
    province : array_like
        Province totals, oldest first (positive, at least two).
    view : MacroView

    Returns
    -------
    MacroPosterior
    """
    y = np.asarray(province, float)
    g = _grid(view, y)
    w = g.weight
    mu_k = g.mean[:, 1]
    var_mu_k = np.einsum("kij,kij->ki", g.chol, g.chol)[:, 1]  # diag of L L^T, mu entry
    mu = float(w @ mu_k)
    var_mu = float(w @ (var_mu_k + (mu_k - mu) ** 2))
    # Within-cell uniform spread of phi and log sigma is part of the posterior draws.
    cell_phi, cell_ls = 1.0 / _N_PHI, g.log_sigma_edges[1] - g.log_sigma_edges[0]
    phi = float(w @ g.phi)
    var_phi = float(w @ (g.phi - phi) ** 2) + cell_phi**2 / 12
    ls = float(w @ g.log_sigma)
    var_ls = float(w @ (g.log_sigma - ls) ** 2) + cell_ls**2 / 12
    sigma = float(w @ np.exp(g.log_sigma))
    last_obs = float(np.log(y[-1] / y[-2]))
    if view.start == "filtered":
        start = float(w @ g.growth_mean)
        start_var = float(w @ (g.growth_var + (g.growth_mean - start) ** 2))
    else:
        start, start_var = last_obs, 0.0
    a, b = view.beta_ab
    prior_var_phi = a * b / ((a + b) ** 2 * (a + b + 1))
    # mu: the conjugate normal update's data share, 1 - posterior var / prior var given (phi, sigma),
    # averaged over the grid (the spread of mu across cells is uncertainty about phi, not prior).
    weight = {
        "mu": float(max(0.0, 1.0 - w @ var_mu_k / view.long_run_growth_sd**2)),
        "phi": float(max(0.0, 1.0 - var_phi / prior_var_phi)),
        "log_sigma": float(max(0.0, 1.0 - var_ls / SHOCK_SD_SPREAD**2)),
    }
    return MacroPosterior(
        mu=mu, phi=phi, sigma=sigma, mu_sd=float(np.sqrt(var_mu)), phi_sd=float(np.sqrt(var_phi)), log_sigma_sd=float(np.sqrt(var_ls)),
        last_level=float(y[-1]), last_growth=start, last_growth_sd=float(np.sqrt(start_var)), last_observed_growth=last_obs,
        data_weight=weight, view=view, province=tuple(float(v) for v in y),
    )


def simulate_levels(post: MacroPosterior, horizon: int, n_paths: int, rng: np.random.Generator) -> NDArray[np.float64]:
    """Future levels of the series behind ``post`` (each path with its own posterior draw).

    Parameters
    ----------
    post : MacroPosterior
    horizon : int
    n_paths : int
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape (n_paths, horizon)
    """
    mu, phi, sigma, start = post.sample(rng, n_paths)
    growth = damped_growth(start, mu, phi, sigma[:, None] * rng.standard_normal((n_paths, horizon)))
    return integrate_log_levels(np.full(n_paths, post.last_level), growth)
