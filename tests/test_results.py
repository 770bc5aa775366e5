"""Result files: summary.json, paths.nc, manifest.json; atomic replacement."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import xarray as xr
from _shared import N_PATHS, SEED, panel, run

import model.outputs as outputs
import model.results as results
from model.errors import OutputError
from model.data import default_data_dir
from model.engine import key_nodes
from model.outputs import write_json
from model.results import write_results
from model.summary import summarise


@pytest.fixture(scope="module")
def out():
    return run("baseline")


@pytest.fixture(scope="module")
def summary(out):
    return summarise(out)


@pytest.fixture(scope="module")
def written(out, summary, tmp_path_factory):
    folder = tmp_path_factory.mktemp("results") / "baseline"
    return write_results(out, summary, folder)


def test_files_written(written):
    assert sorted(p.name for p in written.iterdir()) == ["manifest.json", "paths.nc", "summary.json"]
    assert oct(written.stat().st_mode & 0o777) == "0o755"
    assert all(oct(p.stat().st_mode & 0o777) == "0o644" for p in written.iterdir())


def test_summary_json_round_trips(written, summary):
    text = (written / "summary.json").read_text(encoding="utf-8")
    assert "基准情景" in text  # Chinese kept readable, not \\u escapes
    loaded = json.loads(text)
    assert loaded["scenario"] == "baseline"
    assert [t["id"] for t in loaded["targets"]] == [t["id"] for t in summary["targets"]]
    assert loaded == json.loads(json.dumps(summary, ensure_ascii=False, default=str))


def test_paths_netcdf_dims_coords_and_values(written, out):
    ctx = out.context
    with xr.open_dataset(written / "paths.nc", engine="h5netcdf") as ds:
        ids = sorted(out.blocks[0].values)
        assert list(ds["target"].values) == ids
        np.testing.assert_array_equal(ds["path"].values, np.arange(N_PATHS))
        np.testing.assert_array_equal(ds["year"].values, ctx.years)
        assert list(ds["node"].values) == key_nodes(ctx)
        assert list(ds["component"].values) == ["organic", "with_projects", "total"]
        assert ds["target_value"].dims == ("target", "path")
        assert ds["target_path"].dims == ("target", "path", "year")
        assert ds["target_components"].dims == ("target", "path", "component")
        assert ds["aggregate"].dims == ("path", "node", "year")
        assert ds["aggregate"].attrs["units"] == "亿元"
        assert ds.attrs["scenario"] == "baseline" and int(ds.attrs["seed"]) == SEED
        for tid in ids[:5] + ["JX-PARK100-2015"]:
            np.testing.assert_array_equal(ds["target_value"].sel(target=tid).values, out.stack("values", tid))
        np.testing.assert_array_equal(ds["aggregate"].values, out.stack("nodes"))
        flows = [v for v in ds.data_vars if v.startswith("flow_")]
        assert "flow_jx_major_starts" in flows
        assert all(ds[v].dims == ("path", "year") for v in flows)


def test_manifest(written, out):
    m = json.loads((written / "manifest.json").read_text(encoding="utf-8"))
    assert m["scenario"] == "baseline"
    assert m["seed"] == SEED and m["n_paths"] == N_PATHS
    assert m["data_hash"] == panel().data_hash()
    assert m["data_dir"] == str(default_data_dir().resolve())
    assert m["scenario_notes"] == []
    assert m["scenario_digest"] == out.context.scenario.digest()
    assert m["scenario_files"] == [str(out.context.scenario.path)]
    assert m["block_size"] == out.context.scenario.get("scenario", "block_size")
    for lib in ("python", "numpy", "scipy", "pandas", "statsmodels"):
        assert m["versions"][lib] not in ("", "absent"), lib
    assert m["version"] and m["tool"] == "attain"
    assert m["files"] == ["summary.json", "paths.nc"]
    assert m["complete"] is True


def _leftovers(parent, name):
    return sorted(p.name for p in parent.iterdir() if p.name != name)


def test_failure_midway_leaves_no_folder_and_no_temp(out, summary, tmp_path, monkeypatch):
    def boom(_out):
        raise RuntimeError("disk full while writing paths.nc")

    monkeypatch.setattr(results, "to_dataset", boom)
    folder = tmp_path / "run1"
    with pytest.raises(RuntimeError, match="disk full"):
        write_results(out, summary, folder)
    assert not folder.exists()
    assert list(tmp_path.iterdir()) == []


def test_failure_keeps_previous_results(out, summary, tmp_path, monkeypatch):
    folder = tmp_path / "run2"
    write_results(out, summary, folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def boom(_out):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(results, "to_dataset", boom)
    changed = dict(summary, scenario="changed")
    with pytest.raises(RuntimeError, match="interrupted"):
        write_results(out, changed, folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert _leftovers(tmp_path, "run2") == []


def test_successful_rewrite_replaces_the_folder(out, summary, tmp_path):
    folder = tmp_path / "run3"
    write_results(out, summary, folder)
    write_results(out, dict(summary, scenario="second"), folder)
    assert json.loads((folder / "summary.json").read_text(encoding="utf-8"))["scenario"] == "second"
    assert _leftovers(tmp_path, "run3") == []


def _tree(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_folder_that_is_not_a_result_is_never_replaced(out, summary, tmp_path):
    folder = tmp_path / "mydata"
    folder.mkdir()
    for name in ("dataset.toml", "revenue.csv", "README_mine.txt"):
        (folder / name).write_text(f"planner's {name}", encoding="utf-8")
    before = _tree(tmp_path)
    with pytest.raises(OutputError) as info:
        write_results(out, summary, folder)
    msg = str(info.value)
    assert msg.startswith(f"output folder {folder}: the folder exists and is not an attain result")
    assert "README_mine.txt, dataset.toml, revenue.csv" in msg
    assert _tree(tmp_path) == before  # every file survives, nothing new next to it


def test_a_result_folder_with_extra_files_is_not_replaced(out, summary, tmp_path):
    folder = tmp_path / "run4"
    write_results(out, summary, folder)
    (folder / "my_notes.txt").write_text("written by the planner")
    before = _tree(tmp_path)
    with pytest.raises(OutputError, match="is not an attain result .*my_notes.txt"):
        write_results(out, summary, folder)
    assert _tree(tmp_path) == before


def test_an_existing_file_is_never_replaced(out, summary, tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("my notes")
    with pytest.raises(OutputError, match="is an existing file, not a folder"):
        write_results(out, summary, target)
    assert target.read_text() == "my notes"
    assert _leftovers(tmp_path, "notes.txt") == []


def test_an_empty_folder_is_used(out, summary, tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    write_results(out, summary, folder)
    assert sorted(p.name for p in folder.iterdir()) == sorted(results.RESULT_FILES)
    assert _leftovers(tmp_path, "empty") == []


def test_a_result_without_the_marker_is_recognised_by_its_files(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    for name in results.RESULT_FILES:
        (folder / name).write_text("{}")
    assert results.is_attain_result(folder)
    (folder / "paths.nc").unlink()
    assert not results.is_attain_result(folder)  # two files and no marker: not recognised
    (folder / "manifest.json").write_text(json.dumps({"tool": "attain"}))
    assert results.is_attain_result(folder)


def test_any_attain_folder_is_recognised_by_the_files_its_manifest_lists(tmp_path):
    folder = tmp_path / "sens"
    folder.mkdir()
    (folder / "results.json").write_text("{}")
    (folder / "tornado.png").write_bytes(b"png")
    (folder / "manifest.json").write_text(json.dumps({"tool": "attain", "files": ["results.json", "tornado.png"]}))
    assert results.is_attain_result(folder)
    (folder / "notes.docx").write_text("a planner's own file")
    assert not results.is_attain_result(folder)  # a file the manifest does not list
    with pytest.raises(OutputError, match="notes.docx"):
        results.check_output_folder(folder)
    (folder / "notes.docx").unlink()
    (folder / "manifest.json").write_text(json.dumps({"tool": "other", "files": ["results.json", "tornado.png"]}))
    assert not results.is_attain_result(folder)


def test_write_folder_keeps_the_previous_folder_when_filling_fails(tmp_path):
    folder = tmp_path / "sens"
    results.write_folder(folder, lambda d: (d / "manifest.json").write_text(json.dumps({"tool": "attain", "files": []})))

    def broken(d):
        (d / "manifest.json").write_text("{}")
        raise RuntimeError("figure failed")

    with pytest.raises(RuntimeError):
        results.write_folder(folder, broken)
    assert json.loads((folder / "manifest.json").read_text())["tool"] == "attain"
    assert [p.name for p in tmp_path.iterdir()] == ["sens"]


def test_rewrite_leaves_an_unrelated_hidden_leftover_alone(out, summary, tmp_path):
    folder = tmp_path / "run5"
    write_results(out, summary, folder)
    leftover = tmp_path / ".run5-old"  # what the old code left when -o named a file
    leftover.write_text("the planner's only copy")
    write_results(out, summary, folder)
    assert leftover.read_text() == "the planner's only copy"
    assert _leftovers(tmp_path, "run5") == [".run5-old"]


@pytest.mark.parametrize("bad", [".", "..", "/"])
def test_unusable_folder_names(bad):
    with pytest.raises(OutputError, match=rf"^-o {re.escape(bad)}: not usable as an output path"):
        results.check_output_folder(bad)


def test_output_under_a_file_is_refused(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match=r": .*/f is a file, not a folder"):
        results.check_output_folder(tmp_path / "f" / "out")
    with pytest.raises(OutputError, match=r"^--json .*: .*/f is a file, not a folder"):
        outputs.check_output_file(tmp_path / "f" / "r.json")


def test_json_target_that_is_a_folder(tmp_path):
    with pytest.raises(OutputError, match=r"^--json .*: is a folder; expected a file name"):
        outputs.check_output_file(tmp_path)
    with pytest.raises(OutputError, match="is a folder"):
        write_json({}, tmp_path)


def test_checks_leave_nothing_behind(tmp_path):
    results.check_output_folder(tmp_path / "a" / "b")
    outputs.check_output_file(tmp_path / "c" / "r.json")
    assert list(tmp_path.iterdir()) == []  # the write probe is removed; no folder is created early


def test_write_text_failure_removes_the_temporary_file(tmp_path):
    with pytest.raises(UnicodeEncodeError):
        outputs.write_text("ok \udcff not encodable", tmp_path / "r.json")
    assert list(tmp_path.iterdir()) == []


def test_interrupt_while_writing_leaves_nothing(out, summary, tmp_path, monkeypatch):
    def interrupt(_out):
        raise KeyboardInterrupt

    monkeypatch.setattr(results, "to_dataset", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_results(out, summary, tmp_path / "run6")
    assert list(tmp_path.iterdir()) == []


def test_write_json_handles_numpy_and_leaves_no_temp(tmp_path):
    path = write_json({"n": np.int64(3), "x": np.float32(0.5), "a": np.arange(3), "名": "赣州"}, tmp_path / "sub" / "a.json")
    assert json.loads(path.read_text(encoding="utf-8")) == {"n": 3, "x": 0.5, "a": [0, 1, 2], "名": "赣州"}
    assert [p.name for p in path.parent.iterdir()] == ["a.json"]


def test_manifest_hashes_the_mid_year_tables(out):
    import dataclasses
    import hashlib

    from model.ytd_update import input_records

    monthly = default_data_dir() / "monthly"
    records = input_records(monthly / "2014-06.csv", None, monthly / "2014-06-projects.csv", None)
    updated = dataclasses.replace(out, context=dataclasses.replace(out.context, ytd_inputs=records))
    got = {r["role"]: r for r in results.manifest(updated, [])["ytd_inputs"]}
    # the table, the default monthly history beside the data, and the project table, each with its bytes' SHA-256
    for role, name in (("ytd", "2014-06.csv"), ("ytd_history", "history.csv"), ("ytd_projects", "2014-06-projects.csv")):
        assert got[role]["path"] == str(monthly / name)
        assert got[role]["sha256"] == hashlib.sha256((monthly / name).read_bytes()).hexdigest()
    assert "ytd_inputs" not in results.manifest(out, [])  # a run without the update: manifest as before
