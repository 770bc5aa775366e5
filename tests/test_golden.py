"""Golden results: the committed reference probabilities still hold (CI), and the tool that keeps them.

A failure of ``test_golden_probabilities_reproduce`` means a change of the code,
the data or the calibration moved a published probability beyond its Monte Carlo
tolerance (|ΔP| > 4 sqrt(se_golden² + se_new²) + 1/n). If the change is
deliberate, regenerate the file with ``attain golden --write`` and commit it.
"""

from __future__ import annotations

import json

import pytest

from model.cli import main
from model.golden import golden_diff, golden_path
from model.testing import tolerance
from model.testing import assert_probabilities_close, probability_diff


def test_golden_probabilities_reproduce(capsys):
    status = main(["golden"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert out.startswith("golden results reproduced")


def test_golden_file_records_what_reproduces_it():
    data = json.loads(golden_path().read_text(encoding="utf-8"))
    assert data["tool"] == "attain golden" and data["regenerate_with"] == "attain golden --write"
    for name, s in data["scenarios"].items():
        assert {"seed", "paths", "calibration_hash", "data_hash", "targets"} <= set(s), name
        assert s["paths"] == 500 and len(s["targets"]) > 10


def test_tolerance_rule():
    # 4 SE of the difference of two independent runs, plus one path
    assert tolerance(0.03, 0.04, 500) == pytest.approx(4 * 0.05 + 0.002)


def _golden(p: dict) -> dict:
    return {"tool": "attain golden", "scenarios": {"s": {"seed": 1, "paths": 500, "targets": {k: {"p": v, "se": (v * (1 - v) / 500) ** 0.5 or 3 / 500, "n": 500} for k, v in p.items()}}}}


def test_diff_names_the_moved_targets_only():
    old, new = _golden({"A": 0.30, "B": 0.50, "C": 0.0}), _golden({"A": 0.40, "B": 0.52, "D": 0.1})
    moved, notes = golden_diff(old, new)
    lines = [m.line() for m in moved]
    # A: ΔP 0.10 < 4 sqrt((.3*.7 + .4*.6)/500) + 1/500 = 0.1220, within tolerance; B likewise
    assert [x.split()[1] for x in lines] == ["C", "D"]
    assert "no longer evaluated (was P 0.000)" in lines[0] and "new target (P 0.100)" in lines[1]
    moved, _ = golden_diff(old, _golden({"A": 0.45, "B": 0.5, "C": 0.0}))
    # 4 sqrt((.3*.7 + .45*.55)/500) + 1/500 = 0.1230 < 0.15
    assert [m.line() for m in moved] == ["  s            A                      0.300 -> 0.450  ΔP +0.150 (tolerance 0.123)"]


def test_write_check_and_refuse(tmp_path, capsys, monkeypatch):
    import model.golden as g

    monkeypatch.setattr(g, "shipped_scenarios", lambda: ["baseline"])
    path = tmp_path / "golden.json"
    assert main(["golden", "--write", "--file", str(path), "--paths", "100"]) == 0
    assert "written:" in capsys.readouterr().out
    assert main(["golden", "--file", str(path)]) == 0  # same seed, same paths: bit-identical
    assert capsys.readouterr().out.startswith("golden results reproduced: all ")
    data = json.loads(path.read_text())
    tid = next(iter(data["scenarios"]["baseline"]["targets"]))
    data["scenarios"]["baseline"]["targets"][tid]["p"] = 1.0 if data["scenarios"]["baseline"]["targets"][tid]["p"] < 0.5 else 0.0
    path.write_text(json.dumps(data))
    assert main(["golden", "--file", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("golden results: 1 of ") and f" {tid} " in out.splitlines()[1]
    foreign = tmp_path / "mine.json"
    foreign.write_text('{"p": 1}')
    assert main(["golden", "--write", "--file", str(foreign)]) == 2
    assert "the file exists and was not written by attain" in capsys.readouterr().err
    assert foreign.read_text() == '{"p": 1}'


def test_assert_probabilities_close_messages():
    def summary(p):
        return {"targets": [{"id": k, "evaluable": True, "probability": v, "se": (v * (1 - v) / 1000) ** 0.5, "n_paths": 1000} for k, v in p.items()]}

    a, b = summary({"T1": 0.2, "T2": 0.5}), summary({"T1": 0.2, "T2": 0.6})
    assert_probabilities_close(a, a)
    assert probability_diff(a, b) == ["  T2                     a 0.500 ± 0.016  b 0.600 ± 0.015  ΔP +0.100 (tolerance 0.090)"]
    with pytest.raises(AssertionError, match=r"beyond 4 standard errors \+ 1/n:\n  T2 "):
        assert_probabilities_close(a, b)
    assert_probabilities_close(a, b, n_se=6.5)
