"""Summaries: probabilities with Monte Carlo error, decomposition, watch lists."""

from __future__ import annotations

import json

import numpy as np
import pytest
from _shared import N_PATHS, run

from model.summary import DECISIVE_BAND, QUANTILES, probability, summarise


def test_probability_and_its_standard_error():
    hit = np.zeros(200, bool)
    hit[:50] = True
    p, se = probability(hit)
    assert p == 0.25
    assert se == pytest.approx(np.sqrt(0.25 * 0.75 / 200), rel=1e-12)


@pytest.mark.parametrize("value", [False, True])
def test_rule_of_three_at_certainty(value):
    p, se = probability(np.full(250, value))
    assert p == float(value)
    assert se == pytest.approx(3 / 250)


@pytest.fixture(scope="module")
def out():
    return run("baseline")


@pytest.fixture(scope="module")
def summary(out):
    return summarise(out)


@pytest.fixture(scope="module")
def by_id(summary):
    return {t["id"]: t for t in summary["targets"]}


def test_summary_header(summary, out):
    assert summary["scenario"] == "baseline"
    assert summary["n_paths"] == N_PATHS
    assert summary["seed"] == out.seed
    assert summary["years"] == [int(y) for y in out.context.years]
    assert summary["illustrative_data"] is True
    assert summary["calibration"] == out.context.calibration_source == "stored calibration/parameters.toml"
    json.dumps(summary, ensure_ascii=False)  # plain JSON types only: no numpy scalar sneaks in as a string


def test_every_target_has_a_probability_or_a_reason(summary, out):
    assert len(summary["targets"]) == len(out.context.targets)
    for t in summary["targets"]:
        if t["evaluable"]:
            p, se = t["probability"], t["se"]
            assert 0.0 <= p <= 1.0
            assert t["n_paths"] == N_PATHS
            if 0 < p < 1:
                assert se == pytest.approx(np.sqrt(p * (1 - p) / N_PATHS), rel=1e-12), t["id"]
            else:
                assert se == pytest.approx(3 / N_PATHS), t["id"]
        else:
            assert "probability" not in t and t["why_not"].strip(), t["id"]


def test_probability_matches_the_path_values(by_id, out):
    for c in out.context.targets:
        if c.evaluable:
            x = out.stack("values", c.target.id)
            assert by_id[c.target.id]["probability"] == pytest.approx(np.mean(x >= c.target.at_least))
            assert by_id[c.target.id]["mean"] == pytest.approx(x.mean())


def test_quantiles_and_distribution(summary):
    for t in summary["targets"]:
        if not t["evaluable"]:
            continue
        q = [t["quantiles"][f"q{int(p * 100):02d}"] for p in QUANTILES]
        assert q == sorted(q), t["id"]
        assert t["expected_shortfall"] >= 0
        if "distribution" in t:
            assert sum(t["distribution"].values()) == pytest.approx(1.0)
        assert [r["year"] for r in t["path"]] == summary["years"]
        assert all(r["q10"] <= r["q50"] <= r["q90"] for r in t["path"]), t["id"]


def test_decomposition_sums_to_the_expected_value(summary):
    n = 0
    for t in summary["targets"]:
        if not t["evaluable"] or t["metric"] != "revenue":
            # project flows are the pipeline itself: nothing to decompose
            assert "decomposition" not in t
            continue
        d = t["decomposition"]
        assert d["organic"] + d["projects"] + d["new_entrants"] == pytest.approx(d["expected"], rel=1e-12, abs=1e-9), t["id"]
        assert d["expected"] == pytest.approx(t["mean"], rel=1e-12, abs=1e-9)
        assert d["expected_gap"] == pytest.approx(t["at_least"] - d["expected"])
        # the median gap is measured from the median outcome (the q50 reported beside P)
        assert d["median"] == pytest.approx(t["quantiles"]["q50"], rel=1e-12)
        assert d["median_gap"] == pytest.approx(t["at_least"] - t["quantiles"]["q50"], rel=1e-12, abs=1e-9)
        assert d["median_organic"] + d["median_projects"] + d["median_new_entrants"] == pytest.approx(d["median"], rel=1e-12, abs=1e-9)
        n += 1
    assert n >= 25
    # projects and new entrants add revenue to the province's firms; they never remove it
    d = next(t for t in summary["targets"] if t["id"] == "JX-ENT50-2015")["decomposition"]
    assert d["projects"] >= 0 and d["new_entrants"] >= 0 and d["projects"] + d["new_entrants"] > 0


def test_watch_lists_stay_in_the_decisive_band(summary, out):
    lists = {t["id"]: t["watch_list"] for t in summary["targets"] if "watch_list" in t}
    assert lists, "count targets carry watch lists"
    assert any(lists.values()), "at least one watch list is non-empty"
    for tid, entries in lists.items():
        assert len(entries) <= 10
        lifts = [e["lift"] for e in entries]
        assert lifts == sorted(lifts, reverse=True), tid
        p = next(t for t in summary["targets"] if t["id"] == tid)["probability"]
        for e in entries:
            assert DECISIVE_BAND[0] <= e["p_cross"] <= DECISIVE_BAND[1], (tid, e)
            assert e["p_target_if_crosses"] == pytest.approx(p + e["lift"])
            assert e["p_target_if_crosses"] >= p - 1e-12  # forcing a crossing never lowers P
            assert e["entity"] and e["name"]


def test_aggregates_and_pipeline_sections(summary):
    assert "JX" in summary["aggregates"]
    jx = summary["aggregates"]["JX"]
    assert len(jx["q50"]) == len(summary["years"])
    assert all(a <= b <= c for a, b, c in zip(jx["q10"], jx["q50"], jx["q90"]))
    assert summary["pipeline"]["enabled"] is True
    assert summary["pipeline"]["median_flows"]
    lst = summary["pipeline"]["provincial_list"]
    assert lst["length"] == 100 and lst["years"] == summary["years"]
    m = {k: np.array(v) for k, v in lst["mean"].items()}
    # composition adds up (means of integers that add up path by path)
    np.testing.assert_allclose(m["new"] + m["continuing"] + m["completing"], m["listed"] + m["added"], atol=0.25)
    assert (m["continuing"] > m["new"]).all()  # most listed projects are continuing (续建)


def test_organic_only_summary_has_no_pipeline():
    s = summarise(run("organic_only"))
    assert s["pipeline"] == {"enabled": False}
    for t in s["targets"]:
        if t["evaluable"]:
            if t["metric"] == "revenue":
                d = t["decomposition"]
                assert d["projects"] == 0 and d["new_entrants"] == 0, t["id"]
        else:
            assert t["why_not"].strip(), t["id"]
    flows = [t for t in s["targets"] if t["metric"].startswith("project") and "not simulated" in t["why_not"]]
    assert len(flows) >= 9  # the catalogue's evaluable project-flow targets, now without a pipeline


def test_fiscal_section_follows_the_catalogue_flag(summary):
    rows = {r["id"]: r for r in summary["fiscal"]}
    county = rows["GZ-REWARD-COUNTY"]
    assert not county["evaluable"] and "do not split by county" in county["why_not"] and "mean" not in county
    for sid in ("GZ-REWARD-ENTERPRISE", "GZ-REWARD-COUNTY-CLUSTER"):
        assert rows[sid]["evaluable"] and len(rows[sid]["mean"]) == len(summary["years"]), sid
