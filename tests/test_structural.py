"""Structural range: variants rerun with common random numbers; the registry."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from model.context import prepare
from model.engine import run_blocks
from model.scenario import load_scenario
from model.structural import VARIANTS, Variant, register, run_structural, structural_paths

N = 250
SEED = 20140101


@pytest.fixture(scope="module")
def main_run():
    ctx = prepare(load_scenario("baseline").with_overrides(paths=N))
    return run_blocks(ctx, 2 * N, SEED)  # two blocks: the variants rerun the first one


def test_registry_lists_the_documented_alternatives():
    assert {"macro_low", "macro_high", "start_switched", "no_parameter_uncertainty"} <= set(VARIANTS)
    assert all(v.description for v in VARIANTS.values())


def test_paths_per_variant_are_whole_blocks_and_never_more_than_the_main_run():
    assert structural_paths(2000, 250) == 500
    assert structural_paths(2000, 250, 600) == 500
    assert structural_paths(300, 250) == 250
    assert structural_paths(120, 250) == 120
    assert structural_paths(10_000, 250, 1000) == 1000


def test_an_unchanged_variant_reproduces_the_main_probabilities_exactly(main_run):
    """Common random numbers: the same context on the first paths gives the main run's paths, so the
    paired difference is exactly zero and the variant's P equals the main P."""
    register(Variant("_identity", "no change (test)", lambda ctx: ctx))
    try:
        res = run_structural(main_run, n_paths=N, names=["_identity"])
    finally:
        del VARIANTS["_identity"]
    assert res["n_paths"] == N
    for tid, row in res["targets"].items():
        hits = main_run.stack("values", tid) >= next(c.target.at_least for c in main_run.context.targets if c.target.id == tid)
        assert row["variants"]["_identity"] == pytest.approx(hits.mean(), abs=1e-12), tid
        assert row["low"] == row["high"]


def test_macro_view_ends_order_a_growth_target(main_run):
    res = run_structural(main_run, n_paths=N, names=["macro_low", "macro_high"])
    row = res["targets"]["JX-CLUTOTAL-2025"]
    assert row["variants"]["macro_low"] < row["variants"]["macro_high"]
    assert row["low"] <= row["variants"]["macro_low"] and row["high"] >= row["variants"]["macro_high"]
    assert set(res["variants"]) == {"macro_low", "macro_high"}


def test_variants_computed_together_equal_separate_runs_bit_for_bit(main_run):
    """run_values shares the pipeline's milestones and the growth paths between variants of one block;
    every value must equal, float for float, the variant's own run (structural ranges unchanged)."""
    from model.engine import run_values

    # a macro view, an exit and a start-value change, and two that share the pipeline's draws (cycle, list rule)
    names = ["macro_low", "exit_double", "synthetic_wide", "cycle_double", "list_starts_first"]
    ctxs = [VARIANTS[k].apply(main_run.context) for k in names] + [main_run.context]
    together = run_values(ctxs, N, SEED)
    for ctx, values in zip(ctxs, together):
        alone = run_blocks(ctx, N, SEED)
        assert set(values) == set(alone.blocks[0].values)
        for tid, v in values.items():
            assert v.tobytes() == alone.stack("values", tid).tobytes(), tid


def test_history_intake_changes_the_warm_up_and_the_organic_split_only(main_run):
    """The pre-2014 intake is a statement about history: the scenario's levers stay, the warm-up and the
    organic split follow it (fewer history projects leave more of 2008-2013 growth to existing firms)."""
    from model.context import with_history, with_macro_view

    ctx = main_run.context
    low = with_history(ctx, {"signed_per_year_jx_major": 30, "signed_per_year_gz_1yi": 30})
    high = with_history(ctx, {"signed_per_year_jx_major": 50, "signed_per_year_gz_1yi": 50})
    for name in ("jx_major", "gz_1yi"):
        base, lo, hi = (c.pipeline.programme(name) for c in (ctx, low, high))
        assert lo.signed_per_year == base.signed_per_year == hi.signed_per_year  # the scenario's lever
        assert (lo.history.signed_per_year, base.history.signed_per_year, hi.history.signed_per_year) == (30, 40, 50)
    share = [c.organic_split.project_share for c in (low, ctx, high)]
    grew = ctx.organic_split.observed_growth > 0
    assert (share[0][grew] <= share[1][grew]).all() and (share[1][grew] <= share[2][grew]).all()
    assert (share[0][grew] < share[1][grew]).any()
    assert with_history(ctx, {}) is ctx
    # another macro view keeps the changed history
    moved = with_macro_view(low, dataclasses.replace(ctx.params.macro.view, long_run_growth=0.08))
    assert moved.history_changes == low.history_changes
    np.testing.assert_array_equal(moved.organic_split.project_share, share[0])


def test_history_intake_gives_the_project_flows_a_structural_range(main_run):
    """A smaller stock of continuing projects leaves more of the 100 places on the list to new starts."""
    res = run_structural(main_run, n_paths=N, names=["history_intake_low", "history_intake_high"])
    row = res["targets"]["JX-MAJOR-START-2015"]
    hits = main_run.stack("values", "JX-MAJOR-START-2015") >= 30
    assert row["variants"]["history_intake_low"] > hits.mean() + 0.05
    assert row["high"] - row["low"] > 0.05


def test_every_variant_changes_the_baseline_run(main_run):
    """A variant that silently returns the same context would narrow the range without saying so."""
    ctx = main_run.context
    for name, v in VARIANTS.items():
        assert v.apply(ctx) is not ctx, name
    cyc = VARIANTS["cycle_double"].apply(ctx).pipeline
    assert cyc.programmes is ctx.pipeline.programmes  # only how projects feel the cycle changes
    assert (cyc.cycle.utilisation_elasticity, cyc.cycle.ramp_elasticity) == (2 * ctx.pipeline.cycle.utilisation_elasticity, 2 * ctx.pipeline.cycle.ramp_elasticity)
