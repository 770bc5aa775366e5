"""The Xinyi panel (``<dataset>/xinyi/``): its above-scale firms and its transfer park, read and checked.

Xinyi (``GD.XY``) stands alone in the dataset (not part of Jiangxi) and has
no revenue history there; its firms live in their own tables so that adding
them moves no other entity's random numbers (see :mod:`model.xinyi_generator`).
``firms.csv`` holds, per above-scale firm: revenue 2013 and 2014 (亿元), R&D
spending 2014 (亿元), whether it had an R&D unit in 2014 (0/1) and its park
(empty: outside the park). ``parks.csv`` names the park(s).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .csv_rows import Cells, read_rows

__all__ = ["XinyiPanel", "load_xinyi_panel", "FIRM_COLUMNS", "BASE_YEAR"]

FIRM_COLUMNS = ("id", "park", "revenue_2013", "revenue_2014", "rd_spend_2014", "rd_unit_2014", "provenance")
#: The panel's last year: the document's base year (0.68 % in 2014).
BASE_YEAR = 2014


@dataclass(frozen=True)
class XinyiPanel:
    """Xinyi's above-scale firms (arrays in firm order) and its parks.

    Attributes
    ----------
    ids : tuple of str
    park : ndarray of str
        Park id per firm ('' outside the park).
    revenue : ndarray (n, 2)
        Revenue 2013 and 2014, 亿元.
    rd_spend : ndarray (n,)
        R&D spending 2014, 亿元.
    rd_unit : ndarray (n,) bool
        R&D unit in 2014.
    parks : dict
        Park id -> name.
    illustrative : bool
        Whether any value is synthetic.
    folder : str
    """

    ids: tuple[str, ...]
    park: np.ndarray
    revenue: np.ndarray
    rd_spend: np.ndarray
    rd_unit: np.ndarray
    parks: dict[str, str]
    illustrative: bool
    folder: str

    @property
    def rd_share(self) -> np.ndarray:
        """Each firm's 2014 R&D spending over its 2014 revenue (fraction)."""
        return self.rd_spend / self.revenue[:, 1]


def load_xinyi_panel(folder: Path | str) -> XinyiPanel | None:
    """Read ``folder/xinyi/`` (None when the dataset has no Xinyi panel).

    Raises
    ------
    DataError
        Naming file, row, column, the value and what was expected: a negative or
        missing revenue, R&D spending above revenue or negative, an R&D unit
        other than 0/1, a park not in ``parks.csv``, a repeated id.
    """
    sub = Path(folder) / "xinyi"
    if not (sub / "firms.csv").exists():
        return None
    parks = {rec["id"]: rec.get("name", "") for _, rec in read_rows(sub / "parks.csv", ("id", "name", "region"))}
    path = sub / "firms.csv"
    cells, seen, out = Cells(path), set(), []
    for row, rec in read_rows(path, FIRM_COLUMNS):
        if not rec["id"] or rec["id"] in seen:
            cells.bad(row, "id", rec["id"], "a unique, non-empty firm id")
        seen.add(rec["id"])
        if rec["park"] and rec["park"] not in parks:
            cells.bad(row, "park", rec["park"], f"empty (outside the park) or a park of {sub / 'parks.csv'}: {', '.join(parks)}")
        r13 = cells.number(row, rec, "revenue_2013", 0.0, expected="revenue in 亿元, a number ≥ 0")
        r14 = cells.number(row, rec, "revenue_2014", 1e-9, expected="revenue in 亿元, a number > 0")
        rd = cells.number(row, rec, "rd_spend_2014", 0.0, expected="R&D spending in 亿元, a number ≥ 0")
        if rd > r14:
            cells.bad(row, "rd_spend_2014", rec["rd_spend_2014"], f"R&D spending at most the firm's revenue ({rec['revenue_2014']} 亿元 in revenue_2014)")
        unit = rec["rd_unit_2014"]
        if unit not in ("0", "1"):
            cells.bad(row, "rd_unit_2014", unit, "0 (no R&D unit) or 1 (an R&D unit)")
        out.append((rec["id"], rec["park"], r13, r14, rd, unit == "1", rec["provenance"] != "published"))
    if not out:
        cells.bad(2, "id", "", "at least one firm")
    cells.done()
    ids, park, r13, r14, rd, unit, synth = zip(*out)
    return XinyiPanel(tuple(ids), np.array(park, object), np.column_stack([r13, r14]), np.array(rd), np.array(unit, bool), parks, any(synth), str(sub))
