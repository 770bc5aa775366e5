"""How the odds moved between two calibrations, and why: a sequential decomposition with common random numbers.

Four runs of one scenario, same seed and paths (common random numbers)::

    P0  old parameters, old data                      (what the old calibration said)
    P1  old parameters, old data + the added years    -> "new data"     = P1 - P0
    P2  old parameters, new data (revisions applied)  -> "revised data" = P2 - P1
    P3  new parameters, new data                      -> "parameters"   = P3 - P2

The order is fixed: new data first, then revisions, then the refit. The steps
sum to P3 - P0 exactly; another order would split the same total differently
(interactions land on the later step). Each shift's Monte Carlo error is the
paired one: with per-path hit indicators ``a_i``, ``b_i`` of the two runs,
``se = sd(b_i - a_i) / sqrt(n)``. Common random numbers make it much smaller
than the unpaired ``sqrt(se_a² + se_b²)`` when both runs simulate the same
years; the "new data" step starts the simulation a year later, so its random
numbers line up by position, not by calendar year, and its pairing gains less.

Each state's data are written to a temporary dataset folder (entity tables of
the new data; revenue rows from the data records; for the old data, the
enterprises without a value in its last year are left out) with its parameters
stored beside them, so the runs go through the ordinary ``prepare`` path.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import tomli_w

from .data import load_dataset
from .errors import DataError
from .param_table import read_artefact

__all__ = ["StateRun", "Shift", "probability_shift", "format_shift", "paired_shift", "STEPS"]

#: The decomposition's steps, in order.
STEPS = ("new data", "revised data", "parameters")


def paired_shift(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """``P(b) - P(a)`` and its paired Monte Carlo standard error ``sd(b - a) / sqrt(n)``.

    Parameters
    ----------
    a, b : ndarray of bool, shape (n,)
        Per-path hit indicators of two runs with common random numbers.

    Returns
    -------
    (float, float)
    """
    d = b.astype(float) - a.astype(float)
    n = d.size
    se = float(d.std(ddof=1) / math.sqrt(n)) if n > 1 else float("nan")
    return float(d.mean()), se


@dataclass(frozen=True)
class StateRun:
    """Per-path hits of one state, by target id."""

    label: str
    hits: dict
    years: tuple
    calibration: str


@dataclass(frozen=True)
class Shift:
    """The decomposition for every target evaluable in all four states."""

    scenario: str
    paths: int
    seed: int
    rows: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    states: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"scenario": self.scenario, "paths": self.paths, "seed": self.seed, "order": list(STEPS), "targets": self.rows,
                "not_in_every_state": self.skipped, "states": self.states}


def probability_shift(old: Path, diff, scenario: str, paths: int, seed: int | None, data_dir: Path | None) -> Shift:
    """Rerun a scenario under the old and the new calibration and decompose each target's P shift.

    Parameters
    ----------
    old : Path
        The old artefact.
    diff : model.calibration_compare.CalibrationDiff
        With the old data record and the new fit.
    scenario : str
        Scenario name or file.
    paths : int
    seed : int, optional
        Default: the scenario's.
    data_dir : Path, optional
        The new data (entity tables are taken from it).

    Returns
    -------
    Shift
    """
    from .scenario import load_scenario

    sc = load_scenario(scenario).with_overrides(paths=paths, seed=seed)
    seed = sc.get("scenario", "seed")
    old_raw = read_artefact(old)
    new_rec = _record_of(diff.new_panel)
    old_rec = diff.old_record
    old_last = int(old_rec["year"].max())
    added = new_rec[new_rec["year"] > old_last]
    kept_old = old_rec
    states = [
        ("P0 old parameters, old data", kept_old, old_raw),
        ("P1 + new data", pd.concat([kept_old, added], ignore_index=True), old_raw),
        ("P2 + revised data", new_rec, old_raw),
        ("P3 + new parameters", new_rec, diff.new_raw),
    ]
    runs: list[StateRun] = []
    with tempfile.TemporaryDirectory(prefix="attain-shift-") as tmp:
        previous = None
        for k, (label, rows, raw) in enumerate(states):
            key = (_frame_key(rows), id(raw))
            if previous is not None and key == previous[0]:
                runs.append(StateRun(label, previous[1].hits, previous[1].years, previous[1].calibration))  # nothing changed: same run
                continue
            folder = Path(tmp) / f"state{k}"
            _write_state(diff.new_panel, rows, raw, folder)
            run = _run_state(sc, folder, paths, seed, label)
            runs.append(run)
            previous = (key, run)
    return _decompose(sc.name, paths, seed, runs)


def _record_of(panel) -> pd.DataFrame:
    from .data_record import panel_record

    return panel_record(panel)


def _frame_key(rows: pd.DataFrame) -> int:
    return int(pd.util.hash_pandas_object(rows.sort_values(["entity", "year"]).reset_index(drop=True).astype(str), index=False).sum())


def _write_state(panel, rows: pd.DataFrame, raw: dict, folder: Path) -> None:
    """A dataset folder with the new data's entities and ``rows`` as revenue, and the parameters beside it."""
    folder.mkdir(parents=True)
    rows = rows[rows["entity"].isin(panel.ids())]
    last = int(rows["year"].max())
    at_last = set(rows.loc[rows["year"] == last, "entity"])
    frames = {"regions": panel.regions, "parks": panel.parks, "clusters": panel.clusters, "enterprises": panel.enterprises[panel.enterprises.index.isin(at_last)]}
    for name, table in frames.items():
        table.drop(columns=["_row"], errors="ignore").rename_axis("id").reset_index().to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
    gone = set(panel.enterprises.index) - at_last
    rows = rows[~rows["entity"].isin(gone)].assign(unit="亿元")
    rows[["entity", "year", "value", "unit", "provenance", "source"]].to_csv(folder / "revenue.csv", index=False, lineterminator="\n")
    meta = {k: v for k, v in panel.meta.items() if k not in ("as_of",)}
    meta.update(first_year=int(rows["year"].min()), last_year=last, unit="亿元")
    (folder / "dataset.toml").write_text(tomli_w.dumps(meta), encoding="utf-8")
    digest = load_dataset(folder).data_hash()
    body = {"artefact": dict(raw.get("artefact", {}), data_hash=digest), "params": _toml_safe(raw["params"])}
    (folder / "parameters.toml").write_text(tomli_w.dumps(body), encoding="utf-8")


def _toml_safe(obj):
    """TOML has no null and no numpy: drop None, store non-finite floats as strings (as the artefact does)."""
    if isinstance(obj, dict):
        return {k: _toml_safe(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [_toml_safe(v) for v in (obj.tolist() if isinstance(obj, np.ndarray) else obj)]
    if isinstance(obj, (np.floating, float)):
        return float(obj) if math.isfinite(obj) else str(float(obj))
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def _run_state(sc, folder: Path, paths: int, seed: int, label: str) -> StateRun:
    from .context import prepare
    from .engine import run_blocks

    ctx = prepare(sc, data_dir=folder)
    if not ctx.calibration_source.startswith("stored"):
        raise DataError(f"{label}: the stored parameters were not used ({ctx.calibration_source}); the data written for this step do not match them")
    out = run_blocks(ctx, paths, seed, workers=1)
    hits = {c.target.id: out.stack("values", c.target.id) >= c.target.at_least for c in ctx.targets if c.evaluable}
    return StateRun(label, hits, (int(ctx.years[0]), int(ctx.years[-1])), ctx.calibration_source)


def _decompose(name: str, paths: int, seed: int, runs: list[StateRun]) -> Shift:
    common = [t for t in runs[-1].hits if all(t in r.hits for r in runs)]
    skipped = sorted(set().union(*(r.hits for r in runs)) - set(common))
    rows = []
    for tid in common:
        h = [r.hits[tid] for r in runs]
        total, se_total = paired_shift(h[0], h[3])
        steps = {step: dict(zip(("shift", "se"), paired_shift(h[k], h[k + 1]))) for k, step in enumerate(STEPS)}
        rows.append({"id": tid, "p_old": float(h[0].mean()), "p_new": float(h[3].mean()), "shift": total, "se": se_total, "steps": steps})
    states = [{"state": r.label, "simulated_years": list(r.years)} for r in runs]
    return Shift(name, paths, seed, rows, skipped, states)


def format_shift(s: Shift) -> str:
    """One line per target: old P, new P, total shift ± paired MC error, and the three steps."""
    lines = [
        f"probability shift, scenario {s.scenario}, {s.paths} paths, seed {s.seed} (common random numbers; ± = paired MC error)",
        "steps in order: new data (years added), revised data, parameters (the refit); they sum to the total",
        f"{'target':22s} {'P old':>6s} {'P new':>6s} {'total':>15s} {'new data':>15s} {'revised data':>15s} {'parameters':>15s}",
    ]
    flat = [r for r in s.rows if r["p_old"] in (0.0, 1.0) and r["p_new"] == r["p_old"] and all(v["shift"] == 0 for v in r["steps"].values())]
    for r in s.rows:
        if r in flat:
            continue
        cells = [f"{r['shift']:+.3f} ± {r['se']:.3f}"] + [f"{r['steps'][k]['shift']:+.3f} ± {r['steps'][k]['se']:.3f}" for k in STEPS]
        lines.append(f"{r['id']:22s} {r['p_old']:6.3f} {r['p_new']:6.3f} " + " ".join(f"{c:>15s}" for c in cells))
    if flat:
        lines.append(f"{len(flat)} more targets at P = 0 or 1 in every state, no shift (--json lists them)")
    if s.skipped:
        lines.append(f"not evaluable in every state (e.g. a target year already observed in the new data): {', '.join(s.skipped)}")
    return "\n".join(lines)
