"""The committed copies of the policy documents, the published figures and the M4 data are intact."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ["calibration/documents", "calibration/sources", "benchmarks/data/m4"]


def _sums(folder: Path) -> dict[str, str]:
    lines = (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    return {name.strip(): digest for digest, name in (line.split(None, 1) for line in lines if line.strip())}


@pytest.mark.parametrize("folder", FOLDERS)
def test_vendored_files_match_their_checksums(folder):
    path = ROOT / folder
    sums = _sums(path)
    assert sums, f"{folder}/SHA256SUMS lists no file"
    bad = {n: d for n, d in sums.items() if hashlib.sha256((path / n).read_bytes()).hexdigest() != d}
    assert bad == {}


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_vendored_file_is_listed(folder):
    path = ROOT / folder
    present = {p.name for p in path.iterdir() if p.is_file() and p.name not in ("SHA256SUMS", "README.md")}
    assert present - set(_sums(path)) == set()
