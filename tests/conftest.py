"""Shared fixtures: the embedded dataset (loaded once) and the tiny hand-written dataset."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.data import Panel, default_data_dir, load_dataset

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def embedded_panel() -> Panel:
    """The embedded illustrative Jiangxi/Ganzhou panel (``calibration/data``), loaded once."""
    return load_dataset(default_data_dir())


@pytest.fixture(scope="session")
def good_dir() -> Path:
    """``tests/fixtures/good``: 1 province, 2 cities, 1 county, 2 parks, 2 clusters, 4 firms, 2011-2013."""
    return FIXTURES / "good"


@pytest.fixture(scope="session")
def bad_dir() -> Path:
    """``tests/fixtures/bad``: one broken copy of the good dataset per case."""
    return FIXTURES / "bad"


@pytest.fixture(scope="session")
def good_panel(good_dir: Path) -> Panel:
    return load_dataset(good_dir)


@pytest.fixture(autouse=True)
def _no_heartbeat(monkeypatch):
    """Commands' progress lines go to stderr after a few seconds; tests that read stderr must not see them at random."""
    monkeypatch.setenv("ATTAIN_NO_PROGRESS", "1")
