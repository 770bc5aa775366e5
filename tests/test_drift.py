"""Parameter drift between calibrations: known answers.

* Same law: two calibrations whose estimates scatter around the same truth with
  their stated standard errors are reported stable at the stated family-wise
  false-alarm rate. Under independence Holm's FWER is 1 - (1 - alpha/m)^m
  (= 0.0490 for alpha = 0.05, m = 5), checked over 2,000 synthetic pairs, and
  end to end over 40 pairs of independent synthetic panels calibrated by
  :func:`model.calibrate.calibrate` on 40 seeds, i.e. 20 pairs (binomial bound: at most
  3 alarms, P(X >= 4 | n = 20, p = 0.05) = 0.016). Measured when written: 1 of 20 pairs
  alarmed (sigma); over 40 pairs (seeds 5000-5079) 4 drift verdicts (sigma twice, beta
  twice), above the nominal 5 %: sigma's and beta's standard errors under-cover
  (see tests/test_calibrate.py), so the real false-alarm rate may exceed the stated one.
* A planted change of 3 standard errors of the change (z = 3 > 2.58, the
  Bonferroni/Holm threshold for 5 parameters) in one parameter is drift; the
  others stay stable.
* The overlap correction for nested data: se_old² - se_new².
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from model.drift import compare_tables, critical_z, holm
from model.param_table import parameter_table
from model.testing import assert_calibration_stable

NAMES = ("a", "b", "c", "d", "e")  # synthetic parameter names: the comparison knows none


def artefact(values: dict, ses: dict, **extra) -> dict:
    params = {k: {"value": float(v), "se": float(ses[k])} for k, v in values.items()}
    return {"artefact": {"data_hash": "x"}, "params": {"as_of": 2013, "n_obs": 10, "tail": "t", **params, **extra}}


def test_holm_known_answers():
    p = np.array([0.001, 0.02, 0.04, 0.5])
    reject, level = holm(p, 0.05)
    # 0.001 <= .05/4; 0.02 <= .05/3 is false -> stop: only the first rejected
    assert reject.tolist() == [True, False, False, False]
    np.testing.assert_allclose(level, [0.0125, 0.05 / 3, 0.025, 0.05])
    reject, _ = holm(np.array([0.001, 0.012, 0.02]), 0.05)
    assert reject.tolist() == [True, True, True]  # .001<=.0167, .012<=.025, .02<=.05
    assert holm(p, 0.05, "bonferroni")[0].tolist() == [True, False, False, False]
    assert critical_z(0.05, 5) == pytest.approx(2.5758, abs=1e-4)


def test_same_law_false_alarm_rate_over_many_pairs():
    rng = np.random.default_rng(np.random.SeedSequence(14))
    truth = dict(zip(NAMES, (0.3, 0.06, 0.25, 0.2, 4.0)))
    alarms, n = 0, 2000
    for _ in range(n):
        se_o = {k: abs(v) * rng.uniform(0.05, 0.2) for k, v in truth.items()}
        se_n = {k: s * rng.uniform(0.7, 1.0) for k, s in se_o.items()}
        old = {k: truth[k] + se_o[k] * rng.standard_normal() for k in NAMES}
        new = {k: truth[k] + se_n[k] * rng.standard_normal() for k in NAMES}
        c = compare_tables(parameter_table(artefact(old, se_o)), parameter_table(artefact(new, se_n)), alpha=0.05)
        alarms += not c.stable
    expected = 1 - (1 - 0.05 / 5) ** 5
    assert abs(alarms / n - expected) < 3 * math.sqrt(expected * (1 - expected) / n), (alarms, n, expected)


def test_planted_three_se_change_is_drift():
    values = dict(zip(NAMES, (0.3, 0.06, 0.25, 0.2, 4.0)))
    se = dict(zip(NAMES, (0.02, 0.006, 0.013, 0.022, 0.13)))
    new = dict(values)
    new["c"] += 3 * math.sqrt(2) * se["c"]  # 3 standard errors of the change
    c = compare_tables(parameter_table(artefact(values, se)), parameter_table(artefact(new, se)))
    verdicts = {x.name: x.verdict for x in c.changes}
    assert verdicts == {"a": "stable", "b": "stable", "c": "drift", "d": "stable", "e": "stable"}
    assert [x.z for x in c.changes if x.name == "c"][0] == pytest.approx(3.0)
    with pytest.raises(AssertionError, match=r"(?m)^  c .* z \+3\.00 \(limit \|z\| 2\.58\)$"):
        assert_calibration_stable(artefact(values, se), artefact(new, se))
    assert_calibration_stable(artefact(values, se), artefact(new, se), z=3.5)  # a fixed looser threshold passes


def test_new_removed_unrated_and_settings():
    old = artefact({"a": 1.0}, {"a": 0.1}, macro={"mu": 0.05, "phi": 0.7, "sigma": 0.08, "cov": [[0.0004, 0, 0], [0, 0.01, 0], [0, 0, 0.04]], "last_level": 10.0})
    new = artefact({"b": 2.0}, {"b": 0.1}, macro={"mu": 0.06, "phi": 0.7, "sigma": 0.08, "cov": [[0.0004, 0, 0], [0, 0.01, 0], [0, 0, 0.04]], "last_level": 11.0})
    new["params"]["tail"] = "laplace"
    c = compare_tables(parameter_table(old), parameter_table(new))
    v = {x.name: x for x in c.changes}
    assert v["a"].verdict == "removed" and v["b"].verdict == "new"
    # unnamed 3x3 cov = SeriesFit's (mu, phi, log sigma): se(mu) = 0.02, se(sigma) = 0.08 * 0.2 (delta method)
    assert v["macro.mu"].se_old == pytest.approx(0.02) and v["macro.sigma"].se_old == pytest.approx(0.016)
    assert v["macro.mu"].z == pytest.approx(0.01 / math.sqrt(2 * 0.0004))
    assert v["macro.last_level"].verdict == "no SE"
    assert c.labels == ["tail: t -> laplace"] and c.stable  # a setting is reported, not tested


def test_named_covariance_axes():
    t = parameter_table({"params": {"growth": {"x": 2.0, "y": 3.0, "cov": [[0.25, 0.1], [0.1, 0.04]], "cov_names": ["log x", "y"]}}})
    assert t.rows["growth.x"].se == pytest.approx(2.0 * 0.5) and t.rows["growth.y"].se == pytest.approx(0.2)


def test_overlap_correction_for_nested_fits():
    old, new = artefact({"a": 1.0}, {"a": 0.5}), artefact({"a": 2.0}, {"a": 0.4})
    assert compare_tables(parameter_table(old), parameter_table(new)).changes[0].z == pytest.approx(1 / math.sqrt(0.41))
    assert compare_tables(parameter_table(old), parameter_table(new), nested=True).changes[0].z == pytest.approx(1 / 0.3)
    # a new fit less precise than the old one: the correction does not apply, the sum is used
    assert compare_tables(parameter_table(new), parameter_table(old), nested=True).changes[0].z == pytest.approx(-1 / math.sqrt(0.41))


def test_stored_artefact_reads_every_estimate():
    from model.artefact import default_artefact_path, load_params

    t = parameter_table(default_artefact_path())
    params, _ = load_params()
    for key, est in params.to_dict().items():
        if isinstance(est, dict) and set(est) == {"value", "se"} and est["se"] > 0:
            assert t.rows[key].value == est["value"] and t.rows[key].se == est["se"]


# ---------------------------------------------------------------- end to end with the real calibration


def _fit(seed: int):
    from test_calibrate import synthetic_panel

    from model.calibrate import calibrate

    h, province = synthetic_panel(seed, n_leaves=150, n_groups=10, n_years=5)
    return calibrate(h, province)


@pytest.fixture(scope="module")
def pairs():
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork")) as pool:
        fits = list(pool.map(_fit, range(5000, 5040)))
    return list(zip(fits[0::2], fits[1::2]))


def test_calibrations_of_the_same_law_are_stable(pairs):
    drifted = [[x.name for x in compare_tables(parameter_table({"params": a.to_dict()}), parameter_table({"params": b.to_dict()})).drifted] for a, b in pairs]
    n_alarmed = sum(1 for d in drifted if d)
    assert len(pairs) == 20
    assert n_alarmed <= 3, drifted
    assert stats.binom.sf(3, 20, 0.05) < 0.02


def test_planted_change_in_the_law_is_found(pairs):
    """A real change of the law between the two fits: persistence 0.3 -> 0.6 in the new panel."""
    from test_calibrate import TRUE

    old = pairs[0][0]
    import test_calibrate

    saved = dict(TRUE)
    try:
        TRUE["phi"] = 0.6
        new = _fit(5001)
    finally:
        TRUE.update(saved)
    c = compare_tables(parameter_table({"params": old.to_dict()}), parameter_table({"params": new.to_dict()}))
    assert "phi" in [x.name for x in c.drifted], format_rows(c)
    assert test_calibrate.TRUE == saved


def format_rows(c) -> str:
    from model.calibration_compare import format_comparison

    return format_comparison(c)
