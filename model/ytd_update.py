"""The mid-year update of a run: the nowcast it starts from, the reported project state, and each target's P before and after.

"Before" is the same scenario, seed and paths without the update (common random
numbers), so a difference is the update's, not noise: its Monte Carlo error is
that of the paired difference. The reason a target moved is stated from the
run itself: the current year's median before and after for the target's
quantity, how much of it the table reports, and for a count target the
candidates whose chance of crossing the threshold moved most; for the 百项
list's start and completion targets, the reported counts (the state every path
is moved to, :mod:`model.pipeline.list_condition`) and the months still simulated.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from .context import RunContext
from .panel import Panel, default_data_dir
from .dispatch import load_dispatch
from .engine import RunOutput
from .errors import UsageError
from .file_records import file_records
from .nowcast import build_nowcast, nowcast_table
from .project_dispatch import ProjectDispatch, load_project_dispatch
from .seasonality import estimate_pattern
from .summary import _labels
from .ytd_condition import YtdCondition, condition_for
from .ytd_pooling import estimate_pooling

__all__ = ["prepare_ytd", "prepare_projects", "compare_runs", "default_history", "input_records", "LISTED_PROGRAMME"]

#: The programme whose yearly list a project dispatch table reports (the 百项 list).
LISTED_PROGRAMME = "jx_major"

_MOVERS = 3


def default_history(data_dir: Path | None) -> Path:
    """The monthly history of a dataset folder: ``DIR/monthly/history.csv``."""
    return Path(data_dir or default_data_dir()) / "monthly" / "history.csv"


def input_records(table: Path | None, history: Path | None, projects: Path | None, data_dir: Path | None) -> tuple[dict, ...]:
    """The update's input files with their SHA-256, for the result's manifest.

    Parameters
    ----------
    table, history, projects : Path or None
        ``--ytd``, ``--ytd-history`` (default: the data's monthly history when ``--ytd`` is given) and ``--ytd-projects``.
    data_dir : Path or None
        The run's dataset folder.

    Returns
    -------
    tuple of dict
        ``role``, ``path``, ``sha256`` per file read.
    """
    files = []
    if table is not None:
        files += [("ytd", Path(table)), ("ytd_history", Path(history) if history is not None else default_history(data_dir))]
    if projects is not None:
        files.append(("ytd_projects", Path(projects)))
    return file_records(files)


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
    hist = load_dispatch(_shown(history or default_history(Path(ctx.data_dir))), panel)
    current = load_dispatch(table, panel, year=int(ctx.years[0]), unit=unit, sheet=sheet, history=hist)
    pattern = estimate_pattern(hist, panel)
    cond = condition_for(build_nowcast(current, pattern, panel, int(ctx.years[0])), ctx.hierarchy, int(ctx.years[0]))
    # The non-reporters share the year the reporters reveal, as far as the model's own paths say they do.
    return dataclasses.replace(cond, pooling=estimate_pooling(ctx, cond.groups, int(ctx.scenario.get("scenario", "seed"))))


def prepare_projects(ctx: RunContext, table: Path, unit: str | None = None, sheet: str | None = None) -> ProjectDispatch:
    """Read and validate the 项目调度表 of the run's current year.

    Raises
    ------
    UsageError
        When the scenario simulates no 百项 list (pipeline off, or list length 0).
    DataError
        A bad table (every problem, located).
    """
    pipe = ctx.pipeline
    if pipe is None or LISTED_PROGRAMME not in pipe.names or pipe.programme(LISTED_PROGRAMME).list_length <= 0:
        raise UsageError(f"--ytd-projects {table}: this scenario simulates no 百项 list (its [pipeline] is off or list_length_{LISTED_PROGRAMME} is 0); "
                         "expected a scenario with the project pipeline")
    return load_project_dispatch(table, year=int(ctx.years[0]), unit=unit, sheet=sheet, regions=ctx.panel.regions)


def _shown(path: Path) -> Path:
    """The path relative to the working folder when it lies inside it (as the planner would type it)."""
    try:
        return Path(path).resolve().relative_to(Path.cwd())
    except ValueError:
        return Path(path)


def compare_runs(before: RunOutput, after: RunOutput, cond: YtdCondition | None, projects: ProjectDispatch | None = None) -> dict:
    """Every evaluable target's P before and after the update, with the reason it moved.

    Parameters
    ----------
    before, after : RunOutput
        The same scenario, seed and paths without and with the update.
    cond : YtdCondition or None
        The revenue nowcast (``--ytd``).
    projects : ProjectDispatch, optional
        The project dispatch table (``--ytd-projects``).

    Returns
    -------
    dict
        ``nowcast`` (what the update read and assumed, or None), ``projects``
        (what the project table reported and what it conditions, or None) and
        ``targets``: per target ``p_before``, ``p_after``, ``delta``, ``se_delta``
        (paired), ``source``, ``current_year`` medians, ``reported`` and
        ``movers`` (count targets).
    """
    ctx = after.context
    covered = np.zeros(len(ctx.hierarchy.leaves), bool)
    for g in (cond.groups if cond is not None else ()):
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
        if c.innovation:  # Xinyi's investment and innovation model reads no mid-year table
            row["source"], row["reported"] = "not conditioned", None
        elif c.flow is not None:
            row["source"] = "project state"
            row["reported"] = _project_reported(c, ctx, projects)
        else:
            row["source"] = "revenue nowcast" if cond is not None else "revenue (no --ytd table)"
            row["reported"] = _reported(c, ctx, covered) if cond is not None else None
        if tid in after.blocks[0].watch and cond is not None:
            row["movers"] = _movers(c, before, after)
        rows.append(row)
    return {"nowcast": _nowcast_info(cond) if cond is not None else None,
            "projects": _projects_info(projects) if projects is not None else None, "targets": rows}


def _project_reported(c, ctx: RunContext, projects: ProjectDispatch | None) -> dict:
    """Whether a flow target is conditioned on the project table, with the reported count, or why not."""
    prog, field = c.flow
    if projects is None:
        return {"conditioned": False, "why": "no project dispatch table (--ytd-projects)"}
    if prog != LISTED_PROGRAMME or field not in ("list_starts", "list_completions"):
        return {"conditioned": False, "why": f"programme '{prog}' ({field}) is not the 百项 list the table reports"}
    if c.target.year != projects.year:
        return {"conditioned": False, "why": f"the table reports {projects.year}; later years are simulated from its state (a project reported producing does not produce again)"}
    starts = field == "list_starts"
    return {"conditioned": True, "what": "starts" if starts else "completions", "reported": projects.starts if starts else projects.completions,
            "month": projects.month}


def _projects_info(projects: ProjectDispatch) -> dict:
    info = projects.summary()
    info["conditioned"] = (f"{projects.year} starts (开工) and completions (投产) of the {LISTED_PROGRAMME} 百项 list: on every path the list's most advanced "
                           f"projects are moved to the reported January–{projects.month} state and dates (started, producing), so they do not start or produce again; "
                           f"the rest of the year, later years, revenue and investment follow from the moved projects")
    info["not_conditioned"] = ("the list's composition, 竣工 of projects not producing, the reported investment (validated, not used), "
                               "and Ganzhou's >1亿 projects (gz_1yi)")
    return info


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
            "pattern_file": nc.pattern.file, "pattern_illustrative": nc.pattern.illustrative,
            "share_to_date": float(np.exp(e.mean[nc.month - 1])), "sd_year": float(year_sd), "sd_entity": float(own_sd),
            "flags": list(nc.flags), "unplaced": list(cond.unplaced),
            "non_reporters": cond.pooling.info() if cond.pooling is not None else None}
