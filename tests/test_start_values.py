"""Made-up starting values: drawn per path, published values fixed, totals kept; the top tier reported."""

from __future__ import annotations

import numpy as np
from _shared import panel

from model.hierarchy import build_hierarchy
from model.start_values import draw_starts, plan_moves, synthetic_members, top_tier


def _setup():
    p = panel()
    h = build_hierarchy(p)
    return p, h, plan_moves(p, h, 0.3, 0.15), np.nan_to_num(h.history[:, -1])


def test_published_and_derived_values_stay_fixed_and_totals_are_kept():
    p, h, plan, start = _setup()
    drawn, _ = draw_starts(plan, start, np.random.default_rng(4), 500)
    ids = h.leaves["id"].tolist()
    for eid in ("E.JCC", "E.JMC", "E.SBT", "E.XYS", "E.ZB", "E.PXS", "E.JXC"):  # published 2013 values
        assert (drawn[:, ids.index(eid)] == start[ids.index(eid)]).all(), eid
    nodes = drawn @ h.matrix.T
    fixed = [n for n in h.nodes if n in p.revenue.index and p.provenance.at[n, 2013] in ("published", "derived")]
    assert "GZ.C.REW" in fixed
    for n in fixed:
        np.testing.assert_allclose(nodes[:, h.node_index[n]], start @ h.matrix[h.node_index[n]], rtol=1e-12)
    np.testing.assert_allclose(drawn.sum(1), start.sum(), rtol=1e-12)  # revenue moves, never appears
    assert (drawn >= 0).all()


def test_synthetic_values_are_drawn_around_the_generated_value():
    p, h, plan, start = _setup()
    drawn, _ = draw_starts(plan, start, np.random.default_rng(5), 4000)
    firms = [m for m in plan.moves if m.kind == "enterprise"]
    assert len(firms) > 300
    logs = np.log(drawn[:, [m.pairs[0][0] for m in firms]] / np.array([m.value for m in firms]))
    # median-centred, sd close to the stated 0.3 (cut short only where a counterpart runs dry)
    assert np.abs(np.median(logs, axis=0)).max() < 0.05
    assert 0.25 < np.median(logs.std(axis=0)) < 0.32
    parks = [m for m in plan.moves if m.kind == "park"]
    park_sd = [np.log((drawn[:, h.members_of(m.entity)]).sum(1)).std() for m in parks]
    assert 0.1 < np.median(park_sd) < 0.2


def test_no_synthetic_draws_when_the_sds_are_zero():
    p, h, _, start = _setup()
    plan = plan_moves(p, h, 0.0, 0.0)
    assert not plan.active
    drawn, _ = draw_starts(plan, start, np.random.default_rng(6), 3)
    assert (drawn == start).all()


def test_synthetic_members_and_top_tier():
    p, h, _, _ = _setup()
    ents = np.arange(len(h.enterprise_leaves))
    m = synthetic_members(p, h, np.zeros(0, int), ents, 100.0, (0.3, 0.15))
    tier = top_tier(p)
    assert m["above"] == len(tier["firms"]) and m["synthetic_above"] == sum(f["provenance"] == "synthetic" for f in tier["firms"])
    assert "E.JCC" not in m["synthetic_ids"] and "E.JXW" in m["synthetic_ids"]
    assert all(f["value"] > 100 for f in tier["firms"]) and all(q["value"] > 500 for q in tier["parks"])
