"""Expensive objects shared by several test modules (built once per pytest process).

Helpers for tests/test_engine.py, test_targets.py, test_summary.py and
test_results.py: preparing a run context loads the data, simulates a pilot
pipeline and compiles the catalogue (~10 s), so each scenario is prepared once
and the baseline run of ``N_PATHS`` paths is simulated once.
"""

from __future__ import annotations

from functools import lru_cache

from model.context import RunContext, prepare
from model.engine import RunOutput, run_blocks
from model.scenario import load_scenario

N_PATHS = 250
#: Two blocks per 250 paths, so process pools and Dask really split the work.
BLOCK_SIZE = 125
SEED = 20240611


@lru_cache(maxsize=None)
def context(name: str) -> RunContext:
    """Run context of a shipped scenario with the test block size."""
    return prepare(load_scenario(name).with_overrides(paths=N_PATHS, seed=SEED, block_size=BLOCK_SIZE))


@lru_cache(maxsize=None)
def run(name: str) -> RunOutput:
    """``N_PATHS`` paths of a shipped scenario on one worker, seed ``SEED``."""
    return run_blocks(context(name), N_PATHS, SEED, workers=1)


@lru_cache(maxsize=None)
def panel():
    from model.data import load_dataset

    return load_dataset()


@lru_cache(maxsize=None)
def hierarchy():
    from model.hierarchy import build_hierarchy

    return build_hierarchy(panel())
