"""From simulated paths to what a planner reads: P(attain) ± MC error and the rest.

Every probability is a mean of independent path indicators, so its Monte Carlo
standard error is ``sqrt(p (1 - p) / n)``; with p = 0 or 1 the error shown is
the 95 % upper bound ``3 / n`` (rule of three) so a certainty is never claimed.
"""

from __future__ import annotations

import numpy as np

from .counts import members_2013
from .engine import RunOutput, key_nodes
from .start_values import top_tier
from .targets import CompiledTarget
from .xinyi import basis as xinyi_basis

__all__ = ["summarise", "target_summary", "probability", "QUANTILES", "DECISIVE_BAND"]

QUANTILES = (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)
DECISIVE_BAND = (0.2, 0.8)
_WATCH_TOP = 10


def probability(hit: np.ndarray) -> tuple[float, float]:
    """P and its Monte Carlo standard error (rule of three at 0 or 1)."""
    n = hit.size
    p = float(hit.mean())
    se = float(np.sqrt(p * (1 - p) / n)) if 0 < p < 1 else 3.0 / n
    return p, se


def target_summary(c: CompiledTarget, out: RunOutput) -> dict:
    """Everything reported for one target."""
    t = c.target
    base = {
        "id": t.id, "title_zh": t.title_zh, "title_en": t.title_en, "document": t.document, "clause": t.clause,
        "year": t.year, "kind": t.kind, "metric": t.metric, "scope": t.scope.describe(), "at_least": t.at_least,
        "threshold": t.threshold, "unit": t.unit, "target_unit": t.target_unit, "evaluable": c.evaluable, "why_not": c.why_not,
    }
    if not c.evaluable:
        return base
    x = out.stack("values", t.id)
    hit = x >= t.at_least
    p, se = probability(hit)
    base.update(probability=p, se=se, n_paths=int(x.size), mean=float(x.mean()), quantiles=_quantiles(x))
    base["expected_shortfall"] = float((t.at_least - x[~hit]).mean()) if (~hit).any() else 0.0
    # Heavy upper tails make means unrepresentative: the median shortfall and gap stand beside them.
    base["median_shortfall"] = float(np.median(t.at_least - x[~hit])) if (~hit).any() else 0.0
    if c.is_count or c.flow is not None:
        values, counts = np.unique(x.astype(int), return_counts=True)
        base["distribution"] = {int(v): float(k / x.size) for v, k in zip(values, counts)}
    if c.is_count and c.flow is None:  # made-up members above the threshold (model.counts)
        base["members_2013"] = members_2013(c, out.context.panel, out.context.hierarchy, out.context.counts)
    if c.innovation:  # Xinyi: what this probability rests on, beside it (model.xinyi.basis)
        base["rests_on"] = xinyi_basis(c.innovation)
    base["path"] = _path(c, out)
    if c.flow is None and not c.innovation:  # project flows are the pipeline itself, Xinyi's model has no revenue stages: nothing to decompose
        base["decomposition"] = _decomposition(c, out)
    if c.target.id in out.blocks[0].watch:
        base["watch_list"] = _watch(c, out, hit)
    return base


def _quantiles(x: np.ndarray) -> dict[str, float]:
    return {f"q{int(q * 100):02d}": float(v) for q, v in zip(QUANTILES, np.quantile(x, QUANTILES))}


def _path(c: CompiledTarget, out: RunOutput) -> list[dict]:
    """Year-by-year quantiles of the measured quantity, with the documents' milestones."""
    paths = out.stack("paths", c.target.id)
    rows = []
    for j, year in enumerate(out.context.years):
        q = np.quantile(paths[:, j], (0.1, 0.5, 0.9))
        rows.append({"year": int(year), "q10": float(q[0]), "q50": float(q[1]), "q90": float(q[2]), "milestone": c.target.milestones.get(int(year))})
    return rows


def _decomposition(c: CompiledTarget, out: RunOutput) -> dict:
    """Value split into organic growth, projects of existing firms and new entrants: mean and median side by side.

    The mean is pulled up by a heavy upper tail (a few explosive paths), so the
    median split and the median gap (target minus median outcome) are the
    "typical" reading; the mean keeps its additive split.
    """
    stacked = out.stack("components", c.target.id)
    organic, with_projects, total = (float(v) for v in stacked.mean(axis=0))
    m_org, m_proj, m_total = (float(v) for v in np.median(stacked, axis=0))
    return {
        "organic": organic, "projects": with_projects - organic, "new_entrants": total - with_projects,
        "expected": total, "target": c.target.at_least, "expected_gap": float(c.target.at_least - total),
        "median_organic": m_org, "median_projects": m_proj - m_org, "median_new_entrants": m_total - m_proj,
        "median": m_total, "median_gap": float(c.target.at_least - m_total),
    }


def _watch(c: CompiledTarget, out: RunOutput, hit: np.ndarray) -> list[dict]:
    """Entities in the decisive band ranked by how much forcing them across raises P(target)."""
    sums = sum(b.watch[c.target.id] for b in out.blocks)
    n = hit.size
    p_cross, p_forced = sums[0] / n, sums[1] / n
    lift = p_forced - hit.mean()
    labels = _labels(c, out)
    band = np.flatnonzero((p_cross >= DECISIVE_BAND[0]) & (p_cross <= DECISIVE_BAND[1]))
    order = band[np.argsort(-lift[band], kind="stable")][:_WATCH_TOP]
    return [{"entity": labels[i][0], "name": labels[i][1], "p_cross": float(p_cross[i]), "p_target_if_crosses": float(p_forced[i]), "lift": float(lift[i])} for i in order]


def _labels(c: CompiledTarget, out: RunOutput) -> list[tuple[str, str]]:
    ctx = out.context
    names = {**ctx.panel.parks["name"].to_dict(), **ctx.panel.clusters["name"].to_dict(), **ctx.panel.regions["name"].to_dict(), **ctx.panel.enterprises["name"].to_dict()}
    ent_ids = ctx.hierarchy.leaves.iloc[ctx.hierarchy.enterprise_leaves]["id"].tolist()
    node_ids = [ctx.hierarchy.nodes[i] for i in c.nodes]
    ids = node_ids + [ent_ids[i] for i in c.enterprises]
    return [(i, names.get(i, i)) for i in ids]


def summarise(out: RunOutput, structural: dict | None = None) -> dict:
    """JSON-ready summary of a whole run.

    Parameters
    ----------
    out : RunOutput
    structural : dict, optional
        :func:`model.structural.run_structural` of the same run: each target
        gets ``structural`` (per-variant P, ``low``, ``high``), the summary the
        variant list.
    """
    ctx = out.context
    targets = [target_summary(c, out) for c in ctx.targets]
    if structural is not None:
        for t in targets:
            if t["id"] in structural["targets"]:
                t["structural"] = structural["targets"][t["id"]]
    return {
        "scenario": ctx.scenario.name,
        "description": ctx.scenario.get("scenario", "description"),
        "description_en": ctx.scenario.get("scenario", "description_en"),
        "n_paths": out.n_paths,
        "seed": out.seed,
        "years": [int(y) for y in ctx.years],
        "illustrative_data": ctx.panel.illustrative,
        "calibration": ctx.calibration_source,
        "conditional_on": _conditional_on(out),
        "macro_view": ctx.params.macro.summary(),
        "structural": None if structural is None else {k: v for k, v in structural.items() if k != "targets"},
        "targets": targets,
        "aggregates": _aggregates(out),
        "pipeline": _pipeline(out),
        "fiscal": _fiscal(out),
        "counts": _counts(out),
    }


def _conditional_on(out: RunOutput) -> dict:
    """What every probability of the run assumes: macro view, levers, data."""
    ctx = out.context
    sc = ctx.scenario
    return {
        "macro_view": ctx.params.macro.view.to_dict(),
        "macro_shift": {"shift": sc.get("macro", "shift"), "from": sc.get("macro", "shift_from"), "m4_widening": sc.get("macro", "widen")},
        "levers": {"scenario_files": list(sc.chain), "pipeline": sc.get("pipeline", "enabled")},
        "data": {"folder": ctx.data_dir, "illustrative": ctx.panel.illustrative, "calibration": ctx.calibration_source},
        **({"xinyi": ctx.xinyi.conditions()} if ctx.xinyi is not None else {}),
    }


def _counts(out: RunOutput) -> dict:
    """The count model of the run (exit, below-floor firms, entrants, drawn made-up values) and the 2013 top tier."""
    ctx = out.context
    return {**(ctx.counts.settings() if ctx.counts is not None else {}), "top_tier_2013": top_tier(ctx.panel)}


def _fiscal(out: RunOutput) -> list[dict]:
    """Expected reward payments per year (万元) for each schedule, or why they are not evaluated."""
    rows = []
    for c in out.context.schedules:
        s = c.schedule
        row = {"id": s.id, "title_zh": s.title_zh, "title_en": s.title_en, "payer": s.payer, "recipient": s.recipient, "unit": s.amount_unit, "evaluable": c.evaluable, "why_not": c.why_not}
        if c.evaluable:
            cost = out.stack("fiscal", s.id)
            row.update(years=[int(y) for y in out.context.years], mean=cost.mean(axis=0).round(1).tolist(), q10=np.quantile(cost, 0.1, axis=0).round(1).tolist(), q90=np.quantile(cost, 0.9, axis=0).round(1).tolist())
        rows.append(row)
    return rows


def _aggregates(out: RunOutput) -> dict:
    nodes = out.stack("nodes")
    return {k: {"q10": np.quantile(nodes[:, i, :], 0.1, axis=0).round(2).tolist(), "q50": np.quantile(nodes[:, i, :], 0.5, axis=0).round(2).tolist(), "q90": np.quantile(nodes[:, i, :], 0.9, axis=0).round(2).tolist()} for i, k in enumerate(key_nodes(out.context)) if np.isfinite(nodes[:, i, :]).all() and nodes[:, i, :].any()}


def _pipeline(out: RunOutput) -> dict:
    if not out.blocks[0].flows or out.context.pipeline is None:
        return {"enabled": False}
    flows = {k: np.quantile(out.stack("flows", k), 0.5, axis=0).round(1).tolist() for k in out.blocks[0].flows}
    queues = {k: float(np.nanmean([b.queues[k] for b in out.blocks])) for k in out.blocks[0].queues}
    lags = {}
    for prog in out.blocks[0].lag_months:
        lag = np.concatenate([b.lag_months[prog] for b in out.blocks])
        lags[prog] = {"q10": float(np.quantile(lag, 0.1)), "q50": float(np.quantile(lag, 0.5)), "q90": float(np.quantile(lag, 0.9))} if lag.size else {}
    return {"enabled": True, "median_flows": flows, "queues": queues, "signing_to_production_months": lags,
            "provincial_list": _provincial_list(out)}


def _provincial_list(out: RunOutput) -> dict:
    """The yearly 百项 list: its length and mean composition and flows per year (means add up)."""
    keys = [k for k in out.blocks[0].flows if k.startswith("jx_major.list_")]
    if not keys or out.context.pipeline is None:
        return {}
    prog = out.context.pipeline.programme("jx_major")
    mean = {k.removeprefix("jx_major.list_"): out.stack("flows", k).mean(axis=0).round(1).tolist() for k in keys}
    return {"programme": "jx_major", "length": int(prog.list_length), "years": [int(y) for y in out.context.years], "mean": mean}
