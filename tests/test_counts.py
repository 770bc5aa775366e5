"""Count model in a run: coherence on every path, streams independent of each other, settings switch pieces off."""

from __future__ import annotations

import numpy as np
from _shared import BLOCK_SIZE, N_PATHS, SEED, context, run

from model.context import prepare
from model.counts import block_counts
from model.engine import run_blocks
from model.growth import simulate_leaves
from model.scenario import load_scenario


def _variant(tmp_path, **counts):
    text = '[scenario]\ninherits = "baseline.toml"\n\n[counts]\n' + "".join(f"{k} = {str(v).lower() if isinstance(v, bool) else v}\n" for k, v in counts.items())
    path = tmp_path / "v.toml"
    path.write_text(text, encoding="utf-8")
    return prepare(load_scenario(path).with_overrides(paths=N_PATHS, seed=SEED, block_size=BLOCK_SIZE))


def test_aggregates_stay_coherent_on_every_path():
    ctx = context("baseline")
    h = ctx.hierarchy
    rng = np.random.default_rng(np.random.SeedSequence(SEED, spawn_key=(0, 0)))
    raw = simulate_leaves(ctx.params, h, len(ctx.years), 60, rng, ctx.macro_shift, True, ctx.organic_shift)
    bc = block_counts(ctx.counts, h, raw, SEED, 0)
    # made-up starts move revenue between leaves: the province total is unchanged in 2013
    np.testing.assert_allclose(bc.start.sum(1), np.nan_to_num(h.history[:, -1]).sum(), rtol=1e-12)
    nodes = h.aggregate(bc.leaves)
    ent = bc.leaves[:, h.enterprise_leaves, :]
    alive = bc.survivors(ctx.counts, h, ent)
    assert alive is not None and (~alive).any()
    # aggregate = surviving members + remainder (cells, below-floor firms inside them, exited firms), every path and year
    members = np.where(alive, ent, 0.0)
    remainder = bc.leaves.copy()
    remainder[:, h.enterprise_leaves, :] = np.where(alive, 0.0, ent)
    np.testing.assert_allclose(nodes, h.aggregate(remainder) + h.aggregate(_place(h, members)), rtol=1e-12)
    # below-floor firms are part of their cell, never more than it
    tail, cells = bc.tail, ctx.counts.tail.cell
    per_cell = np.zeros_like(bc.leaves)
    np.add.at(per_cell, (slice(None), cells, slice(None)), tail)
    assert (per_cell <= bc.leaves + 1e-9).all()


def _place(h, members):
    out = np.zeros((members.shape[0], len(h.leaves), members.shape[2]))
    out[:, h.enterprise_leaves, :] = members
    return out


def test_exit_and_entrants_lower_or_keep_counts_and_below_floor_firms_cross(tmp_path):
    on = run("baseline")
    off = run_blocks(_variant(tmp_path, exit_hazard=0.0, below_floor=False, separate_entrants=False, synthetic_sd=0.0, synthetic_sd_aggregate=0.0), N_PATHS, SEED)
    only_exit = run_blocks(_variant(tmp_path, below_floor=False, separate_entrants=False, synthetic_sd=0.0, synthetic_sd_aggregate=0.0), N_PATHS, SEED)
    # exit only removes firms from counts (same growth, same pipeline: common random numbers)
    for tid in ("JX-ENT50-2015", "JX-ENT100-2015", "GZ-ENT10-2016"):
        assert (only_exit.stack("values", tid) <= off.stack("values", tid)).all(), tid
        assert (only_exit.stack("values", tid) < off.stack("values", tid)).any(), tid
    # park and cluster counts do not see firm exit
    assert np.array_equal(only_exit.stack("values", "JX-PARK100-2015"), off.stack("values", "JX-PARK100-2015"))
    only_tail = run_blocks(_variant(tmp_path, exit_hazard=0.0, separate_entrants=False, synthetic_sd=0.0, synthetic_sd_aggregate=0.0), N_PATHS, SEED)
    assert (only_tail.stack("values", "GZ-ENT10-2016") >= off.stack("values", "GZ-ENT10-2016")).all()
    assert (only_tail.stack("values", "GZ-ENT10-2016") > off.stack("values", "GZ-ENT10-2016")).any()  # firms grew from below 5亿 past 10亿
    assert on.context.counts.tail is not None and off.context.counts.tail is None


def test_one_piece_switched_off_leaves_the_draws_of_the_others(tmp_path):
    on = context("baseline")
    h = on.hierarchy
    raw = simulate_leaves(on.params, h, len(on.years), 40, np.random.default_rng(1), on.macro_shift, True, on.organic_shift)
    full = block_counts(on.counts, h, raw, SEED, 1)
    for switch in ({"below_floor": False}, {"synthetic_sd": 0.0, "synthetic_sd_aggregate": 0.0}):
        other = block_counts(_variant(tmp_path, **switch).counts, h, raw, SEED, 1)
        if "below_floor" in switch:
            assert other.tail is None
            assert np.array_equal(other.leaves, full.leaves) and np.array_equal(other.exit_uniforms, full.exit_uniforms)
        else:
            assert np.array_equal(other.leaves, raw) and np.array_equal(other.exit_uniforms, full.exit_uniforms)
    # a different block draws different numbers
    assert not np.array_equal(block_counts(on.counts, h, raw, SEED, 2).exit_uniforms, full.exit_uniforms)


def test_summary_and_table_report_made_up_members_of_count_targets():
    from model.display import run_table
    from model.summary import summarise

    s = summarise(run("baseline"))
    rows = {t["id"]: t for t in s["targets"] if t.get("members_2013")}
    assert set(rows) == {c.target.id for c in run("baseline").context.targets if c.evaluable and c.is_count}
    ent50 = rows["JX-ENT50-2015"]["members_2013"]
    assert 0 < ent50["synthetic_above"] < ent50["above"]  # the 7 published firms above 50亿 are not synthetic
    assert "E.JCC" not in ent50["synthetic_ids"]
    assert rows["JX-PARK100-2015"]["members_2013"]["synthetic_above"] == rows["JX-PARK100-2015"]["members_2013"]["above"]
    assert s["counts"]["exit_hazard"] == 0.03 and s["counts"]["separate_entrants"] is True
    assert {"JX", "JX.GZ"} <= set(s["counts"]["below_floor"])
    assert s["counts"]["top_tier_2013"]["firms"][0]["id"] == "E.JCC"
    table = run_table(s, "en")
    assert "JX-ENT50-2015: 38, of which 31 synthetic" in table


def test_a_drawn_start_moves_the_historical_peak_of_reward_schedules():
    from model.catalogue import load_fiscal_schedules
    from model.fiscal import CompiledSchedule, yearly_cost

    sch = next(s for s in load_fiscal_schedules() if s.id == "GZ-REWARD-ENTERPRISE")
    c = CompiledSchedule(sch, "enterprise", np.array([0]), np.array([8.0]))
    values = np.array([[[9.0, 12.0]], [[9.0, 12.0]]])
    default = yearly_cost(c, values)
    same = yearly_cost(c, values, np.array([[8.0], [8.0]]))
    assert np.array_equal(default, same)
    # a path whose made-up firm (and its made-up history) was drawn 30 % higher already passed 10亿: nothing is due for it
    moved = yearly_cost(c, values, np.array([[8.0], [10.4]]))
    assert moved[0].sum() == default[0].sum() and moved[1].sum() < default[1].sum()


def test_the_shipped_baseline_runs_every_count_piece():
    # tests/test_engine.py checks 1 worker = N workers = Dask on this baseline, so those checks cover the count streams.
    cm = context("baseline").counts
    assert cm.exit.active and cm.tail is not None and len(cm.tail) > 0 and cm.separate_entrants and cm.starts.active
