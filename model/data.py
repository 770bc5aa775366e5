"""Load and validate a dataset folder into a :class:`Panel`.

Every problem found is reported with file, row, column, the bad value and what
was expected; loading stops only after all checks of a stage have run, so a
planner sees every problem of a table at once. Nothing is dropped silently:
what the loader decided on its own (an encoding, skipped blank rows, an
aggregate without totals) is listed in :attr:`Panel.notes`.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataError, ErrorLocation, raise_all
from .plausibility import HARD_MAX, amount, find_implausible, is_refused, likely_cause, parse_confirmed, times
from .schema import CLUSTER_LEVELS, PROVENANCE, REGION_LEVELS, TABLES, UNITS
from .tables import FILE_COL, MERGED_COL, ROW_COL, decode_text, read_bytes, read_table

__all__ = ["Panel", "load_dataset", "load_revenue_table", "default_data_dir", "parse_hosts", "apply_unit", "META_KEYS"]

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
_DATASET_RANGE = "first_year-last_year in dataset.toml"
_TABLE_RANGE = "the years of the data this table is merged into; other years cannot be added"
# ASCII digits only: NFKC first turns full-width ２０１３ into 2013, and other scripts' digits are not numbers here.
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?", re.ASCII)
_YEAR = re.compile(r"[+-]?\d+(?:\.0*)?", re.ASCII)


def default_data_dir() -> Path:
    """The embedded Jiangxi/Ganzhou/Xinyi dataset shipped in ``calibration/data``."""
    return Path(__file__).resolve().parents[1] / "calibration" / "data"


@dataclass(frozen=True)
class Panel:
    """Validated entities and their annual revenue (亿元).

    Attributes
    ----------
    regions, parks, clusters, enterprises : pandas.DataFrame
        Entity tables indexed by id.
    revenue : pandas.DataFrame
        Wide table, index = entity id, columns = years; NaN where no value.
    provenance : pandas.DataFrame
        Same shape: ``published``, ``derived``, ``synthetic`` or ``""``.
    source : pandas.DataFrame
        Same shape: where each value comes from.
    meta : dict
        Contents of ``dataset.toml`` (name, first_year, last_year, illustrative...).
    origin : dict
        ``(entity, year) -> (file label, row)`` of every value, for messages.
    files : dict
        Table name -> file label (with the sheet for an .xlsx), for messages.
    notes : tuple of str
        What loading decided on its own (encoding, skipped rows, aggregates
        without totals, values a planner's table replaced), for the check summary.
    """

    regions: pd.DataFrame
    parks: pd.DataFrame
    clusters: pd.DataFrame
    enterprises: pd.DataFrame
    revenue: pd.DataFrame
    provenance: pd.DataFrame
    source: pd.DataFrame
    meta: dict = field(default_factory=dict)
    origin: dict = field(default_factory=dict, compare=False, repr=False)
    files: dict = field(default_factory=dict, compare=False, repr=False)
    notes: tuple = field(default=(), compare=False)

    @property
    def years(self) -> np.ndarray:
        return np.asarray(self.revenue.columns, dtype=int)

    @property
    def province(self) -> str:
        """Id of the province: the one region whose level is ``province``."""
        ids = self.regions.index[self.regions["level"] == "province"]
        if len(ids) != 1:
            raise DataError(f"regions: expected exactly one region with level 'province', got {len(ids)} ({', '.join(ids) or 'none'})")
        return str(ids[0])

    def province_revenue(self) -> np.ndarray:
        """The province's observed revenue series (亿元), oldest first."""
        pid = self.province
        if pid not in self.revenue.index:
            raise DataError(f"revenue: the province '{pid}' has no revenue rows; expected its totals for every year")
        return self.revenue.loc[pid].dropna().to_numpy(float)

    @property
    def illustrative(self) -> bool:
        """True when any value is synthetic: outputs must say so."""
        return bool((self.provenance == "synthetic").to_numpy().any())

    def ids(self) -> set[str]:
        """Every entity id of every kind."""
        return set(self.regions.index) | set(self.parks.index) | set(self.clusters.index) | set(self.enterprises.index)

    def kind_of(self, entity: str) -> str:
        """'region', 'park', 'cluster' or 'enterprise'; KeyError for an unknown id."""
        for kind, table in self._tables().items():
            if entity in table.index:
                return kind
        raise KeyError(f"unknown entity id {entity!r}")

    def where(self, entity: str, year: int) -> ErrorLocation:
        """File and row of the value of ``entity`` in ``year`` (just the revenue file when it has none).

        Parameters
        ----------
        entity : str
        year : int

        Returns
        -------
        ErrorLocation
        """
        known = entity in self.revenue.index and year in self.revenue.columns and not np.isnan(self.revenue.at[entity, year])
        if known and (entity, year) in self.origin:  # a hand-edited panel may have dropped the value
            file, row = self.origin[(entity, year)]
            return ErrorLocation(file, row, "value")
        return ErrorLocation(self.files.get("revenue", "revenue"))

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {"region": self.regions, "park": self.parks, "cluster": self.clusters, "enterprise": self.enterprises}

    def as_of(self, year: int) -> "Panel":
        """The panel truncated to data up to ``year`` (for as-of calibration and backtests)."""
        keep = [y for y in self.revenue.columns if y <= year]
        if not keep:
            raise ValueError(f"as-of year {year} is before the first data year {self.revenue.columns[0]}")
        cut = {k: getattr(self, k)[keep] for k in ("revenue", "provenance", "source")}
        alive = cut["revenue"].notna().any(axis=1)
        ents = self.enterprises[self.enterprises.index.isin(alive[alive].index)]
        meta = dict(self.meta, last_year=year)
        rows = {k: v.loc[v.index.isin(alive[alive].index) | ~v.index.isin(self.enterprises.index)] for k, v in cut.items()}
        return Panel(self.regions, self.parks, self.clusters, ents, **rows, meta=meta, origin=self.origin, files=self.files, notes=self.notes)

    def data_hash(self) -> str:
        """SHA-256 of the revenue values and memberships (for manifests)."""
        h = hashlib.sha256()
        # Row numbers enter as ordinals (1 = first data row), as before rows were numbered like Excel:
        # the hash must not move with blank lines, and must stay the one stored in calibration/parameters.toml.
        entities = [t.assign(**{ROW_COL: range(1, len(t) + 1)}) if ROW_COL in t else t for t in (self.regions, self.parks, self.clusters, self.enterprises)]
        for frame in (*entities, self.revenue.round(9)):
            h.update(pd.util.hash_pandas_object(frame.reset_index().astype(str), index=False).to_numpy().tobytes())
        return h.hexdigest()[:16]


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


def apply_unit(table: pd.DataFrame, unit: str | None, label: str) -> dict[tuple[str, int], str]:
    """Fill the empty 单位 cells of ``table`` with ``--unit`` (in place).

    Parameters
    ----------
    table : pandas.DataFrame
        As read by :func:`model.tables.read_table` (with a ``unit`` column).
    unit : str or None
        The flag's value; None leaves the table as it is.
    label : str
        The file, for the notes.

    Returns
    -------
    dict
        ``(file label, row) -> note`` for every row whose unit came from the flag.
    """
    if unit is None:
        return {}
    if unit not in UNITS:
        raise DataError(f"--unit {unit!r} is unknown; expected one of {list(UNITS)}{_YUAN_HINT if unit in ('元', '千元') else ''}")
    empty = table["unit"] == ""
    table.loc[empty, "unit"] = unit
    return {(label, int(r)): f"its 单位 is empty, so --unit {unit} was applied" for r in table.loc[empty, ROW_COL]}


def parse_hosts(text: str) -> list[tuple[str, float | None]]:
    """Parse a cluster's ``hosts`` cell: ``"P1=0.6;P2=0.4"`` or ``"P1;P2"``."""
    out = []
    for item in filter(None, (t.strip() for t in text.split(";"))):
        name, _, share = item.partition("=")
        out.append((name.strip(), float(share) if share.strip() else None))
    return out


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


# --------------------------------------------------------------------------- entities


def _validate_entities(tables: dict[str, pd.DataFrame], files: dict[str, str], standalone: list[str] = (), toml: Path | str = "dataset.toml") -> dict[str, pd.DataFrame]:
    problems: list[str] = []
    seen: dict[str, str] = {}
    for name in ("regions", "parks", "clusters", "enterprises"):
        problems += _check_ids(tables[name], files[name], seen, name)
    raise_all(problems)
    out = {name: tables[name].drop(columns=[FILE_COL, MERGED_COL]).drop_duplicates("id").set_index("id") for name in ("regions", "parks", "clusters", "enterprises")}
    problems += _check_levels(out, files)
    problems += _check_parents(out["regions"], "parent", out["regions"], files["regions"], "a region id")
    problems += _check_parents(out["parks"], "region", out["regions"], files["parks"], "a region id", required=True)
    problems += _check_parents(out["clusters"], "region", out["regions"], files["clusters"], "a region id", required=True)
    problems += _check_parents(out["clusters"], "parent", out["clusters"], files["clusters"], "a cluster id")
    problems += _check_enterprises(out, files["enterprises"])
    problems += _check_hosts(out, files["clusters"])
    problems += _check_cycles(out["regions"], files["regions"])
    problems += _check_cycles(out["clusters"], files["clusters"])
    if not problems:  # the province check needs valid levels
        problems += _check_province(out["regions"], files["regions"])
        problems += _check_standalone(out["regions"], files["regions"], list(standalone), toml)
    raise_all(problems)
    return out


def _check_standalone(regions: pd.DataFrame, file: str, standalone: list[str], toml: Path | str) -> list[str]:
    """A region with an empty 上级 leaves the province; only regions listed in ``standalone`` may.

    An accidental blank would silently take the region, its parks and firms out
    of every province-wide total and count, so it is an error naming the row.
    """
    problems = []
    for ident, rec in regions.iterrows():
        if rec["level"] == "province" or rec["parent"] or ident in standalone:
            continue
        where = ErrorLocation(file, rec[ROW_COL], "parent")
        problems.append(DataError.describe(
            where, "", f"the id of the region above '{ident}' ({rec['name']}, {rec['level']}): with an empty 上级 it would leave the province "
            f"and every province-wide total and count; if it is meant to stand alone (as Xinyi does), list it in {toml}: standalone = [\"{ident}\"]"))
    for ident in standalone:
        if ident not in regions.index:
            problems.append(f"{toml}: key 'standalone' names '{ident}'; expected ids of regions in {file}")
        elif regions.at[ident, "parent"] or regions.at[ident, "level"] == "province":
            what = "is the province" if regions.at[ident, "level"] == "province" else f"has the parent '{regions.at[ident, 'parent']}'"
            problems.append(f"{toml}: key 'standalone' names '{ident}', which {what}; expected only regions with an empty 上级 that stand outside the province")
    return problems


def _check_ids(table: pd.DataFrame, file: str, seen: dict[str, str], kind: str) -> list[str]:
    problems = []
    first_row: dict[str, str] = {}
    for _, rec in table.iterrows():
        where = ErrorLocation(file, rec[ROW_COL], "id")
        ident = rec["id"]
        if ident == "":
            problems.append(DataError.describe(where, ident, "a non-empty id"))
        elif ident in seen and not (kind == "enterprises" and seen[ident] == kind):
            at = f" row {first_row[ident]}" if seen[ident] == kind else ""
            problems.append(DataError.describe(where, ident, f"a unique id (already used in {seen[ident]}{at})"))
        seen.setdefault(ident, kind)
        first_row.setdefault(ident, rec[ROW_COL])
    if kind == "enterprises":
        problems += _check_enterprise_duplicates(table, file)
    return problems


def _check_enterprise_duplicates(table: pd.DataFrame, file: str) -> list[str]:
    problems = []
    for ident, group in table[table["id"] != ""].groupby("id"):
        if len(group) < 2:
            continue
        first, second = group.iloc[0], group.iloc[1]
        other = group[group["park"] != first["park"]]
        if len(other):
            second = other.iloc[0]
            where = ErrorLocation(file, second[ROW_COL], "park")
            problems.append(DataError.describe(where, second["park"], f"one park per enterprise; '{ident}' is already in {first['park']!r} (row {first[ROW_COL]})"))
        else:
            where = ErrorLocation(file, second[ROW_COL], "id")
            problems.append(DataError.describe(where, ident, f"a unique id (first at row {group.iloc[0][ROW_COL]})"))
    return problems


def _check_levels(out: dict[str, pd.DataFrame], files: dict[str, str]) -> list[str]:
    problems = []
    for name, allowed in (("regions", REGION_LEVELS), ("clusters", CLUSTER_LEVELS)):
        for ident, rec in out[name].iterrows():
            if rec["level"] not in allowed:
                where = ErrorLocation(files[name], rec[ROW_COL], "level")
                problems.append(DataError.describe(where, rec["level"], f"one of {list(allowed)} (for '{ident}')"))
    return problems


def _check_province(regions: pd.DataFrame, file: str) -> list[str]:
    """Exactly one region is the province, and it is a root: the model simulates its total."""
    prov = regions[regions["level"] == "province"]
    if prov.empty:
        return [f"{file}: no region has level 'province'; expected exactly one (the root of the hierarchy, whose total the model simulates)"]
    first, first_rec = prov.index[0], prov.iloc[0]
    problems = [
        DataError.describe(ErrorLocation(file, rec[ROW_COL], "level"), "province", f"exactly one region with level 'province' ('{first}' at row {first_rec[ROW_COL]} already is; make '{ident}' a city, board or county)")
        for ident, rec in prov.iloc[1:].iterrows()
    ]
    if first_rec["parent"]:
        problems.append(DataError.describe(ErrorLocation(file, first_rec[ROW_COL], "parent"), first_rec["parent"], f"no parent for the province '{first}' (it is the root)"))
    return problems


def _check_parents(table: pd.DataFrame, col: str, parents: pd.DataFrame, file: str, what: str, required: bool = False) -> list[str]:
    problems = []
    for ident, rec in table.iterrows():
        ref = rec[col]
        where = ErrorLocation(file, rec[ROW_COL], col)
        if ref and ref not in parents.index:
            problems.append(DataError.describe(where, ref, f"{what} that exists (unknown parent of '{ident}')"))
        elif required and not ref:
            problems.append(DataError.describe(where, ref, f"{what} (required for '{ident}')"))
    return problems


def _check_enterprises(out: dict[str, pd.DataFrame], file: str) -> list[str]:
    problems = []
    for ident, rec in out["enterprises"].iterrows():
        if not rec["region"]:
            problems.append(DataError.describe(ErrorLocation(file, rec[ROW_COL], "region"), "", f"a region id (required for '{ident}')"))
        for col, ref in (("region", out["regions"]), ("park", out["parks"]), ("cluster", out["clusters"])):
            if rec[col] and rec[col] not in ref.index:
                where = ErrorLocation(file, rec[ROW_COL], col)
                problems.append(DataError.describe(where, rec[col], f"a {col} id that exists (unknown parent of '{ident}')"))
        if rec["park"] in out["parks"].index and out["parks"].at[rec["park"], "region"] != rec["region"]:
            where = ErrorLocation(file, rec[ROW_COL], "region")
            park_region = out["parks"].at[rec["park"], "region"]
            problems.append(DataError.describe(where, rec["region"], f"the region of park '{rec['park']}' ('{park_region}')"))
    return problems


def _check_hosts(out: dict[str, pd.DataFrame], file: str) -> list[str]:
    problems = []
    known = set(out["parks"].index) | set(out["regions"].index)
    for ident, rec in out["clusters"].iterrows():
        where = ErrorLocation(file, rec[ROW_COL], "hosts")
        try:
            hosts = parse_hosts(rec["hosts"])
        except ValueError:
            problems.append(DataError.describe(where, rec["hosts"], "'ID=share;ID=share' with numeric shares"))
            continue
        for host, share in hosts:
            if host not in known:
                problems.append(DataError.describe(where, host, f"a park or region id that exists (host of cluster '{ident}')"))
            if share is not None and not 0 <= share <= 1:
                problems.append(DataError.describe(where, share, "a share between 0 and 1"))
        # The shares split the cluster's remainder: all given must sum to 1, some given to at most 1.
        shares = [s for _, s in hosts if s is not None]
        total = sum(shares)
        if shares and (total > 1 + 1e-6 or (len(shares) == len(hosts) and total < 1 - 1e-6)):
            what = "shares summing to 1" if len(shares) == len(hosts) else "given shares summing to at most 1"
            problems.append(DataError.describe(where, rec["hosts"], f"{what} (they sum to {total:g}; host of cluster '{ident}')"))
    return problems


def _check_cycles(table: pd.DataFrame, file: str) -> list[str]:
    parent = table["parent"].to_dict()
    for start in table.index:
        chain, node = [start], parent.get(start, "")
        while node:
            if node in chain:
                rec = table.loc[start]
                where = ErrorLocation(file, rec[ROW_COL], "parent")
                loop = " -> ".join(chain[chain.index(node):] + [node])
                return [DataError.describe(where, rec["parent"], f"a parent chain without cycles; found {loop}")]
            chain.append(node)
            node = parent.get(node, "")
    return []


# --------------------------------------------------------------------------- revenue rows


@dataclass(frozen=True)
class _Registry:
    """What a revenue row is checked against: ids, names and parks of the entities."""

    known: set
    by_name: dict  # enterprise name -> ids
    name_of: dict  # any id -> its name
    park_of: dict  # enterprise id -> park ('' when none)
    parks: set
    ent_file: str
    any_by_name: dict = field(default_factory=dict)  # any entity's name -> ids (a park's own row given by its name)

    @classmethod
    def of(cls, entities: dict[str, pd.DataFrame], ent_file: str) -> "_Registry":
        by_name: dict[str, list[str]] = {}
        for ident, name in entities["enterprises"]["name"].items():
            by_name.setdefault(name, []).append(ident)
        name_of = {i: n for t in entities.values() for i, n in t["name"].items()}
        known = set().union(*(set(t.index) for t in entities.values()))
        any_by_name: dict[str, list[str]] = {}
        for ident, name in name_of.items():
            any_by_name.setdefault(name, []).append(ident)
        return cls(known, by_name, name_of, entities["enterprises"]["park"].to_dict(), set(entities["parks"].index), ent_file, any_by_name)


def _validate_revenue(table: pd.DataFrame, file: str, entities: dict[str, pd.DataFrame], meta: dict, range_note: str,
                      full: bool, ent_file: str | None = None, hint: str | None = None) -> dict:
    """Parse every row; ``full`` for a whole dataset (gaps are then checked here, not after merging)."""
    reg = _Registry.of(entities, ent_file or "enterprises")
    first, last = meta["first_year"], meta["last_year"]
    problems, rows = [], []
    for _, rec in table.iterrows():
        row, errs = _parse_row(rec, file, reg, (first, last, range_note))
        problems += errs
        if row is not None:
            rows.append(row)
    raise_all(problems)
    if not rows:
        raise DataError(f"{file}: no data rows; expected at least one revenue value", hint=hint)
    frame = pd.DataFrame(rows, columns=["entity", "year", "value", "provenance", "source", ROW_COL, FILE_COL])
    problems += _check_duplicates(frame, file)
    if full:
        problems += _check_gaps(frame, file)
    raise_all(problems)
    years = list(range(first, last + 1))
    wide = {col: frame.pivot(index="entity", columns="year", values=col).reindex(columns=years) for col in ("value", "provenance", "source")}
    origin = {(e, int(y)): (f, int(r)) for e, y, r, f in zip(frame["entity"], frame["year"], frame[ROW_COL], frame[FILE_COL])}
    return {"revenue": wide["value"].astype(float), "provenance": _text(wide["provenance"]), "source": _text(wide["source"]), "origin": origin}


def _text(frame: pd.DataFrame) -> pd.DataFrame:
    # Years with no row at all come out of reindex as float NaN columns.
    return frame.astype(object).fillna("").astype(str)


def _parse_row(rec: pd.Series, file: str, reg: _Registry, years: tuple[int, int, str]) -> tuple[list | None, list[str]]:
    row = rec[ROW_COL]
    file = rec.get(FILE_COL, file) or file  # a workbook's sheets are named row by row
    loc = lambda col: ErrorLocation(file, row, col)  # noqa: E731
    merged = _merged_errors(rec, loc)
    if merged:
        return None, merged
    entity, errs = _resolve_entity(rec, loc, reg)
    year, year_errs = _parse_year(rec["year"], loc("year"), *years)
    value, value_errs = _parse_value(rec["value"], rec["unit"], loc)
    errs += year_errs + value_errs + _check_provenance(rec, loc)
    if errs:
        return None, errs
    return [entity, year, value, rec["provenance"], rec["source"], row, file], []


def _merged_errors(rec: pd.Series, loc) -> list[str]:
    """Cells left empty by a merged range (e.g. one 企业名称 over several years' rows), named as such."""
    out = []
    for item in filter(None, str(rec.get(MERGED_COL, "") or "").split(";")):
        col, _, rng = item.partition("=")
        top = rng.split(":")[0]
        out.append(DataError.describe(loc(col), "", f"a value in every row: this cell lies in the merged range {rng}, and Excel keeps a merged range's value only in its top cell ({top}); unmerge it (取消单元格合并) and fill every row with its value"))
    return out


def _check_provenance(rec: pd.Series, loc) -> list[str]:
    prov = rec["provenance"]
    if prov == "":
        # No default: "published" would pass an estimate off as an official figure.
        return [DataError.describe(loc("provenance"), prov, f"one of {list(PROVENANCE)} (数据类型 is required: published = an official figure with its 来源, derived = computed from such figures, synthetic = made up)")]
    if prov not in PROVENANCE:
        return [DataError.describe(loc("provenance"), prov, f"one of {list(PROVENANCE)}")]
    if prov == "published" and not rec["source"]:
        return [DataError.describe(loc("source"), rec["source"], "a source (web address or title) for a published value")]
    return []


_TOTAL_WORDS = {"合计", "总计", "小计", "共计", "总和", "合计数", "全部", "Total", "TOTAL", "total", "Sum", "SUM"}


def _resolve_entity(rec: pd.Series, loc, reg: _Registry) -> tuple[str, list[str]]:
    ident, name = rec["entity"], rec["name"]
    if ident:
        if ident not in reg.known:
            return "", [DataError.describe(loc("entity"), ident, "an entity id defined in regions, parks, clusters or enterprises")]
        errs = []
        if name and name != reg.name_of[ident]:
            errs.append(DataError.describe(loc("name"), name, f"the name of '{ident}' ('{reg.name_of[ident]}'): 主体代码 and 企业名称 disagree; correct the wrong one"))
        return ident, errs + _check_park(rec, loc, reg, ident)
    matches = reg.by_name.get(name, []) or reg.any_by_name.get(name, [])  # a park's, cluster's or region's own row by its name
    if len(matches) == 1:
        return matches[0], _check_park(rec, loc, reg, matches[0])
    if not name:
        return "", [DataError.describe(loc("entity"), "", "an entity id (主体代码) or an enterprise name (企业名称)")]
    if name.replace(" ", "").replace("\u3000", "") in _TOTAL_WORDS:
        return "", [DataError.describe(loc("name"), name, "an enterprise name; this looks like a total row (合计): delete it — totals come from the regions', parks' and clusters' own rows, never from summing a table")]
    what = "an enterprise name defined in enterprises (or the name of a park, cluster or region)" if not matches else f"a unique name (matches {matches}; use 主体代码)"
    return "", [DataError.describe(loc("name"), name, what)]


def _check_park(rec: pd.Series, loc, reg: _Registry, ident: str) -> list[str]:
    park = rec["park"]
    if not park:
        return []
    if ident in reg.park_of:
        expected = reg.park_of[ident]
        what = f"the park of '{ident}' ({reg.name_of[ident]}) in {reg.ent_file}: '{expected}'" if expected else f"an empty 所属园区: '{ident}' ({reg.name_of[ident]}) is in no park in {reg.ent_file}"
    else:
        expected = ident if ident in reg.parks else ""
        what = f"'{ident}' itself or an empty 所属园区 for a park's own row" if expected else f"an empty 所属园区 for a region or cluster row ('{ident}')"
    # A park given by its registered name (甲县工业园区) rather than its id (P1) is the same park.
    return [] if park in (expected, reg.name_of.get(expected)) else [DataError.describe(loc("park"), park, what)]


def _parse_year(text: str, where: ErrorLocation, first: int, last: int, range_note: str = _DATASET_RANGE) -> tuple[int, list[str]]:
    plain = unicodedata.normalize("NFKC", text).strip()  # full-width ２０１３ reads as 2013, as for values
    if not _YEAR.fullmatch(plain):
        what = _not_a_number(text) if plain.startswith("=") else "a year as a whole number, e.g. 2013" + _date_cell_hint(plain)
        return 0, [DataError.describe(where, text, what)]
    year = int(plain.split(".")[0])
    if not first <= year <= last:
        return year, [DataError.describe(where, year, f"a year within {first}-{last} ({range_note})")]
    return year, []


def _date_cell_hint(plain: str) -> str:
    """Why an Excel date cell is no year: a year typed into a date-formatted cell is stored as day number 2013 (1905-07-05)."""
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d) 00:00:00", plain)
    if not m:
        return ""
    import datetime

    day = datetime.date(*(int(g) for g in m.groups()))
    serial = (day - datetime.date(1899, 12, 30)).days
    if 1900 <= serial <= 2100:
        return (f"; the cell is formatted as a date, so Excel shows the number {serial} as the date {day.isoformat()}: "
                f"set the column's format to 常规 (General) and type {serial} again")
    return f"; the cell holds the date {day.isoformat()}: type the year alone ({day.year}) in a cell formatted as 常规 (General)"


def _number_text(text: str) -> str | None:
    """The plain number in a cell (NFKC digits, thousands commas removed); None when it is not one."""
    plain = unicodedata.normalize("NFKC", text).strip()
    if _GROUPED.fullmatch(plain):
        plain = plain.replace(",", "")
    return plain if _NUMBER.fullmatch(plain) else None


_CURRENCY = ("￥", "¥", "RMB", "CNY", "人民币")
_YUAN_HINT = " (元 and 千元 are not accepted: convert to 万元, 1 万元 = 10,000 元 = 10 千元)"


def _not_a_number(text: str) -> str:
    plain = unicodedata.normalize("NFKC", text).strip()
    if plain.startswith("="):
        return (f"a number, but the cell holds the formula '{plain}' with no saved result (the file was written by a program that does not "
                "compute formulas); open and save it in Excel or WPS, or paste the column as values (选择性粘贴 → 数值)")
    if re.fullmatch(r"\(\s*[\d,.]+\s*\)", plain):
        return f"a non-negative number; '{plain}' is Excel's accounting format for a negative number (-{plain[1:-1].strip()}): revenue cannot be negative"
    if plain.endswith("%") and _number_text(plain[:-1]):
        return "a revenue amount, not a percentage (a growth rate or share belongs in another table)"
    if plain.strip("-—–－ /\\") == "" or plain.upper() in ("N/A", "NA", "NULL", "无", "空", "缺"):
        return "a revenue value; a placeholder for 'no data' is not one: drop the row if the entity had no value that year, or fill in the figure"
    sign = next((c for c in _CURRENCY if c in plain or c in text), None)
    if sign:
        bare = _number_text(plain.replace(sign, "").replace("¥", "").strip())
        as_wan = f" ({float(bare):,.2f} 元 = {float(bare) / 1e4:,.4f} 万元)" if bare else ""
        return (f"a number without a currency sign: '{sign}' marks an amount in 元 (yuan), but revenue is given in 万元 or 亿元{as_wan}; "
                "remove the sign (Excel: 设置单元格格式 → 数值) and convert the value to 万元 or 亿元")
    for unit in sorted(UNITS, key=len, reverse=True):
        if plain.endswith(unit) and _number_text(plain[: -len(unit)]):
            return f"a number without its unit (put '{unit}' in the 单位 column)"
    if "," in plain:
        return "a number (主营业务收入); a comma is read only as a thousands separator (4,048,710), use '.' for decimals"
    return "a number (主营业务收入), e.g. 4048710 or 4,048,710"


def _parse_value(text: str, unit: str, loc) -> tuple[float, list[str]]:
    if text == "":
        return 0.0, [DataError.describe(loc("value"), text, "a revenue value (missing values are not allowed; drop the row if the entity did not exist)")]
    number = _number_text(text)
    if number is None:
        return 0.0, [DataError.describe(loc("value"), text, _not_a_number(text))]
    value = float(number)
    errs = []
    if not np.isfinite(value) or value < 0:
        errs.append(DataError.describe(loc("value"), text, "a non-negative finite revenue"))
    if unit == "":
        errs.append(DataError.describe(loc("unit"), unit, f"a declared unit, one of {list(UNITS)} (or pass --unit, or set unit in dataset.toml)"))
    elif unit not in UNITS:
        errs.append(DataError.describe(loc("unit"), unit, f"one of {list(UNITS)}{_YUAN_HINT if unit in ('元', '千元') else ''}"))
    converted = _convert(number, value, UNITS.get(unit, 1.0))
    if not errs and converted > HARD_MAX:
        errs.append(DataError.describe(loc("value"), text, f"a revenue in 亿元 or 万元 (below {HARD_MAX:.0e} 亿元, a million times all of China's industrial revenue); read as {converted:.4g} 亿元 it is no revenue in any unit — a typing error?"))
    return (converted if not errs else 0.0), errs


def _convert(number: str, value: float, factor: float) -> float:
    """``value × factor`` rounded once (decimal arithmetic): 123456 万元 is exactly 12.3456 亿元."""
    if factor == 1.0 or not np.isfinite(value):
        return value * factor
    try:
        return float(Decimal(number) * Decimal(repr(factor)))
    except InvalidOperation:
        return value * factor


def _check_duplicates(frame: pd.DataFrame, file: str) -> list[str]:
    dup = frame[frame.duplicated(["entity", "year"], keep="first")]
    problems = []
    for _, rec in dup.iterrows():
        prior = frame[(frame.entity == rec.entity) & (frame.year == rec.year)].iloc[0]
        where = ErrorLocation(rec[FILE_COL], rec[ROW_COL], "year")
        at = f"row {prior[ROW_COL]}" if prior[FILE_COL] == rec[FILE_COL] else f"{prior[FILE_COL]} row {prior[ROW_COL]}"
        problems.append(DataError.describe(where, int(rec.year), f"one value per entity and year ('{rec.entity}' already has {rec.year} at {at})"))
    return problems


def _check_gaps(frame: pd.DataFrame, file: str) -> list[str]:
    problems = []
    for entity, group in frame.groupby("entity"):
        years = sorted(group["year"])
        missing = sorted(set(range(years[0], years[-1] + 1)) - set(years))
        if missing:
            # Point at the first value after the gap.
            after = group[group["year"] > missing[0]].sort_values("year").iloc[0]
            where = ErrorLocation(after[FILE_COL], after[ROW_COL], "year")
            problems.append(DataError.describe(where, int(after["year"]), f"consecutive years for '{entity}' from {years[0]} to {years[-1]}; missing {missing}"))
    return problems


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
    # Imported here: hierarchy depends on Panel.
    from .hierarchy import incoherences

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
    from .hierarchy import incoherences

    found = incoherences(out)
    if not found:
        return
    involved = {(c[0], c[1]): c for i in found for c in changes if c[0] in i.under and c[1] == i.year and c[2] != c[3]}
    lines = [f"{entity} {year} (row {row}): {new:.4f} 亿元" + (f", was {old:.4f}" if not np.isnan(old) else ", new") + _unit_ratio(new, old)
             for entity, year, new, old, row in sorted(involved.values(), key=lambda c: c[4])[:10]]
    hint = f"{label} changed these values involved: " + "; ".join(lines) if lines else f"none of the rows of {label} is directly involved; check the dataset itself"
    raise_all([f"after merging {label}: {i.message}" for i in found], hint=hint)
