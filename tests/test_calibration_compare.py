"""``attain calibrate --compare OLD``: parameters in standard errors and the data that changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.artefact import default_artefact_path
from model.cli import main
from model.data import default_data_dir, load_dataset
from model.data_record import data_changes, panel_record, read_record, record_path
from model.param_table import parameter_table


@pytest.fixture(scope="module")
def revised(tmp_path_factory) -> tuple[Path, Path]:
    """A copy of the data calibrated as of 2012, then 2013 added (it was there), one value revised, one provenance changed."""
    folder = tmp_path_factory.mktemp("cmp") / "jx"
    shutil.copytree(default_data_dir(), folder)
    assert main(["calibrate", "--data", str(folder), "--as-of", "2012"]) == 0
    rev = pd.read_csv(folder / "revenue.csv", dtype=str, keep_default_na=False)
    at = (rev["entity"] == "E.JCC") & (rev["year"] == "2011")
    assert rev.loc[at, "value"].tolist() == ["1397.5396"]
    rev.loc[at, "value"] = "1380.0"
    at = (rev["entity"] == "E.JMC") & (rev["year"] == "2010")
    rev.loc[at, ["provenance", "source"]] = ["published", "2011中国企业500强"]
    rev.to_csv(folder / "revenue.csv", index=False, lineterminator="\n")
    return folder, folder / "parameters_asof2012.toml"


def test_record_is_written_beside_the_artefact_and_matches_its_data(revised):
    folder, old = revised
    frame, digest = read_record(record_path(old))
    assert record_path(old).name == "parameters_asof2012.data.csv"
    assert digest == load_dataset(default_data_dir()).as_of(2012).data_hash()
    assert frame["year"].max() == 2012
    assert frame.set_index(["entity", "year"]).at[("E.JCC", 2011), "value"] == 1397.5396


def test_revised_value_is_named_with_entity_and_year(revised, capsys):
    folder, old = revised
    assert main(["calibrate", "--data", str(folder), "--compare", str(old)]) == 0
    out = capsys.readouterr().out
    assert "years added: 2013" in out
    assert "values revised: 1\n  E.JCC 2011: 1397.54 -> 1380 (-17.54)" in out
    assert "provenance changes: 2\n  E.JMC 2010 provenance: synthetic -> published\n  E.JMC 2010 source:" in out
    assert "verdict: STABLE" in out or "verdict: DRIFT" in out
    rated = [n for n, r in parameter_table(default_artefact_path()).rows.items() if r.se is not None]
    for line in out.splitlines():
        if line.split(" ")[0] in rated:
            assert line.split()[-1] in ("stable", "drift"), line


@pytest.fixture(scope="module")
def compared(revised) -> dict:
    """``--compare --json`` with the probability shift (100 paths), run once for the tests below."""
    import contextlib
    import io

    folder, old = revised
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["calibrate", "--data", str(folder), "--compare", str(old), "--paths", "100", "--json"]) == 0
    return json.loads(buf.getvalue())


def test_compare_json(compared):
    out = compared
    assert out["data_changes"]["revised"] == [{"entity": "E.JCC", "year": 2011, "old": 1397.5396, "new": 1380.0}]
    names = {p["name"]: p for p in out["comparison"]["parameters"]}
    stored = parameter_table(default_artefact_path()).rows  # whatever parameters the model has
    assert set(stored) <= set(names)
    rated = [p for p in names.values() if p["z"] is not None]
    assert rated and all(p["verdict"] in ("stable", "drift") for p in rated)
    for p in rated:
        assert p["z"] == pytest.approx((p["new"] - p["old"]) / (p["se_old"] ** 2 + p["se_new"] ** 2) ** 0.5)
    assert out["comparison"]["alpha"] == 0.05 and out["comparison"]["method"] == "holm"


def test_without_record_old_data_is_asked_for(revised, tmp_path, capsys):
    folder, old = revised
    bare = tmp_path / "old.toml"
    shutil.copy(old, bare)
    assert main(["calibrate", "--data", str(folder), "--compare", str(bare)]) == 0
    assert "old data unknown" in capsys.readouterr().out
    assert main(["calibrate", "--data", str(folder), "--compare", str(bare), "--old-data", str(default_data_dir())]) == 0
    out = capsys.readouterr().out
    assert "E.JCC 2011: 1397.54 -> 1380" in out and "years added: 2013" in out


def test_compare_flags_are_checked(revised, capsys):
    folder, old = revised
    assert main(["calibrate", "--paths", "200"]) == 2
    assert "only with --compare" in capsys.readouterr().err
    assert main(["calibrate", "--scenario", "slowdown", "--alpha", "0.01"]) == 2
    assert "--scenario, --alpha: only with --compare OLD" in capsys.readouterr().err
    assert main(["calibrate", "--compare", str(folder / "nope.toml")]) == 2
    assert "no such calibration artefact" in capsys.readouterr().err
    assert main(["calibrate", "--compare", str(folder / "revenue.csv")]) == 2
    assert "revenue.csv: not valid TOML" in capsys.readouterr().err
    assert main(["calibrate", "--compare", str(old), "--alpha", "1.5", "--data", str(folder)]) == 2
    assert "--alpha 1.5" in capsys.readouterr().err


def test_data_changes_known_answer():
    old = pd.DataFrame({"entity": ["A", "A", "B"], "year": [2011, 2012, 2012], "value": [1.0, 2.0, 3.0], "provenance": ["synthetic"] * 3, "source": ["s"] * 3})
    new = pd.DataFrame({"entity": ["A", "A", "A", "C"], "year": [2011, 2012, 2013, 2012], "value": [1.0, 2.5, 3.0, 4.0], "provenance": ["published", "synthetic", "synthetic", "synthetic"], "source": ["s"] * 4})
    d = data_changes(old, new)
    assert d.years_added == [2013] and d.n_added_year_values == 1
    assert d.revised == [("A", 2012, 2.0, 2.5)]
    assert d.added == [("C", 2012, 4.0)] and d.removed == [("B", 2012, 3.0)]
    assert d.provenance == [("A", 2011, "provenance", "synthetic", "published")]
    assert data_changes(old, old).unchanged


def test_embedded_artefact_has_its_record():
    from model.artefact import default_artefact_path
    from model.param_table import parameter_table

    frame, digest = read_record(record_path(default_artefact_path()))
    assert digest == parameter_table(default_artefact_path()).meta["data_hash"] == load_dataset().data_hash()
    pd.testing.assert_frame_equal(frame, panel_record(load_dataset()))


def test_paired_shift_known_answer():
    from model.prob_shift import paired_shift

    a = np.array([1, 1, 0, 0, 1, 0, 1, 0], bool)
    b = np.array([1, 0, 0, 1, 1, 0, 1, 1], bool)
    d = np.array([0, -1, 0, 1, 0, 0, 0, 1], float)  # b - a
    shift, se = paired_shift(a, b)
    assert shift == pytest.approx(1 / 8)
    assert se == pytest.approx(np.sqrt(((d - d.mean()) ** 2).sum() / 7) / np.sqrt(8))


def test_probability_shift_decomposes_in_order(compared):
    shift = compared["probability_shift"]
    assert shift["order"] == ["new data", "revised data", "parameters"]
    assert [s["simulated_years"][0] for s in shift["states"]] == [2013, 2014, 2014, 2014]
    moved = 0
    for row in shift["targets"]:
        steps = sum(v["shift"] for v in row["steps"].values())
        assert steps == pytest.approx(row["shift"], abs=1e-12)  # the steps add up to the total
        assert row["shift"] == pytest.approx(row["p_new"] - row["p_old"], abs=1e-12)
        moved += row["steps"]["parameters"]["shift"] != 0
    assert moved > 0


def test_same_calibration_has_no_shift_under_common_random_numbers(tmp_path, capsys):
    folder = tmp_path / "jx"
    shutil.copytree(default_data_dir(), folder)
    assert main(["calibrate", "--data", str(folder)]) == 0
    capsys.readouterr()
    assert main(["calibrate", "--data", str(folder), "--compare", str(folder / "parameters.toml"), "--paths", "100", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["data_changes"]["years_added"] == [] and out["data_changes"]["revised"] == []
    assert all(p["z"] in (0.0, None) for p in out["comparison"]["parameters"])
    # the refit reproduces the stored parameters, and the same seed reproduces every path: P3 == P0 path by path
    assert all(r["shift"] == 0 and r["se"] == 0 for r in out["probability_shift"]["targets"])


def test_a_foreign_file_at_the_record_path_is_not_overwritten(tmp_path, capsys):
    folder = tmp_path / "jx"
    shutil.copytree(default_data_dir(), folder)
    (folder / "parameters.data.csv").write_text("my notes\n")
    assert main(["calibrate", "--data", str(folder)]) == 2
    assert "parameters.data.csv: exists and is not an attain data record" in capsys.readouterr().err
    assert (folder / "parameters.data.csv").read_text() == "my notes\n"
