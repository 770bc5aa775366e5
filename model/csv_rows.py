"""Small CSV tables read row by row, every bad cell reported with its file, row, column and what was expected.

For the assumption and panel tables of :mod:`model.xinyi_panel` and
:mod:`model.spend_curves` (plain UTF-8 CSV written by the generator or by hand).
Rows are numbered as an editor shows them: the header is row 1.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from .errors import DataError, ErrorLocation, raise_all

__all__ = ["read_rows", "Cells"]


def read_rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """``(row number, {column: text})`` for every non-blank data row.

    Raises
    ------
    DataError
        For a missing file or a missing column (named, with the columns found).
    """
    if not path.exists():
        raise DataError(f"{path}: file not found; expected a CSV table with columns {', '.join(columns)}")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header = [c.strip() for c in rows[0]] if rows else []
    missing = [c for c in columns if c not in header]
    if missing:
        raise DataError(DataError.describe(ErrorLocation(str(path), 1), ",".join(header), f"the columns {', '.join(columns)} (missing: {', '.join(missing)})"))
    return [(i, dict(zip(header, (c.strip() for c in cells)))) for i, cells in enumerate(rows[1:], 2) if any(c.strip() for c in cells)]


class Cells:
    """Collects problems while reading cells; :meth:`done` raises them all at once."""

    def __init__(self, path: Path):
        self.path, self.problems = path, []

    def bad(self, row: int, column: str, value: object, expected: str) -> None:
        self.problems.append(DataError.describe(ErrorLocation(str(self.path), row, column), value, expected))

    def number(self, row: int, rec: dict[str, str], column: str, low: float = -math.inf, high: float = math.inf, expected: str = "") -> float:
        """The cell as a finite number in ``[low, high]`` (NaN after a reported problem)."""
        text = rec.get(column, "")
        try:
            x = float(text)
        except ValueError:
            x = math.nan
        if not math.isfinite(x) or not low <= x <= high:
            self.bad(row, column, text, expected or f"a number in [{low:g}, {high:g}]")
            return math.nan
        return x

    def done(self) -> None:
        raise_all(self.problems)
