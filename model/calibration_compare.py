"""``attain calibrate --compare OLD``: what moved beyond its uncertainty, which data changed, how the odds moved.

The new calibration is a fresh fit on ``--data DIR`` (default: the embedded data),
up to ``--as-of`` when given; nothing is written. The old data come from the
record beside ``OLD`` (see :mod:`model.data_record`) or from ``--old-data DIR``.
With ``--paths N`` the scenario's targets are rerun under both calibrations
(see :mod:`model.prob_shift`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .calibrate import calibrate_panel
from .data import Panel, load_dataset
from .data_record import DataChanges, data_changes, panel_record, read_record, record_path
from .drift import ALPHA, Comparison, compare_tables
from .errors import DataError
from .param_table import ParamTable, parameter_table

__all__ = ["compare_calibrations", "CalibrationDiff", "old_data_record", "format_comparison", "format_data_changes"]

_SHOWN = 20


@dataclass(frozen=True)
class CalibrationDiff:
    """Parameter drift and data changes between a stored artefact and a fresh fit."""

    comparison: Comparison
    data: DataChanges | None
    data_note: str
    new_raw: dict
    new_panel: Panel
    old_record: pd.DataFrame | None


def old_data_record(old: Path, old_table: ParamTable, old_data: Path | None) -> tuple[pd.DataFrame | None, str]:
    """The old calibration's data: its record, else ``--old-data DIR`` cut to its as-of year, else None.

    Returns
    -------
    (DataFrame or None, str)
        The record and a note on where it came from (or why there is none).
    """
    if old_data is not None:
        panel = load_dataset(old_data)
        as_of = old_table.meta.get("as_of")
        if as_of is not None and int(as_of) < int(panel.years[-1]):
            panel = panel.as_of(int(as_of))
        note = f"old data: {old_data} (up to {int(panel.years[-1])})"
        if old_table.meta.get("data_hash") not in (None, panel.data_hash()):
            note += f"; its hash {panel.data_hash()} is not the one OLD was fitted on ({old_table.meta.get('data_hash')})"
        return panel_record(panel), note
    rec = record_path(old)
    if not rec.exists():
        return None, f"old data unknown: {old} has no data record ({rec.name}); pass --old-data DIR (the dataset OLD was fitted on) to list the changed values"
    try:
        frame, digest = read_record(rec)
    except ValueError as exc:
        raise DataError(str(exc)) from None
    note = f"old data: {rec}"
    if digest != old_table.meta.get("data_hash"):
        note += f" (WARNING: the record's data hash {digest} is not OLD's {old_table.meta.get('data_hash')}; it belongs to another fit)"
    return frame, note


def compare_calibrations(old: Path, data_dir: Path | None = None, as_of: int | None = None, old_data: Path | None = None,
                         alpha: float = ALPHA, nested: bool = False) -> CalibrationDiff:
    """Refit on the current data and compare with a stored artefact.

    Parameters
    ----------
    old : Path
        A calibration artefact (``parameters*.toml``).
    data_dir : Path, optional
        Dataset of the new fit (default: the embedded data).
    as_of : int, optional
        Last data year of the new fit.
    old_data : Path, optional
        Dataset folder of the old fit, when ``old`` has no data record.
    alpha : float
        Family-wise false-alarm rate.
    nested : bool
        Overlap correction (see :mod:`model.drift`).

    Returns
    -------
    CalibrationDiff
    """
    old_table = parameter_table(old)
    params, panel = calibrate_panel(load_dataset(data_dir), as_of)
    new_raw = {"params": params.to_dict(), "artefact": {"data_hash": panel.data_hash()}}
    new_table = parameter_table(new_raw)
    new_table = ParamTable(new_table.rows, new_table.labels, new_table.meta, f"refit on {data_dir or 'the embedded data'}")
    comparison = compare_tables(old_table, new_table, alpha=alpha, nested=nested)
    record, note = old_data_record(Path(old), old_table, old_data)
    changes = data_changes(record, panel_record(panel)) if record is not None else None
    return CalibrationDiff(comparison, changes, note, new_raw, panel, record)


def _num(x: float | None, se: float | None = None) -> str:
    if x is None:
        return "—"
    s = f"{x:.4g}"
    return f"{s} ± {se:.2g}" if se is not None else s


def format_comparison(c: Comparison) -> str:
    """The parameter table of a comparison, one line per parameter, and the verdict."""
    o, n = c.old_meta, c.new_meta
    rated = [x for x in c.changes if x.z is not None]
    how = "se_old² - se_new²), the overlap correction for nested data" if c.nested else "se_old² + se_new²), conservative when the fits share data"
    lines = [
        f"calibration drift: {o.get('path')} (as of {o.get('as_of')}, data {o.get('data_hash')}) -> {n.get('path')} (as of {n.get('as_of')}, data {n.get('data_hash')})",
        f"z = (new - old) / sqrt({how}; drift when {c.method.title()} rejects at a family-wise false-alarm rate of {c.alpha:g} "
        f"over {len(rated)} parameters with standard errors ('|z| >' is Holm's threshold at the parameter's rank by |z|)",
        f"{'parameter':22s} {'old ± se':>20s} {'new ± se':>20s} {'z':>7s} {'|z| >':>6s}  verdict",
    ]
    for x in c.changes:
        z = f"{x.z:+7.2f}" if x.z is not None else f"{'—':>7s}"
        thr = f"{x.threshold:6.2f}" if x.threshold is not None else f"{'':6s}"
        lines.append(f"{x.name:22s} {_num(x.old, x.se_old):>20s} {_num(x.new, x.se_new):>20s} {z} {thr}  {x.verdict}")
    lines += [f"setting changed: {s}" for s in c.labels]
    drifted = ", ".join(x.name for x in c.drifted)
    lines.append(f"verdict: DRIFT in {drifted}" if drifted else "verdict: STABLE (no parameter moved beyond its uncertainty)")
    return "\n".join(lines)


def format_data_changes(d: DataChanges, shown: int = _SHOWN) -> str:
    """Years added, revised values (entity, year, old -> new) and provenance changes."""
    if d.unchanged:
        return "data: unchanged"
    lines = []
    if d.years_added:
        lines.append(f"years added: {', '.join(map(str, d.years_added))} ({d.n_added_year_values} values)")
    if d.years_removed:
        lines.append(f"years removed: {', '.join(map(str, d.years_removed))}")
    for title, rows, fmt in (
        ("values revised", d.revised, lambda r: f"  {r[0]} {r[1]}: {r[2]:.6g} -> {r[3]:.6g} ({r[3] - r[2]:+.4g})"),
        ("values added in existing years", d.added, lambda r: f"  {r[0]} {r[1]}: {r[2]:.6g}"),
        ("values removed", d.removed, lambda r: f"  {r[0]} {r[1]}: {r[2]:.6g}"),
        ("provenance changes", d.provenance, lambda r: f"  {r[0]} {r[1]} {r[2]}: {r[3]} -> {r[4]}"),
    ):
        if rows:
            lines.append(f"{title}: {len(rows)}")
            lines += [fmt(r) for r in rows[:shown]]
            if len(rows) > shown:
                lines.append(f"  … {len(rows) - shown} more (--json lists all)")
    return "\n".join(lines)
