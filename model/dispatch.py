"""Monthly dispatch tables (月调度表): cumulative revenue from January, validated row by row.

A table holds one row per entity and month: an enterprise (企业名称 or 主体代码)
or a park's own row (园区 with no 企业名称), the month (月份: ``6``, ``6月``,
``2014-06`` or ``2014年6月``; the year from 年份 or from the month), the
cumulative revenue from January (累计主营业务收入), optionally the month's own
revenue (本月主营业务收入) and the growth over the same period of last year
(同比增长, %). Units are those of the annual tables (单位 or ``--unit``; 万元 is
converted to 亿元 on input by the same code, :func:`model.data.values._parse_value`).

What is refused, each with file, row, column, value and what was expected:
an entity not in the dataset; a cluster or region row (their totals follow
from their members); months out of order; a month missing; a cumulative value
that falls; two rows for one month (a revision of an earlier month must not be
taken silently: keep the row you mean); a cumulative figure that is
:data:`MAGNITUDE_FACTOR` times above or below the same months' share of the
entity's annual revenue in the dataset (a unit slip: 元 typed under 万元, 万元
under 亿元); a 同比 growth inconsistent with last year's value of the monthly history. What is flagged (taken, and listed in
:attr:`Dispatch.flags`): a 本月 figure that does not equal the change of 累计,
which means an earlier month was revised inside the cumulative.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from .data.revenue import _check_provenance, _merged_errors, _Registry, _resolve_entity
from .data.values import _number_text, _parse_value, _parse_year, apply_unit
from .errors import DataError, ErrorLocation, raise_all
from .panel import Panel
from .plausibility import ENTERPRISE_MAX, amount, likely_cause, times
from .schema import DISPATCH
from .tables import FILE_COL, ROW_COL, read_table

__all__ = ["Dispatch", "load_dispatch", "YOY_TOLERANCE", "MONTH_TOLERANCE", "MAGNITUDE_FACTOR"]

#: A 同比 growth (%) may differ from last year's value by this many points (rounding to 0.1 % and revised bases).
YOY_TOLERANCE = 0.5
#: Relative tolerance of 本月 against the change of 累计 (rounding of both figures).
MONTH_TOLERANCE = 1e-3
#: A cumulative figure this many times above or below month/12 of the entity's annual revenue (the same year's,
#: else the latest before) is refused: no firm or park grows or shrinks 1,000-fold in a year; a unit slip is 10,000×.
MAGNITUDE_FACTOR = 1000.0

_MONTH = re.compile(r"^(?:(\d{4})\s*(?:年|-|/|\.)\s*)?(\d{1,2})\s*(?:月(?:份)?)?$")
# Errors name the columns by their Chinese headers, as the planner's table shows them.
_COLUMN = {"value": "累计主营业务收入", "month_value": "本月主营业务收入", "yoy": "同比增长", "month": "月份", "year": "年份", "name": "企业名称",
           "entity": "主体代码", "park": "园区", "unit": "单位", "provenance": "数据类型", "source": "来源"}


@dataclass(frozen=True, eq=False)
class Dispatch:
    """A validated 月调度表.

    Attributes
    ----------
    rows : pandas.DataFrame
        One row per entity and month: ``entity``, ``kind`` ('enterprise' or
        'park'), ``year``, ``month``, ``cum`` (累计, 亿元), ``month_value``
        (本月, 亿元, NaN when not given), ``yoy`` (同比, %, NaN when not given),
        ``provenance``, ``row`` and ``file`` (where the row sits).
    label : str
        The file (and sheet).
    notes : tuple of str
        What the reader decided on its own (encoding, skipped blank rows).
    flags : tuple of str
        Values taken but worth a look: revisions of an earlier month inside 累计.
    """

    rows: pd.DataFrame
    label: str
    notes: tuple = ()
    flags: tuple = ()

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.rows["year"].unique())

    @property
    def illustrative(self) -> bool:
        return bool((self.rows["provenance"] == "synthetic").any())

    def last_month(self, year: int) -> int:
        """The reporting month of ``year`` (every entity reports up to it)."""
        return int(self.rows.loc[self.rows["year"] == year, "month"].max())

    def ytd(self, year: int) -> pd.DataFrame:
        """Each entity's latest cumulative figure of ``year``: columns ``entity``, ``kind``, ``month``, ``cum``."""
        sub = self.rows[self.rows["year"] == year].sort_values(["entity", "month"])
        return sub.groupby("entity", sort=True).tail(1)[["entity", "kind", "month", "cum"]].reset_index(drop=True)

    @cached_property
    def index(self) -> dict[tuple[str, int, int], float]:
        """``(entity, year, month) -> 累计`` (亿元)."""
        r = self.rows
        return {(e, int(y), int(m)): float(c) for e, y, m, c in zip(r["entity"], r["year"], r["month"], r["cum"])}

    def cum(self, entity: str, year: int, month: int) -> float | None:
        """The cumulative figure of one entity, year and month (None when absent)."""
        return self.index.get((entity, year, month))


def load_dispatch(path: Path | str, panel: Panel, year: int | None = None, unit: str | None = None, sheet: str | None = None,
                  history: Dispatch | None = None) -> Dispatch:
    """Read and validate a 月调度表 against ``panel``'s entities.

    Parameters
    ----------
    path : path
        CSV or .xlsx.
    panel : Panel
        The registry the entities must belong to.
    year : int, optional
        The one year the table must hold (the current year of a mid-year
        update). Default: any years of the panel (a monthly history).
    unit : str, optional
        Unit of rows whose 单位 is empty ('亿元' or '万元').
    sheet : str, optional
        Excel sheet name.
    history : Dispatch, optional
        Monthly history holding last year's figures, for the 同比 check.

    Returns
    -------
    Dispatch

    Raises
    ------
    DataError
        Every problem at once, each naming file, row, column, value and expectation.
    """
    table = read_table(Path(path), DISPATCH, sheet=sheet)
    label = table.attrs["label"]
    if not ({"entity", "name", "park"} & set(table.columns)):
        raise DataError(f"{label}: missing column '主体代码', '企业名称' or '园区'; one is required to name each row's enterprise or park")
    defaulted = apply_unit(table, unit, label)
    span = (year, year, "the year of this mid-year update") if year is not None else (panel.meta["first_year"], panel.meta["last_year"], "the years of the dataset")
    reg = _Registry.of({k: getattr(panel, k) for k in ("regions", "parks", "clusters", "enterprises")}, panel.files.get("enterprises", "enterprises"))
    parks = set(panel.parks.index)
    problems, rows = [], []
    for rec in table.to_dict("records"):  # plain dicts: a pandas row per record is 20x slower on a 20,000-row history
        row, errs = _parse_row(rec, label, reg, parks, span)
        problems += errs
        if row is not None:
            rows.append(row)
    raise_all(problems, hint=table.attrs["hint"])
    if not rows:
        raise DataError(f"{label}: no data rows; expected one row per entity and month")
    frame = pd.DataFrame(rows, columns=["entity", "kind", "year", "month", "cum", "month_value", "yoy", "provenance", "row", "file"])
    series = _series(frame)
    problems = _check_duplicates(series) + _check_order(series) + _check_months(series) + _check_falling(series)
    raise_all(problems)
    units = {(rec.get(FILE_COL, label) or label, int(rec[ROW_COL])): (rec["unit"], (label, int(rec[ROW_COL])) in defaulted) for rec in table.to_dict("records")}
    raise_all(_check_magnitude(frame, panel, units))
    if history is not None:
        raise_all(_check_yoy(frame, history))
    frame = frame.sort_values(["entity", "year", "month"], kind="stable").reset_index(drop=True)
    return Dispatch(frame, label, tuple(table.attrs["notes"] + [n for n in defaulted.values()][:1]), tuple(_revisions(series)))


# --------------------------------------------------------------------------- rows


def _parse_row(rec: dict, file: str, reg: _Registry, parks: set, span: tuple) -> tuple[list | None, list[str]]:
    row = rec[ROW_COL]
    file = rec.get(FILE_COL, file) or file
    loc = lambda col: ErrorLocation(file, row, _COLUMN.get(col, col))  # noqa: E731
    merged = _merged_errors(rec, loc)
    if merged:
        return None, merged
    rec = dict(rec)
    if not rec["entity"] and not rec["name"]:
        rec["name"] = rec["park"]  # a park's own row: 园区 with no 企业名称
    entity, errs = _resolve_entity(rec, loc, reg)
    kind = "enterprise" if entity in reg.park_of else "park" if entity in parks else "other"
    if entity and kind == "other":
        errs.append(DataError.describe(loc("name"), rec["name"] or rec["entity"], "an enterprise or a park (the 月调度 of 百亿 parks and their firms); a cluster's or region's total follows from its members"))
    year, month, when_errs = _parse_when(rec, loc, span)
    cum, cum_errs = _parse_value(rec["value"], rec["unit"], loc)
    month_value, mv_errs = (np.nan, []) if rec["month_value"] == "" else _parse_value(rec["month_value"], rec["unit"], loc)
    # _parse_value names the column 'value'; a 本月 error must name its own column.
    mv_errs = [e.replace(str(loc("value")), str(loc("month_value"))) for e in mv_errs]
    yoy, yoy_errs = _parse_yoy(rec["yoy"], loc("yoy"))
    errs += when_errs + cum_errs + mv_errs + yoy_errs + _check_provenance(rec, loc)
    if errs:
        return None, list(dict.fromkeys(errs))  # an empty 单位 is named once, not once per amount column
    return [entity, kind, year, month, cum, month_value, yoy, rec["provenance"], int(row), file], []


def _parse_when(rec: dict, loc, span: tuple) -> tuple[int, int, list[str]]:
    text = unicodedata.normalize("NFKC", rec["month"]).strip()
    m = _MONTH.match(text)
    if not m or not 1 <= int(m.group(2)) <= 12:
        return 0, 0, [DataError.describe(loc("month"), rec["month"], "a month 1-12, e.g. 6, 6月, 2014-06 or 2014年6月 (cumulative from January to that month)")]
    month = int(m.group(2))
    year_text = rec["year"] or (m.group(1) or "")
    if not year_text:
        return 0, month, [DataError.describe(loc("year"), "", "a year: a 年份 column, or the year in 月份 (2014-06 or 2014年6月)")]
    year, errs = _parse_year(year_text, loc("year"), *span)
    if rec["year"] and m.group(1) and int(m.group(1)) != year:
        errs.append(DataError.describe(loc("month"), rec["month"], f"a month of {year} (年份 says {year})"))
    return year, month, errs


def _parse_yoy(text: str, where: ErrorLocation) -> tuple[float, list[str]]:
    if text == "":
        return np.nan, []
    plain = unicodedata.normalize("NFKC", text).strip().rstrip("%").strip()
    number = _number_text(plain)
    if number is None:
        return np.nan, [DataError.describe(where, text, "a growth over the same period of last year in %, e.g. 12.5 or 12.5% or -3.1")]
    value = float(number)
    if value <= -100:
        return np.nan, [DataError.describe(where, text, "a growth above -100 % (revenue cannot fall below zero)")]
    return value, []


# --------------------------------------------------------------------------- table checks


def _at(rec) -> ErrorLocation:
    return ErrorLocation(rec.file, rec.row, _COLUMN["value"])


def _series(frame: pd.DataFrame) -> dict[tuple[str, int], list]:
    """(entity, year) -> its rows in file order."""
    out: dict[tuple[str, int], list] = {}
    for rec in frame.itertuples(index=False):
        out.setdefault((rec.entity, rec.year), []).append(rec)
    return out


def _check_duplicates(series: dict) -> list[str]:
    problems = []
    for (entity, year), recs in series.items():
        first: dict[int, object] = {}
        for rec in recs:
            if rec.month not in first:
                first[rec.month] = rec
                continue
            prior = first[rec.month]
            what = "the same figure again (delete the repeated row)" if rec.cum == prior.cum else f"{prior.cum:.4f} 亿元: a revision of month {rec.month} must not be taken silently — keep only the row you mean"
            problems.append(DataError.describe(ErrorLocation(rec.file, rec.row, _COLUMN["month"]), f"{year}-{rec.month:02d} of '{entity}'",
                                               f"one row per entity and month; row {prior.row} already gives {what}"))
    return problems


def _check_order(series: dict) -> list[str]:
    problems = []
    for (entity, year), recs in series.items():
        back = next((k for k in range(1, len(recs)) if recs[k].month < recs[k - 1].month), None)
        if back is not None:
            rec, prior = recs[back], recs[back - 1]
            problems.append(DataError.describe(ErrorLocation(rec.file, rec.row, _COLUMN["month"]), rec.month,
                                               f"months in order for '{entity}' in {year}: it comes after month {prior.month} (row {prior.row}); sort the table by month"))
    return problems


def _check_months(series: dict) -> list[str]:
    last: dict[int, int] = {}
    for (_, year), recs in series.items():
        last[year] = max(last.get(year, 0), max(r.month for r in recs))
    problems = []
    for (entity, year), recs in series.items():
        missing = sorted(set(range(1, last[year] + 1)) - {r.month for r in recs})
        if missing:
            after = [r for r in recs if r.month > missing[0]]
            rec = min(after or recs, key=lambda r: r.month)
            problems.append(DataError.describe(ErrorLocation(rec.file, rec.row, _COLUMN["month"]), rec.month,
                                               f"every month from 1 to {last[year]} for '{entity}' in {year} (the table reports up to month {last[year]}); missing month(s) {missing}"))
    return problems


def _check_falling(series: dict) -> list[str]:
    problems = []
    for (entity, _), recs in series.items():
        ordered = sorted(recs, key=lambda r: r.month)
        for prev, rec in zip(ordered, ordered[1:]):
            if rec.cum < prev.cum - 1e-9:
                problems.append(DataError.describe(_at(rec), round(rec.cum, 4),
                                                   f"a cumulative (累计) revenue of '{entity}' that does not fall: month {rec.month} is below month {prev.month}'s {prev.cum:.4f} 亿元 (row {prev.row}); a cumulative figure from January can only grow"))
    return problems


def _check_magnitude(frame: pd.DataFrame, panel: Panel, units: dict) -> list[str]:
    """The latest month of each entity and year against its annual revenue: a unit slip passes every format check."""
    problems = []
    revenue = panel.revenue
    last = frame.loc[frame.groupby(["entity", "year"], sort=False)["month"].idxmax()]
    for rec in last.itertuples():
        ref_year, ref = _annual(revenue, rec.entity, rec.year)
        expected = ref * rec.month / 12.0 if ref else np.nan
        if np.isfinite(expected) and expected > 0 and rec.cum > 0:
            ratio = rec.cum / expected
            if not 1 / MAGNITUDE_FACTOR <= ratio <= MAGNITUDE_FACTOR:
                what = (f"{times(ratio)} {rec.month}/12 of its {ref_year} revenue ({amount(ref)} 亿元 in the dataset); "
                        f"no firm or park changes {MAGNITUDE_FACTOR:,.0f}-fold in a year (the stated bound)")
                problems.append(_magnitude_problem(rec, ratio, what, units))
        elif rec.kind == "enterprise" and rec.cum > ENTERPRISE_MAX:
            problems.append(_magnitude_problem(rec, rec.cum / ENTERPRISE_MAX * 1e4, f"above {ENTERPRISE_MAX:,.0f} 亿元, more than any enterprise has", units))
    return problems


def _annual(revenue: pd.DataFrame, entity: str, year: int) -> tuple[int, float]:
    """The entity's revenue of ``year``, else of the latest year before it (0 when it has none)."""
    if entity not in revenue.index:
        return year, 0.0
    row = revenue.loc[entity]
    row = row[(row.index <= year) & (row > 0)].dropna()
    return (int(row.index[-1]), float(row.iloc[-1])) if len(row) else (year, 0.0)


def _magnitude_problem(rec, ratio: float, what: str, units: dict) -> str:
    unit, defaulted = units.get((rec.file, rec.row), ("", False))
    decades = np.log10(ratio)
    if 3.3 <= decades <= 4.7 and unit in ("万元", "万"):
        cause = "looks like 元 given as 万元 (10,000× too large): divide by 10,000 to get 万元"
    elif 3.3 <= decades <= 4.7 and unit in ("亿元", "亿"):
        cause = "looks like 万元 given as 亿元 (10,000× too large): set 单位 to 万元"
    elif -4.7 <= decades <= -3.3 and unit in ("万元", "万"):
        cause = "looks like 亿元 given as 万元 (10,000× too small): set 单位 to 亿元"
    else:
        cause = likely_cause(ratio)
    if defaulted:
        cause += f" — its 单位 is empty, so --unit {unit} was applied"
    where = ErrorLocation(rec.file, rec.row, _COLUMN["value"])
    return f"{where}: got {amount(rec.cum)} 亿元 for '{rec.entity}' in {rec.year}-01 to {rec.year}-{rec.month:02d} (单位 {unit or '?'}): {what}; {cause}"


def _check_yoy(frame: pd.DataFrame, history: Dispatch) -> list[str]:
    problems = []
    known = history.index
    for rec in frame[frame["yoy"].notna()].itertuples():
        before = known.get((rec.entity, rec.year - 1, rec.month))
        if before is None or before <= 0:
            continue
        actual = 100.0 * (rec.cum / before - 1.0)
        if abs(actual - rec.yoy) > YOY_TOLERANCE:
            where = ErrorLocation(rec.file, rec.row, _COLUMN["yoy"])
            problems.append(DataError.describe(where, rec.yoy, f"the growth over {rec.year - 1}'s January-month {rec.month} figure of '{rec.entity}' ({before:.4f} 亿元 in {history.label}): "
                                                               f"{actual:.1f} % with this row's 累计 {rec.cum:.4f} 亿元 (tolerance {YOY_TOLERANCE} points); one of the two figures is wrong"))
    return problems


def _revisions(series: dict) -> list[str]:
    """本月 figures that differ from the change of 累计: an earlier month was revised inside the cumulative."""
    flags = []
    for (entity, year), recs in series.items():
        prev = 0.0
        for rec in sorted(recs, key=lambda r: r.month):
            step = rec.cum - prev
            if np.isfinite(rec.month_value) and abs(step - rec.month_value) > MONTH_TOLERANCE * max(rec.cum, 1e-9):
                flags.append(f"{rec.file}, row {rec.row}: '{entity}' {year}-{rec.month:02d}: 累计 rose by {step:.4f} 亿元 but 本月 says {rec.month_value:.4f}; "
                             f"an earlier month was revised by {step - rec.month_value:+.4f} 亿元 inside the cumulative — the latest 累计 is used")
            prev = rec.cum
    return flags
