"""Leaves and the aggregation matrix: given totals reproduced, leaves non-negative, coherence in every path."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from model.errors import DataError
from model.hierarchy import build_hierarchy, member_overflow


@pytest.fixture(scope="module")
def embedded_hierarchy(embedded_panel):
    return build_hierarchy(embedded_panel)


@pytest.fixture(scope="module")
def good_hierarchy(good_panel):
    return build_hierarchy(good_panel)


def _check_reproduces_given(panel, h):
    totals = h.aggregate(np.nan_to_num(h.history))
    checked = 0
    for node, i in h.node_index.items():
        if node not in panel.revenue.index:
            continue
        given_values = panel.revenue.loc[node].to_numpy(float)
        have = ~np.isnan(given_values)
        assert np.abs(totals[i, have] - given_values[have]).max() <= 1e-3, node
        checked += 1
    return checked


def test_aggregate_reproduces_every_given_total_embedded(embedded_panel, embedded_hierarchy):
    p, h = embedded_panel, embedded_hierarchy
    assert set(h.nodes) == set(p.regions.index) | set(p.parks.index) | set(p.clusters.index)
    # Every region, park and cluster has a given total, except Xinyi (GD.XY: entity only, no data),
    # which has no leaves at all.
    assert _check_reproduces_given(p, h) == len(h.nodes) - 1
    assert "GD.XY" not in p.revenue.index and not h.matrix[h.node_index["GD.XY"]].any()


def test_aggregate_reproduces_every_given_total_good(good_panel, good_hierarchy):
    assert _check_reproduces_given(good_panel, good_hierarchy) == 8
    totals = good_hierarchy.aggregate(np.nan_to_num(good_hierarchy.history))
    np.testing.assert_allclose(totals[good_hierarchy.node_index["JS"]], [50, 55, 62])


def test_leaves_are_non_negative(embedded_hierarchy):
    h = embedded_hierarchy
    hist = h.history
    assert hist.shape == (len(h.leaves), len(h.years))
    assert (hist[~np.isnan(hist)] >= 0).all()
    cells = h.leaves["kind"].to_numpy() == "cell"
    assert cells.any() and not np.isnan(hist[cells]).any()  # only enterprises may be absent in early years


def test_every_enterprise_is_a_leaf_once(embedded_panel, embedded_hierarchy):
    ents = embedded_hierarchy.leaves.loc[embedded_hierarchy.enterprise_leaves, "id"]
    assert sorted(ents) == sorted(embedded_panel.enterprises.index)
    assert embedded_hierarchy.leaves["id"].is_unique


def _chain(start, parent):
    out = []
    while start:
        out.append(start)
        start = parent.get(start, "")
    return out


def test_every_enterprise_leaf_belongs_to_exactly_one_geo_chain(embedded_panel, embedded_hierarchy):
    p, h = embedded_panel, embedded_hierarchy
    geo_parent = {**p.regions["parent"].to_dict(), **p.parks["region"].to_dict()}
    cluster_parent = p.clusters["parent"].to_dict()
    geo_nodes = np.array([n in geo_parent for n in h.nodes])
    parks = set(p.parks.index)
    nodes = np.array(h.nodes)
    for j in h.enterprise_leaves:
        ent = h.leaves.at[j, "id"]
        rec = p.enterprises.loc[ent]
        lowest = rec["park"] or rec["region"]
        assert h.leaves.at[j, "geo"] == lowest
        in_geo = set(nodes[geo_nodes & (h.matrix[:, j] == 1)])
        chain = _chain(lowest, geo_parent)
        assert in_geo == set(chain), ent  # one chain: its park (if any), that park's region, up to the root
        assert len(in_geo & parks) == (1 if rec["park"] else 0)
        assert sum(geo_parent.get(n, "") == "" for n in in_geo) == 1  # a single root
        in_clusters = set(nodes[~geo_nodes & (h.matrix[:, j] == 1)])
        assert in_clusters == set(_chain(rec["cluster"], cluster_parent)), ent


def test_member_overflow_is_empty_on_valid_data(embedded_panel, good_panel):
    assert member_overflow(embedded_panel) == []
    assert member_overflow(good_panel) == []


def test_member_overflow_reports_node_year_and_sums(good_panel):
    rev = good_panel.revenue.copy()
    rev.loc["P2", 2012] = 5.0  # E3 is 9 in 2012
    out = member_overflow(replace(good_panel, revenue=rev))
    assert out == [("P2", 2012, 9.0, 5.0)]


def test_cluster_remainder_that_does_not_fit_its_host_is_rejected(good_panel):
    rev = good_panel.revenue.copy()
    rev.loc["C1", 2011] = 40.0  # C1 remainder 23 hosted in P1, whose own remainder is 6
    rev.loc[["JS.A.X", "JS.A", "JS"], 2011] = [60.0, 70.0, 90.0]
    with pytest.raises(DataError) as excinfo:
        build_hierarchy(replace(good_panel, revenue=rev))
    msg = str(excinfo.value)
    # Names the file and row of the host's total, what the clusters need and what the host has.
    assert msg.startswith(f"{good_panel.files['revenue']}, row 14, column 'value': entity 'P1' year 2011: cluster remainders allocated to it (C1, C2) exceed its untracked remainder")
    assert "they need 25.0000 亿元 (share × cluster remainder: C1 1 × 23.0000, C2 1 × 2.0000), but its untracked remainder is 6.0000 (total 21.0000 − members 15.0000)" in msg
    assert f"host shares ({good_panel.files['clusters']}, column 'hosts')" in msg


def test_member_overflow_reports_a_missing_aggregate_value_as_nan_and_says_no_value(good_panel):
    from model.hierarchy import incoherences

    rev = good_panel.revenue.copy()
    rev.loc["P2", 2011] = np.nan  # P2's rows start in 2012, E3's in 2011
    panel = replace(good_panel, revenue=rev)
    [(node, year, members, agg)] = member_overflow(panel)
    assert (node, year, members) == ("P2", 2011, 8.0) and np.isnan(agg)
    [inc] = incoherences(panel, cells=False)
    assert inc.message == (
        f"{good_panel.files['revenue']}: entity 'P2' year 2011: got no value for the aggregate, but its members sum to 8.0000 亿元 "
        "(largest: E3 8.0000 (row 8)); expected a total for 2011 as well (the aggregate's rows start later than its members' values)"
    )
    assert inc.under == {"P2", "E3"}


def test_members_of(good_hierarchy):
    h = good_hierarchy
    ids = set(h.leaves.loc[h.members_of("P1"), "id"])
    assert ids == {"E1", "E2", "P1~C1", "P1~C2", "P1~other"}
    assert set(h.leaves.loc[h.members_of("C1"), "id"]) == {"E1", "E2", "P1~C1", "P1~C2"}


def _expected_coherence(panel, h, totals):
    """Each aggregate recomputed from its direct members (not from the matrix)."""
    idx, leaves = h.node_index, h.leaves
    out = {}
    for node in panel.regions.index:
        kids = [r for r, par in panel.regions["parent"].items() if par == node]
        kids += [q for q, reg in panel.parks["region"].items() if reg == node]
        out[node] = (kids, np.flatnonzero(leaves["geo"].to_numpy() == node))
    for node in panel.parks.index:
        out[node] = ([], np.flatnonzero(leaves["geo"].to_numpy() == node))
    for node in panel.clusters.index:
        kids = [c for c, par in panel.clusters["parent"].items() if par == node]
        out[node] = (kids, np.flatnonzero(leaves["cluster"].to_numpy() == node))
    return {n: (totals[..., [idx[k] for k in kids], :].sum(axis=-2), own) for n, (kids, own) in out.items()}


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_random_leaves_aggregate_coherently(good_panel, good_hierarchy, data):
    h = good_hierarchy
    n_paths = data.draw(st.integers(1, 4), label="paths")
    shape = (n_paths, len(h.leaves), len(h.years))
    leaves = data.draw(arrays(np.float64, shape, elements=st.floats(0.0, 1e6, allow_nan=False, allow_infinity=False)), label="leaves")
    totals = h.aggregate(leaves)
    assert totals.shape == (n_paths, len(h.nodes), len(h.years))
    for node, (children_sum, own) in _expected_coherence(good_panel, h, totals).items():
        expected = children_sum + leaves[:, own, :].sum(axis=1)
        np.testing.assert_allclose(totals[:, h.node_index[node], :], expected, rtol=1e-12, atol=1e-6, err_msg=node)
    assert (totals >= 0).all()


def test_random_leaves_aggregate_coherently_embedded(embedded_panel, embedded_hierarchy):
    h = embedded_hierarchy
    leaves = np.random.default_rng(7).lognormal(0.0, 2.0, (3, len(h.leaves), len(h.years)))
    totals = h.aggregate(leaves)
    for node, (children_sum, own) in _expected_coherence(embedded_panel, h, totals).items():
        expected = children_sum + leaves[:, own, :].sum(axis=1)
        np.testing.assert_allclose(totals[:, h.node_index[node], :], expected, rtol=1e-10, err_msg=node)
