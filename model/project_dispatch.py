"""Project dispatch tables (项目调度表) of the provincial 百项 list: each listed project's state at the report month.

A table holds one row per project of the year's list of major industrial projects
(the 百项 list of 赣府厅字〔2013〕97号, the pipeline programme ``jx_major``): its name
(项目名称, and 项目编号 when the table has one), the report month (报告期: ``2014-06``
or ``2014年6月``, the same on every row), its 形象进度 (a status word), the
investment completed from January to the report month (年初至报告期完成投资, in the
row's 单位, 亿元 or 万元) and the dates of 开工, 竣工 and 投产 it has reached
(``2014-03``, ``2014-03-15``, ``2014年3月`` or ``2014年3月15日``); optionally 总投资
and 所属地区.

What is refused, each with file, row, column, value and what was expected: a
status word that is not one of :data:`STATUS_WORDS`; a date that is not a date, or
after the report month; dates out of order (竣工 before 开工, 投产 before 竣工); a
status that disagrees with the dates (在建 without a 开工 date, 未开工 with one);
a negative investment, or one above the project's 总投资; a project listed twice
(same 项目编号, or same 项目名称); a report month that differs between rows or is not
the run's current year. What is flagged (taken, listed in :attr:`ProjectDispatch.flags`):
a project below the programme's 10亿 floor; a project that reached 投产 before the
year (it cannot be on that year's list as modelled, and is not counted).

The link to the simulation is the list itself: the simulated projects are
anonymous draws, so a row does not pin a simulated project; the table conditions
the run through the state it reports — the list's 开工 and 投产 of January to the
report month, with their dates (:meth:`ProjectDispatch.condition`,
:class:`model.pipeline.ListCondition`) — to which each path's listed projects are
moved (:func:`model.pipeline.list_condition.condition_timeline`).
"""

from __future__ import annotations

import calendar
import datetime
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .data.revenue import _check_provenance, _merged_errors
from .data.values import _convert, _number_text, apply_unit
from .errors import DataError, ErrorLocation, raise_all
from .pipeline import ListCondition
from .schema import PROJECT_DISPATCH, UNITS
from .tables import FILE_COL, ROW_COL, read_table

__all__ = ["ProjectDispatch", "load_project_dispatch", "STATUS_WORDS", "STAGE_NAMES", "LIST_SIZE_MIN"]

#: 形象进度 words and the stage they mean: 0 not started, 1 under construction (开工), 2 built (竣工), 3 producing (投产).
STATUS_WORDS: dict[str, int] = {
    "未开工": 0, "前期": 0, "前期工作": 0, "前期阶段": 0, "储备": 0, "筹备": 0, "待开工": 0, "拟开工": 0,
    "开工": 1, "已开工": 1, "新开工": 1, "在建": 1, "续建": 1, "施工": 1, "建设中": 1, "主体施工": 1, "设备安装": 1,
    "竣工": 2, "已竣工": 2, "完工": 2, "建成": 2,
    "投产": 3, "已投产": 3, "建成投产": 3, "试生产": 3, "部分投产": 3, "达产": 3,
}
#: Stage number -> the milestone reached (the pipeline's 开工 → 竣工 → 投产).
STAGE_NAMES = ("未开工", "开工", "竣工", "投产")
#: The programme's floor: the 百项 list holds ≥10亿 projects (jx_major size_min).
LIST_SIZE_MIN = 10.0

_COLUMN = {"code": "项目编号", "name": "项目名称", "region": "所属地区", "total": "总投资", "invest": "年初至报告期完成投资",
           "status": "形象进度", "start": "开工日期", "finish": "竣工日期", "producing": "投产日期", "period": "报告期",
           "unit": "单位", "provenance": "数据类型", "source": "来源"}
_DATES = ("start", "finish", "producing")  # in milestone order; stage k >= i + 1 means date i was reached
_DATE = re.compile(r"^(\d{4})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月)?(?:\s*(?:-|/|\.)?\s*(\d{1,2})\s*(?:日|号)?)?(?:\s+00:00(?::00)?)?$")
_DATE_EXPECTED = "a date such as 2014-03, 2014-03-15, 2014年3月 or 2014年3月15日"


@dataclass(frozen=True, eq=False)
class ProjectDispatch:
    """A validated 项目调度表.

    Attributes
    ----------
    rows : pandas.DataFrame
        One row per project: ``key`` (项目编号, else 项目名称), ``name``, ``region``,
        ``status`` (as written), ``stage`` (0-3, :data:`STAGE_NAMES`), ``invest``
        and ``total`` (亿元; NaN when not given), ``start``, ``finish``,
        ``producing`` (``(year, month, day or 0)`` or None), ``row``, ``file``.
    year, month : int
        The report month (报告期).
    label : str
    notes, flags : tuple of str
    illustrative : bool
        Some row is ``synthetic``.
    """

    rows: pd.DataFrame
    year: int
    month: int
    label: str
    notes: tuple = ()
    flags: tuple = ()
    illustrative: bool = False

    def _in_year(self, col: str) -> np.ndarray:
        return np.array([d is not None and d[0] == self.year for d in self.rows[col]], bool)

    @property
    def starts(self) -> int:
        """Listed projects reported starting construction (开工) in January to the report month."""
        return int(self._in_year("start").sum())

    @property
    def completions(self) -> int:
        """Listed projects reported reaching 投产 in January to the report month."""
        return int(self._in_year("producing").sum())

    def summary(self) -> dict:
        """What the table reports: counts by stage, the year's 开工 and 投产 so far, investment (亿元)."""
        stage = self.rows["stage"].to_numpy()
        return {"table": self.label, "year": self.year, "month": self.month, "illustrative": self.illustrative,
                "projects": int(len(self.rows)), "by_stage": {STAGE_NAMES[k]: int((stage == k).sum()) for k in range(4)},
                "starts": self.starts, "completions": self.completions,
                "invest_ytd": float(self.rows["invest"].sum()), "flags": list(self.flags)}

    def condition(self, year_index: int = 0) -> ListCondition:
        """The pipeline's condition: the dates of the reported 开工 and 投产 of January to the report month.

        A date is in months since the year's start: its day's middle, or the month's
        middle when it has no day (2014-03 is 2.5, 2014-03-15 is 2.47).
        """
        def months(col: str) -> tuple[float, ...]:
            return tuple(_months_into_year(d) for d, inside in zip(self.rows[col], self._in_year(col)) if inside)
        return ListCondition(year_index, self.month, months("start"), months("producing"))


def load_project_dispatch(path, year: int | None = None, unit: str | None = None, sheet: str | None = None,
                          regions: pd.DataFrame | None = None) -> ProjectDispatch:
    """Read and validate a 项目调度表.

    Parameters
    ----------
    path : path
        CSV or .xlsx.
    year : int, optional
        The year the report month must be in (the run's current year).
    unit : str, optional
        Unit of rows whose 单位 is empty ('亿元' or '万元').
    sheet : str, optional
    regions : pandas.DataFrame, optional
        The dataset's regions (index id; ``name``, ``level``, ``parent``): a
        所属地区 must be the province or one of its regions (by id or name).

    Returns
    -------
    ProjectDispatch

    Raises
    ------
    DataError
        Every problem at once, each naming file, row, column, value and expectation.
    """
    table = read_table(path, PROJECT_DISPATCH, sheet=sheet)
    label = table.attrs["label"]
    defaulted = apply_unit(table, unit, label)
    records = table.to_dict("records")
    if not records:
        raise DataError(f"{label}: no data rows; expected one row per project of the year's 百项 list")
    period, problems = _period(records, label, year)
    rows = []
    for rec in records:
        row, errs = _parse_row(rec, label, period)
        problems += errs
        if row is not None:
            rows.append(row)
    problems += _check_duplicates(records) + _check_regions(records, label, regions)
    raise_all(problems, hint=table.attrs["hint"])
    frame = pd.DataFrame(rows, columns=["key", "name", "region", "status", "stage", "invest", "total", "start", "finish", "producing", "provenance", "row", "file"])
    flags = _flags(frame, period[0])
    notes = tuple(table.attrs["notes"]) + tuple(list(defaulted.values())[:1])
    return ProjectDispatch(frame, period[0], period[1], label, notes, tuple(flags), bool((frame["provenance"] == "synthetic").any()))


def _months_into_year(date: tuple[int, int, int]) -> float:
    """Months since the start of the date's year: the middle of its day, or of its month without a day."""
    y, m, d = date
    return m - 1 + ((d - 0.5) / calendar.monthrange(y, m)[1] if d else 0.5)


def _loc(rec: dict, file: str, col: str) -> ErrorLocation:
    return ErrorLocation(rec.get(FILE_COL, file) or file, rec[ROW_COL], _COLUMN.get(col, col))


def _parse_date(text: str) -> tuple[int, int, int] | None:
    m = _DATE.match(unicodedata.normalize("NFKC", text).strip())
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if not 1 <= mo <= 12 or not 0 <= d <= 31:
        return None
    return y, mo, d


def _period(records: list[dict], file: str, year: int | None) -> tuple[tuple[int, int], list[str]]:
    """The report month, the same on every row (and in ``year`` when given).

    When rows disagree, the month most rows give is the table's: the few others are named, not the many.
    """
    problems, parsed = [], []
    for rec in records:
        text = rec["period"]
        when = _parse_date(text)
        if when is None or when[2]:
            problems.append(DataError.describe(_loc(rec, file, "period"), text, "the report month (报告期), e.g. 2014-06 or 2014年6月: projects' state from January to the end of that month"))
        else:
            parsed.append((when[:2], rec))
    if not parsed:
        return (0, 12), problems
    months = [m for m, _ in parsed]
    period = max(dict.fromkeys(months), key=months.count)  # ties: the first row's
    first = next(rec for m, rec in parsed if m == period)
    if year is not None and period[0] != year:
        problems.append(DataError.describe(_loc(first, file, "period"), first["period"], f"a month of {year}, the run's current (first simulated) year (with --as-of, the year after it)"))
    for m, rec in parsed:
        if m != period:
            problems.append(DataError.describe(_loc(rec, file, "period"), rec["period"],
                                               f"one report month for the whole table: {months.count(period)} of {len(months)} rows say {period[0]}-{period[1]:02d} (first: row {first[ROW_COL]})"))
    return period, problems


def _amount(text: str, unit: str, where: ErrorLocation, what: str, required: bool) -> tuple[float, list[str]]:
    if text == "":
        return np.nan, ([DataError.describe(where, text, f"{what} (0 when nothing was invested yet)")] if required else [])
    number = _number_text(text)
    if number is None or not np.isfinite(float(number)):
        return np.nan, [DataError.describe(where, text, f"{what} as a number in the row's 单位")]
    value = float(number)
    if value < 0:
        return np.nan, [DataError.describe(where, text, f"{what} of at least 0 (investment cannot be negative)")]
    if unit not in UNITS:
        return np.nan, []  # the 单位 error is reported once, on its own column
    return _convert(number, value, UNITS[unit]), []


def _parse_row(rec: dict, file: str, period: tuple[int, int]) -> tuple[list | None, list[str]]:
    loc = lambda col: _loc(rec, file, col)  # noqa: E731
    errs = _merged_errors(rec, loc) + _check_provenance(rec, loc)
    if not rec["name"]:
        errs.append(DataError.describe(loc("name"), "", "the project's name (项目名称)"))
    word = unicodedata.normalize("NFKC", rec["status"]).strip()
    stage = STATUS_WORDS.get(word)
    if stage is None:
        errs.append(DataError.describe(loc("status"), rec["status"], f"a 形象进度 word: not started {_words(0)}; under construction {_words(1)}; built {_words(2)}; producing {_words(3)}"))
    unit = rec["unit"]
    if unit not in UNITS:
        errs.append(DataError.describe(loc("unit"), unit, f"the unit of the row's investment, one of {list(UNITS)}"))
    invest, e1 = _amount(rec["invest"], unit, loc("invest"), "the investment completed from January to the report month", True)
    total, e2 = _amount(rec["total"], unit, loc("total"), "the project's total investment (总投资)", False)
    errs += e1 + e2
    if np.isfinite(invest) and np.isfinite(total) and invest > total * (1 + 1e-9):
        errs.append(DataError.describe(loc("invest"), rec["invest"], f"at most the project's 总投资 ({rec['total']} {unit}): a year's investment cannot exceed the whole project's"))
    dates = []
    for col in _DATES:
        text = rec[col]
        when = _parse_date(text) if text else None
        if text and when is None:
            errs.append(DataError.describe(loc(col), text, _DATE_EXPECTED + _serial_hint(text)))
        elif when is not None and when[:2] > period:
            errs.append(DataError.describe(loc(col), text, f"a date up to the report month {period[0]}-{period[1]:02d} (报告期): a milestone reached after it cannot be reported"))
        dates.append(when)
    errs += _check_order(dates, rec, loc) + ([] if stage is None else _check_stage(stage, dates, rec, loc))
    if errs:
        return None, errs
    return [rec["code"] or rec["name"], rec["name"], rec["region"], word, stage, invest, total, *dates, rec["provenance"], int(rec[ROW_COL]), rec.get(FILE_COL, file) or file], []


def _serial_hint(text: str) -> str:
    """Excel's date serial (days from 1899-12-30) when a CSV was saved from a column formatted as a number."""
    plain = unicodedata.normalize("NFKC", text).strip()
    number = float(plain) if re.fullmatch(r"\d{5}(\.0+)?", plain) else 0.0
    if not 20_000 <= number <= 80_000:  # 1954-2119
        return ""
    day = datetime.date(1899, 12, 30) + datetime.timedelta(days=int(number))
    return (f"; {plain} looks like an Excel date serial number ({day.isoformat()}): the column was saved as numbers — "
            "format it as a date (yyyy-mm-dd) in Excel and save again, or type the date")


def _words(stage: int) -> str:
    return "/".join(w for w, k in STATUS_WORDS.items() if k == stage)


def _before(a: tuple, b: tuple) -> bool:
    """``a`` strictly before ``b`` (days compared only when both dates have one)."""
    return a[:2] < b[:2] or (a[:2] == b[:2] and a[2] and b[2] and a[2] < b[2])


def _check_order(dates: list, rec: dict, loc) -> list[str]:
    errs = []
    for i in range(len(_DATES)):
        for j in range(i + 1, len(_DATES)):
            a, b = dates[i], dates[j]
            if a is not None and b is not None and _before(b, a):
                errs.append(DataError.describe(loc(_DATES[j]), rec[_DATES[j]], f"a date on or after {_COLUMN[_DATES[i]]} {rec[_DATES[i]]}: the milestones come in the order 开工 → 竣工 → 投产"))
    return errs


def _check_stage(stage: int, dates: list, rec: dict, loc) -> list[str]:
    """The status and the dates must tell the same story."""
    errs = []
    need = {1: ("start",), 2: ("start", "finish"), 3: ("start", "producing")}.get(stage, ())
    for col in need:
        if dates[_DATES.index(col)] is None and not rec[col]:  # a cell that is not a date is reported once, as such
            errs.append(DataError.describe(loc(col), rec[col], f"the date of {_COLUMN[col][:2]}: 形象进度 '{rec['status']}' says the project has reached it"))
    for i, col in enumerate(_DATES):
        if dates[i] is not None and stage < i + 1:
            errs.append(DataError.describe(loc("status"), rec["status"], f"a 形象进度 of at least {STAGE_NAMES[i + 1]}: the row gives a {_COLUMN[col]} ({rec[col]}); correct the one that is wrong"))
    return errs


def _province_regions(regions: pd.DataFrame) -> dict[str, str]:
    """Id and name of every region under a province (the list is the province's) -> its name."""
    parent = regions["parent"].to_dict()
    out = {}
    for ident in regions.index:
        root, seen = ident, set()
        while parent.get(root) and root not in seen:
            seen.add(root)
            root = parent[root]
        if regions.at[root, "level"] == "province":
            name = regions.at[ident, "name"]
            out[ident] = out[name] = name
    return out


def _check_regions(records: list[dict], file: str, regions: pd.DataFrame | None) -> list[str]:
    """A 所属地区 the dataset does not know (a typo, or a project outside the province) is not taken silently."""
    if regions is None or not any(rec["region"] for rec in records):
        return []
    known = _province_regions(regions)
    cities = sorted({n for i, n in known.items() if i in regions.index and regions.at[i, "level"] == "city"})
    problems = []
    for rec in records:
        text = unicodedata.normalize("NFKC", rec["region"]).strip()
        if text and text not in known:
            problems.append(DataError.describe(_loc(rec, file, "region"), rec["region"],
                                               f"a region of the province whose 百项 list this is, by name or id (e.g. {', '.join(cities[:11])}) or empty"))
    return problems


def _check_duplicates(records: list[dict]) -> list[str]:
    problems = []
    for col in ("code", "name"):
        seen: dict[str, int] = {}
        for rec in records:
            key = unicodedata.normalize("NFKC", rec[col]).strip()
            if not key:
                continue
            if key in seen:
                problems.append(DataError.describe(ErrorLocation(rec.get(FILE_COL, ""), rec[ROW_COL], _COLUMN[col]), rec[col],
                                                   f"one row per project: row {seen[key]} already gives {_COLUMN[col]} '{rec[col]}' (keep the row you mean)"))
            else:
                seen[key] = rec[ROW_COL]
    return problems


def _flags(frame: pd.DataFrame, year: int) -> list[str]:
    out = []
    for rec in frame.itertuples():
        if np.isfinite(rec.total) and rec.total < LIST_SIZE_MIN:
            out.append(f"{rec.file}, row {rec.row}: '{rec.name}' 总投资 {rec.total:.2f} 亿元 is below the 百项 list's {LIST_SIZE_MIN:.0f}亿 floor (the simulated list holds ≥{LIST_SIZE_MIN:.0f}亿 projects); it is counted as reported")
        if rec.producing is not None and rec.producing[0] < year:
            out.append(f"{rec.file}, row {rec.row}: '{rec.name}' reached 投产 in {rec.producing[0]}, before {year}: a producing project is not on the {year} list as modelled; its events are not counted")
    return out
