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


# --------------------------------------------------------------------------- levers leave the past alone

from dataclasses import replace  # noqa: E402

import numpy as np  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from model.pipeline import MILESTONES, Destinations  # noqa: E402
from model.scenario import default_scenario_dir, load_scenario  # noqa: E402

_SHIPPED = sorted(p.stem for p in default_scenario_dir().glob("*.toml"))


def _lever_values() -> st.SearchStrategy[dict[str, float]]:
    """Any subset of levers at any allowed value (intake kept below 150 so examples stay fast)."""
    def one(lv):
        hi = min(lv.high, 150.0) if lv.name.startswith("signed_per_year") else lv.high
        return st.integers(int(lv.low), int(min(hi, 300))) if lv.integer else st.floats(lv.low, hi)
    return st.fixed_dictionaries({}, optional={k: one(v) for k, v in LEVERS.items()})


def _past(tl, slices, ps: float) -> list[np.ndarray]:
    """Every milestone and abandonment before the policy start, per programme, in project order."""
    n = len(MILESTONES) + 1
    out = []
    for sl in slices:
        at = tl.abandon_time[:, sl]
        ev = np.concatenate([tl.times[:, sl], at[..., None]], axis=-1)
        ev = np.where(ev < ps, ev, np.inf)
        stage = np.where(at < ps, tl.abandon_stage[:, sl], -1)[..., None].astype(float)
        out.append(np.concatenate([ev, stage], axis=-1))
        assert out[-1].shape[-1] == n + 1
    return out


def _timeline(params, seed: int = 11):
    from model.pipeline import draw_projects, fast_timeline
    from model.pipeline.destinations import _index_destinations

    dest = _index_destinations(Destinations.synthetic(), params.names)
    draws = draw_projects(params, dest, 2, 3, seed)
    return fast_timeline(draws, params), draws.slices


def _run(levers, first_year: int, ps_months: float):
    from model.pipeline import PipelineParams

    return _timeline(replace(PipelineParams.from_levers(levers), first_year=first_year, policy_start=ps_months))


def _assert_same_past(a, b, ps: float) -> None:
    for ea, eb in zip(_past(*a, ps), _past(*b, ps)):
        w = min(ea.shape[1], eb.shape[1])
        np.testing.assert_array_equal(ea[:, :w], eb[:, :w])
        # projects beyond the common width were signed after the policy start: nothing in the past
        for e in (ea[:, w:], eb[:, w:]):
            assert np.isinf(e[..., :-1]).all() and (e[..., -1] == -1).all()


@pytest.mark.parametrize("scenario", _SHIPPED)
@pytest.mark.parametrize("first_year,ps_months", [(2014, 0.0), (2012, 0.0), (2014, 24.0)])
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extra=_lever_values())
def test_levers_leave_the_warm_up_bit_identical(scenario, first_year, ps_months, extra):
    """For any shipped scenario with any lever values, everything before the policy start is the baseline's.

    ``first_year = 2012`` is an ``--as-of 2011`` run; ``ps_months = 24`` a later ``policy_start``.
    """
    base = load_scenario("baseline").levers
    levers = {**load_scenario(scenario).levers, **extra}
    _assert_same_past(_run(levers, first_year, ps_months), _run(base, first_year, ps_months), ps_months)


def test_the_past_check_can_fail():
    """Levers applied to the warm-up (the old behaviour) change it, and the comparison sees that."""
    from model.pipeline import PipelineParams

    pp = PipelineParams.from_levers({"signed_per_year_jx_major": 90})
    retro = replace(pp, programmes=tuple(replace(p, history=None) for p in pp.programmes))
    with pytest.raises(AssertionError):
        _assert_same_past(_timeline(retro), _run(load_scenario("baseline").levers, 2014, 0.0), 0.0)
