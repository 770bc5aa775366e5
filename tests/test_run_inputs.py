"""Every file a run reads is hashed in its manifest (model.run_inputs, model.results.manifest)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import model

PACKAGE = Path(model.__file__).resolve().parent
ROOT = PACKAGE.parent
MONTHLY = ROOT / "calibration" / "data" / "monthly"

# Runs `attain run` with an audit hook that records every file the process opens (reading or writing).
_TRACE = """
import os, sys
opened = set()
def hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        opened.add(os.path.realpath(os.fsdecode(args[0])))
sys.addaudithook(hook)
from model.cli import main
status = main(sys.argv[2:])
with open(sys.argv[1], "w", encoding="utf-8") as fh:
    fh.write("\\n".join(sorted(opened)))
sys.exit(status)
"""


def _not_an_input(path: str, outputs: Path) -> bool:
    """The interpreter, its libraries, the operating system, the package's own code and the run's outputs."""
    system = {sys.prefix, sys.base_prefix, sys.exec_prefix, *sysconfig.get_paths().values(), "/proc", "/sys", "/dev", "/usr", "/etc"}
    p = Path(path)
    return (any(path == s or path.startswith(os.path.realpath(s) + os.sep) for s in system) or p.is_relative_to(PACKAGE)
            or p.is_relative_to(outputs.resolve()) or not p.is_file() or p.suffix in (".py", ".pyc", ".so"))


def test_the_manifest_hashes_exactly_the_files_a_run_opens(tmp_path):
    out, log = tmp_path / "out", tmp_path / "trace" / "opened.txt"
    log.parent.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ATTAIN_NO_PROGRESS": "1"}
    # the mid-year update reads the most files: the run's inputs, Xinyi's and the monthly tables
    args = ["run", "baseline", "--paths", "100", "--no-structural", "--no-progress", "-o", str(out),
            "--ytd", str(MONTHLY / "2014-06.csv"), "--ytd-projects", str(MONTHLY / "2014-06-projects.csv")]
    subprocess.run([sys.executable, "-c", _TRACE, str(log), *args], cwd=tmp_path, env=env, check=True, stdout=subprocess.DEVNULL)
    opened = {p for p in log.read_text(encoding="utf-8").splitlines() if not _not_an_input(p, tmp_path)}
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    records = m["inputs"] + m["xinyi_inputs"] + m["ytd_inputs"]
    hashed = {os.path.realpath(r["path"]) for r in records}
    assert opened == hashed, {"read but not hashed": sorted(opened - hashed), "hashed but not read": sorted(hashed - opened)}
    for r in records:
        assert r["sha256"] == hashlib.sha256(Path(r["path"]).read_bytes()).hexdigest(), r
    roles = {r["role"] for r in m["inputs"]}
    assert {"scenario", "data revenue", "data dataset", "calibration artefact", "target catalogue", "pipeline calibration", "published figures"} <= roles
