"""Top-down check of the bottom-up aggregates.

The run builds every region total bottom-up (members + remainders, plus the
project pipeline). This module fits the province's damped-trend law, under the
run's own stated macro view (:mod:`model.macro_view`), to each region's own
history and reports where the two views disagree: the ratio of the medians, and
whether the bottom-up median lies inside the top-down 80 % interval. (It used
the M4-prior forecaster before the province's macro path stopped using M4
priors; comparing against another prior would measure the priors' difference.)

The province is close but not equal by construction: leaf growth redistributes
shares inside the macro path, existing firms keep the share of the trend's growth
that history left them (:func:`model.organic.organic_split`) and the simulated
projects add their own revenue. Cities, boards and counties are
free to differ: a city whose members grew faster than its total carries that
composition forward, which the top-down fit of the total does not see.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .engine import RunOutput, key_nodes
from .forecast import clean_series
from .macro_view import macro_posterior, simulate_levels

__all__ = ["topdown_check", "topdown_markdown", "summary_line", "REPORT_YEARS"]

#: Years reported by default: the documents' milestone years inside the horizon.
REPORT_YEARS = (2015, 2016, 2020, 2025)
_LEVEL = 0.8
#: Simulated paths of each top-down forecast.
_TD_PATHS = 2000


def topdown_check(out: RunOutput, years: tuple[int, ...] = REPORT_YEARS, seed: int = 0) -> pd.DataFrame:
    """Compare the run's region totals with top-down forecasts of their own history.

    Parameters
    ----------
    out : RunOutput
        A finished run (its stored key aggregates are used).
    years : tuple of int
        Calendar years to report (those outside the run's horizon are skipped).
    seed : int
        Seed of the top-down forecasts' simulated paths.

    Returns
    -------
    pandas.DataFrame
        One row per (region, year): ``bottom_up_median``, ``bottom_up_q10``,
        ``bottom_up_q90``, ``top_down_median``, ``top_down_q10``, ``top_down_q90``,
        ``ratio`` (bottom-up / top-down median) and ``inside`` (bottom-up median
        within the top-down 80 % interval).
    """
    ctx = out.context
    panel, sim_years = ctx.panel, [int(y) for y in ctx.years]
    names = key_nodes(ctx)
    nodes = out.stack("nodes")
    cols = [sim_years.index(y) for y in years if y in sim_years]
    rows = []
    for k, node in enumerate(names):
        if node not in panel.regions.index or node not in panel.revenue.index:
            continue  # industries, and regions without revenue history (Xinyi)
        hist = panel.revenue.loc[node].to_numpy(float)
        if np.sum(np.isfinite(hist) & (hist > 0)) < 2:
            continue
        post = macro_posterior(clean_series(hist), ctx.params.macro.view)
        levels = simulate_levels(post, len(sim_years), _TD_PATHS, np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(k,))))
        tdq = np.quantile(levels, [(1 - _LEVEL) / 2, 0.5, (1 + _LEVEL) / 2], axis=0)
        bu = np.quantile(nodes[:, k, :].astype(float), [0.1, 0.5, 0.9], axis=0)
        for j in cols:
            rows.append({
                "region": node, "name": panel.regions.at[node, "name"], "level": panel.regions.at[node, "level"],
                "year": sim_years[j], "bottom_up_q10": bu[0, j], "bottom_up_median": bu[1, j], "bottom_up_q90": bu[2, j],
                "top_down_q10": tdq[0, j], "top_down_median": tdq[1, j], "top_down_q90": tdq[2, j],
            })
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame["ratio"] = frame["bottom_up_median"] / frame["top_down_median"]
    frame["inside"] = (frame["bottom_up_median"] >= frame["top_down_q10"]) & (frame["bottom_up_median"] <= frame["top_down_q90"])
    return frame


def topdown_markdown(frame: pd.DataFrame, out: RunOutput) -> str:
    """The check as a Markdown report (what ``attain topdown`` prints and ``--write`` saves)."""
    scen = out.context.scenario
    lines = [
        "# Top-down check of the bottom-up region totals", "",
        f"Scenario `{scen.get('scenario', 'name')}`, {out.n_paths} paths, seed {out.seed}; "
        f"calibration: {out.context.calibration_source}. Written by `attain topdown --write`.", "",
        "Bottom-up: the run's totals (members + remainders + pipeline). Top-down: the province's damped-trend law "
        "under the run's stated macro view, fitted to the region's own 2008-2013 history. `ratio` = bottom-up median / top-down median; `inside` = the bottom-up "
        "median lies in the top-down 80 % interval.", "",
    ]
    if out.context.panel.illustrative:
        lines += ["Illustrative data: the embedded panel is synthetic around published anchors.", ""]
    lines += [summary_line(frame), "", "| region | year | bottom-up median [10-90%] | top-down median [10-90%] | ratio | inside |", "|---|---|---|---|---|---|"]
    for r in frame.itertuples():
        lines.append(
            f"| {r.region} {r.name} | {r.year} | {r.bottom_up_median:,.0f} [{r.bottom_up_q10:,.0f}-{r.bottom_up_q90:,.0f}] | "
            f"{r.top_down_median:,.0f} [{r.top_down_q10:,.0f}-{r.top_down_q90:,.0f}] | {r.ratio:.3f} | {'yes' if r.inside else 'NO'} |"
        )
    return "\n".join(lines) + "\n"


def summary_line(frame: pd.DataFrame) -> str:
    """One sentence: the discrepancy between the two views at each level of the hierarchy."""
    parts = []
    for level, g in frame.groupby("level", sort=False):
        dev = np.abs(np.log(g["ratio"]))
        parts.append(f"{level}: median |log ratio| {dev.median():.3f}, max {dev.max():.3f}, inside {g['inside'].mean():.0%} of {len(g)}")
    return "Discrepancy by level: " + "; ".join(parts) + "."
