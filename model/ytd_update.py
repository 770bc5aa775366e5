"""The mid-year update of a run: the nowcast it starts from, and each target's P before and after.

"Before" is the same scenario, seed and paths without the update (common random
numbers), so a difference is the update's, not noise: its Monte Carlo error is
that of the paired difference. The reason a target moved is stated from the
run itself: the current year's median before and after for the target's
quantity, how much of it the table reports, and for a count target the
candidates whose chance of crossing the threshold moved most.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .context import RunContext
from .data import Panel, default_data_dir
from .dispatch import load_dispatch
from .engine import RunOutput
from .nowcast import build_nowcast, nowcast_table
from .seasonality import estimate_pattern
from .summary import _labels
from .ytd_condition import YtdCondition, condition_for

__all__ = ["prepare_ytd", "compare_runs", "default_history"]

_MOVERS = 3


def default_history(data_dir: Path | None) -> Path:
    """The monthly history of a dataset folder: ``DIR/monthly/history.csv``."""
    return Path(data_dir or default_data_dir()) / "monthly" / "history.csv"


def prepare_ytd(ctx: RunContext, table: Path, history: Path | None = None, unit: str | None = None, sheet: str | None = None) -> YtdCondition:
    """Read the table and the history, estimate the pattern, nowcast, and map it onto the run's leaves.

    Parameters
    ----------
    ctx : RunContext
        The run it conditions (its first simulated year is the table's year).
    table : Path
        The current year's 月调度表.
    history : Path, optional
        Monthly history (default: :func:`default_history` of the run's data).
    unit, sheet : str, optional
        As for ``attain data check``.

    Returns
    -------
    YtdCondition
    """
    panel: Panel = ctx.panel
    hist = load_dispatch(history or default_history(Path(ctx.data_dir)), panel)
    current = load_dispatch(table, panel, year=int(ctx.years[0]), unit=unit, sheet=sheet, history=hist)
    pattern = estimate_pattern(hist, panel)
    return condition_for(build_nowcast(current, pattern, panel, int(ctx.years[0])), ctx.hierarchy, int(ctx.years[0]))


def compare_runs(before: RunOutput, after: RunOutput, cond: YtdCondition) -> dict:
    """Every evaluable target's P before and after the update, with the reason it moved.

    Returns
    -------
    dict
        ``nowcast`` (what the update read and assumed) and ``targets``: per target
        ``p_before``, ``p_after``, ``delta``, ``se_delta`` (paired), ``source``,
        ``current_year`` medians, ``reported`` and ``movers`` (count targets).
    """
    ctx = after.context
    covered = np.zeros(len(ctx.hierarchy.leaves), bool)
    for g in cond.groups:
        covered[g] = True
    rows = []
    for c in ctx.targets:
        if not c.evaluable:
            continue
        tid, t = c.target.id, c.target
        xb, xa = before.stack("values", tid), after.stack("values", tid)
        hb, ha = xb >= t.at_least, xa >= t.at_least
        d = ha.astype(float) - hb.astype(float)
        first_b, first_a = before.stack("paths", tid)[:, 0], after.stack("paths", tid)[:, 0]
        row = {"id": tid, "title_zh": t.title_zh, "title_en": t.title_en, "year": t.year, "at_least": t.at_least,
               "p_before": float(hb.mean()), "p_after": float(ha.mean()), "delta": float(d.mean()), "se_delta": float(d.std() / np.sqrt(d.size)),
               "median_before": float(np.median(xb)), "median_after": float(np.median(xa)),
               "current_year": {"year": int(ctx.years[0]), "median_before": float(np.median(first_b)), "median_after": float(np.median(first_a))}}
        if c.flow is not None:
            row["source"] = "project state"
            row["reported"] = None
        else:
            row["source"] = "revenue nowcast"
            row["reported"] = _reported(c, ctx, covered)
        if tid in after.blocks[0].watch:
            row["movers"] = _movers(c, before, after)
        rows.append(row)
    return {"nowcast": _nowcast_info(cond), "targets": rows}


def _reported(c, ctx: RunContext, covered: np.ndarray) -> dict:
    """How much of the target's scope the table reports: candidates (counts) or 2013 revenue share (levels)."""
    h = ctx.hierarchy
    last = np.nan_to_num(h.history[:, -1])
    if c.is_count:
        ent = h.enterprise_leaves[c.enterprises]
        n_nodes = [covered[h.members_of(h.nodes[i])].mean() > 0.5 for i in c.nodes]
        return {"candidates": int(len(c.enterprises) + len(c.nodes)), "reported": int(covered[ent].sum() + sum(n_nodes))}
    leaves = np.flatnonzero(h.matrix[c.nodes].sum(axis=0) > 0) if len(c.nodes) else h.enterprise_leaves[c.enterprises]
    total = last[leaves].sum()
    return {"share_of_revenue": float(last[leaves][covered[leaves]].sum() / total) if total > 0 else 0.0}


def _movers(c, before: RunOutput, after: RunOutput) -> list[dict]:
    tid = c.target.id
    n = before.n_paths
    pb = sum(b.watch[tid] for b in before.blocks)[0] / n
    pa = sum(b.watch[tid] for b in after.blocks)[0] / n
    labels = _labels(c, after)
    order = np.argsort(-np.abs(pa - pb), kind="stable")[:_MOVERS]
    return [{"entity": labels[i][0], "name": labels[i][1], "p_cross_before": float(pb[i]), "p_cross_after": float(pa[i])} for i in order if pa[i] != pb[i]]


def _nowcast_info(cond: YtdCondition) -> dict:
    nc = cond.nowcast
    table = nowcast_table(nc, n=2000)
    e = nc.pattern.kinds["enterprise"]
    year_sd, own_sd = e.scales(nc.month)
    return {"table": nc.label, "year": nc.year, "month": nc.month, "illustrative": nc.illustrative,
            "units": len(nc.units), "enterprises": int((table["kind"] == "enterprise").sum()), "parks": int((table["kind"] == "park").sum()),
            "assumption": nc.pattern.describe(), "pattern_source": nc.pattern.source, "pattern_years": list(nc.pattern.years),
            "share_to_date": float(np.exp(e.mean[nc.month - 1])), "sd_year": float(year_sd), "sd_entity": float(own_sd),
            "flags": list(nc.flags), "unplaced": list(cond.unplaced),
            "project_state": "not conditioned (the project dispatch table, --ytd-projects, is not implemented yet)"}
