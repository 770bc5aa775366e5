"""Every file a run reads is hashed in its manifest (model.run_inputs, model.results.manifest)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import shutil
import sysconfig
from pathlib import Path

import matplotlib
import pytest

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


def _not_an_input(path: str, outputs: tuple[Path, ...]) -> bool:
    """The interpreter, its libraries, the operating system, the package's own code and metadata, and the run's outputs."""
    system = {sys.prefix, sys.base_prefix, sys.exec_prefix, *sysconfig.get_paths().values(), "/proc", "/sys", "/dev", "/usr", "/etc",
              matplotlib.get_cachedir()}  # the font cache of the figures a sensitivity folder holds
    p = Path(path)
    installed = any(part.endswith((".egg-info", ".dist-info")) for part in p.parts)  # package metadata, read by importlib.metadata
    return (installed or any(path == s or path.startswith(os.path.realpath(s) + os.sep) for s in system) or p.is_relative_to(PACKAGE)
            or any(p.is_relative_to(o.resolve()) for o in outputs) or not p.is_file() or p.suffix in (".py", ".pyc", ".so"))


# the mid-year update reads the most files: the run's inputs, Xinyi's and the monthly tables; a sensitivity
# folder on a dataset of its own reads the same model files through the design-point runner
RUN_YTD = ["run", "baseline", "--paths", "100", "--no-structural", "--no-progress",
           "--ytd", str(MONTHLY / "2014-06.csv"), "--ytd-projects", str(MONTHLY / "2014-06-projects.csv")]
SENSITIVITY_OWN_DATA = ["sensitivity", "baseline", "--target", "GZ-ENT100-2016", "--levers", "early_production_subsidy",
                        "--paths", "20", "--no-progress", "--data", "mydata"]


@pytest.mark.parametrize("args", [RUN_YTD, SENSITIVITY_OWN_DATA], ids=["run-ytd", "sensitivity-data"])
def test_the_manifest_hashes_exactly_the_files_a_run_opens(tmp_path, args):
    out, log = tmp_path / "out", tmp_path / "trace" / "opened.txt"
    log.parent.mkdir()
    shutil.copytree(ROOT / "calibration" / "data", tmp_path / "mydata")
    # Cache off: the prepared-context cache (model.prepare_cache) hashes more files than a run reads, to validate
    # an entry; with it on, a hit reads none of the inputs again. What is traced here is what the model reads.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ATTAIN_NO_PROGRESS": "1", "ATTAIN_CACHE": "off"}
    args = [*args, "-o", str(out)]
    subprocess.run([sys.executable, "-c", _TRACE, str(log), *args], cwd=tmp_path, env=env, check=True, stdout=subprocess.DEVNULL)
    opened = {p for p in log.read_text(encoding="utf-8").splitlines() if not _not_an_input(p, (out, log.parent))}
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    records = [r for key in ("inputs", "xinyi_inputs", "ytd_inputs") for r in m.get(key, [])]
    hashed = {os.path.realpath(r["path"]) for r in records}
    assert opened == hashed, {"read but not hashed": sorted(opened - hashed), "hashed but not read": sorted(hashed - opened)}
    for r in records:
        assert r["sha256"] == hashlib.sha256(Path(r["path"]).read_bytes()).hexdigest(), r
    roles = {r["role"] for r in m["inputs"]}
    required = {"scenario", "data revenue", "data dataset", "calibration artefact", "target catalogue", "pipeline calibration", "published figures"}
    if "--data" in args:  # a dataset without its own parameters.toml is calibrated on the fly: no artefact to read
        required.discard("calibration artefact")
    assert required <= roles
