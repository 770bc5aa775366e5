"""Shared fixtures: the embedded dataset (loaded once) and the tiny hand-written dataset."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from model.data import Panel, default_data_dir, load_dataset

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Prepared contexts (model.prepare_cache) go to a folder of this test session, never the user's cache;
# subprocesses (README commands, notebooks) inherit it.
os.environ["ATTAIN_CACHE_DIR"] = tempfile.mkdtemp(prefix="attain-test-cache-")


def pytest_unconfigure(config):
    import shutil

    shutil.rmtree(os.environ.get("ATTAIN_CACHE_DIR", ""), ignore_errors=True)


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


#: The longest test files, started first: pytest-xdist hands out whole files in collection order, so a long
#: file collected last would run alone at the end while the other worker idles.
_LONGEST_FIRST = ("test_readme_commands.py", "test_notebooks.py", "test_report.py", "test_sensitivity_cli.py", "test_structural.py")


def pytest_collection_modifyitems(config, items):
    def rank(item) -> int:
        name = Path(str(item.fspath)).name
        return _LONGEST_FIRST.index(name) if name in _LONGEST_FIRST else len(_LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order inside a file and among the other files is kept
