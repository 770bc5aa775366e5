"""Scenario files: the shipped four, inheritance, and located errors for bad input."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from model.errors import ScenarioError
from model.levers import LEVERS, lever_defaults
from model.scenario import SCHEMA, Scenario, default_scenario_dir, load_scenario

BAD = Path(__file__).parent / "fixtures" / "scenarios"
SHIPPED = ("baseline", "organic_only", "policy_push", "slowdown")


def _error(path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(info.value)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenarios_load(name):
    s = load_scenario(name)
    assert isinstance(s, Scenario)
    assert s.name == name
    assert s.path == default_scenario_dir() / f"{name}.toml"
    assert set(s.settings) == set(SCHEMA)
    assert set(s.levers) == set(LEVERS)
    assert s.get("scenario", "description_en")
    # a bare name, a file name and a full path give the same scenario
    assert load_scenario(s.path).digest() == s.digest() == load_scenario(f"{name}.toml").digest()


def test_baseline_values():
    s = load_scenario("baseline")
    assert s.get("scenario", "paths") == 2000
    assert s.get("scenario", "seed") == 20140101
    assert s.get("scenario", "block_size") == 250
    assert s.levers["signed_per_year_jx_major"] == 40
    assert s.levers["signed_per_year_gz_1yi"] == 40  # below the decree's 100: see the comment in baseline.toml
    assert s.chain == (str(s.path),)


def test_policy_push_inherits_baseline_but_overrides_levers():
    base, push = load_scenario("baseline"), load_scenario("policy_push")
    for key in ("paths", "seed", "block_size", "horizon"):
        assert push.get("scenario", key) == base.get("scenario", key)
    assert push.settings["macro"] == base.settings["macro"]
    assert push.levers["signed_per_year_jx_major"] == 55
    assert push.levers["financing_success_probability"] == 0.85
    assert push.levers["approval_capacity_jx_major"] == base.levers["approval_capacity_jx_major"]
    assert push.chain == (str(base.path), str(push.path))
    assert push.get("scenario", "inherits") == "baseline.toml"
    assert push.digest() != base.digest()


def test_slowdown_merges_levers_across_the_chain():
    s = load_scenario("slowdown")
    assert s.levers["financing_success_probability"] == 0.55  # its own
    assert s.levers["signed_per_year_jx_major"] == 40  # from baseline, not the lever default
    assert s.get("macro", "shift") == -0.04
    years = s.years()
    assert years[0] == 2014 and years[-1] == 2025
    np.testing.assert_array_equal(s.macro_shift(years), np.where(years >= 2015, -0.04, 0.0))


def test_organic_only_disables_the_pipeline():
    s = load_scenario("organic_only")
    assert s.get("pipeline", "enabled") is False
    assert load_scenario("baseline").get("pipeline", "enabled") is True


def test_child_file_overrides_keys_in_every_section():
    s = load_scenario(BAD / "child_override.toml")
    assert s.name == "child_override"
    assert s.get("scenario", "paths") == 300
    assert s.get("scenario", "seed") == 20140101
    assert s.get("macro", "shift") == -0.01
    assert s.get("macro", "widen") is False and s.get("macro", "start") == "filtered"  # inherited from the baseline
    assert s.levers["guarantee_multiplier"] == 6.0
    assert s.levers["signed_per_year_jx_major"] == 40
    assert len(s.chain) == 2


def test_overrides_are_validated():
    s = load_scenario("baseline")
    t = s.with_overrides(paths=300, seed=5, block_size=None)
    assert (t.get("scenario", "paths"), t.get("scenario", "seed"), t.get("scenario", "block_size")) == (300, 5, 250)
    assert s.get("scenario", "paths") == 2000  # the original is untouched
    with pytest.raises(ScenarioError, match=r"^--paths 5: expected 100 to 1,000,000 \(Monte Carlo paths\)$"):
        s.with_overrides(paths=5)


def test_overrides_are_reported_as_flags_not_as_the_file():
    s = load_scenario("baseline")
    with pytest.raises(ScenarioError) as info:
        s.with_overrides(seed=-1)
    assert str(info.value).startswith("--seed -1: expected 0 to ")
    assert "baseline.toml" not in str(info.value)


# --- bad input: every message names the file, the key and what is allowed --------------


def test_unknown_section():
    msg = _error(BAD / "unknown_section.toml")
    assert "unknown_section.toml" in msg
    assert "[macroo]" in msg
    for section in ("scenario", "macro", "pipeline", "levers"):
        assert f"'{section}'" in msg


def test_unknown_key():
    msg = _error(BAD / "unknown_key.toml")
    assert "unknown_key.toml" in msg
    assert "'pathz'" in msg and "[scenario]" in msg
    for key in SCHEMA["scenario"]:
        assert f"'{key}'" in msg


def test_wrong_type():
    msg = _error(BAD / "wrong_type.toml")
    assert "wrong_type.toml" in msg
    assert "paths = 'many'" in msg
    assert "expected int" in msg
    assert "100 to 1000000" in msg


def test_paths_out_of_range():
    msg = _error(BAD / "paths_out_of_range.toml")
    assert "paths_out_of_range.toml" in msg
    assert "[scenario] paths = 5" in msg
    assert "allowed 100 to 1000000" in msg


def test_macro_shift_out_of_range():
    msg = _error(BAD / "shift_out_of_range.toml")
    assert "shift_out_of_range.toml" in msg
    assert "[macro] shift = 2.0" in msg
    assert "allowed -0.3 to 0.3" in msg


def test_unknown_lever():
    msg = _error(BAD / "unknown_lever.toml")
    assert "unknown_lever.toml" in msg
    assert "'signed_per_year_everywhere'" in msg
    for lever in LEVERS:
        assert lever in msg


def test_lever_out_of_range():
    msg = _error(BAD / "lever_out_of_range.toml")
    assert "lever_out_of_range.toml" in msg
    assert "'financing_success_probability' = 1.5" in msg
    assert "[0.05, 1]" in msg


def test_inheritance_cycle():
    msg = _error(BAD / "cycle_a.toml")
    assert "cycle" in msg
    assert re.search(r"cycle_a\.toml -> .*cycle_b\.toml -> .*cycle_a\.toml", msg), msg


def test_missing_parent():
    msg = _error(BAD / "missing_parent.toml")
    assert "no_such_parent.toml" in msg
    assert "not found" in msg


def test_missing_scenario_lists_known_scenarios():
    msg = _error("nonexistent")
    assert "nonexistent" in msg and "not found" in msg
    for name in SHIPPED:
        assert f"'{name}'" in msg


def test_invalid_toml():
    msg = _error(BAD / "not_toml.toml")
    assert "not_toml.toml" in msg and "not valid TOML" in msg


def test_section_that_is_not_a_table():
    msg = _error(BAD / "section_not_table.toml")
    assert "section_not_table.toml" in msg
    assert "[scenario] must be a table" in msg


# --- where errors point: the right file, the right key ---------------------------------


def test_error_in_a_parent_names_the_parent():
    msg = _error(BAD / "child_of_bad_parent.toml")
    assert msg.startswith(str(BAD / "bad_parent.toml") + " [levers]")
    assert "'signed_per_year_jx_major'" in msg and "'seventy'" in msg
    assert "child_of_bad_parent" not in msg


def test_missing_parent_names_the_file_and_key_that_refer_to_it():
    msg = _error(BAD / "missing_parent.toml")
    assert msg.startswith(f"{BAD / 'missing_parent.toml'}: [scenario] inherits = 'no_such_parent.toml': file not found")
    assert str(default_scenario_dir()) in msg  # where else it looked


def test_inherits_must_be_a_string():
    msg = _error(BAD / "inherits_not_a_string.toml")
    assert "inherits_not_a_string.toml: [scenario] inherits = 5: expected str" in msg
    assert "file name" in msg


def test_inherits_a_folder(tmp_path):
    (tmp_path / "parent").mkdir()
    (tmp_path / "child.toml").write_text('[scenario]\ninherits = "parent"\n', encoding="utf-8")
    msg = _error(tmp_path / "child.toml")
    assert msg.startswith(f"{tmp_path / 'child.toml'}: [scenario] inherits = 'parent': is a folder")


def test_a_folder_is_not_a_scenario(tmp_path):
    msg = _error(tmp_path)
    assert msg.startswith(f"{tmp_path}: is a folder; expected a scenario TOML file")


def test_a_folder_named_like_a_shipped_scenario_does_not_hide_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "baseline").mkdir()  # e.g. left by `attain run baseline -o baseline`
    assert load_scenario("baseline").path == default_scenario_dir() / "baseline.toml"


def test_an_existing_file_is_preferred_to_a_shipped_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "baseline.toml").write_text('[scenario]\ninherits = "policy_push.toml"\nname = "mine"\n', encoding="utf-8")
    assert load_scenario("baseline.toml").name == "mine"


def test_key_above_the_first_section():
    msg = _error(BAD / "key_outside_section.toml")
    assert "key_outside_section.toml: key 'signed_per_year_jx_major' = 55 is outside any section; put it under [levers]" in msg


def test_unknown_key_outside_any_section_suggests_both_sections(tmp_path):
    (tmp_path / "s.toml").write_text("colour = 'red'\n", encoding="utf-8")
    assert "is outside any section; put it under [levers] or [scenario]" in _error(tmp_path / "s.toml")


def test_scenario_not_utf8_names_the_file_and_the_fix(tmp_path):
    path = tmp_path / "gbk.toml"
    path.write_bytes('[scenario]\nname = "中文情景"\n'.encode("gbk"))
    msg = _error(path)
    assert msg.startswith(f"{path}: not UTF-8 text (byte 0x")
    assert "GBK" in msg and "save the scenario file as UTF-8" in msg


def test_shift_after_the_horizon_is_an_error():
    msg = _error(BAD / "shift_after_horizon.toml")
    assert "shift_after_horizon.toml: [macro] shift_from = 2028 is after the last simulated year" in msg
    assert "horizon = 2025" in msg and "baseline.toml" in msg and "expected shift_from <= 2025" in msg


# --- notes: what a planner should know about how the file was read ----------------------


def test_no_inherits_gets_a_note_naming_the_levers_that_differ_from_the_baseline():
    s = load_scenario(BAD / "no_inherits.toml")
    assert s.levers["signed_per_year_jx_major"] == lever_defaults()["signed_per_year_jx_major"] == 100
    (note,) = s.notes
    assert note.startswith(f"{BAD / 'no_inherits.toml'} has no 'inherits'")
    assert "signed_per_year_jx_major = 100 (baseline 40)" in note
    assert "financing_success_probability" not in note  # it sets that one itself
    assert 'add inherits = "baseline.toml"' in note


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenarios_have_no_notes(name):
    assert load_scenario(name).notes == ()


def test_parent_found_among_the_shipped_scenarios_is_noted_and_in_the_chain():
    s = load_scenario(BAD / "inherits_shipped_by_name.toml")
    shipped = default_scenario_dir() / "policy_push.toml"
    assert s.chain[-2] == str(shipped)
    assert s.levers["signed_per_year_jx_major"] == 55
    assert s.notes == (f"{BAD / 'inherits_shipped_by_name.toml'}: inherits = 'policy_push.toml' is not next to it; using the shipped {shipped}",)
