"""Lever registry: declared ranges, defaults and validation messages."""

from __future__ import annotations

import math

import pytest

from model.levers import LEVERS, Lever, lever_defaults, validate_levers
from model.pipeline import PipelineParams


def test_every_lever_is_documented_and_default_in_range():
    for name, lv in LEVERS.items():
        assert isinstance(lv, Lever) and lv.name == name
        assert lv.unit and lv.description and lv.source
        assert lv.low <= lv.default <= lv.high


def test_no_mapping_gives_defaults():
    assert validate_levers(None, "s.toml") == lever_defaults()
    assert validate_levers({}, "s.toml") == lever_defaults()


def test_valid_value_is_taken():
    out = validate_levers({"green_channel_approval_multiplier": 0.5}, "s.toml")
    assert out["green_channel_approval_multiplier"] == 0.5
    assert out["guarantee_multiplier"] == LEVERS["guarantee_multiplier"].default


def test_unknown_key_lists_known_keys():
    with pytest.raises(ValueError) as e:
        validate_levers({"green_chanel": 0.5}, "scenarios/fast.toml")
    msg = str(e.value)
    assert "scenarios/fast.toml" in msg and "green_chanel" in msg
    assert "green_channel_approval_multiplier" in msg and "land_quota_jx_major" in msg


def test_out_of_range_names_the_range():
    with pytest.raises(ValueError) as e:
        validate_levers({"financing_success_probability": 1.5}, "a.toml")
    msg = str(e.value)
    assert "a.toml" in msg and "financing_success_probability" in msg and "1.5" in msg
    assert "[0.05, 1]" in msg


@pytest.mark.parametrize("bad", ["0.5", True, None, [1]])
def test_wrong_type_is_rejected(bad):
    with pytest.raises(ValueError) as e:
        validate_levers({"guarantee_multiplier": bad}, "b.toml")
    assert "b.toml" in str(e.value) and "must be a number" in str(e.value)


def test_non_finite_and_fractional_integer_rejected():
    with pytest.raises(ValueError, match="outside the allowed range"):
        validate_levers({"guarantee_multiplier": math.nan}, "c.toml")
    with pytest.raises(ValueError, match="whole number"):
        validate_levers({"approval_capacity_jx_major": 10.5}, "c.toml")


def test_mapping_must_be_a_table():
    with pytest.raises(ValueError, match="d.toml"):
        validate_levers([("guarantee_multiplier", 4)], "d.toml")  # type: ignore[arg-type]


def test_params_apply_levers_and_report_source():
    p = PipelineParams.from_levers({"guarantee_multiplier": 6, "early_production_subsidy": 0.0})
    jx, gz = p.programme("jx_major"), p.programme("gz_1yi")
    assert jx.loan_pool == pytest.approx(LEVERS["guarantee_capital_jx_major"].default * 6)
    # No subsidy: Ganzhou construction is at the calibrated (unsubsidised) speed.
    assert gz.construction_multiplier == pytest.approx(1.0)
    full = PipelineParams.from_levers({}).programme("gz_1yi")
    assert gz.abandon_construction_multiplier == pytest.approx(1.0)
    assert full.construction_multiplier < 1.0 and full.abandon_construction_multiplier < 1.0
    with pytest.raises(ValueError, match="my_scenario.toml"):
        PipelineParams.from_levers({"nope": 1}, where="my_scenario.toml")
