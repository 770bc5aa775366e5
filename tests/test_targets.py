"""Target compilation on the embedded data and measurement on simulated outcomes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from _shared import hierarchy, panel, run

from model.catalogue import load_catalogue
from model.engine import key_nodes
from model.targets import CompiledTarget, Outcome, compile_targets, crossing_counterfactual, measure

YEARS = np.arange(2014, 2026)
PROGRAMMES = ("jx_major", "gz_1yi")


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def compiled(catalogue):
    return compile_targets(catalogue, panel(), hierarchy(), YEARS, None, PROGRAMMES, frozenset({"GD.XY"}))


def _n_candidates(c: CompiledTarget) -> int:
    """Entities a count can include before new entrants (each new entrant is a firm of its own, model.pipeline.entrants)."""
    return len(c.nodes) + len(c.enterprises) + len(c.tail)


def test_every_target_is_evaluable_or_says_why(catalogue, compiled):
    assert len(compiled) == len(catalogue)
    assert [c.target.id for c in compiled] == [t.id for t in catalogue]
    for c in compiled:
        if c.evaluable:
            assert 0 <= c.year_index < len(YEARS), c.target.id
            assert YEARS[c.year_index] == c.target.year
            assert c.flow is not None or c.innovation or len(c.nodes) or len(c.enterprises), c.target.id
        else:
            assert c.why_not.strip(), c.target.id
    # every catalogue target marked evaluable compiles (the data hold what it needs) when its
    # year is simulated; the others (2013 flows in a run from 2014) say so
    in_window = {t.id for t in catalogue if t.evaluable and t.year in YEARS}
    assert {c.target.id for c in compiled if c.evaluable} == in_window
    outside = [c for c in compiled if c.target.evaluable and c.target.id not in in_window]
    assert {c.target.id for c in outside} == {"JX-MAJOR-START-2013", "JX-MAJOR-DONE-2013"}
    assert all("outside the simulated years 2014-2025" in c.why_not and "--as-of 2012" in c.why_not for c in outside)
    assert sum(c.evaluable for c in compiled) == 56


def test_xinyi_targets_need_its_panel(catalogue):
    without = compile_targets(catalogue, panel(), hierarchy(), YEARS, None, PROGRAMMES)
    xinyi = [c for c in without if c.target.id.startswith("XY-") and c.target.evaluable]
    assert len(xinyi) == 7 and not any(c.evaluable for c in xinyi)
    assert all("no xinyi/ tables" in c.why_not for c in xinyi)


def test_count_targets_point_at_valid_candidates(compiled):
    h = hierarchy()
    for c in compiled:
        if c.evaluable and c.is_count:
            assert _n_candidates(c) > 0, c.target.id
            assert len(np.unique(c.nodes)) == len(c.nodes)
            assert c.nodes.max(initial=-1) < len(h.nodes)
            assert c.enterprises.max(initial=-1) < len(h.enterprise_leaves)


def test_enterprise_counts_stay_inside_their_region(compiled):
    h, p = hierarchy(), panel()
    ent_geo = h.leaves.iloc[h.enterprise_leaves]["geo"].to_numpy()
    gz = [c for c in compiled if c.evaluable and c.is_count and c.target.id.startswith("GZ-ENT")]
    assert gz
    for c in gz:
        for g in ent_geo[c.enterprises]:
            region = p.parks.at[g, "region"] if g in p.parks.index else g
            assert region.startswith("JX.GZ"), (c.target.id, g)
    jx = next(c for c in compiled if c.target.id == "JX-ENT50-2015")
    assert len(jx.enterprises) == len(h.enterprise_leaves)  # the whole province


def test_years_outside_the_simulation_and_missing_programmes_are_explained(catalogue):
    short = compile_targets(catalogue, panel(), hierarchy(), np.arange(2014, 2016), None, ())
    by_id = {c.target.id: c for c in short}
    assert not by_id["GZ-REV-2020"].evaluable
    assert "outside the simulated years 2014-2015" in by_id["GZ-REV-2020"].why_not
    assert not by_id["JX-MAJOR-START-2015"].evaluable
    assert "'jx_major' is not simulated" in by_id["JX-MAJOR-START-2015"].why_not
    assert by_id["JX-PARK100-2015"].evaluable
    # a catalogue reason wins over the run's own reasons
    assert by_id["JX-MAJOR-SCHED-2015"].why_not == next(t for t in catalogue if t.id == "JX-MAJOR-SCHED-2015").why_not


def test_a_run_from_2012_evaluates_the_2013_project_flows(catalogue):
    years = np.arange(2012, 2026)
    by_id = {c.target.id: c for c in compile_targets(catalogue, panel(), hierarchy(), years, None, PROGRAMMES)}
    for tid, field in (("JX-MAJOR-START-2013", "list_starts"), ("JX-MAJOR-DONE-2013", "list_completions")):
        c = by_id[tid]
        assert c.evaluable and c.year_index == 1 and c.flow == ("jx_major", field), tid
    assert not by_id["JX-MAJOR-SCHED-2013"].evaluable and "administratively" in by_id["JX-MAJOR-SCHED-2013"].why_not
    assert by_id["JX-MAJOR-START-2014"].year_index == 2


def test_measured_counts_are_integers_within_candidates():
    out = run("baseline")
    n_counts = 0
    for c in out.context.targets:
        if c.evaluable and c.is_count:
            x = out.stack("values", c.target.id)
            assert np.array_equal(x, np.round(x)), c.target.id
            before_entrants = out.stack("components", c.target.id)[:, 1]
            assert x.min() >= 0 and before_entrants.max() <= _n_candidates(c), c.target.id
            assert (x >= before_entrants).all() or not len(c.sites), c.target.id
            n_counts += 1
    assert n_counts >= 10


def test_flow_targets_are_non_negative_integers():
    out = run("baseline")
    for c in out.context.targets:
        if c.evaluable and c.flow is not None:
            x = out.stack("values", c.target.id)
            assert np.array_equal(x, np.round(x)) and x.min() >= 0, c.target.id


def test_measured_values_agree_with_the_stored_aggregates():
    """Independent recomputation from the float32 key-node paths written to paths.nc."""
    out = run("baseline")
    ctx = out.context
    nodes = out.stack("nodes").astype(float)
    col = {ctx.hierarchy.node_index[k]: j for j, k in enumerate(key_nodes(ctx))}
    checked = 0
    for c in ctx.targets:
        if not c.evaluable or c.flow is not None or c.innovation or len(c.enterprises) or not all(int(i) in col for i in c.nodes):
            continue
        x = out.stack("values", c.target.id)
        cols = [col[int(i)] for i in c.nodes]
        v = nodes[:, cols, c.year_index]
        if c.is_count:
            thr = c.target.threshold
            clear = (np.abs(v - thr) > 1e-3 * thr).all(axis=1)  # float32 rounding cannot flip these
            np.testing.assert_array_equal(x[clear], (v[clear] > thr).sum(axis=1), err_msg=c.target.id)
        else:
            np.testing.assert_allclose(x, v.sum(axis=1), rtol=1e-6, err_msg=c.target.id)
        checked += 1
    assert checked >= 3


# --- measure() against explicit loops on a small synthetic Outcome ---------------------


@pytest.fixture(scope="module")
def toy():
    rng = np.random.default_rng(0)
    o = Outcome(
        nodes=rng.lognormal(3.0, 1.0, (40, 6, 3)),
        enterprises=rng.lognormal(2.0, 1.5, (40, 8, 3)),
        sites=rng.lognormal(1.0, 1.5, (40, 5, 3)),
        flows={("jx_major", "starts"): rng.poisson(30, (40, 3))},
    )
    target = next(t for t in load_catalogue() if t.id == "JX-ENT50-2015")
    count = CompiledTarget(
        dataclasses.replace(target, threshold=10.0, at_least=6.0), True, year_index=1,
        nodes=np.array([0, 4]), enterprises=np.array([1, 2, 3, 7]), sites=np.array([0, 3]),
    )
    return o, count


def test_count_measure_matches_a_direct_loop(toy):
    o, c = toy
    expected = np.zeros(40)
    for p in range(40):
        for i in (0, 4):
            expected[p] += o.nodes[p, i, 1] > 10.0
        for i in (1, 2, 3, 7):
            expected[p] += o.enterprises[p, i, 1] > 10.0
        for i in (0, 3):
            expected[p] += o.sites[p, i, 1] > 10.0
    np.testing.assert_array_equal(measure(c, o), expected)
    assert 0 < expected.mean() < 8
    # another year on request
    other = np.array([(o.nodes[p, [0, 4], 2] > 10).sum() + (o.enterprises[p, [1, 2, 3, 7], 2] > 10).sum() + (o.sites[p, [0, 3], 2] > 10).sum() for p in range(40)])
    np.testing.assert_array_equal(measure(c, o, year_index=2), other)


def test_level_and_flow_measures(toy):
    o, c = toy
    level = dataclasses.replace(c, target=dataclasses.replace(c.target, kind="aggregate_level"), enterprises=np.zeros(0, int), sites=np.zeros(0, int))
    np.testing.assert_allclose(measure(level, o), o.nodes[:, 0, 1] + o.nodes[:, 4, 1])
    flow = CompiledTarget(c.target, True, year_index=2, flow=("jx_major", "starts"))
    np.testing.assert_array_equal(measure(flow, o), o.flows[("jx_major", "starts")][:, 2])


def test_crossing_counterfactual(toy):
    o, c = toy
    labels, crosses, forced = crossing_counterfactual(c, o)
    assert labels == [("node", 0), ("node", 4)] + [("enterprise", i) for i in (1, 2, 3, 7)]
    direct = np.concatenate([o.nodes[:, [0, 4], 1], o.enterprises[:, [1, 2, 3, 7], 1]], axis=1) > 10.0
    np.testing.assert_array_equal(crosses, direct)
    count = measure(c, o)
    # forcing a candidate that already crosses changes nothing; forcing one that does not adds one
    np.testing.assert_array_equal(forced, (count[:, None] + ~direct) >= 6.0)
    hit = count >= 6.0
    assert (forced | ~hit[:, None]).all()  # forcing never loses a hit
