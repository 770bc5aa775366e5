"""Load and validate a dataset folder into a :class:`Panel`.

Every problem found is reported with file, row, column, the bad value and what
was expected; loading stops only after all checks of a stage have run, so a
planner sees every problem of a table at once. Nothing is dropped silently.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataError, ErrorLocation, raise_all
from .schema import CLUSTER_LEVELS, PROVENANCE, REGION_LEVELS, TABLES, UNITS
from .tables import ROW_COL, read_table

__all__ = ["Panel", "load_dataset", "load_revenue_table", "default_data_dir", "parse_hosts"]


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
    """

    regions: pd.DataFrame
    parks: pd.DataFrame
    clusters: pd.DataFrame
    enterprises: pd.DataFrame
    revenue: pd.DataFrame
    provenance: pd.DataFrame
    source: pd.DataFrame
    meta: dict = field(default_factory=dict)

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
        return Panel(self.regions, self.parks, self.clusters, ents, **{k: v.loc[v.index.isin(alive[alive].index) | ~v.index.isin(self.enterprises.index)] for k, v in cut.items()}, meta=meta)

    def data_hash(self) -> str:
        """SHA-256 of the revenue values and memberships (for manifests)."""
        h = hashlib.sha256()
        for frame in (self.regions, self.parks, self.clusters, self.enterprises, self.revenue.round(9)):
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
    meta = _read_meta(folder)
    tables = {name: read_table(_find(folder, name), TABLES[name]) for name in TABLES}
    files = {name: str(_find(folder, name)) for name in TABLES}
    entities = _validate_entities(tables, files)
    revenue = tables["revenue"]
    if "unit" in meta:  # dataset.toml may declare the unit of rows with an empty 单位
        revenue.loc[revenue["unit"] == "", "unit"] = meta["unit"]
    wide = _validate_revenue(revenue, files["revenue"], entities, meta)
    rows = wide.pop("rows")
    panel = Panel(**entities, **wide, meta=meta)
    _check_members_within_aggregates(panel, files["revenue"], rows)
    return panel


def load_revenue_table(path: Path | str, panel: Panel, unit: str | None = None, sheet: str | None = None) -> Panel:
    """Validate a planner's own revenue table (e.g. a 月调度表) against ``panel``'s entities.

    Rows name entities by id (主体代码) or by name (企业名称). The result replaces
    ``panel``'s values where the table has them, marked with the table's provenance.

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
    """
    table = read_table(Path(path), TABLES["revenue"], sheet=sheet)
    if unit is not None:
        if unit not in UNITS:
            raise DataError(f"--unit {unit!r} is unknown; expected one of {list(UNITS)}")
        table.loc[table["unit"] == "", "unit"] = unit
    entities = {k: getattr(panel, k) for k in ("regions", "parks", "clusters", "enterprises")}
    wide = _validate_revenue(table, str(path), entities, panel.meta)
    rows = wide.pop("rows")
    given = wide["revenue"].notna()
    # Provenance and source follow the value: where the table has no value, keep the panel's.
    merged = {k: wide[k].where(given).combine_first(getattr(panel, k)).fillna("") for k in ("provenance", "source")}
    merged["revenue"] = wide["revenue"].combine_first(panel.revenue)
    out = Panel(**entities, **merged, meta=panel.meta)
    _check_members_within_aggregates(out, str(path), rows)
    return out


def parse_hosts(text: str) -> list[tuple[str, float | None]]:
    """Parse a cluster's ``hosts`` cell: ``"P1=0.6;P2=0.4"`` or ``"P1;P2"``."""
    out = []
    for item in filter(None, (t.strip() for t in text.split(";"))):
        name, _, share = item.partition("=")
        out.append((name.strip(), float(share) if share.strip() else None))
    return out


# --------------------------------------------------------------------------- files


def _find(folder: Path, name: str) -> Path:
    for ext in (".csv", ".xlsx"):
        if (folder / f"{name}{ext}").exists():
            return folder / f"{name}{ext}"
    raise DataError(f"{folder}: no table '{name}.csv' or '{name}.xlsx'; expected the five tables {list(TABLES)}")


def _read_meta(folder: Path) -> dict:
    path = folder / "dataset.toml"
    if not folder.is_dir():
        raise DataError(f"{folder}: not a folder; expected a dataset folder with dataset.toml and {list(TABLES)}")
    if not path.exists():
        raise DataError(f"{path}: missing; expected keys name, first_year, last_year")
    try:
        meta = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{path}: not valid TOML ({exc})") from None
    for key in ("name", "first_year", "last_year"):
        if key not in meta:
            raise DataError(f"{path}: missing key '{key}'; expected name, first_year, last_year")
    for key in ("first_year", "last_year"):
        if not isinstance(meta[key], int):
            raise DataError(f"{path}: key '{key}' = {meta[key]!r}; expected an integer year")
    if "unit" in meta and meta["unit"] not in UNITS:
        raise DataError(f"{path}: key 'unit' = {meta['unit']!r}; expected one of {list(UNITS)}")
    return meta


# --------------------------------------------------------------------------- entities


def _validate_entities(tables: dict[str, pd.DataFrame], files: dict[str, str]) -> dict[str, pd.DataFrame]:
    problems: list[str] = []
    seen: dict[str, str] = {}
    for name in ("regions", "parks", "clusters", "enterprises"):
        problems += _check_ids(tables[name], files[name], seen, name)
    raise_all(problems)
    out = {name: tables[name].drop_duplicates("id").set_index("id") for name in ("regions", "parks", "clusters", "enterprises")}
    problems += _check_levels(out, files)
    problems += _check_parents(out["regions"], "parent", out["regions"], files["regions"], "a region id")
    problems += _check_parents(out["parks"], "region", out["regions"], files["parks"], "a region id")
    problems += _check_parents(out["clusters"], "region", out["regions"], files["clusters"], "a region id")
    problems += _check_parents(out["clusters"], "parent", out["clusters"], files["clusters"], "a cluster id")
    problems += _check_enterprises(out, files["enterprises"])
    problems += _check_hosts(out, files["clusters"])
    problems += _check_cycles(out["regions"], files["regions"])
    problems += _check_cycles(out["clusters"], files["clusters"])
    raise_all(problems)
    return out


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


def _check_parents(table: pd.DataFrame, col: str, parents: pd.DataFrame, file: str, what: str) -> list[str]:
    problems = []
    for ident, rec in table.iterrows():
        ref = rec[col]
        if ref and ref not in parents.index:
            where = ErrorLocation(file, rec[ROW_COL], col)
            problems.append(DataError.describe(where, ref, f"{what} that exists (unknown parent of '{ident}')"))
    return problems


def _check_enterprises(out: dict[str, pd.DataFrame], file: str) -> list[str]:
    problems = []
    for ident, rec in out["enterprises"].iterrows():
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


# --------------------------------------------------------------------------- revenue


def _validate_revenue(table: pd.DataFrame, file: str, entities: dict[str, pd.DataFrame], meta: dict) -> dict[str, pd.DataFrame]:
    known = set().union(*(set(t.index) for t in entities.values()))
    names = _name_index(entities["enterprises"])
    first, last = meta["first_year"], meta["last_year"]
    problems, rows = [], []
    for _, rec in table.iterrows():
        row, errs = _parse_row(rec, file, known, names, first, last)
        problems += errs
        if row is not None:
            rows.append(row)
    raise_all(problems)
    if not rows:
        raise DataError(f"{file}: no data rows; expected at least one revenue value")
    frame = pd.DataFrame(rows, columns=["entity", "year", "value", "provenance", "source", ROW_COL])
    problems += _check_duplicates(frame, file)
    problems += _check_gaps(frame, file)
    raise_all(problems)
    years = list(range(first, last + 1))
    wide = {col: frame.pivot(index="entity", columns="year", values=col).reindex(columns=years) for col in ("value", "provenance", "source")}
    rows = {(e, int(y)): int(r) for e, y, r in zip(frame["entity"], frame["year"], frame[ROW_COL])}
    return {"revenue": wide["value"].astype(float), "provenance": _text(wide["provenance"]), "source": _text(wide["source"]), "rows": rows}


def _text(frame: pd.DataFrame) -> pd.DataFrame:
    # Years with no row at all come out of reindex as float NaN columns.
    return frame.astype(object).fillna("").astype(str)


def _name_index(enterprises: pd.DataFrame) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for ident, name in enterprises["name"].items():
        out.setdefault(name, []).append(ident)
    return out


def _parse_row(rec: pd.Series, file: str, known: set[str], names: dict, first: int, last: int) -> tuple[list | None, list[str]]:
    row = rec[ROW_COL]
    loc = lambda col: ErrorLocation(file, row, col)  # noqa: E731
    entity, errs = _resolve_entity(rec, loc, known, names)
    year, year_errs = _parse_year(rec["year"], loc("year"), first, last)
    value, value_errs = _parse_value(rec["value"], rec["unit"], loc)
    errs += year_errs + value_errs
    prov = rec["provenance"] or "published"
    if prov not in PROVENANCE:
        errs.append(DataError.describe(loc("provenance"), prov, f"one of {list(PROVENANCE)}"))
    if prov == "published" and not rec["source"]:
        errs.append(DataError.describe(loc("source"), rec["source"], "a source (web address or title) for a published value"))
    if errs:
        return None, errs
    return [entity, year, value, prov, rec["source"], row], []


def _resolve_entity(rec: pd.Series, loc, known: set[str], names: dict) -> tuple[str, list[str]]:
    if rec["entity"]:
        if rec["entity"] not in known:
            return "", [DataError.describe(loc("entity"), rec["entity"], "an entity id defined in regions, parks, clusters or enterprises")]
        return rec["entity"], []
    matches = names.get(rec["name"], [])
    if len(matches) == 1:
        return matches[0], []
    if not rec["name"]:
        return "", [DataError.describe(loc("entity"), "", "an entity id (主体代码) or an enterprise name (企业名称)")]
    what = "an enterprise name defined in enterprises" if not matches else f"a unique name (matches {matches}; use 主体代码)"
    return "", [DataError.describe(loc("name"), rec["name"], what)]


def _parse_year(text: str, where: ErrorLocation, first: int, last: int) -> tuple[int, list[str]]:
    try:
        number = float(text)
        year = int(number)
        if number != year or str(year) != text.split(".")[0]:
            raise ValueError
    except ValueError:
        return 0, [DataError.describe(where, text, "a year as a whole number, e.g. 2013")]
    if not first <= year <= last:
        return year, [DataError.describe(where, year, f"a year within the declared range {first}-{last} (dataset.toml)")]
    return year, []


def _parse_value(text: str, unit: str, loc) -> tuple[float, list[str]]:
    if text == "":
        return 0.0, [DataError.describe(loc("value"), text, "a revenue value (missing values are not allowed; drop the row if the entity did not exist)")]
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return 0.0, [DataError.describe(loc("value"), text, "a number (主营业务收入)")]
    errs = []
    if not np.isfinite(value) or value < 0:
        errs.append(DataError.describe(loc("value"), text, "a non-negative finite revenue"))
    if unit == "":
        errs.append(DataError.describe(loc("unit"), unit, f"a declared unit, one of {list(UNITS)} (or pass --unit, or set unit in dataset.toml)"))
    elif unit not in UNITS:
        errs.append(DataError.describe(loc("unit"), unit, f"one of {list(UNITS)}"))
    return _convert(text, value, UNITS.get(unit, 1.0)), errs


def _convert(text: str, value: float, factor: float) -> float:
    """``value × factor`` rounded once (decimal arithmetic): 123456 万元 is exactly 12.3456 亿元."""
    if factor == 1.0 or not np.isfinite(value):
        return value * factor
    try:
        return float(Decimal(text.replace(",", "").strip()) * Decimal(repr(factor)))
    except InvalidOperation:
        return value * factor


def _check_duplicates(frame: pd.DataFrame, file: str) -> list[str]:
    dup = frame[frame.duplicated(["entity", "year"], keep="first")]
    problems = []
    for _, rec in dup.iterrows():
        first = frame[(frame.entity == rec.entity) & (frame.year == rec.year)][ROW_COL].iloc[0]
        where = ErrorLocation(file, rec[ROW_COL], "year")
        problems.append(DataError.describe(where, int(rec.year), f"one value per entity and year ('{rec.entity}' already has {rec.year} at row {first})"))
    return problems


def _check_gaps(frame: pd.DataFrame, file: str) -> list[str]:
    problems = []
    for entity, group in frame.groupby("entity"):
        years = sorted(group["year"])
        missing = sorted(set(range(years[0], years[-1] + 1)) - set(years))
        if missing:
            # Point at the first value after the gap.
            after = group[group["year"] > missing[0]].sort_values("year").iloc[0]
            where = ErrorLocation(file, after[ROW_COL], "year")
            problems.append(DataError.describe(where, int(after["year"]), f"consecutive years for '{entity}' from {years[0]} to {years[-1]}; missing {missing}"))
    return problems


def _check_members_within_aggregates(panel: Panel, file: str, rows: dict | None = None) -> None:
    # Imported here: hierarchy depends on Panel.
    from .hierarchy import member_overflow

    rows = rows or {}
    problems = []
    for node, year, total, agg in member_overflow(panel):
        row = rows.get((node, year))
        where = ErrorLocation(file, row, "value") if row is not None else ErrorLocation(file)
        problems.append(
            f"{where}: entity '{node}' year {year}: got aggregate {agg:.4f} 亿元 < members' sum {total:.4f}; "
            "expected members (child regions, parks, enterprises, member clusters) to sum to at most the aggregate"
        )
    raise_all(problems)
