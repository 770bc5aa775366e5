"""Golden results: reference probabilities of the shipped scenarios, and the check that they still hold.

``tests/golden/probabilities.json`` holds, for every scenario in ``scenarios/``,
P(attain) and its Monte Carlo error for every evaluable target, with the seed,
the number of paths, the calibration hash, the data hash and the code version.
``tests/test_golden.py`` reruns them (500 paths per scenario) and fails when a
probability moved by more than its tolerance::

    |P_new - P_golden| > 4 * sqrt(se_golden² + se_new²) + 1/n

The two runs share seed and path count, so an unchanged model reproduces them
bit for bit; the tolerance lets through a change that only reshuffles random
numbers, and catches a change in what the model says (a shift of a few
percentage points at 500 paths). A deliberate change is accepted by
regenerating the file with **one command**, ``attain golden --write``, which
prints which targets moved. It refuses to overwrite a file it did not write.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .errors import OutputError
from .testing import N_SE, tolerance

__all__ = ["golden_path", "golden_probabilities", "golden_diff", "format_golden_diff", "read_golden", "shipped_scenarios", "Moved", "GOLDEN_PATHS", "TOOL"]

#: Paths per scenario of the golden runs (CI must stay fast).
GOLDEN_PATHS = 500
#: Marker of a file written by ``attain golden --write``.
TOOL = "attain golden"
RULE = "|P_new - P_golden| > 4 * sqrt(se_golden^2 + se_new^2) + 1/n"


def golden_path() -> Path:
    """``tests/golden/probabilities.json`` in the repository."""
    return Path(__file__).resolve().parents[1] / "tests" / "golden" / "probabilities.json"


def shipped_scenarios() -> list[str]:
    """Names of the scenarios in ``scenarios/`` (sorted)."""
    from .scenario import default_scenario_dir

    return sorted(p.stem for p in default_scenario_dir().glob("*.toml"))


def _params_hash(params) -> str:
    text = json.dumps(params.to_dict(), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def golden_probabilities(paths: int = GOLDEN_PATHS, scenarios: list[str] | None = None, as_of: int | None = None) -> dict:
    """Run the scenarios and collect every evaluable target's P ± MC error.

    Parameters
    ----------
    paths : int
        Paths per scenario.
    scenarios : list of str, optional
        Default: every shipped scenario.
    as_of : int, optional
        Calibrate as of this year (used to show what a model change looks like).

    Returns
    -------
    dict
        The content of a golden file.
    """
    from .context import prepare
    from .engine import run_blocks
    from .scenario import load_scenario
    from .summary import summarise

    out = {}
    for name in scenarios or shipped_scenarios():
        sc = load_scenario(name).with_overrides(paths=paths)
        seed = sc.get("scenario", "seed")
        ctx = prepare(sc, as_of=as_of)
        summary = summarise(run_blocks(ctx, paths, seed, workers=1))
        out[name] = {
            "seed": seed, "paths": paths, "calibration": ctx.calibration_source, "calibration_hash": _params_hash(ctx.params),
            "data_hash": ctx.panel.data_hash(), "scenario_digest": ctx.scenario.digest(),
            "targets": {t["id"]: {"p": t["probability"], "se": t["se"], "n": t["n_paths"]} for t in summary["targets"] if t.get("evaluable")},
        }
    return {"tool": TOOL, "regenerate_with": "attain golden --write", "version": __version__, "rule": RULE, "scenarios": out}


@dataclass(frozen=True)
class Moved:
    """One target whose probability moved beyond tolerance (or appeared / disappeared)."""

    scenario: str
    target: str
    old: float | None
    new: float | None
    tolerance: float | None

    def line(self) -> str:
        if self.old is None:
            return f"  {self.scenario:12s} {self.target:22s} new target (P {self.new:.3f})"
        if self.new is None:
            return f"  {self.scenario:12s} {self.target:22s} no longer evaluated (was P {self.old:.3f})"
        return f"  {self.scenario:12s} {self.target:22s} {self.old:.3f} -> {self.new:.3f}  ΔP {self.new - self.old:+.3f} (tolerance {self.tolerance:.3f})"


def golden_diff(stored: dict, fresh: dict, n_se: float = N_SE) -> tuple[list[Moved], list[str]]:
    """Targets that moved beyond tolerance, and notes (scenarios added/removed, hashes changed).

    Parameters
    ----------
    stored, fresh : dict
        Golden-file contents (:func:`golden_probabilities`).
    n_se : float

    Returns
    -------
    (list of Moved, list of str)
    """
    moved, notes = [], []
    for name in sorted(set(stored["scenarios"]) | set(fresh["scenarios"])):
        a, b = stored["scenarios"].get(name), fresh["scenarios"].get(name)
        if a is None or b is None:
            notes.append(f"scenario {name}: {'not in the golden file' if a is None else 'no longer run'}")
            if b is None:
                moved += [Moved(name, t, v["p"], None, None) for t, v in sorted(a["targets"].items())]
            continue
        for key in ("calibration_hash", "data_hash", "scenario_digest", "seed", "paths"):
            if a.get(key) != b.get(key):
                notes.append(f"scenario {name}: {key} {a.get(key)} -> {b.get(key)}")
        for tid in sorted(set(a["targets"]) | set(b["targets"])):
            ta, tb = a["targets"].get(tid), b["targets"].get(tid)
            if ta is None or tb is None:
                moved.append(Moved(name, tid, ta and ta["p"], tb and tb["p"], None))
                continue
            tol = tolerance(ta["se"], tb["se"], min(ta["n"], tb["n"]), n_se)
            if abs(tb["p"] - ta["p"]) > tol:
                moved.append(Moved(name, tid, ta["p"], tb["p"], tol))
    return moved, notes


def format_golden_diff(moved: list[Moved], notes: list[str], n_total: int, path: Path | str, first: bool = False) -> str:
    """What the golden check prints: one line per moved target, then the notes."""
    head = f"golden results: {n_total} probabilities, no previous file ({path})" if first else (f"golden results: {len(moved)} of {n_total} probabilities moved beyond 4 SE + 1/n ({path})" if moved
            else f"golden results reproduced: all {n_total} probabilities within 4 SE + 1/n ({path})")
    return "\n".join([head] + [m.line() for m in moved] + [f"note: {n}" for n in notes])


def read_golden(path: Path | str) -> dict:
    """Read a golden file; ValueError for a file ``attain golden`` did not write."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        data = None
    if not isinstance(data, dict) or data.get("tool") != TOOL:
        raise OutputError(f"{path}: not a golden-results file written by `attain golden --write` (no \"tool\": \"{TOOL}\"); move it away, attain will not overwrite or trust it")
    return data
