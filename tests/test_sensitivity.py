"""Sensitivity analysis: Sobol wrapper on Ishigami, tornado sign convention, CRN consistency with runs, workers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _shared import context

from model.design_points import Factor, PointResult, PointRunner, context_at, lever_factors, make_factor, scenario_at
from model.engine import simulate_block
from model.context import prepare
from model.errors import UsageError
from model.sensitivity import (SIGN_CONVENTION, TargetSpec, ks_split, morris_screening, regional_split, sobol, sobol_indices,
                               spider, tornado, tornado_bar)
from model.sensitivity_output import text_report, write_figures

A, B = 7.0, 0.1


def ishigami(X: np.ndarray) -> np.ndarray:
    return np.sin(X[:, 0]) + A * np.sin(X[:, 1]) ** 2 + B * X[:, 2] ** 4 * np.sin(X[:, 0])


def ishigami_indices() -> tuple[list[float], list[float]]:
    """Analytic first- and total-order indices (Ishigami & Homma 1990; Sobol & Levitan 1999)."""
    pi = math.pi
    v = A**2 / 8 + B * pi**4 / 5 + B**2 * pi**8 / 18 + 0.5
    v1 = 0.5 * (1 + B * pi**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = B**2 * pi**8 * (1 / 18 - 1 / 50)
    return [v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v]


def test_sobol_wrapper_reproduces_ishigami_within_its_intervals():
    s1, st = ishigami_indices()
    assert s1[0] == pytest.approx(0.3139, abs=1e-4) and st[2] == pytest.approx(0.2437, abs=1e-4)  # the published values
    res = sobol_indices(["x1", "x2", "x3"], [[-math.pi, math.pi]] * 3, ishigami, 1024, seed=11)
    out = res["outputs"]["y"]
    assert res["evaluations"] == 1024 * 5
    for i in range(3):
        assert abs(out["S1"][i] - s1[i]) <= out["S1_conf"][i], ("S1", i)
        assert abs(out["ST"][i] - st[i]) <= out["ST_conf"][i], ("ST", i)
        assert out["S1_conf"][i] < 0.1 and out["ST_conf"][i] < 0.1  # intervals that say something
    # convergence on nested prefixes: the intervals shrink as the sample grows
    widths = [c["max_half_width"] for c in out["convergence"]]
    assert [c["n_base"] for c in out["convergence"]] == [16, 32, 64, 128, 256, 512, 1024]
    assert widths[-1] < widths[0] / 4
    assert out["n_needed"] is None and out["n_needed_estimate"] > 1024  # ±0.05 needs more than 1024 here


def test_sobol_sample_size_must_be_a_power_of_two():
    with pytest.raises(ValueError, match="power of 2"):
        sobol_indices(["x"], [[0, 1]], lambda X: X[:, 0], 100, seed=1)


def _result(values: np.ndarray) -> PointResult:
    return PointResult({"T": values}, np.zeros((values.size, 3)))


def test_tornado_sign_convention_on_a_known_model():
    # 1000 paths with uniforms u; a path hits when u < q; the factor's low end gives q=0.2, base 0.5, high 0.7
    u = np.random.default_rng(3).random(1000)
    t = TargetSpec("T", 1.0, 2, "", "")
    hits = {q: (u < q).astype(float) for q in (0.2, 0.5, 0.7)}
    f = Factor("lever", 0.0, 10.0)
    rng = np.random.default_rng(0)
    up = tornado_bar(f, _result(hits[0.5]), _result(hits[0.2]), _result(hits[0.7]), t, 5.0, rng)
    assert up["delta_p"] == pytest.approx(np.mean(u < 0.7) - np.mean(u < 0.2)) and up["delta_p"] > 0
    assert up["delta_low"] < 0 < up["delta_high"]
    # paired error: the difference of nested indicators is Bernoulli(0.5): sd 0.5 / sqrt(n)
    assert up["se_delta_p"] == pytest.approx(math.sqrt(0.5 * 0.5 / 1000), rel=0.05)
    down = tornado_bar(f, _result(hits[0.5]), _result(hits[0.7]), _result(hits[0.2]), t, 5.0, rng)
    assert down["delta_p"] == pytest.approx(-up["delta_p"]) and down["delta_low"] > 0 > down["delta_high"]
    assert "high end" in SIGN_CONVENTION and "low end" in SIGN_CONVENTION


def test_factors_are_read_from_the_lever_registry_and_settings():
    from model.levers import LEVERS

    fs = lever_factors()
    assert [f.name for f in fs] == list(LEVERS)
    assert all((f.low, f.high) == (LEVERS[f.name].low, LEVERS[f.name].high) for f in fs)
    f = make_factor("macro.shift", "-0.04:0.02")
    assert (f.low, f.high, f.kind) == (-0.04, 0.02, "setting")
    assert make_factor("approval_capacity_gz_1yi").value(10.4) == 10.0
    with pytest.raises(UsageError, match="outside the declared range"):
        make_factor("signed_per_year_gz_1yi", "0:5000")
    with pytest.raises(UsageError, match="unknown"):
        make_factor("no_such_lever")
    with pytest.raises(UsageError, match="unknown"):
        make_factor("scenario.seed")


@pytest.fixture(scope="module")
def ctx():
    return context("baseline")


def test_a_design_point_is_the_run_of_the_scenario_with_those_values(ctx):
    """Rebuilding only the lever/setting-dependent fields gives the same paths as preparing the scenario anew."""
    values = {"signed_per_year_gz_1yi": 90.0, "construction_duration_multiplier": 0.7, "macro.shift": -0.02}
    fast = context_at(ctx, values)
    full = prepare(scenario_at(ctx.scenario, values))
    a, b = simulate_block(fast, 1, 40, 5), simulate_block(full, 1, 40, 5)
    for tid in a.values:
        assert np.array_equal(a.values[tid], b.values[tid]), tid
    for key in a.fiscal:
        assert np.array_equal(a.fiscal[key], b.fiscal[key])


def test_tornado_on_the_model_keeps_its_sign_and_is_identical_on_two_workers(ctx):
    factors = lever_factors(["signed_per_year_jx_major", "construction_duration_multiplier"], {"signed_per_year_jx_major": "20:80"})
    one = tornado(PointRunner(ctx, ["JX-MAJOR-START-2016", "JX-MAJOR-DONE-2015"], 60, 9), factors)
    two = tornado(PointRunner(ctx, ["JX-MAJOR-START-2016", "JX-MAJOR-DONE-2015"], 60, 9, workers=2), factors)
    bars = {b["factor"]: b for b in one["targets"][0]["bars"]}
    # more listings a year from 2014 -> more listed starts in 2016; slower construction -> fewer (the list
    # fills with continuing projects); median counts, paths paired
    assert bars["signed_per_year_jx_major"]["delta_median"] > 0
    assert bars["construction_duration_multiplier"]["delta_median"] < 0
    # levers act from 2014: projects signed from 2014 cannot be completed by 2015
    late = {b["factor"]: b for b in one["targets"][1]["bars"]}
    assert late["signed_per_year_jx_major"]["delta_median"] == 0
    for key in ("seconds",):
        one.pop(key), two.pop(key)
    assert one == two


def test_spider_and_global_methods_run_on_the_model_and_match_on_two_workers(ctx, tmp_path):
    factors = lever_factors(["signed_per_year_jx_major", "macro.shift"], {"signed_per_year_jx_major": "20:80", "macro.shift": "-0.03:0.03"})
    sp = spider(PointRunner(ctx, ["JX-MAJOR-START-2016"], 20, 9), factors, 3)
    line = sp["targets"][0]["lines"][0]
    assert [p["x"] for p in line["points"]] == [20.0, 50.0, 80.0]
    m1 = morris_screening(PointRunner(ctx, ["JX-MAJOR-START-2016"], 20, 9), factors, 2, output="median")
    m2 = morris_screening(PointRunner(ctx, ["JX-MAJOR-START-2016"], 20, 9, workers=2), factors, 2, output="median")
    m1.pop("seconds"), m2.pop("seconds")
    assert m1 == m2
    mu = {r["factor"]: r["mu_star"] for r in m1["targets"][0]["factors"]}
    assert mu["signed_per_year_jx_major"] > 0 and mu["macro.shift"] == 0  # growth does not move project milestones
    rsa = regional_split(PointRunner(ctx, ["GZ-REV-2016"], 10, 9), factors, 12)
    assert {r["factor"] for r in rsa["targets"][0]["factors"]} == {"signed_per_year_jx_major", "macro.shift"}
    sob = sobol(PointRunner(ctx, ["JX-MAJOR-DONE-2015"], 10, 9), factors[:1], 16, output="median")
    assert sob["evaluations"] == 16 * 3 and len(sob["targets"][0]["S1"]) == 1
    for res in (sp, m1, rsa, sob):
        for lang in ("zh", "en"):
            assert any(t in text_report(res, "baseline", lang) for t in ("JX-MAJOR-START-2016", "JX-MAJOR-DONE-2015", "GZ-REV-2016"))
        names = write_figures(res, tmp_path, "zh")
        assert names and all((tmp_path / n).stat().st_size > 5000 for n in names)
    assert "convergence_JX-MAJOR-DONE-2015.png" in names


def test_ks_split_finds_the_factor_that_decides_and_not_the_one_that_does_not():
    rng = np.random.default_rng(1)
    x1, x2 = rng.random(300), rng.random(300)
    total = np.full(300, 20)
    hits = rng.binomial(20, x1)  # P(hit) = x1 at each point
    decisive = ks_split(x1, hits, total, np.random.default_rng(2), 199)
    idle = ks_split(x2, hits, total, np.random.default_rng(2), 199)
    assert decisive["p_value"] <= 0.01 and decisive["median_hit"] > decisive["median_miss"]
    assert idle["p_value"] > 0.05 and idle["ks"] < decisive["ks"] / 3


def test_a_setting_outside_the_fast_set_prepares_its_own_context(ctx, monkeypatch):
    """The route a structural variant takes (a setting prepare() must see): same paths as the fast route."""
    import model.design_points as dp

    fast = simulate_block(context_at(ctx, {"macro.widen": False}), 0, 30, 4)
    monkeypatch.setattr(dp, "FAST_SETTINGS", frozenset())
    monkeypatch.setattr(dp, "_PREPARED", {})
    slow_ctx = context_at(ctx, {"macro.widen": False, "signed_per_year_jx_major": 40.0})
    assert len(dp._PREPARED) == 1 and [c.target.id for c in slow_ctx.targets] == [c.target.id for c in ctx.targets]
    slow = simulate_block(slow_ctx, 0, 30, 4)
    for tid in fast.values:
        assert np.array_equal(fast.values[tid], slow.values[tid]), tid
    assert make_factor("macro.widen").choices == (False, True)


def test_dask_cluster_gives_the_same_tornado(ctx):
    from dask.distributed import LocalCluster

    factors = lever_factors(["construction_duration_multiplier"])
    local = tornado(PointRunner(ctx, ["JX-MAJOR-DONE-2015"], 30, 9), factors)
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
        remote = tornado(PointRunner(ctx, ["JX-MAJOR-DONE-2015"], 30, 9, scheduler=cluster.scheduler_address), factors)
    local.pop("seconds"), remote.pop("seconds")
    assert local == remote
