"""Reading one table from CSV or Excel into canonical columns, with located errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import DataError, ErrorLocation
from .schema import TableSpec, canonical_columns

__all__ = ["read_table", "ROW_COL"]

#: Hidden column holding each row's 1-based data row number in its file.
ROW_COL = "_row"


def read_table(path: Path, spec: TableSpec, sheet: str | None = None) -> pd.DataFrame:
    """Read ``path`` (CSV or .xlsx) as strings with canonical column names.

    Parameters
    ----------
    path : Path
        The file. ``.xlsx`` files are read with openpyxl; ``sheet`` selects the
        sheet (default: the table's name if present, else the first sheet).
    spec : TableSpec
        Expected layout.
    sheet : str, optional

    Returns
    -------
    pandas.DataFrame
        All cells as stripped strings, plus :data:`ROW_COL` (data row number,
        header excluded, so row 1 is the first line after the header).

    Raises
    ------
    DataError
        Missing or empty file, unknown sheet, missing required column.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found; expected a {spec.name} table (.csv or .xlsx)")
    raw = _read_raw(path, spec, sheet)
    if raw.shape[1] == 0 or (raw.shape[0] == 0 and raw.shape[1] == 0):
        raise DataError(f"{path}: the file is empty; expected a header row with columns {list(spec.required)}")
    mapping = canonical_columns(spec, list(raw.columns))
    _check_columns(path, spec, raw, mapping)
    table = raw.rename(columns=mapping)[list(dict.fromkeys(mapping.values()))]
    table = table.apply(lambda col: col.astype(str).str.strip())
    for col in spec.optional:
        if col not in table.columns:
            table[col] = ""
    table[ROW_COL] = range(1, len(table) + 1)
    return table.reset_index(drop=True)


def _read_raw(path: Path, spec: TableSpec, sheet: str | None) -> pd.DataFrame:
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty; expected a header row with columns {list(spec.required)}")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_excel(path, spec, sheet)
    if path.suffix.lower() not in (".csv", ".txt"):
        raise DataError(f"{path}: unsupported file type '{path.suffix}'; expected .csv or .xlsx")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty; expected a header row with columns {list(spec.required)}") from None
    except pd.errors.ParserError as exc:
        raise DataError(f"{path}: malformed CSV ({exc}); expected one row per record, comma-separated") from None


def _read_excel(path: Path, spec: TableSpec, sheet: str | None) -> pd.DataFrame:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    names = book.sheetnames
    book.close()
    wanted = sheet or (spec.name if spec.name in names else names[0])
    if wanted not in names:
        raise DataError(f"{path}: no sheet named '{wanted}'; expected one of {names}")
    frame = pd.read_excel(path, sheet_name=wanted, dtype=str, keep_default_na=False, engine="openpyxl")
    return frame.fillna("")


def _check_columns(path: Path, spec: TableSpec, raw: pd.DataFrame, mapping: dict[str, str]) -> None:
    problems = []
    unknown = [c for c in raw.columns if c not in mapping]
    if unknown:
        problems.append(
            DataError.describe(
                ErrorLocation(str(path), column=str(unknown[0])),
                unknown,
                f"only known columns {list(spec.columns)} or their Chinese headers "
                f"{sorted(spec.aliases)} (see model/schema.py)",
            )
        )
    by_name: dict[str, list[str]] = {}
    for raw_header, name in mapping.items():
        by_name.setdefault(name, []).append(str(raw_header))
    for name, headers in by_name.items():
        if len(headers) > 1:
            problems.append(
                DataError.describe(ErrorLocation(str(path), column=headers[1]), headers, f"one column for '{name}' (these headers all mean '{name}'; keep one)")
            )
    present = set(mapping.values())
    if spec.name == "revenue" and not ({"entity", "name"} & present):
        problems.append(f"{path}: missing column 'entity' (主体代码) or 'name' (企业名称); one is required")
    for col in spec.required:
        if col not in present:
            aliases = [k for k, v in spec.aliases.items() if v == col]
            problems.append(f"{path}: missing required column '{col}' (or {aliases}); found {list(raw.columns)}")
    if problems:
        raise DataError(problems)
