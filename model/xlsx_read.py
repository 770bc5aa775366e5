"""Reading an .xlsx workbook's sheets as cell texts, with the rows Excel hides and the cells a merge leaves empty."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from .errors import DataError


def _hidden_rows(path: Path, names: list[str]) -> dict[str, set[int]]:
    """Per sheet: the rows Excel hides (a filter or 隐藏), read from the sheet's XML (the read-only reader ignores them)."""
    import zipfile

    import openpyxl

    out: dict[str, set[int]] = {}
    try:
        book = openpyxl.load_workbook(path, read_only=True)
        parts = {n: book[n]._worksheet_path for n in names}  # noqa: SLF001 - the sheet's file inside the zip
        book.close()
        with zipfile.ZipFile(path) as archive:
            for name, part in parts.items():
                xml = archive.read(part).decode("utf-8", "replace")
                out[name] = {int(m.group(1)) for m in re.finditer(r'<(?:\w+:)?row\b[^>]*?\br="(\d+)"[^>]*?\bhidden="(?:1|true)"', xml)}
                out[name] |= {int(m.group(1)) for m in re.finditer(r'<(?:\w+:)?row\b[^>]*?\bhidden="(?:1|true)"[^>]*?\br="(\d+)"', xml)}
    except Exception:  # noqa: BLE001 - a note only; the workbook was already read
        return {}
    return out


def _merged_cells(path: Path, names: list[str]) -> dict[str, dict[tuple[int, int], str]]:
    """Per sheet: (row, column index) -> range (e.g. 'B2:B4') for each cell a merge leaves empty (all but the top-left)."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path)  # merged ranges are not available in read-only mode
    except Exception:  # noqa: BLE001 - already read once in read-only mode
        return {}
    out: dict[str, dict[tuple[int, int], str]] = {}
    for name in names:
        cells = {}
        for rng in book[name].merged_cells.ranges:
            for row in range(rng.min_row, rng.max_row + 1):
                for col in range(rng.min_col, rng.max_col + 1):
                    if (row, col) != (rng.min_row, rng.min_col):
                        cells[(row, col - 1)] = rng.coord
        out[name] = cells
    return out


def _xlsx_sheets(path: Path) -> dict[str, list[tuple[int, list[str]]]]:
    """Every sheet's rows as (row number, cell texts); formula cells without a cached value are marked."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - a damaged or fake workbook raises BadZipFile, KeyError, InvalidFileException...
        raise DataError(f"{path}: cannot be read as an Excel workbook ({type(exc).__name__}: {exc}); expected an .xlsx file saved by Excel (另存为 'Excel 工作簿 (*.xlsx)')") from None
    try:
        out = {}
        for name in book.sheetnames:
            try:
                values = list(book[name].iter_rows(values_only=True))
            except Exception as exc:  # noqa: BLE001 - damaged sheet XML inside a valid zip
                raise DataError(f"{path} [sheet {name}]: cannot be read ({type(exc).__name__}: {exc}); expected a sheet saved by Excel") from None
            out[name] = [(n, [_cell_text(v) for v in cells]) for n, cells in enumerate(values, start=1)]
    finally:
        book.close()
    return _mark_uncached_formulas(path, out)


def _mark_uncached_formulas(path: Path, sheets: dict) -> dict:
    """Put the formula text into cells whose formula has no saved (cached) result.

    ``data_only`` reading gives such a cell as empty, which would be reported as
    a missing value; the formula text (``=SUM(B2:B5)``) lets the value check
    name the real cause.
    """
    import openpyxl

    if not any(c == "" for rows in sheets.values() for _, cells in rows for c in cells):
        return sheets
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - already read once; a second failure changes nothing
        return sheets
    try:
        for name, rows in sheets.items():
            for (n, cells), raw in zip(rows, book[name].iter_rows(values_only=True)):
                for j, value in enumerate(raw[: len(cells)]):
                    if cells[j] == "" and isinstance(value, str) and value.startswith("="):
                        cells[j] = value
    finally:
        book.close()
    return sheets


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()  # as Excel shows it
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 2013 as 2013.0
    if isinstance(value, datetime.datetime):
        return str(value)  # e.g. '2013-01-01 00:00:00': rejected later as a year or value, with the text shown
    return str(value).strip()


