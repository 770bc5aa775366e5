"""Coverage: every entity the simulation starts from has a value in the last data year."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, raise_all
from ..tables import ROW_COL

# --------------------------------------------------------------------------- coverage


def _members(entities: dict[str, pd.DataFrame]) -> dict[str, list[str]]:
    """Direct members of every aggregate, as the hierarchy counts them."""
    out: dict[str, list[str]] = {i: [] for k in ("regions", "parks", "clusters") for i in entities[k].index}
    for child, parent in [*entities["regions"]["parent"].items(), *entities["parks"]["region"].items(), *entities["clusters"]["parent"].items()]:
        if parent:
            out[parent].append(child)
    for ident, rec in entities["enterprises"].iterrows():
        out[rec["park"] or rec["region"]].append(ident)
        if rec["cluster"]:
            out[rec["cluster"]].append(ident)
    return out


def _check_coverage(revenue: pd.DataFrame, entities: dict[str, pd.DataFrame], files: dict[str, str], meta: dict, toml: Path) -> list[str]:
    """Every entity the model needs a start value for has one; returns notes on what may legitimately be absent.

    The simulation starts every enterprise from its ``last_year`` value, and
    splits every aggregate into members plus remainder (total − members): an
    aggregate with members but no totals would silently count its members only.
    """
    first, last = meta["first_year"], meta["last_year"]
    present = [y for y in revenue.columns if revenue[y].notna().any()]
    if last not in present or first not in present:
        span = f"{present[0]}-{present[-1]}" if present else "none"
        raise DataError(f"{toml}: first_year-last_year = {first}-{last}, but {files['revenue']} has values for {span}; expected first_year and last_year to be the first and last years with data")
    problems = _enterprise_coverage(revenue, entities["enterprises"], files, last)
    members, notes = _members(entities), []
    for kind, name in (("region", "regions"), ("park", "parks"), ("cluster", "clusters")):
        for ident, rec in entities[name].iterrows():
            text = _aggregate_coverage(revenue, ident, rec, kind, members[ident], files, name, (first, last))
            if text is None:
                notes.append(f"{ident} ({rec['name']}, {kind}, no members)")
            elif text:
                problems.append(text)
    raise_all(problems)
    if notes:
        return [f"coverage: {len(notes)} aggregate(s) without totals, and without members, so nothing is simulated for them: {', '.join(notes)}"]
    return []


def _enterprise_coverage(revenue: pd.DataFrame, ents: pd.DataFrame, files: dict[str, str], last: int) -> list[str]:
    problems = []
    for ident, rec in ents.iterrows():
        who = f"enterprise '{ident}' ({rec['name']}, {files['enterprises']} row {rec[ROW_COL]})"
        if ident not in revenue.index:
            problems.append(f"{files['revenue']}: {who} has no revenue rows; expected its values up to {last} (last_year in dataset.toml), or remove it from {files['enterprises']}")
        elif np.isnan(revenue.at[ident, last]):
            end = int(revenue.loc[ident].last_valid_index())
            problems.append(
                f"{files['revenue']}: {who} has no value for {last} (last_year in dataset.toml; its values end in {end}); "
                f"expected a row '{ident},{last},…' — the simulation starts every enterprise from its {last} value"
                f" (if it closed, remove it from {files['enterprises']} and its rows from {files['revenue']})"
            )
    return problems


def _aggregate_coverage(revenue: pd.DataFrame, ident: str, rec: pd.Series, kind: str, kids: list[str], files: dict[str, str], table: str, years: tuple[int, int]) -> str | None:
    """'' when fine, None for an aggregate without totals or members (a note), else the problem."""
    first, last = years
    who = f"{kind} '{ident}' ({rec['name']}, {files[table]} row {rec[ROW_COL]})"
    if ident not in revenue.index:
        if not kids:
            return None
        shown = ", ".join(kids[:5]) + (", ..." if len(kids) > 5 else "")
        return (f"{files['revenue']}: {who} has no revenue rows but {len(kids)} member(s) ({shown}); expected its own totals for {first}-{last}: "
                "its untracked remainder is derived as total − members, so without totals it would silently count its members only")
    if np.isnan(revenue.at[ident, last]):
        end = int(revenue.loc[ident].last_valid_index())
        return f"{files['revenue']}: {who} has no value for {last} (last_year in dataset.toml; its values end in {end}); expected its total for {last}"
    return ""


