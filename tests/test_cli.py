"""The ``attain`` command line: every verb that reports, as a user calls it."""

from __future__ import annotations

import json

import pytest

from model.catalogue import load_catalogue
from model.cli import main
from model.levers import LEVERS


def _json(capsys) -> dict:
    out = capsys.readouterr().out
    return json.loads(out)


def test_targets_json(capsys):
    assert main(["targets", "--json"]) == 0
    data = _json(capsys)
    catalogue = load_catalogue()
    assert [t["id"] for t in data["targets"]] == [t.id for t in catalogue]
    assert data["summary"]
    assert {"id", "title_zh", "title_en", "year", "evaluable", "why_not"} <= set(data["targets"][0])


def test_targets_table(capsys):
    assert main(["targets", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "JX-PARK100-2015" in out and "targets; evaluable" in out


def test_data_check_json(capsys):
    assert main(["data", "check", "--json"]) == 0
    info = _json(capsys)
    assert info["years"] == [2008, 2013]
    assert info["illustrative"] is True
    assert len(info["data_hash"]) == 16
    assert info["leaves"] > info["entities"]["enterprises"]


def test_levers_json(capsys):
    assert main(["levers", "--json"]) == 0
    rows = _json(capsys)["levers"]
    assert [r["name"] for r in rows] == list(LEVERS)
    assert all(r["low"] <= r["default"] <= r["high"] for r in rows)


def test_run_baseline_json_to_stdout(capsys):
    assert main(["run", "baseline", "--paths", "250", "--json", "-"]) == 0
    data = _json(capsys)  # stdout holds the JSON only (no table, no progress bar)
    assert data["scenario"] == "baseline" and data["n_paths"] == 250
    assert [t["id"] for t in data["targets"]] == [t.id for t in load_catalogue()]
    for t in data["targets"]:
        if t["evaluable"]:
            assert 0 <= t["probability"] <= 1 and t["se"] > 0, t["id"]
        else:
            assert t["why_not"].strip(), t["id"]
    assert sum(t["evaluable"] for t in data["targets"]) >= 40


def test_run_unknown_scenario(capsys):
    assert main(["run", "nonexistent"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "nonexistent" in err and "not found" in err and "'baseline'" in err


def test_run_invalid_paths_is_a_clear_error(capsys):
    assert main(["run", "baseline", "--paths", "5"]) == 2
    err = capsys.readouterr().err
    assert "paths = 5 is out of range; allowed 100 to 1000000" in err


def test_missing_verb_is_a_usage_error():
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2


def test_calibrate_check(capsys):
    assert main(["calibrate", "--check"]) == 0
    out = capsys.readouterr().out
    assert "OK" in out and "parameters.toml" in out
