"""One cell of a revenue row: a year or a value in 亿元/万元, with the planner's likely slip named."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from ..errors import DataError, ErrorLocation
from ..plausibility import HARD_MAX
from ..schema import UNITS
from ..tables import ROW_COL

_DATASET_RANGE = "first_year-last_year in dataset.toml"
# ASCII digits only: NFKC first turns full-width ２０１３ into 2013, and other scripts' digits are not numbers here.
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?", re.ASCII)
_YEAR = re.compile(r"[+-]?\d+(?:\.0*)?", re.ASCII)


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


