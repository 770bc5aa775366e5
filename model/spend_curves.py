"""Spend curves: the share of a project's investment spent in each year of its build (``calibration/spend_curves.csv``).

One row per (programme, build year, share in %): build year 1 is the year
the project starts. A programme's shares must be non-negative, at most 100 %
each, and add up to 100 %.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .csv_rows import Cells, read_rows

__all__ = ["load_spend_curves", "default_spend_curves_path"]


def default_spend_curves_path() -> Path:
    """``calibration/spend_curves.csv`` of the repository."""
    return Path(__file__).resolve().parents[1] / "calibration" / "spend_curves.csv"


def load_spend_curves(path: Path | str | None = None) -> dict[str, np.ndarray]:
    """Programme -> yearly spend shares (fractions, build year 1 first).

    Raises
    ------
    DataError
        Naming file, row, column, the value and what was expected: a negative
        share (negative spend), a share above 100 %, a build year missing or
        repeated, shares not adding up to 100 %.
    """
    path = Path(path) if path is not None else default_spend_curves_path()
    cells = Cells(path)
    shares: dict[str, dict[int, float]] = {}
    last_row: dict[str, int] = {}
    for row, rec in read_rows(path, ("programme", "build_year", "share_pct")):
        prog = rec["programme"]
        year = cells.number(row, rec, "build_year", 1, 50, "a build year 1, 2, ... (1 = the start year)")
        share = cells.number(row, rec, "share_pct", 0.0, 100.0, "a share of the investment in % between 0 and 100 (spend cannot be negative)")
        if year == year and (year != int(year) or int(year) in shares.get(prog, {})):
            cells.bad(row, "build_year", rec["build_year"], f"a whole build year not already given for {prog!r}")
        elif year == year and share == share:
            shares.setdefault(prog, {})[int(year)] = share
        last_row[prog] = row
    out = {}
    for prog, by_year in shares.items():
        years = sorted(by_year)
        if years != list(range(1, len(years) + 1)):
            cells.bad(last_row[prog], "build_year", years, f"build years 1..{len(years)} without gaps for {prog!r}")
        total = sum(by_year.values())
        if abs(total - 100.0) > 1e-6:
            cells.bad(last_row[prog], "share_pct", f"sum {total:g}", f"the shares of {prog!r} adding up to 100")
        out[prog] = np.array([by_year[y] for y in years]) / 100.0
    cells.done()
    return out
