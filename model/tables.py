"""Reading one table from CSV or Excel into canonical columns, with located errors.

Rows are numbered as an editor or Excel shows them: the header is row 1 and
blank lines count. Fully blank rows are skipped in both formats (they hold no
value, so nothing is lost). A CSV file may be UTF-8 (with or without BOM),
UTF-16 with a byte-order mark, or GBK/GB18030 — what Excel on Chinese Windows
writes for "CSV (逗号分隔)" — when that decoding can be verified; the reader then
leaves a note in ``table.attrs["notes"]``.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import DataError, ErrorLocation, raise_all
from .schema import UNITS, TableSpec, canonical_columns
from .text_encoding import RESAVE_HINT, decode_text, read_bytes
from .xlsx_read import _hidden_rows, _merged_cells, _xlsx_sheets

__all__ = ["read_table", "read_bytes", "decode_text", "ROW_COL", "FILE_COL", "MERGED_COL", "RESAVE_HINT"]

#: Hidden column holding each row's number in its file (header = row 1, as Excel shows it).
ROW_COL = "_row"
#: Hidden column holding each row's file label (with its sheet): a workbook may hold one sheet per year.
FILE_COL = "_file"
#: Hidden column naming the row's empty cells that lie inside a merged range: ``"name=C2:C4;value=E3:E4"``.
MERGED_COL = "_merged"

_UNIT_IN_HEADER = re.compile(r"^(.*?)\s*[（(\[【]\s*(亿元|亿|万元|万|元|千元)\s*[）)\]】]$")
_COLUMN_NOTES = {"provenance": "; every row needs published, derived or synthetic (数据类型)"}


@dataclass
class _Grid:
    """A sheet or CSV file as rows of stripped cells, before any column mapping."""

    label: str  # file, plus "[sheet S]" for an .xlsx
    kind: str  # "csv" or "xlsx"
    header_row: int
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (row number, cells) of non-blank data rows
    notes: list[str] = field(default_factory=list)
    hint: str | None = None  # closing line for structural errors (which sheet was read)
    merged: dict = field(default_factory=dict)  # (row, column index) -> merged range, for cells a merge left empty


def read_table(path: Path, spec: TableSpec, sheet: str | None = None, sheet_flag: bool = True) -> pd.DataFrame:
    """Read ``path`` (CSV or .xlsx) as strings with canonical column names.

    Parameters
    ----------
    path : Path
        The file. ``.xlsx`` files are read with openpyxl. Every sheet is either
        read or named: ``sheet`` selects one; otherwise a sheet named as the
        table is read, else every sheet whose header holds the table's required
        columns (a revenue workbook may have one sheet per year; other tables
        must have one such sheet). Sheets not read are named in a note, or in
        the error when one of them holds the table too.
    spec : TableSpec
        Expected layout.
    sheet : str, optional
    sheet_flag : bool
        Whether the caller offers ``--sheet`` (not for the tables of a dataset
        folder), so hints only suggest what the planner can do.

    Returns
    -------
    pandas.DataFrame
        All cells as stripped strings, plus :data:`ROW_COL` (the row number an
        editor or Excel shows: header = row 1, blank lines counted) and
        :data:`FILE_COL` (file and sheet of the row). ``attrs`` holds ``label``
        (the file, and the sheets of an .xlsx, for messages), ``notes`` (what
        the reader decided, e.g. the encoding it used, sheets it did not read)
        and ``hint``.

    Raises
    ------
    DataError
        Missing, empty or unreadable file, unknown sheet, a row with more fields
        than the header, unknown, duplicate or missing required columns.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file or folder; expected a {spec.name} table (.csv or .xlsx)")
    grids, label, notes = _read_grids(path, spec, sheet, sheet_flag)
    frames = [_grid_frame(grid, spec) for grid in grids]
    table = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    table.attrs.update(label=label, notes=notes + [n for g in grids for n in g.notes], hint=grids[0].hint)
    return table


def _grid_frame(grid: "_Grid", spec: TableSpec) -> pd.DataFrame:
    keep = _check_shape(grid, spec)
    headers = [grid.header[j] for j in keep]
    names = [canonical_columns(spec, [h]).get(h) for h in headers]
    _check_columns(grid, spec, headers, names)
    positions = {n: keep[i] for i, n in enumerate(names)}
    data = {n: [cells[j] if j < len(cells) else "" for _, cells in grid.rows] for n, j in positions.items()}
    table = pd.DataFrame(data, columns=list(positions), dtype=object)
    for col in spec.optional:
        if col not in table.columns:
            table[col] = ""
    table[ROW_COL] = [row for row, _ in grid.rows]
    table[FILE_COL] = grid.label
    table[MERGED_COL] = [";".join(f"{n}={grid.merged[(row, j)]}" for n, j in positions.items() if (row, j) in grid.merged and (cells[j] if j < len(cells) else "") == "")
                         for row, cells in grid.rows]
    return table


def _read_grids(path: Path, spec: TableSpec, sheet: str | None, sheet_flag: bool) -> tuple[list["_Grid"], str, list[str]]:
    if path.is_dir():
        raise DataError(f"{path}: got a folder; expected a {spec.name} table file (.csv or .xlsx)")
    if path.suffix.lower() in (".xlsx", ".xlsm") and path.stat().st_size > 0:
        return _xlsx_grids(path, spec, sheet, sheet_flag)
    grid = _read_grid(path, spec, sheet)
    return [grid], grid.label, []


def _header_known(text: str, spec: TableSpec) -> bool | None:
    first = next((row for row in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in row)), [])
    wide = [c.strip() for c in first if any(ord(ch) > 127 for ch in c)]
    if not wide:
        return None
    return any(canonical_columns(spec, [c]) for c in wide)


# --------------------------------------------------------------------------- reading


def _read_grid(path: Path, spec: TableSpec, sheet: str | None) -> _Grid:
    if path.is_dir():
        raise DataError(f"{path}: got a folder; expected a {spec.name} table file (.csv or .xlsx)")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty; expected a header row with columns {list(spec.required)}")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_grid(path, spec, sheet)
    if suffix == ".xls":
        raise DataError(f"{path}: unsupported file type '.xls' (the Excel 97-2003 format); expected .csv or .xlsx — 另存为 'Excel 工作簿 (*.xlsx)'")
    if suffix not in (".csv", ".txt"):
        raise DataError(f"{path}: unsupported file type '{path.suffix}'; expected .csv or .xlsx")
    if sheet is not None:  # the flag would otherwise be ignored without a word
        raise DataError(f"{path}: --sheet {sheet}: a CSV file has no sheets; expected the workbook (.xlsx) the sheet belongs to, or no --sheet")
    text, note = decode_text(path, read_bytes(path), lambda t: _header_known(t, spec))
    return _split(str(path), "csv", _csv_rows(path, text), spec, [note] if note else [], None)


def _csv_rows(path: Path, text: str) -> list[tuple[int, list[str]]]:
    # The csv module rather than pandas: it tells where each record starts (quoted
    # fields may span lines) and keeps rows longer than the header intact.
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, last = [], 0
    try:
        for fields in reader:
            rows.append((last + 1, [f.strip() for f in fields]))
            last = reader.line_num
    except csv.Error as exc:
        raise DataError(f"{path}, line {reader.line_num}: malformed CSV ({exc}); expected comma-separated fields with balanced double quotes") from None
    return rows


def _xlsx_grid(path: Path, spec: TableSpec, sheet: str | None) -> _Grid:
    grids, _, _ = _xlsx_grids(path, spec, sheet, True)
    return grids[0]


def _xlsx_grids(path: Path, spec: TableSpec, sheet: str | None, sheet_flag: bool) -> tuple[list[_Grid], str, list[str]]:
    sheets = _xlsx_sheets(path)
    if not sheets:
        raise DataError(f"{path}: the workbook has no sheets; expected a sheet with the {spec.name} table")
    names = list(sheets)
    if sheet is not None:
        if sheet not in sheets:
            raise DataError(f"{path}: no sheet named '{sheet}'; expected one of {names}")
        chosen = [sheet]
    else:
        chosen = _choose_sheets(path, spec, sheets, sheet_flag)
    label = f"{path} [sheet {chosen[0]}]" if len(chosen) == 1 else f"{path} [sheets {', '.join(chosen)}]"
    skipped = [n for n in names if n not in chosen and any(any(c) for _, c in sheets[n])]
    notes = [f"{path}: read sheet(s) {chosen}; not read: {skipped}" + ("" if sheet else f" (they hold no {spec.name} header)")] if skipped else []
    hint = None
    if len(names) > 1 and sheet is None and len(chosen) == 1:
        how = "choose one with --sheet NAME, or name the sheet" if sheet_flag else "name the sheet holding the table"
        hint = f"read the sheet '{chosen[0]}'; the workbook also has {[n for n in names if n != chosen[0]]}: {how} '{spec.name}'"
    grids = [_split(f"{path} [sheet {n}]", "xlsx", sheets[n], spec, [], hint) for n in chosen]
    merged = _merged_cells(path, chosen)
    hidden = _hidden_rows(path, chosen)
    for name, grid in zip(chosen, grids):
        grid.merged = merged.get(name, {})
        rows = [n for n, _ in grid.rows if n in hidden.get(name, set())]
        if rows:  # a filter hides rows from the planner, not from the reader: say that they count
            shown = ", ".join(map(str, rows[:10])) + (f" and {len(rows) - 10} more" if len(rows) > 10 else "")
            notes.append(f"{path} [sheet {name}]: row(s) {shown} are hidden in Excel (筛选 or 隐藏) and were read like every other row; delete them if they must not count")
    return grids, label, notes


def _has_header(rows: list[tuple[int, list[str]]], spec: TableSpec) -> bool:
    """True when one of the first non-empty rows names every required column (a title row may sit above)."""
    filled = [cells for _, cells in rows if any(cells)][:5]
    return any(set(spec.required) <= set(canonical_columns(spec, cells).values()) for cells in filled)


def _choose_sheets(path: Path, spec: TableSpec, sheets: dict, sheet_flag: bool) -> list[str]:
    """The sheets to read when no --sheet is given; every other sheet holding the table is an error."""
    names = list(sheets)
    filled = [n for n in names if any(any(c) for _, c in sheets[n])]
    holding = [n for n in filled if _has_header(sheets[n], spec)]
    how = "choose one with --sheet NAME" if sheet_flag else f"keep only the sheet '{spec.name}' in this workbook"
    if spec.name in sheets:
        others = [n for n in holding if n != spec.name]
        if others:
            raise DataError(f"{path}: sheets {others} also hold a {spec.name} table beside the sheet '{spec.name}', and would not be read; expected one sheet with the table — merge them into '{spec.name}' or {how}")
        return [spec.name]
    if len(holding) > 1 and spec.name != "revenue":
        raise DataError(f"{path}: sheets {holding} each hold a {spec.name} table; expected one — merge them, or {how}")
    if holding:
        return holding  # a revenue workbook may hold one sheet per year: all are read
    return filled[:1] or names[:1]  # no sheet has the header: the first one's errors say what is wrong


def _split(label: str, kind: str, rows: list[tuple[int, list[str]]], spec: TableSpec, notes: list[str], hint: str | None) -> _Grid:
    filled = [(n, cells) for n, cells in rows if any(cells)]
    if not filled:
        what = "the sheet is empty" if kind == "xlsx" else "the file is empty"
        raise DataError(f"{label}: {what}; expected a header row with columns {list(spec.required)}", hint=hint)
    (header_row, header), data = filled[0], filled[1:]
    blank = [n for n, cells in rows if not any(cells) and header_row < n < (data[-1][0] if data else 0)]
    if blank:
        shown = ", ".join(map(str, blank[:5])) + (", ..." if len(blank) > 5 else "")
        notes = notes + [f"{label}: skipped {len(blank)} blank row(s) ({shown})"]
    return _Grid(label, kind, header_row, header, data, notes, hint)


# --------------------------------------------------------------------------- structure


def _column_letter(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j + 1)


def _check_shape(grid: _Grid, spec: TableSpec) -> list[int]:
    """Positions of the header's named columns; raises for values outside them."""
    _check_title_row(grid, spec)
    n = len(grid.header)
    problems = []
    for row, cells in grid.rows:
        same = sum(1 for a, b in zip(cells, grid.header) if a and a == b)
        if same >= max(2, len([h for h in grid.header if h]) // 2):
            problems.append(DataError.describe(ErrorLocation(grid.label, row), ",".join(c for c in cells if c), f"data, but row {row} repeats the header of row {grid.header_row} (two blocks pasted together?); delete it"))
    raise_all(problems, hint=grid.hint)
    for row, cells in grid.rows:
        if grid.kind == "csv" and any(cells[n:]):
            problems.append(
                f"{grid.label}, line {row}: {len(cells)} fields but the header has {n} (a trailing comma, or an unquoted "
                f"thousands separator such as 4,048,710?); expected {n} comma-separated fields — quote such numbers (\"4,048,710\") or write 4048710"
            )
    width = max([n] + [len(cells) for _, cells in grid.rows])
    header = grid.header + [""] * (width - n)
    for j, name in enumerate(header):
        if name or (grid.kind == "csv" and j >= n):  # empty trailing fields hold nothing; others are reported per line above
            continue
        hit = next(((row, cells[j]) for row, cells in grid.rows if j < len(cells) and cells[j]), None)
        if hit:
            where = ErrorLocation(grid.label, hit[0], f"{_column_letter(j)} (no header)")
            # A value right under the header in a header-less column is usually a second header row (merged cells).
            two_rows = "; a header over two rows? keep a single header row with one name per column" if hit[0] == grid.rows[0][0] else ""
            problems.append(DataError.describe(where, hit[1], f"values only in columns with a header (row {grid.header_row} has none in column {_column_letter(j)}){two_rows}"))
    raise_all(problems, hint=grid.hint)
    return [j for j in range(n) if grid.header[j]]


_UNIT_IN_TITLE = re.compile(r"(?:单位|計量單位|计量单位)\s*[:：]?\s*(亿元|亿|万元|万|元|千元)")


def _known_count(cells: list[str], spec: TableSpec) -> int:
    return len(set(canonical_columns(spec, [c for c in cells if c]).values()))


def _check_title_row(grid: _Grid, spec: TableSpec) -> None:
    """A title row above the header ("2013年月调度表", "单位:万元") is named as such, with its unit."""
    first = _known_count(grid.header, spec)
    below = next(((row, cells) for row, cells in grid.rows[:4] if _known_count(cells, spec) >= max(2, first + 1)), None)
    named = [h for h in grid.header if h]
    if below is None and not (len(named) == 1 and any(sum(1 for c in cells if c) > 1 for _, cells in grid.rows)):
        return
    where = ErrorLocation(grid.label, grid.header_row)
    title = " ".join(named)
    at = f"the header is in row {below[0]}" if below else "is there a title row above the header?"
    unit = _UNIT_IN_TITLE.search(title)
    tail = ""
    if unit:
        u = unit.group(1)
        fix = f"put '{u}' in a 单位 column or pass --unit {u}" if u in UNITS else f"convert the values to 万元 or 亿元 ({u} is not accepted)"
        tail = f"; the unit in the title ('{unit.group(0)}') is not read: {fix}"
    raise DataError(
        DataError.describe(where, title, f"the header row (columns such as {list(spec.required)}) as the first row; row {grid.header_row} is a title row ({at}): delete the rows above the header{tail}"),
        hint=grid.hint,
    )


def _header_hints(unknown: list[str], spec: TableSpec, all_headers: list[str]) -> str:
    hints = []
    if len(all_headers) == 1 and (";" in unknown[0] or "\t" in unknown[0]):
        sep = "';'" if ";" in unknown[0] else "tab"
        hints.append(f"the header looks {sep}-separated; expected commas — {RESAVE_HINT}")
    for h in unknown:
        m = _UNIT_IN_HEADER.match(h)
        if m and canonical_columns(spec, [m.group(1)]):
            unit = m.group(2)
            fix = f"give the unit in a 单位 column (or pass --unit {unit})" if unit in UNITS else f"convert the values to 万元 or 亿元 ({unit} is not accepted) and give the unit in a 单位 column"
            hints.append(f"'{h}' carries a unit in its header, which is not read: rename it '{m.group(1)}' and {fix}")
    return "".join(f"; {h}" for h in hints)


#: The planner's three revenue tables: what each is, and where it is given.
_KINDS = {
    "revenue": ("an annual revenue table (年份, 主营业务收入)", "as a dataset's revenue table, or with `attain data check TABLE`"),
    "dispatch": ("a 月调度表 (月份, 累计主营业务收入)", "with `attain nowcast TABLE` or `--ytd TABLE`"),
    "projects": ("a 项目调度表 (项目名称, 形象进度, 报告期)", "with `--ytd-projects TABLE`"),
}


def _check_kind(grid: _Grid, spec: TableSpec, headers: list[str]) -> None:
    """A table of another kind (the 项目调度表 given to --ytd, a 月调度表 to data check) is named as such."""
    from .schema import DISPATCH, PROJECT_DISPATCH, TABLES

    if spec.name not in _KINDS:
        return
    for other in (TABLES["revenue"], DISPATCH, PROJECT_DISPATCH):
        if other.name != spec.name and set(other.required) <= set(canonical_columns(other, headers).values()):
            (what, _), (other_what, use) = _KINDS[spec.name], _KINDS[other.name]
            raise DataError(f"{grid.label}: its header {headers} is that of {other_what}; expected {what} — "
                            f"use this file {use} (were two files swapped?)")
    years = [h for h in headers if re.fullmatch(r"(19|20)\d\d\s*年?", unicodedata.normalize("NFKC", h).strip())]
    if len(years) >= 2:
        raise DataError(f"{grid.label}, row {grid.header_row}: got the years {years} as columns (a wide table); expected one row per entity and "
                        f"year — columns 主体代码, 年份, 主营业务收入 (and 单位, 数据类型, 来源): in Excel, turn the year columns into rows "
                        "(Power Query 逆透视列 / unpivot), or copy each year's column under the one before")


def _check_columns(grid: _Grid, spec: TableSpec, headers: list[str], names: list[str | None]) -> None:
    label, problems = grid.label, []
    unknown = [h for h, n in zip(headers, names) if n is None]
    if unknown or not set(spec.required) <= set(n for n in names if n):
        _check_kind(grid, spec, headers)
    if unknown:
        expected = f"only known columns {list(spec.columns)} or their Chinese headers {sorted(spec.aliases)} (see model/schema.py)"
        where = ErrorLocation(label, grid.header_row, str(unknown[0]))
        problems.append(DataError.describe(where, unknown, expected + _header_hints(unknown, spec, headers)))
    by_name: dict[str, list[str]] = {}
    for raw_header, name in zip(headers, names):
        if name is not None:
            by_name.setdefault(name, []).append(raw_header)
    for name, group in by_name.items():
        if len(group) > 1:
            where = ErrorLocation(label, grid.header_row, group[1])
            problems.append(DataError.describe(where, group, f"one column for '{name}' (these headers all mean '{name}'; keep one)"))
    if spec.name == "revenue" and not ({"entity", "name"} & set(by_name)):
        problems.append(f"{label}: missing column 'entity' (主体代码) or 'name' (企业名称); one is required")
    for col in spec.required:
        if col not in by_name:
            aliases = [k for k, v in spec.aliases.items() if v == col]
            problems.append(f"{label}: missing required column '{col}' (or {aliases}); found {headers}{_COLUMN_NOTES.get(col, '')}")
    raise_all(problems, hint=grid.hint)
