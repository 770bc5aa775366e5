"""Load a dataset folder (``dataset.toml`` + five tables) or merge a planner's revenue table into a :class:`Panel`."""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, raise_all
from ..panel import Panel, default_data_dir
from ..plausibility import parse_confirmed
from ..schema import TABLES, UNITS
from ..tables import ROW_COL, read_table
from ..text_encoding import decode_text, read_bytes
from .coherence import _changes, _check_members_within_aggregates, _check_merged, _check_merged_gaps, _check_plausible, _table_note
from .coverage import _check_coverage
from .entities import _validate_entities
from .revenue import _validate_revenue
from .values import _DATASET_RANGE, apply_unit

__all__ = ["load_dataset", "load_revenue_table", "META_KEYS"]

#: Keys allowed in ``dataset.toml`` and what they mean (any other key is an error).
META_KEYS: dict[str, str] = {
    "name": "dataset name (required)",
    "first_year": "first data year (required)",
    "last_year": "last data year, the year the simulation starts from (required)",
    "unit": "unit of revenue rows whose 单位 is empty: 亿元 or 万元",
    "illustrative": "true when the data are partly synthetic (informational)",
    "as_of": "the year the data describe (informational)",
    "generator": "the program that wrote the data (informational)",
    "seed": "the generator's seed (informational)",
    "tracking_threshold": "revenue (亿元) above which firms are tracked, per region id (informational)",
    "standalone": "ids of regions that stand alone, outside the province (an empty 上级 is otherwise an error)",
    "confirmed_values": "values that fail a plausibility check but are right: \"ID YEAR\" or \"ID\" (every year)",
}

_YEARS = (1900, 2100)
_TABLE_RANGE = "the years of the data this table is merged into; other years cannot be added"


def load_dataset(folder: Path | str | None = None) -> Panel:
    """Load and validate a dataset folder.

    Parameters
    ----------
    folder : path, optional
        Folder with ``dataset.toml`` and the five tables (``regions``, ``parks``,
        ``clusters``, ``enterprises``, ``revenue``; each ``.csv`` or ``.xlsx``).
        Default: the embedded data (:func:`default_data_dir`).

    Returns
    -------
    Panel

    Raises
    ------
    DataError
        With one line per problem, each naming file, row, column, value and expectation.
    """
    folder = Path(folder) if folder is not None else default_data_dir()
    meta, notes = _read_meta(folder)
    tables = {name: read_table(_find(folder, name), TABLES[name], sheet_flag=False) for name in TABLES}
    files = {name: tables[name].attrs["label"] for name in TABLES}
    files["dataset"] = str(folder / "dataset.toml")
    notes += [note for t in tables.values() for note in t.attrs["notes"]]
    entities = _validate_entities(tables, files, meta.get("standalone", []), folder / "dataset.toml")
    raise_all(_check_meta_ids(meta, entities, folder / "dataset.toml"))
    revenue = tables["revenue"]
    defaulted: dict[tuple[str, int], str] = {}
    if "unit" in meta:  # dataset.toml may declare the unit of rows with an empty 单位
        empty = revenue["unit"] == ""
        revenue.loc[empty, "unit"] = meta["unit"]
        defaulted = {(files["revenue"], int(r)): f"its 单位 is empty, so unit = '{meta['unit']}' of dataset.toml was applied" for r in revenue.loc[empty, ROW_COL]}
    wide = _validate_revenue(revenue, files["revenue"], entities, meta, _DATASET_RANGE, full=True, ent_file=files["enterprises"], hint=revenue.attrs["hint"])
    origin = wide.pop("origin")
    notes += _check_coverage(wide["revenue"], entities, files, meta, folder / "dataset.toml")
    panel = Panel(**entities, **wide, meta=meta, origin=origin, files=files, notes=tuple(notes))
    _check_members_within_aggregates(panel)
    return _check_plausible(panel, defaulted, folder / "dataset.toml")


def load_revenue_table(path: Path | str, panel: Panel, unit: str | None = None, sheet: str | None = None) -> Panel:
    """Validate a planner's own revenue table (e.g. a 月调度表) against ``panel``'s entities.

    Rows name entities by id (主体代码) or by name (企业名称); when both are given
    they must agree, and a 所属园区 must be the enterprise's park. The result
    replaces ``panel``'s values where the table has them, marked with the
    table's provenance; :attr:`Panel.notes` says how many rows were read and
    how many values they replaced.

    Parameters
    ----------
    path : path
        CSV or .xlsx.
    panel : Panel
        The entity registry to resolve names and ids against.
    unit : str, optional
        Unit for every row when the table has no 单位 column ('亿元' or '万元').
    sheet : str, optional
        Excel sheet name.

    Returns
    -------
    Panel

    Raises
    ------
    DataError
        A bad row, or merged values that no longer fit the hierarchy (the
        message then lists this table's rows involved).
    """
    table = read_table(Path(path), TABLES["revenue"], sheet=sheet)
    label = table.attrs["label"]
    defaulted = apply_unit(table, unit, label)
    entities = {k: getattr(panel, k) for k in ("regions", "parks", "clusters", "enterprises")}
    wide = _validate_revenue(table, label, entities, panel.meta, _TABLE_RANGE, full=False, ent_file=panel.files.get("enterprises"), hint=table.attrs["hint"])
    origin = wide.pop("origin")
    given = wide["revenue"].notna()
    # Provenance and source follow the value: where the table has no value, keep the panel's.
    merged = {k: wide[k].where(given).combine_first(getattr(panel, k)).fillna("") for k in ("provenance", "source")}
    merged["revenue"] = wide["revenue"].combine_first(panel.revenue)
    raise_all(_check_merged_gaps(merged["revenue"], list(wide["revenue"].index), label))
    changes = _changes(wide["revenue"], panel.revenue, origin)
    notes = list(panel.notes) + table.attrs["notes"] + [_table_note(label, len(table), changes)]
    out = Panel(**entities, **merged, meta=panel.meta, origin={**panel.origin, **origin}, files=panel.files, notes=tuple(notes))
    _check_merged(out, label, changes)
    return _check_plausible(out, defaulted, Path(panel.files.get("dataset", "dataset.toml")))



# --------------------------------------------------------------------------- files


def _find(folder: Path, name: str) -> Path:
    found = [folder / f"{name}{ext}" for ext in (".csv", ".xlsx") if (folder / f"{name}{ext}").exists()]
    if len(found) == 2:
        raise DataError(f"{folder}: got both {name}.csv and {name}.xlsx; expected one {name} table — remove or rename the one that is not current")
    if not found:
        raise DataError(f"{folder}: no table '{name}.csv' or '{name}.xlsx'; expected the five tables {list(TABLES)}")
    return found[0]


def _read_meta(folder: Path) -> tuple[dict, list[str]]:
    path = folder / "dataset.toml"
    if not folder.exists():
        raise DataError(f"{folder}: no such file or folder; expected a dataset folder with dataset.toml and {list(TABLES)}")
    if not folder.is_dir():
        raise DataError(f"{folder}: not a folder; expected a dataset folder with dataset.toml and {list(TABLES)}")
    if not path.exists():
        raise DataError(f"{path}: missing; expected keys name, first_year, last_year")
    text, note = decode_text(path, read_bytes(path))
    try:
        meta = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{path}: not valid TOML ({exc})") from None
    raise_all(_check_meta(meta, path))
    return meta, [note] if note else []


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)  # TOML true is not a year


def _check_meta(meta: dict, path: Path) -> list[str]:
    problems = []
    for key in sorted(set(meta) - set(META_KEYS)):
        close = difflib.get_close_matches(key, list(META_KEYS), n=1)
        maybe = f" (did you mean '{close[0]}'?)" if close else ""
        problems.append(f"{path}: unknown key '{key}'{maybe}; expected only {list(META_KEYS)}")
    for key in ("name", "first_year", "last_year"):
        if key not in meta:
            return problems + [f"{path}: missing key '{key}'; expected name, first_year, last_year"]
    for key in ("first_year", "last_year"):
        if not _is_int(meta[key]):
            problems.append(f"{path}: key '{key}' = {meta[key]!r}; expected an integer year")
        elif not _YEARS[0] <= meta[key] <= _YEARS[1]:
            problems.append(f"{path}: key '{key}' = {meta[key]}; expected a four-digit year ({_YEARS[0]}-{_YEARS[1]})")
    if not problems and meta["first_year"] > meta["last_year"]:
        problems.append(f"{path}: first_year = {meta['first_year']} is after last_year = {meta['last_year']}; expected first_year <= last_year (swapped?)")
    return problems + _check_meta_types(meta, path)


def _check_meta_types(meta: dict, path: Path) -> list[str]:
    problems = []
    if not isinstance(meta["name"], str) or not meta["name"].strip():
        problems.append(f"{path}: key 'name' = {meta['name']!r}; expected a non-empty text")
    if "unit" in meta and meta["unit"] not in UNITS:
        problems.append(f"{path}: key 'unit' = {meta['unit']!r}; expected one of {list(UNITS)}")
    for key, ok, what in (("illustrative", lambda v: isinstance(v, bool), "true or false"), ("as_of", _is_int, "an integer year"),
                          ("seed", _is_int, "an integer"), ("generator", lambda v: isinstance(v, str), "a text")):
        if key in meta and not ok(meta[key]):
            problems.append(f"{path}: key '{key}' = {meta[key]!r}; expected {what}")
    for key, example in (("standalone", '["GD.XY"]'), ("confirmed_values", '["JX.GZ 2012", "E.JCC"]')):
        if key in meta and not (isinstance(meta[key], list) and all(isinstance(v, str) for v in meta[key])):
            problems.append(f"{path}: key '{key}' = {meta[key]!r}; expected a list of texts, e.g. {key} = {example}")
    threshold = meta.get("tracking_threshold", {})
    if not isinstance(threshold, dict):
        problems.append(f"{path}: key 'tracking_threshold' = {threshold!r}; expected a table of region id = 亿元, e.g. {{ JX = 10.0 }}")
    else:
        for region, value in threshold.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or value < 0:
                problems.append(f"{path}: key 'tracking_threshold.{region}' = {value!r}; expected a non-negative number (亿元)")
    return problems


def _check_meta_ids(meta: dict, entities: dict[str, pd.DataFrame], path: Path) -> list[str]:
    threshold = meta.get("tracking_threshold", {})
    regions = entities["regions"].index
    problems = [f"{path}: key 'tracking_threshold' names '{r}'; expected region ids of regions ({', '.join(regions[:5])}, ...)" for r in threshold if r not in regions]
    known = set().union(*(set(t.index) for t in entities.values()))
    return problems + [f"{path}: {p}" for p in parse_confirmed(meta.get("confirmed_values", []), known)[1]]


