"""Top-down check of the bottom-up aggregates.

The run builds every region total bottom-up (members + remainders, plus the
project pipeline). This module fits the single-series forecaster
(:func:`model.forecast.forecast`, the M4-benchmarked model) to each region's own
history and reports where the two views disagree: the ratio of the medians, and
whether the bottom-up median lies inside the top-down 80 % interval.

The province agrees by construction (leaf growth redistributes shares inside the
macro path, and the organic adjustment removes the baseline pipeline from the
trend), so its ratio is a check of the machinery. Cities, boards and counties are
free to differ: a city whose members grew faster than its total carries that
composition forward, which the top-down fit of the total does not see.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .engine import RunOutput, key_nodes
from .forecast import forecast, load_priors

__all__ = ["topdown_check", "topdown_command", "REPORT_YEARS"]

#: Years reported by default: the documents' milestone years inside the horizon.
REPORT_YEARS = (2015, 2016, 2020, 2025)
_LEVEL = 0.8


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
        # Same kernel settings as the bottom-up macro path (model.calibrate fits it with load_priors()),
        # so the province agrees by construction; model.forecast's own default (filtered start,
        # class widening, issue 12 item 4) differs until the macro path gets its filtered start too.
        td = forecast(hist, len(sim_years), levels=(_LEVEL,), seed=np.random.SeedSequence(seed, spawn_key=(k,)), priors=load_priors())
        bu = np.quantile(nodes[:, k, :].astype(float), [0.1, 0.5, 0.9], axis=0)
        for j in cols:
            rows.append({
                "region": node, "name": panel.regions.at[node, "name"], "level": panel.regions.at[node, "level"],
                "year": sim_years[j], "bottom_up_q10": bu[0, j], "bottom_up_median": bu[1, j], "bottom_up_q90": bu[2, j],
                "top_down_q10": td.lower[_LEVEL][j], "top_down_median": td.mean[j], "top_down_q90": td.upper[_LEVEL][j],
            })
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame["ratio"] = frame["bottom_up_median"] / frame["top_down_median"]
    frame["inside"] = (frame["bottom_up_median"] >= frame["top_down_q10"]) & (frame["bottom_up_median"] <= frame["top_down_q90"])
    return frame


def _markdown(frame: pd.DataFrame, out: RunOutput) -> str:
    scen = out.context.scenario
    lines = [
        "# Top-down check of the bottom-up region totals", "",
        f"Scenario `{scen.get('scenario', 'name')}`, {out.n_paths} paths, seed {out.seed}; "
        f"calibration: {out.context.calibration_source}. Written by `attain topdown --write`.", "",
        "Bottom-up: the run's totals (members + remainders + pipeline). Top-down: `model.forecast` fitted to the "
        "region's own 2008-2013 history. `ratio` = bottom-up median / top-down median; `inside` = the bottom-up "
        "median lies in the top-down 80 % interval.", "",
    ]
    if out.context.panel.illustrative:
        lines += ["Illustrative data: the embedded panel is synthetic around published anchors.", ""]
    lines += [_summary_line(frame), "", "| region | year | bottom-up median [10-90%] | top-down median [10-90%] | ratio | inside |", "|---|---|---|---|---|---|"]
    for r in frame.itertuples():
        lines.append(
            f"| {r.region} {r.name} | {r.year} | {r.bottom_up_median:,.0f} [{r.bottom_up_q10:,.0f}-{r.bottom_up_q90:,.0f}] | "
            f"{r.top_down_median:,.0f} [{r.top_down_q10:,.0f}-{r.top_down_q90:,.0f}] | {r.ratio:.3f} | {'yes' if r.inside else 'NO'} |"
        )
    return "\n".join(lines) + "\n"


def _summary_line(frame: pd.DataFrame) -> str:
    parts = []
    for level, g in frame.groupby("level", sort=False):
        dev = np.abs(np.log(g["ratio"]))
        parts.append(f"{level}: median |log ratio| {dev.median():.3f}, max {dev.max():.3f}, inside {g['inside'].mean():.0%} of {len(g)}")
    return "Discrepancy by level: " + "; ".join(parts) + "."


def topdown_command(scenario: str, paths: int, seed: int | None, as_json: bool, write: Path | None, data_dir: Path | None = None) -> int:
    """``attain topdown``: run a scenario and print (or write) the check.

    Parameters
    ----------
    scenario : str
        Scenario file or name.
    paths : int
    seed : int, optional
    as_json : bool
    write : Path, optional
        Also write the Markdown report here (checked before the run).
    data_dir : Path, optional
        Dataset folder (default: the embedded data).

    Returns
    -------
    int
    """
    from .context import prepare
    from .engine import run_blocks
    from .results import check_output_file, write_text
    from .scenario import load_scenario

    scen = load_scenario(scenario).with_overrides(paths=paths, seed=seed)
    if write is not None:
        check_output_file(write, flag="--write")
    out = run_blocks(prepare(scen, data_dir=data_dir), scen.get("scenario", "paths"), scen.get("scenario", "seed"))
    frame = topdown_check(out)
    text = _markdown(frame, out)
    if as_json:
        print(json.dumps({"summary": _summary_line(frame), "rows": frame.to_dict(orient="records")}, ensure_ascii=False, indent=1, default=str))
    else:
        print(text)
    if write is not None:  # after printing, so a failed write does not lose the report
        write_text(text, write)
    return 0
