"""attain: how likely are regional industrial targets to be hit, and what would change the odds.

The public API (this list doubles as its index). Names load on first use, so ``import model`` stays
light and the command line builds its parser without importing the simulation.

Data
    ``load_dataset``, ``load_revenue_table`` (``model.data``): read and validate a dataset folder or one table.
Scenarios and levers
    ``load_scenario`` (``model.scenario``), ``LEVERS`` (``model.levers``).
Calibration
    ``model.calibrate.calibrate``: fit the growth law; ``load_params`` (``model.artefact``): read a stored
    calibration.
Run
    ``prepare`` (``model.context``): everything a run needs; ``run_blocks`` (``model.engine``): simulate;
    ``summarise`` (``model.summary``): P(attain) and what a planner reads.
Models
    ``simulate_leaves`` (``model.growth``), ``simulate_pipeline`` (``model.pipeline``),
    ``model.forecast.forecast`` (the M4-tested forecaster).
Targets
    ``load_catalogue`` (``model.catalogue``), ``compile_targets`` and ``measure`` (``model.targets``).
Sensitivity and goal seek
    ``tornado``, ``sobol`` (``model.sensitivity``), ``model.goalseek.goalseek``.

Three functions share their module's name (``calibrate``, ``forecast``, ``goalseek``); they are reached
through the module, so ``model.calibrate`` is never ambiguous.
Testing
    ``model.testing``: assertions for calibration regression tests.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_HOME = {
    "load_dataset": "data", "load_revenue_table": "data",
    "load_scenario": "scenario", "LEVERS": "levers",
    "load_params": "artefact",
    "prepare": "context", "run_blocks": "engine", "summarise": "summary",
    "simulate_leaves": "growth", "simulate_pipeline": "pipeline",
    "load_catalogue": "catalogue", "compile_targets": "targets", "measure": "targets",
    "tornado": "sensitivity", "sobol": "sensitivity",
}

__all__ = ["__version__", *_HOME]


def __getattr__(name: str) -> Any:
    # Lazy, so that `import model` (the CLI's parser) does not load numpy, pandas or the simulation.
    if name in _HOME:
        value = getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
