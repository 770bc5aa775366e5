"""The ``attain`` command line: every verb that reports, as a user calls it."""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
from pathlib import Path

import pytest
from _shared import context, panel, run

import model.commands.checks as checks
import model.context as context_module
import model.engine as engine
import model.results as results
from model.artefact import default_artefact_path
from model.calibrate import as_of_range, calibrate_panel
from model.catalogue import load_catalogue
from model.cli import main
from model.data import default_data_dir
from model.levers import LEVERS

SCENARIOS = Path(__file__).parent / "fixtures" / "scenarios"


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
    assert main(["run", "baseline", "--paths", "250", "--no-structural", "--json", "-"]) == 0
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
    assert err == "error: --paths 5: expected 100 to 1,000,000 (Monte Carlo paths)\n"


def test_missing_verb_is_a_usage_error():
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2


def test_calibrate_check(capsys):
    assert main(["calibrate", "--check"]) == 0
    out = capsys.readouterr().out
    assert "OK" in out and "parameters.toml" in out


# --- bad input on the command line: one clear line, exit 2, nothing lost -----------------


@pytest.fixture
def no_simulation(monkeypatch):
    """Fail the test if the run starts: bad input must be reported before it."""

    def refuse(*args, **kwargs):
        raise AssertionError("the run started before the bad input was reported")

    monkeypatch.setattr(context_module, "prepare", refuse)
    monkeypatch.setattr(engine, "run_blocks", refuse)


@pytest.fixture
def quick_run(monkeypatch):
    """``attain run`` on the shared 250-path baseline run; returns the arguments prepare() got."""
    calls = {}

    def fake_prepare(scenario, as_of=None, data_dir=None):
        calls.update(scenario=scenario, as_of=as_of, data_dir=data_dir)
        return context("baseline")

    monkeypatch.setattr(context_module, "prepare", fake_prepare)
    monkeypatch.setattr(engine, "run_blocks", lambda *args, **kwargs: run("baseline"))
    return calls


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_run_refuses_to_replace_a_folder_that_is_not_a_result(no_simulation, tmp_path, capsys):
    mydata = tmp_path / "mydata"
    mydata.mkdir()
    for name in ("README_mine.txt", "dataset.toml", "revenue.csv"):
        (mydata / name).write_text(f"planner's {name}", encoding="utf-8")
    before = _tree(tmp_path)
    assert main(["run", "baseline", "-o", str(mydata)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: -o {mydata}: the folder exists and is not an attain result (it holds README_mine.txt, dataset.toml, revenue.csv)")
    assert "choose another folder" in err
    assert _tree(tmp_path) == before


def test_run_refuses_to_replace_a_file(no_simulation, tmp_path, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    assert main(["run", "baseline", "-o", str(notes)]) == 2
    assert capsys.readouterr().err == (
        f"error: -o {notes}: is an existing file, not a folder; "
        "expected a new folder, an empty folder or a previous attain result folder\n"
    )
    assert notes.read_text() == "my notes" and _hidden(tmp_path) == []


@pytest.mark.parametrize("target, expected", [
    (".", "-o .: not usable as an output path; expected a folder name such as out/baseline"),
    ("..", "-o ..: not usable as an output path"),
    ("/dev/null/x", "-o /dev/null/x: /dev/null is a file, not a folder"),
])
def test_run_refuses_unusable_output_paths_before_the_run(no_simulation, capsys, target, expected):
    assert main(["run", "baseline", "-o", target]) == 2
    assert capsys.readouterr().err.startswith(f"error: {expected}")


def test_run_refuses_a_json_target_that_is_a_folder(no_simulation, tmp_path, capsys):
    assert main(["run", "baseline", "-o", str(tmp_path / "out"), "--json", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith(f"error: --json {tmp_path}: is a folder; expected a file name")
    assert list(tmp_path.iterdir()) == []


def test_run_refuses_a_json_file_inside_the_output_folder(no_simulation, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", "baseline", "-o", str(out), "--json", str(out / "r.json")]) == 2
    assert "is inside the -o folder" in capsys.readouterr().err


def test_run_writes_and_then_replaces_its_own_results(quick_run, tmp_path, capsys):
    out, js = tmp_path / "out", tmp_path / "r.json"
    for _ in range(2):
        assert main(["run", "baseline", "--paths", "250", "--no-structural", "--no-progress", "-o", str(out), "--json", str(js)]) == 0
        assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "paths.nc", "summary.json"]
    stdout = capsys.readouterr().out
    assert "JX-PARK100-2015" in stdout and f"results written to {out}/" in stdout
    assert json.loads(js.read_text(encoding="utf-8"))["n_paths"] == 250
    assert _hidden(tmp_path) == []


def test_a_failed_write_keeps_the_printed_table_and_leaves_no_temp(quick_run, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"

    def disk_full(_out):
        raise OSError(errno.ENOSPC, "No space left on device", str(out / "paths.nc"))

    monkeypatch.setattr(results, "to_dataset", disk_full)
    assert main(["run", "baseline", "--paths", "250", "--no-structural", "--no-progress", "-o", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"error: {out / 'paths.nc'}: No space left on device\n"
    assert "JX-PARK100-2015" in captured.out  # printed before writing: the results are not lost
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_during_the_run(quick_run, monkeypatch, capsys):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, "run_blocks", interrupt)
    assert main(["run", "baseline", "--no-progress"]) == 130
    assert capsys.readouterr().err.strip() == "interrupted"


def test_ctrl_c_while_writing_leaves_nothing(quick_run, tmp_path, monkeypatch, capsys):
    def interrupt(_out):
        raise KeyboardInterrupt

    monkeypatch.setattr(results, "to_dataset", interrupt)
    assert main(["run", "baseline", "--paths", "250", "--no-structural", "--no-progress", "-o", str(tmp_path / "out")]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_unreachable_scheduler_is_reported_before_the_run(no_simulation, monkeypatch, capsys):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setattr(checks, "SCHEDULER_TIMEOUT", 1)
    assert main(["run", "baseline", "--scheduler", f"tcp://127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot reach the dask scheduler at tcp://127.0.0.1:{port}: ")
    assert "Traceback" not in err


@pytest.mark.parametrize("workers", ["0", "-3"])
def test_workers_must_be_positive(no_simulation, capsys, workers):
    assert main(["run", "baseline", "--workers", workers]) == 2
    assert capsys.readouterr().err == f"error: --workers {workers}: expected 1 or more (local worker processes)\n"


def test_seed_override_is_reported_as_the_flag(no_simulation, capsys):
    assert main(["run", "baseline", "--seed", "-1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --seed -1: expected 0 to ") and "baseline.toml" not in err


def test_scenario_that_is_a_folder(no_simulation, tmp_path, capsys):
    assert main(["run", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith(f"error: {tmp_path}: is a folder; expected a scenario TOML file")


def test_scenario_without_inherits_prints_a_note(quick_run, capsys):
    assert main(["run", str(SCENARIOS / "no_inherits.toml"), "--paths", "250", "--no-structural", "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert f"note: {SCENARIOS / 'no_inherits.toml'} has no 'inherits'" in err
    assert "signed_per_year_jx_major = 100 (baseline 40)" in err


@pytest.mark.parametrize("year", ["2009", "2030"])
def test_as_of_outside_the_data(capsys, year):
    assert main(["run", "baseline", "--as-of", year]) == 2
    assert capsys.readouterr().err.startswith(f"error: --as-of {year}: expected a year from 2010 to 2013 (the data cover 2008-2013")


def test_calibrate_as_of_outside_the_data(capsys):
    assert main(["calibrate", "--as-of", "2009"]) == 2
    assert capsys.readouterr().err.startswith("error: --as-of 2009: expected a year from 2010 to 2013")


def test_the_first_allowed_as_of_year_calibrates():
    assert as_of_range(panel()) == (2010, 2013)
    params, cut = calibrate_panel(panel(), 2010)
    assert params.as_of == 2010 and int(cut.years[-1]) == 2010


@pytest.mark.parametrize("verb", ["backtest", "topdown"])
def test_paths_zero(no_simulation, capsys, verb):
    assert main([verb, "--paths", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --paths 0: expected 100 to 1,000,000 (Monte Carlo paths")
    assert "baseline.toml" not in err


def test_topdown_write_to_a_folder_is_refused_before_the_run(no_simulation, tmp_path, capsys):
    assert main(["topdown", "--paths", "100", "--write", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith(f"error: --write {tmp_path}: is a folder")


def test_sheet_on_a_csv_is_an_error(tmp_path, capsys):
    table = tmp_path / "t.csv"
    table.write_text("entity,year,value,unit\n", encoding="utf-8")
    assert main(["data", "check", str(table), "--sheet", "月调度表"]) == 2
    assert capsys.readouterr().err == f"error: --sheet 月调度表: only for an .xlsx workbook, but {table} is not one (a CSV has no sheets)\n"


def test_table_flags_on_a_dataset_folder_are_an_error(capsys):
    assert main(["data", "check", str(default_data_dir()), "--unit", "万元"]) == 2
    assert capsys.readouterr().err.startswith("error: --unit 万元: only for a single revenue table")


def test_os_error_names_the_path(monkeypatch, capsys):
    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", "/data/revenue.csv")

    monkeypatch.setattr(context_module, "prepare", denied)
    assert main(["run", "baseline"]) == 2
    assert capsys.readouterr().err == "error: /data/revenue.csv: Permission denied\n"


def test_unexpected_errors_are_not_dressed_as_input_errors(monkeypatch, capsys):
    def bug(*args, **kwargs):
        raise ValueError("operands could not be broadcast together")

    monkeypatch.setattr(context_module, "prepare", bug)
    assert main(["run", "baseline"]) == 1
    assert capsys.readouterr().err.startswith("error: unexpected ValueError: operands could not be broadcast together\n")
    monkeypatch.setenv("ATTAIN_DEBUG", "1")
    with pytest.raises(ValueError, match="broadcast"):
        main(["run", "baseline"])


# --- --data: runs on a dataset folder of one's own -------------------------------------


def test_run_passes_the_data_folder(quick_run, tmp_path):
    assert main(["run", "baseline", "--paths", "250", "--no-structural", "--no-progress", "--data", str(tmp_path)]) == 0
    assert quick_run["data_dir"] == tmp_path


@pytest.fixture
def own_data(tmp_path) -> Path:
    folder = tmp_path / "mydata"
    shutil.copytree(default_data_dir(), folder)
    return folder


def test_calibrate_data_writes_next_to_the_dataset_not_over_the_embedded_parameters(own_data, capsys):
    embedded = default_artefact_path().read_bytes()
    assert main(["calibrate", "--data", str(own_data)]) == 0
    assert f"written: {own_data / 'parameters.toml'}" in capsys.readouterr().out
    assert default_artefact_path().read_bytes() == embedded
    assert main(["calibrate", "--data", str(own_data), "--check"]) == 0
    assert "OK" in capsys.readouterr().out


def test_calibrate_data_does_not_overwrite_a_foreign_parameters_file(own_data, capsys):
    mine = own_data / "parameters.toml"
    mine.write_text("my_own = 1\n")
    assert main(["calibrate", "--data", str(own_data)]) == 2
    assert capsys.readouterr().err.startswith(f"error: {mine}: exists and is not an attain calibration artefact")
    assert mine.read_text() == "my_own = 1\n"


def test_calibrate_check_without_stored_parameters_says_what_to_run(own_data, capsys):
    assert main(["calibrate", "--data", str(own_data), "--check"]) == 2
    assert "run `attain calibrate` (with the same --data and --as-of) first" in capsys.readouterr().err


def test_a_slow_command_shows_progress_on_stderr_even_with_json(monkeypatch, capsys):
    import model.cli as cli

    monkeypatch.delenv("ATTAIN_NO_PROGRESS")
    monkeypatch.setattr(cli, "HEARTBEAT_AFTER_LOG", 0.05)
    monkeypatch.setattr(cli, "HEARTBEAT_EVERY", 0.05)
    assert main(["data", "check", "--json"]) == 0
    captured = capsys.readouterr()
    assert "attain data: working…" in captured.err
    assert json.loads(captured.out)["data_hash"]  # stdout is clean JSON


def test_a_closed_pipe_ends_quietly():
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    command = f"{sys.executable} -m model.cli targets --json | head -1; exit ${{PIPESTATUS[0]}}"
    proc = subprocess.run(["bash", "-c", command], capture_output=True, text=True, cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "{\n", "")
