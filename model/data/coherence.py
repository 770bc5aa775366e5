"""Coherence of a loaded panel: plausible values, members within their aggregates, and a merged table's changes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import raise_all
from ..hierarchy import incoherences
from ..panel import Panel
from ..plausibility import amount, find_implausible, is_refused, likely_cause, parse_confirmed, times
from .coverage import _members

# --------------------------------------------------------------------------- coherence


def _check_plausible(panel: Panel, defaulted: dict[tuple[str, int], str], toml: Path) -> Panel:
    """Refuse implausible values (unit slips, typing errors) unless ``confirmed_values`` lists them.

    Parameters
    ----------
    panel : Panel
    defaulted : dict
        ``(file label, row) -> note`` for rows whose unit was not in the row itself.
    toml : Path
        The dataset.toml where values are confirmed (named in the hint).

    Returns
    -------
    Panel
        ``panel``, with a note for every confirmed implausible value.
    """
    from dataclasses import replace

    ents = {"regions": panel.regions, "parks": panel.parks, "clusters": panel.clusters, "enterprises": panel.enterprises}
    kinds = {i: k for k, t in panel._tables().items() for i in t.index}
    names = {i: n for t in ents.values() for i, n in t["name"].items()}
    findings = find_implausible(panel.revenue, kinds, names, _members(ents), panel.province)
    confirmed, _ = parse_confirmed(panel.meta.get("confirmed_values", []), set(kinds))
    problems, notes = [], []
    findings.sort(key=lambda f: (panel.where(f.entity, f.year).row or 0))
    for f in findings:
        where = panel.where(f.entity, f.year)
        extra = defaulted.get((where.file, where.row), "")
        line = f"{where}: got {amount(f.value)} 亿元 for '{f.entity}' ({names.get(f.entity, '')}) in {f.year}: {f.reason}; {f.cause}" + (f" — {extra}" if extra else "")
        if is_refused(f):
            problems.append("implausible value: " + line + " (not confirmable: more than all of China's industrial revenue)")
        elif (f.entity, f.year) in confirmed or (f.entity, None) in confirmed:
            notes.append(f"plausibility (confirmed in {toml.name}): {line}")
        else:
            problems.append(f"implausible value: {line}")
    if problems:
        causes = [f.cause for f in findings]
        common = max(set(causes), key=causes.count)
        if len(findings) >= 5 and causes.count(common) * 2 > len(findings):
            problems.insert(0, f"{causes.count(common)} of {len(findings)} implausible values: {common.split(' (')[0]}; the first ones:")
        keys = ", ".join(f'"{f.entity} {f.year}"' for f in findings if not ((f.entity, f.year) in confirmed or (f.entity, None) in confirmed))
        shown = keys if len(keys) < 200 else keys[:200].rsplit(",", 1)[0] + ", ..."
        raise_all(
            problems,
            hint=f"correct the unit or the value; if a value is right, confirm it in {toml}: confirmed_values = [{shown}] (bounds: README, Data format)",
        )
    return replace(panel, notes=panel.notes + tuple(notes)) if notes else panel


def _check_members_within_aggregates(panel: Panel) -> None:
    raise_all([i.message for i in incoherences(panel, cells=False)])


def _changes(new: pd.DataFrame, old: pd.DataFrame, origin: dict) -> list[tuple[str, int, float, float, int]]:
    """(entity, year, new value, replaced value or NaN, row) for every value of a planner's table."""
    out = []
    for (entity, year), (_, row) in origin.items():
        before = old.at[entity, year] if entity in old.index and year in old.columns else np.nan
        out.append((entity, year, float(new.at[entity, year]), float(before), row))
    return sorted(out, key=lambda c: c[4])


def _table_note(label: str, n_rows: int, changes: list) -> str:
    replaced = sum(not np.isnan(c[3]) for c in changes)
    return (f"{label}: read {n_rows} row(s); merged, they replace {replaced} value(s) of the dataset and add {len(changes) - replaced} "
            "(in memory only: the dataset's files are unchanged; `data check TABLE --data DIR -o NEWDIR` writes the merged dataset)")


def _check_merged_gaps(revenue: pd.DataFrame, touched: list[str], label: str) -> list[str]:
    problems = []
    for entity in touched:
        have = np.flatnonzero(revenue.loc[entity].notna().to_numpy())
        years = revenue.columns[have[0]: have[-1] + 1]
        missing = [int(y) for y in years if np.isnan(revenue.at[entity, y])]
        if missing:
            problems.append(f"{label}: entity '{entity}' would have no value for {missing} after merging this table; expected consecutive years (add the missing years to the table)")
    return problems


def _unit_ratio(new: float, old: float) -> str:
    if np.isnan(old) or old <= 0 or new <= 0:
        return "" if np.isnan(old) or new > 0 else " — a zero value"
    ratio = new / old
    return f" — {times(ratio)} the old value: {likely_cause(ratio)}" if ratio >= 1e3 or ratio <= 1e-3 else ""


def _check_merged(out: Panel, label: str, changes: list) -> None:
    """Merged values must still fit the hierarchy; name this table's rows involved."""
    found = incoherences(out)
    if not found:
        return
    involved = {(c[0], c[1]): c for i in found for c in changes if c[0] in i.under and c[1] == i.year and c[2] != c[3]}
    lines = [f"{entity} {year} (row {row}): {new:.4f} 亿元" + (f", was {old:.4f}" if not np.isnan(old) else ", new") + _unit_ratio(new, old)
             for entity, year, new, old, row in sorted(involved.values(), key=lambda c: c[4])[:10]]
    hint = f"{label} changed these values involved: " + "; ".join(lines) if lines else f"none of the rows of {label} is directly involved; check the dataset itself"
    raise_all([f"after merging {label}: {i.message}" for i in found], hint=hint)
