"""Structural range: P(attain) under a documented set of defensible alternatives.

The Monte Carlo error (± beside P) only says how precisely the model's own
probability is computed. Which model is right is a separate, usually larger,
uncertainty. Every run therefore re-runs the scenario under a few alternative
assumptions that a careful forecaster could equally defend, with the same seed
(common random numbers: the same shocks, so differences are the assumption,
not noise), and reports the lowest and highest P as the structural range.

The variants are a registry (:data:`VARIANTS`): a name, a description and a
function from a :class:`~model.context.RunContext` to a modified one. Another
module adds its own with :func:`register` (for example entry/exit rules).

Cost and precision: variants run ``n_paths`` paths (by default the main run's
paths capped at 500, rounded to whole blocks). Each variant's P is reported as
the main run's P plus the variant's difference from the main run *on the same
first paths* (a common-random-numbers difference), so the variants carry the
main run's precision plus the much smaller noise of a paired difference.

What the range does not cover: anything outside the listed alternatives (other
growth laws, data errors, policy changes, levers) and Monte Carlo noise of the
paired differences (about ``sqrt(2 p (1-p) / n) * sqrt(1 - corr)``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .context import RunContext, with_history, with_macro_view
from .engine import RunOutput, run_values
from .xinyi import ASSUMED_PLAN_GROWTH, with_level_factor, with_trend_factor, with_unit_rate

__all__ = ["Variant", "VARIANTS", "register", "run_structural", "structural_paths", "DEFAULT_PATHS"]

#: Paths per variant unless the caller asks otherwise (capped at the main run's paths).
DEFAULT_PATHS = 500


@dataclass(frozen=True)
class Variant:
    """One defensible alternative assumption.

    Attributes
    ----------
    name : str
        Short identifier (JSON key).
    description : str
        What changes, in a planner's words (English).
    apply : callable
        ``RunContext -> RunContext`` with the alternative assumption.
    """

    name: str
    description: str
    apply: Callable[[RunContext], RunContext]


VARIANTS: dict[str, Variant] = {}


def register(variant: Variant) -> Variant:
    """Add a variant to the registry (a name already present is replaced)."""
    VARIANTS[variant.name] = variant
    return variant


def _view_change(**change) -> Callable[[RunContext], RunContext]:
    def apply(ctx: RunContext) -> RunContext:
        view = ctx.params.macro.view
        values = {k: (v(view) if callable(v) else v) for k, v in change.items()}
        return with_macro_view(ctx, dataclasses.replace(view, **values))

    return apply


register(Variant("macro_low", "long-run growth at the low end of the stated view (mean - sd)", _view_change(long_run_growth=lambda v: v.long_run_growth - v.long_run_growth_sd)))
register(Variant("macro_high", "long-run growth at the high end of the stated view (mean + sd)", _view_change(long_run_growth=lambda v: v.long_run_growth + v.long_run_growth_sd)))
register(Variant("start_switched", "start from the last observed growth instead of the filtered state (or the reverse)", _view_change(start=lambda v: "last_observed" if v.start == "filtered" else "filtered")))
register(Variant("shock_calm", "macro shock sd: prior median 0.03 instead of the view's (calmer years than 2008-2013)", _view_change(shock_sd=0.03)))
register(Variant("shock_wild", "macro shock sd: prior median 0.08 (as volatile as the 2008-2013 swings, persisting)", _view_change(shock_sd=0.08)))
register(Variant("no_parameter_uncertainty", "every path at the point estimates (parameter uncertainty off; on when the scenario has it off)", _view_change(parameter_uncertainty=lambda v: not v.parameter_uncertainty)))


def _counts_change(exit_factor: float = 1.0, synthetic_factor: float = 1.0) -> Callable[[RunContext], RunContext]:
    """Scale the exit hazard or the spread of made-up starting values (count targets)."""

    def apply(ctx: RunContext) -> RunContext:
        cm = ctx.counts
        if cm is None:
            return ctx
        plan = cm.starts
        starts = dataclasses.replace(plan, moves=tuple(dataclasses.replace(m, sd=m.sd * synthetic_factor) for m in plan.moves))
        exit_ = dataclasses.replace(cm.exit, rate=cm.exit.rate * exit_factor)
        return dataclasses.replace(ctx, counts=dataclasses.replace(cm, exit=exit_, starts=starts))

    return apply


register(Variant("exit_none", "no exit or restructuring of tracked firms (hazard 0)", _counts_change(exit_factor=0.0)))
register(Variant("exit_double", "exit hazard twice the stated one (6 % a year at 10亿)", _counts_change(exit_factor=2.0)))
register(Variant("synthetic_fixed", "made-up 2013 values taken as generated (no spread)", _counts_change(synthetic_factor=0.0)))
register(Variant("synthetic_wide", "made-up 2013 values twice as uncertain (log-sd 0.6 firms, 0.3 parks and clusters)", _counts_change(synthetic_factor=2.0)))


def _history_change(**changes: float) -> Callable[[RunContext], RunContext]:
    """Run as if history's pipeline settings (``[history]`` of the calibration) had been ``changes``."""

    def apply(ctx: RunContext) -> RunContext:
        return with_history(ctx, changes)

    return apply


# The pre-2014 intake is sized on two stock anchors (137 ≥10亿 projects under way in 2010, ~90
# 技改 projects ≥10亿 in 2013), not counted: ±25 % is what those anchors leave open. It decides the
# stock the list is drawn from in 2014-2016 and the share of 2008-2013 growth that projects made.
register(Variant("history_intake_low", "pre-2014 intake 30 a year (≥10亿 list and Ganzhou >1亿) instead of 40: a smaller project stock in 2014",
                 _history_change(signed_per_year_jx_major=30, signed_per_year_gz_1yi=30)))
register(Variant("history_intake_high", "pre-2014 intake 50 a year (≥10亿 list and Ganzhou >1亿) instead of 40: a larger project stock in 2014",
                 _history_change(signed_per_year_jx_major=50, signed_per_year_gz_1yi=50)))


def _list_rule(**changes) -> Callable[[RunContext], RunContext]:
    """Read document 000's list rule another way (the provincial 百项 list, ``jx_major``)."""

    def apply(ctx: RunContext) -> RunContext:
        if ctx.pipeline is None or "jx_major" not in ctx.pipeline.names:
            return ctx
        return dataclasses.replace(ctx, pipeline=ctx.pipeline.with_programme("jx_major", **changes))

    return apply


# Document 000 says the list is drawn in the first quarter from projects with good groundwork
# (前期基础好) and that cities add "newly settled projects that have started"; neither the ranking
# nor "newly" is defined. Listed starts depend on both (a reviewer measured P(≥30 listed starts
# in 2015) from 0.03 to 0.67 across readings), so both readings are in the range.
register(Variant("list_starts_first", "百项 list: projects planned to start within the year rank with the ready-to-start ones at selection",
                 _list_rule(list_planned_starts_first=True)))
register(Variant("list_additions_12m", "百项 list: cities add started projects signed up to 12 months before the selection, not only after it",
                 _list_rule(list_added_window_months=12.0)))


def _cycle_scale(factor: float) -> Callable[[RunContext], RunContext]:
    """Scale how strongly producing projects feel the path's cycle (``[cycle]`` elasticities)."""

    def apply(ctx: RunContext) -> RunContext:
        if ctx.pipeline is None:
            return ctx
        c = ctx.pipeline.cycle
        cycle = dataclasses.replace(c, utilisation_elasticity=c.utilisation_elasticity * factor, ramp_elasticity=c.ramp_elasticity * factor)
        return dataclasses.replace(ctx, pipeline=dataclasses.replace(ctx.pipeline, cycle=cycle))

    return apply


# The elasticities are stated assumptions (no data): a plant's revenue moving one for one with the
# province's revenue relative to trend. Without the cycle, boom paths lose the 115 % utilisation.
register(Variant("cycle_none", "producing projects ignore the cycle (utilisation and ramp-up elasticities 0)", _cycle_scale(0.0)))
register(Variant("cycle_double", "producing projects feel the cycle twice as strongly (elasticities 2 and 4)", _cycle_scale(2.0)))


def _xinyi_model(fn) -> Callable[[RunContext], RunContext]:
    """Another Xinyi assumption (``fn`` on the Xinyi model); only Xinyi's targets are rerun (nothing else depends on them)."""
    def apply(ctx: RunContext) -> RunContext:
        if ctx.xinyi is None:
            return dataclasses.replace(ctx, targets=[])
        return dataclasses.replace(ctx, xinyi=fn(ctx.xinyi), targets=[c for c in ctx.targets if c.innovation])
    return apply


register(Variant("xinyi_trend_low", "Xinyi: half the assumed trends (revenue and project-intake growth 4 %/yr, R&D drift 3 %/yr) and a 25 % lower upgrade rate", _xinyi_model(lambda m: with_trend_factor(m, 0.5))))
register(Variant("xinyi_trend_high", "Xinyi: 1.5 times the assumed trends (12 %/yr, R&D drift 9 %/yr) and a 25 % higher upgrade rate", _xinyi_model(lambda m: with_trend_factor(m, 1.5))))


# No 2014 figure of Xinyi's investment or upgrades exists: the expected 2014 levels are the 2015
# plan / 1.15 by assumption (model.xinyi.ASSUMED_PLAN_GROWTH). A skeptical review found this sets six
# of the seven Xinyi probabilities (XY-INV-2015 0.15 to 0.72 between plan / 1.30 and plan / 1.00).
register(Variant("xinyi_start_low", "Xinyi: 2014 investment and upgrades at the 2015 plan / 1.30 instead of / 1.15 (the plan asks 30 % more)",
                 _xinyi_model(lambda m: with_level_factor(m, ASSUMED_PLAN_GROWTH / 1.30))))
register(Variant("xinyi_start_high", "Xinyi: 2014 investment and upgrades already at the 2015 plan (/ 1.00 instead of / 1.15)",
                 _xinyi_model(lambda m: with_level_factor(m, ASSUMED_PLAN_GROWTH))))
register(Variant("xinyi_rdunits_slow", "Xinyi: R&D units set up at half the assumed rate (intercept - 0.7)", _xinyi_model(lambda m: with_unit_rate(m, -0.7))))
register(Variant("xinyi_rdunits_fast", "Xinyi: R&D units set up at twice the assumed rate (intercept + 0.7)", _xinyi_model(lambda m: with_unit_rate(m, 0.7))))


def structural_paths(main_paths: int, block_size: int, requested: int | None = None) -> int:
    """Paths per variant: ``requested`` (default 500), at most the main run's, in whole blocks."""
    n = min(requested or DEFAULT_PATHS, main_paths)
    return max(block_size, (n // block_size) * block_size) if main_paths >= block_size else main_paths


def run_structural(out: RunOutput, n_paths: int | None = None, workers: int = 1, scheduler: str | None = None, names: list[str] | None = None) -> dict:
    """Run every registered variant and report each target's structural range.

    Parameters
    ----------
    out : RunOutput
        The main run (its context, seed and first paths are reused).
    n_paths : int, optional
        Paths per variant (see :func:`structural_paths`).
    workers : int
    scheduler : str, optional
    names : list of str, optional
        Variants to run (default: all registered).

    Returns
    -------
    dict
        ``{"n_paths", "method", "variants": {name: description}, "targets": {id: {"variants": {name: P},
        "low", "high"}}}``; ``low``/``high`` include the main run's P.
    """
    ctx = out.context
    bs = ctx.scenario.get("scenario", "block_size")
    n = structural_paths(out.n_paths, bs, n_paths)
    chosen = [VARIANTS[k] for k in (names or list(VARIANTS))]
    hits = {c.target.id: out.stack("values", c.target.id) >= c.target.at_least for c in ctx.targets if c.evaluable}
    main_full = {tid: float(h.mean()) for tid, h in hits.items()}
    main_first = {tid: float(h[:n].mean()) for tid, h in hits.items()}
    per_target: dict[str, dict] = {tid: {"variants": {}} for tid in hits}
    # Every variant in one pass over the blocks: what they share (the pipeline's milestones,
    # growth paths under the same parameters) is computed once per block.
    ctxs = [v.apply(ctx) for v in chosen]
    for v, vctx, values in zip(chosen, ctxs, run_values(ctxs, n, out.seed, workers, scheduler)):
        for c in vctx.targets:
            tid = c.target.id
            if tid not in hits:
                continue
            p_var = float((values[tid] >= c.target.at_least).mean())
            per_target[tid]["variants"][v.name] = float(np.clip(main_full[tid] + (p_var - main_first[tid]), 0.0, 1.0))
    for tid, row in per_target.items():
        ps = [main_full[tid], *row["variants"].values()]
        row.update(low=float(min(ps)), high=float(max(ps)))
    return {
        "n_paths": n,
        "method": f"each variant rerun on the first {n} paths with the main run's seed; P(variant) = P(main) + [P(variant) - P(main)] on those paths",
        "variants": {v.name: v.description for v in chosen},
        "targets": per_target,
    }
