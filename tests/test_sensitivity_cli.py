"""``attain sensitivity`` and ``attain goalseek`` as a user calls them."""

from __future__ import annotations

import json

import pytest
from _shared import context

import model.context as context_module
from model.cli import main


@pytest.fixture
def no_simulation(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the simulation started before the bad input was reported")

    monkeypatch.setattr(context_module, "prepare", refuse)


@pytest.fixture
def shared_context(monkeypatch):
    monkeypatch.setattr(context_module, "prepare", lambda scenario, as_of=None, data_dir=None: context("baseline"))


TORNADO = ["sensitivity", "baseline", "--target", "JX-MAJOR-DONE-2015", "--levers", "signed_per_year_jx_major",
           "--range", "signed_per_year_jx_major=20:80", "--paths", "20", "--no-progress"]


def test_tornado_json_to_stdout(shared_context, capsys):
    assert main(TORNADO + ["--json", "-"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["method"] == "tornado" and res["paths_per_point"] == 20 and res["points"] == 3
    bar = res["targets"][0]["bars"][0]
    assert (bar["factor"], bar["low"], bar["high"]) == ("signed_per_year_jx_major", 20.0, 80.0)
    assert bar["direct_cost"].startswith("not modelled")


def test_result_folder_is_written_replaced_and_never_takes_a_foreign_folder(shared_context, tmp_path, capsys):
    out = tmp_path / "sens"
    assert main(TORNADO + ["-o", str(out), "--lang", "en"]) == 0
    text = capsys.readouterr().out
    assert "Sign convention" in text and "own budget cost" in text
    files = sorted(p.name for p in out.iterdir())
    assert files == ["manifest.json", "results.json", "tornado_JX-MAJOR-DONE-2015.png"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tool"] == "attain" and manifest["kind"] == "sensitivity/tornado"
    assert main(TORNADO + ["-o", str(out)]) == 0  # its own previous result is replaced
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(TORNADO + ["-o", str(out)]) == 2
    assert "not an attain result" in capsys.readouterr().err
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("argv, message", [
    (["goalseek", "baseline", "--target", "GZ-REV-2016", "--prob", "1.5", "--lever", "signed_per_year_gz_1yi"], "--prob 1.5"),
    (["goalseek", "baseline", "--target", "GZ-REV-2016", "--prob", "0.5"], "--lever NAME"),
    (["goalseek", "baseline", "--target", "GZ-REV-2016", "--prob", "0.5", "--lever", "nope"], "factor nope: unknown"),
    (["goalseek", "baseline", "--target", "GZ-REV-2016", "--prob", "0.5", "--lever", "signed_per_year_gz_1yi=9999"], "outside the allowed range"),
    (["sensitivity", "baseline", "--target", "GZ-REV-2016", "--method", "sobol", "--samples", "20", "--levers", "macro.shift"], "power of 2"),
    (["sensitivity", "baseline", "--target", "GZ-REV-2016", "--levers", "macro.widen,pipeline.nope"], "pipeline.nope: unknown"),
    (["sensitivity", "baseline", "--target", "GZ-REV-2016", "--range", "macro.shift=0.1:0.0", "--levers", "macro.shift"], "LOW < HIGH"),
])
def test_bad_flags_are_reported_before_the_simulation(no_simulation, capsys, argv, message):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_unknown_target_is_named(shared_context, capsys):
    assert main(["goalseek", "baseline", "--target", "NOPE", "--prob", "0.5", "--reverse", "--no-progress"]) == 2
    assert "--target NOPE" in capsys.readouterr().err


def test_goalseek_reverse_and_lever(shared_context, capsys):
    assert main(["goalseek", "baseline", "--target", "JX-MAJOR-DONE-2015", "--prob", "0.5", "--reverse", "--paths", "40", "--json", "-"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["mode"] == "reverse" and res["p"] >= 0.5
    argv = ["goalseek", "baseline", "--target", "JX-MAJOR-DONE-2015", "--prob", "0.5", "--lever", "signed_per_year_jx_major",
            "--range", "signed_per_year_jx_major=40:100", "--tol", "8", "--paths", "20", "--lang", "en", "--no-progress"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "signed_per_year_jx_major" in text and ("at least" in text or "Not reachable" in text)
