"""Diagnostic figures of a calibration (written by ``attain calibrate --figures DIR``).

1. ``growth_distribution.png``: standardised growth residuals against the fitted
   Student-t, Laplace and normal laws (log density: tails are visible).
2. ``volatility_vs_size.png``: |residual| against size with the fitted size^-beta law.
3. ``backtest_pit_coverage.png``: PIT histogram and interval coverage by horizon
   from the rolling-origin backtest.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

from .backtest import LEVELS, coverage_table, rolling_origin  # noqa: E402
from .calibrate import GrowthParams, growth_observations  # noqa: E402
from .data import Panel  # noqa: E402
from .fonts import use_cjk_font  # noqa: E402
from .hierarchy import build_hierarchy  # noqa: E402

__all__ = ["write_figures", "FIGURE_NAMES"]

#: The files :func:`write_figures` writes into its folder.
FIGURE_NAMES = ("growth_distribution.png", "volatility_vs_size.png", "backtest_pit_coverage.png")


def write_figures(params: GrowthParams, panel: Panel, folder: Path, backtest_paths: int = 500) -> list[Path]:
    """Write the three diagnostic figures; returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    use_cjk_font()
    h = build_hierarchy(panel)
    province = panel.province_revenue()
    obs = growth_observations(h, np.diff(np.log(province)))
    resid = obs["dev"].to_numpy() - params.phi.value * obs["dev_lag"].to_numpy()
    resid = resid - obs.groupby(["group", "year"])["dev"].transform("mean").to_numpy() + obs.groupby(["group", "year"])["dev"].transform("mean").mean()
    size = np.exp(obs["log_size"].to_numpy())
    keep = size >= 0.1  # near-empty remainder cells say nothing about the size law
    resid, size = resid[keep], size[keep]
    out = [_distribution(params, resid, size, folder / "growth_distribution.png"), _volatility(params, resid, size, folder / "volatility_vs_size.png")]
    out.append(_backtest(panel, folder / "backtest_pit_coverage.png", backtest_paths))
    return out


def _standardise(params: GrowthParams, resid: np.ndarray, size: np.ndarray) -> np.ndarray:
    z = resid / (params.sigma.value * size ** -params.beta.value)
    return z / np.std(z)


def _distribution(params: GrowthParams, resid: np.ndarray, size: np.ndarray, path: Path) -> Path:
    z = _standardise(params, resid, size)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.hist(z, bins=np.linspace(-6, 6, 81), density=True, color="#9bb", label=f"standardised growth residuals (n={z.size})")
    grid = np.linspace(-6, 6, 400)
    df = params.df.value if np.isfinite(params.df.value) else 200.0
    t_scale = np.sqrt((df - 2) / df) if df > 2 else 1.0
    ax.plot(grid, stats.t.pdf(grid, df, scale=t_scale), "r-", label=f"Student-t df={df:.2f} (unit variance)")
    ax.plot(grid, stats.laplace.pdf(grid, scale=1 / np.sqrt(2)), "b--", label="Laplace (unit variance)")
    ax.plot(grid, stats.norm.pdf(grid), "k:", label="normal")
    ax.set_yscale("log")
    ax.set_ylim(1e-4, 2)
    ax.set_xlabel("standardised annual log-growth residual")
    ax.set_ylabel("density (log scale)")
    ax.set_title(f"Growth is tent-shaped with heavy tails; chosen law: {params.tail}")
    ax.legend(fontsize=8)
    return _save(fig, path)


def _volatility(params: GrowthParams, resid: np.ndarray, size: np.ndarray, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.scatter(size, np.abs(resid), s=4, alpha=0.3, color="#468")
    grid = np.logspace(np.log10(size.min()), np.log10(size.max()), 50)
    sd = params.sigma.value * grid ** -params.beta.value
    ax.plot(grid, sd, "r-", lw=2, label=f"fitted sd = {params.sigma.value:.3f} · size^-{params.beta.value:.3f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(1e-4, 5)
    ax.set_xlabel("revenue in the previous year (亿元 = 100 million yuan)")
    ax.set_ylabel("|growth residual|")
    ax.set_title("Volatility falls with size (Stanley et al. 1996 expect beta ≈ 0.2)")
    ax.legend(fontsize=8)
    return _save(fig, path)


def _backtest(panel: Panel, path: Path, n_paths: int) -> Path:
    scores = rolling_origin(panel, n_paths=n_paths)
    table = coverage_table(scores)
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4.2))
    a.hist(scores.loc[scores.kind == "aggregate", "pit"], bins=10, range=(0, 1), density=True, color="#9bb", label="aggregates")
    a.hist(scores.loc[scores.kind == "enterprise", "pit"], bins=10, range=(0, 1), density=True, histtype="step", color="k", label="enterprises")
    a.axhline(1.0, color="r", ls=":")
    a.set_title("PIT histogram (flat = calibrated)")
    a.set_xlabel("PIT")
    a.legend(fontsize=8)
    for level, style in zip(LEVELS, ("o-", "s-", "^-")):
        col = f"in{int(level * 100)}"
        for kind, colour in (("aggregate", "#268"), ("enterprise", "#a52")):
            sub = table[table.kind == kind]
            b.plot(sub.horizon, sub[col], style, color=colour, label=f"{kind} {level:.0%}")
        b.axhline(level, color="grey", ls=":")
    b.set_xticks(sorted(table.horizon.unique()))
    b.set_xlabel("horizon (years)")
    b.set_ylabel("empirical coverage")
    b.set_title("Interval coverage, rolling origins 2010-2012")
    b.legend(fontsize=7, ncol=2)
    return _save(fig, path)


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    from .outputs import FIGURE_SOURCE

    # The Source text marks the file as attain's own: only such a file is ever replaced.
    fig.savefig(path, dpi=110, metadata={"Source": FIGURE_SOURCE})
    plt.close(fig)
    return path
