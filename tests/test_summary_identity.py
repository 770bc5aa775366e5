"""summary.json of every shipped scenario is byte for byte what the code before the speed-ups wrote (issue 18).

The stored texts (``tests/golden/summary_identity/``) were written by ``attain golden --identity --write``
at commit 3fef375, before any speed-up of issue 18; they are regenerated only for a deliberate model change.
"""

from __future__ import annotations

import gzip
import json

import pytest

from model.golden import shipped_scenarios
from model.summary_identity import IDENTITY_PATHS, Difference, _numbers_differ, compare_identity, identity_dir, machine


def test_every_shipped_scenario_is_stored():
    record = json.loads((identity_dir() / "machine.json").read_text())
    assert record["scenarios"] == shipped_scenarios() and record["paths"] == IDENTITY_PATHS
    for name in record["scenarios"]:
        text = gzip.decompress((identity_dir() / f"{name}.json.gz").read_bytes()).decode()
        summary = json.loads(text)
        # the structural range is part of what must not move
        assert summary["structural"]["n_paths"] == IDENTITY_PATHS and summary["n_paths"] == IDENTITY_PATHS
        assert "/work/" not in text and "<repo>" in text


def test_summary_is_unchanged(capsys):
    from model.cli import main

    status = main(["golden", "--identity", "--json"])  # the command a developer runs after a speed-up
    captured = capsys.readouterr()
    assert status == 0, captured.out + captured.err
    verdicts = json.loads(captured.out)["scenarios"]
    assert sorted(verdicts) == shipped_scenarios(), verdicts
    record = json.loads((identity_dir() / "machine.json").read_text())
    if {k: record[k] for k in ("numpy", "cpu_features")} == machine():
        assert set(verdicts.values()) == {"bit-identical"}, verdicts


def test_a_changed_number_is_found(tmp_path):
    a = '{\n "p": 0.25,\n "q": [1, 2.5e-3]\n}'
    assert _numbers_differ(a, a.replace("0.25", "0.2500000000001")) == ""  # within 1e-9: another machine's last bits
    assert "0.25 -> 0.26" in _numbers_differ(a, a.replace("0.25", "0.26"))
    assert "apart from numbers" in _numbers_differ(a, a.replace('"q"', '"r"'))


def test_a_changed_summary_fails_on_the_storing_machine(tmp_path, monkeypatch):
    import shutil

    import model.summary_identity as si

    folder = tmp_path / "identity"
    shutil.copytree(identity_dir(), folder)
    record = json.loads((folder / "machine.json").read_text())
    stored = gzip.decompress((folder / "organic_only.json.gz").read_bytes()).decode()
    line = next(x for x in stored.splitlines() if '"probability"' in x)
    (folder / "organic_only.json.gz").write_bytes(gzip.compress(stored.replace(line, line.replace(":", ": 0.5,  \"x\":"), 1).encode()))
    (folder / "machine.json").write_text(json.dumps({**record, **machine()}))
    monkeypatch.setattr(si, "summary_text", lambda name, paths: stored)  # the run as it was; the stored copy moved
    with pytest.raises(Difference, match="organic_only: summary.json changed"):
        compare_identity("organic_only", folder)
