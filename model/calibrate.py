"""Estimate the growth model's parameters (with standard errors) from history.

Model for the log-growth ``g`` of leaf *i* (enterprise or remainder cell) in year *t*::

    g_it = m_t + d_it
    d_it = phi * d_i,t-1 + u_k(i),t + sigma * size_i,t-1 ** -beta * e_it

* ``m_t``: the macro (province-wide) growth, a damped trend whose long-run
  rate and persistence combine a stated prior view with the province's own
  totals (:mod:`model.macro_view`: Kalman filter + grid posterior). The
  artefact stores the posterior under the default view; a scenario's
  ``[macro]`` view replaces it at run time (:func:`model.context.prepare`).
* ``u_kt``: an industry shock per shock group and year (variance ``tau**2``),
  a variance component of a statsmodels ``MixedLM``; it persists as an AR(1),
  ``u_kt = rho u_k,t-1 + ...``, with ``rho`` from the lag-1 autocovariance of the
  group-year mean residuals (:func:`_fit_rho`). A shock group is the leaf's root
  cluster; a leaf outside every cluster (half of 2013 revenue) has no industry
  shock, only its idiosyncratic one: lumping all of them into one "none" group
  would tie the whole remainder of the province together.
* ``phi``: how fast a firm's excess growth damps out (fixed effect of the lagged
  deviation in the same ``MixedLM``).
* ``beta``, ``sigma``: volatility falls with size (OLS of log|residual| on log size);
  their estimates are strongly correlated (``sigma_beta_corr``), so runs draw them jointly.
* ``e``: fat-tailed unit innovations; Student-t or Laplace chosen by AIC. The
  curvature SE of ``df`` under-covers (10 of 20 known-answer fits), so runs do
  not draw ``df``: every path uses the point estimate.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from .data import Panel
from .errors import DataError
from .macro_view import MacroPosterior, macro_posterior
from .hierarchy import Hierarchy, build_hierarchy

__all__ = ["GrowthParams", "Estimate", "calibrate", "growth_observations", "shock_groups", "calibrate_panel", "fit", "as_of_range", "check_as_of", "MIN_YEARS"]

#: Calibration needs two growth years before the as-of year (persistence uses last year's growth).
MIN_YEARS = 3

# Euler-Mascheroni correction: E[log|e|] for a unit normal is -0.635.
_LOG_ABS_NORMAL = -0.6351814227307391


@dataclass(frozen=True)
class Estimate:
    """A point estimate and its standard error."""

    value: float
    se: float


@dataclass(frozen=True)
class GrowthParams:
    """Fitted parameters of the panel growth model.

    Attributes
    ----------
    phi : Estimate
        Persistence of a leaf's excess growth over macro growth.
    tau : Estimate
        Standard deviation of the industry (cluster-group) shock per year.
    sigma : Estimate
        Idiosyncratic scale at size 1亿元.
    beta : Estimate
        Size exponent of idiosyncratic volatility (spread ∝ size^-beta).
    tail : str
        'student_t' or 'laplace'.
    df : Estimate
        Student-t degrees of freedom (inf for Laplace).
    macro : MacroPosterior
        The province's damped trend: long-run growth ``mu``, persistence
        ``phi``, shock ``sigma`` and start growth, prior view combined with data.
    as_of : int
    n_obs : int
    diagnostics : dict
        Log-likelihoods, AIC of the tail laws, MixedLM convergence.
    sigma_beta_corr : float
        Correlation of the estimates of ``log sigma`` and ``beta``.
    rho : Estimate
        Year-to-year persistence of the industry shocks (AR(1) coefficient).
    """

    phi: Estimate
    tau: Estimate
    sigma: Estimate
    beta: Estimate
    tail: str
    df: Estimate
    macro: MacroPosterior
    as_of: int
    n_obs: int
    diagnostics: dict = field(default_factory=dict)
    sigma_beta_corr: float = 0.0
    rho: Estimate = field(default=Estimate(0.0, 0.0))

    def to_dict(self) -> dict:
        """Plain nested dict (for TOML / JSON)."""
        out = {k: asdict(v) for k, v in self.__dict__.items() if isinstance(v, Estimate)}
        out["macro"] = self.macro.to_dict()
        out.update(tail=self.tail, as_of=self.as_of, n_obs=self.n_obs, sigma_beta_corr=self.sigma_beta_corr, diagnostics=self.diagnostics)
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "GrowthParams":
        """Inverse of :meth:`to_dict`."""
        ests = {k: Estimate(**d[k]) for k in ("phi", "tau", "sigma", "beta", "df")}
        macro = MacroPosterior.from_dict(d["macro"])
        return cls(**ests, tail=d["tail"], macro=macro, as_of=int(d["as_of"]), n_obs=int(d["n_obs"]), diagnostics=d.get("diagnostics", {}), sigma_beta_corr=float(d.get("sigma_beta_corr", 0.0)), rho=Estimate(**d.get("rho", {"value": 0.0, "se": 0.0})))


def shock_groups(leaves: pd.DataFrame) -> np.ndarray:
    """Industry-shock group of every leaf: its root cluster, or ``"none"`` (no industry shock).

    Half of 2013 revenue sits outside the clusters; one common shock for all of
    it would tie the whole remainder of the province together, and one shock
    per place would be confounded with the idiosyncratic shock of the (often
    single) remainder cell there. Unclustered leaves are idiosyncratic.
    """
    return np.where(leaves["group"].to_numpy() == "", "none", leaves["group"].to_numpy())


def growth_observations(h: Hierarchy, macro_growth: np.ndarray) -> pd.DataFrame:
    """Leaf-year growth observations with lagged deviation and lagged size.

    Parameters
    ----------
    h : Hierarchy
    macro_growth : ndarray, shape (n_years - 1,)
        Province log-growth per year (the macro component m_t).

    Returns
    -------
    pandas.DataFrame
        Columns ``leaf``, ``group``, ``year``, ``g``, ``dev``, ``dev_lag``, ``log_size``.
    """
    hist = h.history
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.diff(np.log(hist), axis=1)
    dev = g - macro_growth[None, :]
    group = shock_groups(h.leaves)
    rows = []
    for t in range(1, g.shape[1]):
        ok = np.isfinite(dev[:, t]) & np.isfinite(dev[:, t - 1])
        for i in np.flatnonzero(ok):
            rows.append((i, group[i], int(h.years[t + 1]), g[i, t], dev[i, t], dev[i, t - 1], np.log(hist[i, t])))
    return pd.DataFrame(rows, columns=["leaf", "group", "year", "g", "dev", "dev_lag", "log_size"])


def calibrate(h: Hierarchy, province: np.ndarray, as_of: int | None = None) -> GrowthParams:
    """Fit every parameter of the growth model on data up to ``as_of``.

    Parameters
    ----------
    h : Hierarchy
        Leaves with history (already truncated to ``as_of`` if wanted).
    province : ndarray
        Province total per year of ``h.years``.
    as_of : int, optional
        Recorded in the result; defaults to the last year of ``h``.

    Returns
    -------
    GrowthParams
    """
    import statsmodels.api as sm  # fitting only: a run reading stored parameters never imports it

    macro = macro_posterior(province)
    obs = growth_observations(h, np.diff(np.log(province)))
    if len(obs) < 30:
        raise ValueError(f"only {len(obs)} growth observations up to {as_of}; need at least 30 (3 years of data)")
    log_size = obs["log_size"].to_numpy()
    # Stage 1: pooled OLS residuals give a first size law, used as GLS weights.
    pooled = sm.OLS(obs["dev"].to_numpy(), np.column_stack([obs["dev_lag"], pd.get_dummies(obs["year"]).to_numpy(float)])).fit()
    sigma0, beta0, _, _ = _fit_size_law(pooled.resid, log_size)
    # Stage 2: MixedLM on the reweighted equation; the industry shock becomes a random slope on the weight.
    phi, tau, resid, mixed_diag = _fit_mixed(obs, np.exp(beta0.value * log_size) / sigma0.value)
    sigma, beta, z, corr = _fit_size_law(resid, log_size)
    tail, df, tail_diag = _fit_tail(z)
    rho = _fit_rho(obs, mixed_diag.pop("_shock_resid"), tau.value)
    diag = {**mixed_diag, **tail_diag, "macro_last_observed_growth": float(np.log(province[-1] / province[-2]))}
    return GrowthParams(phi, tau, sigma, beta, tail, df, macro, int(as_of or h.years[-1]), len(obs), diag, corr, rho)


def _fit_mixed(obs: pd.DataFrame, w: np.ndarray) -> tuple[Estimate, Estimate, np.ndarray, dict]:
    """MixedLM of ``w*dev = phi * w*dev_lag + w*c_t + w*u_gy + e`` with groups = cluster group x year.

    ``c_t`` are year fixed effects (common offsets of the leaves against the
    province's growth), so ``u`` measures industry shocks only. Returns phi,
    tau (sd of u), residuals on the original scale (u and c removed), diagnostics.
    """
    import statsmodels.api as sm  # fitting only: a run reading stored parameters never imports it

    groups = (obs["group"] + ":" + obs["year"].astype(str)).to_numpy()
    years = pd.get_dummies(obs["year"]).to_numpy(float)
    x = np.column_stack([obs["dev_lag"].to_numpy(), years]) * w[:, None]
    y = obs["dev"].to_numpy() * w
    # Unclustered leaves carry no industry shock: their random-effect design is 0.
    clustered = (obs["group"].to_numpy() != "none").astype(float)
    model = sm.MixedLM(y, x, groups=groups, exog_re=(w * clustered)[:, None])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model.fit(reml=True)
    # cov_re is on the data scale already; bse_re is the SE of that variance.
    tau2 = max(float(np.asarray(res.cov_re)[0, 0]), 1e-10)
    bse_re = float(np.asarray(res.bse_re)[0])
    se_tau = (bse_re if np.isfinite(bse_re) else tau2) / (2 * np.sqrt(tau2))
    beta = np.asarray(res.fe_params)
    phi = Estimate(float(beta[0]), float(np.asarray(res.bse_fe)[0]))
    shock_resid = obs["dev"].to_numpy() - (x / w[:, None]) @ beta  # industry shock + idiosyncratic part
    resid = shock_resid - _blups(res, groups) * clustered
    diag = {"mixedlm_converged": bool(res.converged), "mixedlm_llf": float(res.llf) if np.isfinite(res.llf) else None, "n_group_years": int(len(set(groups))), "_shock_resid": shock_resid}
    return phi, Estimate(float(np.sqrt(tau2)), float(se_tau)), resid, diag


def _fit_rho(obs: pd.DataFrame, shock_resid: np.ndarray, tau: float) -> Estimate:
    """Persistence of the industry shocks from the lag-1 autocovariance of group-year mean residuals.

    A group-year mean residual is ``u_gt`` plus the mean of its leaves'
    idiosyncratic shocks, which are independent across years, so the mean
    product of consecutive years' means estimates ``Cov(u_t, u_t-1) = rho tau**2``
    without the attenuation that a regression of one noisy mean on the other
    (or of shrunk BLUPs) would have. Only groups with at least 3 leaves in both
    years count. The SE treats the products as independent.
    """
    if tau <= 1e-6:
        return Estimate(0.0, 0.0)
    frame = pd.DataFrame({"group": obs["group"].to_numpy(), "year": obs["year"].to_numpy(), "r": shock_resid})
    frame = frame[frame["group"] != "none"]
    means = frame.groupby(["group", "year"])["r"].agg(["mean", "size"])
    means = means[means["size"] >= 3]["mean"]
    products = []
    for (g, y), v in means.items():
        prev = means.get((g, y - 1))
        if prev is not None:
            products.append(v * prev)
    if len(products) < 5:
        return Estimate(0.0, 0.0)
    prod = np.asarray(products)
    return Estimate(float(prod.mean() / tau**2), float(prod.std(ddof=1) / np.sqrt(prod.size) / tau**2))


def _blups(res, groups: np.ndarray) -> np.ndarray:
    """Predicted industry shock of each observation's group-year (0 when the variance is nil)."""
    try:
        effects = {g: float(np.asarray(v)[0]) for g, v in res.random_effects.items()}
    except (ValueError, np.linalg.LinAlgError):
        return np.zeros(len(groups))
    return np.array([effects.get(g, 0.0) for g in groups])


def _fit_size_law(resid: np.ndarray, log_size: np.ndarray) -> tuple[Estimate, Estimate, np.ndarray, float]:
    """OLS of log|resid| on log size: spread = sigma * size^-beta.

    Returns sigma, beta, unit-variance residuals and the correlation of the
    estimates of ``log sigma`` (the intercept) and ``beta`` (minus the slope).
    """
    import statsmodels.api as sm  # fitting only: a run reading stored parameters never imports it

    y = np.log(np.abs(resid) + 1e-12)
    fit = sm.OLS(y, sm.add_constant(log_size)).fit()
    beta = -float(fit.params[1])
    scale = np.exp(fit.params[0] - _LOG_ABS_NORMAL)
    z = resid / (scale * np.exp(-beta * log_size))
    s = float(np.std(z))
    sigma = float(scale * s)
    cov = np.asarray(fit.cov_params())
    corr = float(-cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1]))
    return Estimate(sigma, sigma * float(fit.bse[0])), Estimate(beta, float(fit.bse[1])), z / s, corr


def _fit_tail(z: np.ndarray) -> tuple[str, Estimate, dict]:
    """Choose Student-t or Laplace for the unit innovations by AIC (normal reported for reference)."""
    from scipy import stats

    df, _, scale_t = stats.t.fit(z, floc=0.0)
    ll_t = float(stats.t.logpdf(z, df, 0.0, scale_t).sum())
    _, scale_l = stats.laplace.fit(z, floc=0.0)
    ll_l = float(stats.laplace.logpdf(z, 0.0, scale_l).sum())
    ll_n = float(stats.norm.logpdf(z, 0.0, np.std(z)).sum())
    aic = {"student_t": 4 - 2 * ll_t, "laplace": 2 - 2 * ll_l, "normal": 2 - 2 * ll_n}
    df = float(np.clip(df, 2.2, 200.0))
    # Asymptotic SE of df from the t log-likelihood's curvature (profile over df).
    se_df = _profile_se(lambda d: float(stats.t.logpdf(z, d, 0.0, scale_t).sum()), df)
    tail = "student_t" if aic["student_t"] <= aic["laplace"] else "laplace"
    est = Estimate(df, se_df) if tail == "student_t" else Estimate(float("inf"), 0.0)
    return tail, est, {"aic": aic, "kurtosis_excess": float(stats.kurtosis(z))}


def _profile_se(loglik, x: float, step: float = 1e-2) -> float:
    h = max(step * x, 1e-3)
    curv = (loglik(x + h) - 2 * loglik(x) + loglik(x - h)) / h**2
    return float(np.sqrt(-1.0 / curv)) if curv < 0 else float(x)


def as_of_range(panel: Panel) -> tuple[int, int]:
    """The as-of years a panel allows: ``(first data year + 2, last data year)``."""
    return int(panel.years[0]) + MIN_YEARS - 1, int(panel.years[-1])


def check_as_of(panel: Panel, as_of: int | None, flag: str = "--as-of") -> None:
    """Raise :class:`DataError` when ``as_of`` is outside :func:`as_of_range`.

    Parameters
    ----------
    panel : Panel
    as_of : int or None
        None is always fine (all the data).
    flag : str
        How the user gave the year (for the message).
    """
    if as_of is None:
        return
    low, high = as_of_range(panel)
    if not low <= as_of <= high:
        raise DataError(
            f"{flag} {as_of}: expected a year from {low} to {high} (the data cover {int(panel.years[0])}-{high}; "
            f"calibration needs at least {MIN_YEARS} years of data up to the as-of year)"
        )


def fit(h: Hierarchy, province, as_of: int) -> GrowthParams:
    """:func:`calibrate`, with too little data reported as a :class:`DataError`.

    Parameters
    ----------
    h : Hierarchy
    province : ndarray
        The province total per year.
    as_of : int
        Last data year (recorded in the parameters).

    Returns
    -------
    GrowthParams
    """
    try:
        return calibrate(h, province, as_of=as_of)
    except ValueError as exc:
        if "growth observations" not in str(exc):
            raise
        raise DataError(f"calibration on data up to {as_of}: {exc}; expected more enterprises or more years of data (or a later --as-of)") from None


def calibrate_panel(panel: Panel, as_of: int | None = None) -> tuple[GrowthParams, Panel]:
    """Calibrate on ``panel`` (truncated to ``as_of`` when given)."""
    check_as_of(panel, as_of, flag="as_of")
    if as_of is not None:
        panel = panel.as_of(as_of)
    h = build_hierarchy(panel)
    province = panel.province_revenue()
    return fit(h, province, int(panel.years[-1])), panel
