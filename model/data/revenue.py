"""Revenue rows: resolve each row's entity, parse its year and value, and pivot them into wide tables."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..errors import DataError, ErrorLocation, raise_all
from ..schema import PROVENANCE
from ..tables import FILE_COL, MERGED_COL, ROW_COL
from .values import _parse_value, _parse_year

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


