"""Plausibility of revenue levels: the unit slips and typing errors that pass every format check.

A value can be a valid non-negative number in a valid unit and still be absurd:
a 万元 table read as 亿元 is 10,000 times too large, yet every row parses. The
checks here compare each value with what it should resemble, with stated bounds:

* an **absolute ceiling**: no enterprise above :data:`ENTERPRISE_MAX` 亿元, no
  region, park or cluster above :data:`AGGREGATE_MAX` 亿元, and a province of at
  least :data:`PROVINCE_MIN` 亿元;
* **its own history**: a value more than :data:`HISTORY_FACTOR` times above or
  below the median of the entity's other years, or a year-on-year ratio beyond
  :data:`YEAR_RATIO` (either way);
* **its members**: an aggregate more than :data:`MEMBERS_FACTOR` times the sum of
  its tracked members;
* **the published figures** in ``calibration/sources/published_history.csv``
  (matched by entity name and year): a ratio beyond :data:`PUBLISHED_FACTOR`.

Each finding names file, row, value and its likely cause ("looks like 万元 read
as 亿元"). A run refuses such data unless the planner confirms the values in
``dataset.toml`` (``confirmed_values = ["ID YEAR", "ID"]``).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "Finding", "find_implausible", "PUBLISHED_FIGURES", "is_refused", "amount", "times", "likely_cause", "published_anchors", "parse_confirmed",
    "ENTERPRISE_MAX", "AGGREGATE_MAX", "PROVINCE_MIN", "HARD_MAX", "HISTORY_FACTOR", "YEAR_RATIO",
    "MEMBERS_FACTOR", "PUBLISHED_FACTOR",
]

#: No single enterprise above this (亿元); China's largest industrial firm had about 29,000亿 in 2013.
ENTERPRISE_MAX = 50_000.0
#: No region, park or cluster above this (亿元); all of China's industrial revenue was about 1,030,000亿 in 2013.
AGGREGATE_MAX = 1_500_000.0
#: A province below this (亿元) is a unit slip the other way (亿元 read as 万元).
PROVINCE_MIN = 1.0
#: Not a revenue in any unit slip: refused while reading, so no sum can come near float overflow.
HARD_MAX = 1e12
#: A value more than this many times above or below the median of the entity's other years.
HISTORY_FACTOR = 10.0
#: A year-on-year ratio beyond this (or below its inverse).
YEAR_RATIO = 10.0
#: An aggregate more than this many times the sum of its tracked members.
MEMBERS_FACTOR = 1000.0
#: A value further than this factor from the published figure for the same entity and year.
PUBLISHED_FACTOR = 3.0

#: The published figures a dataset's values are checked against.
PUBLISHED_FIGURES = Path(__file__).resolve().parents[1] / "calibration" / "sources" / "published_history.csv"
#: English region names of published_history.csv -> the Chinese names datasets use.
_REGION_NAMES = {"Jiangxi": "江西省", "Ganzhou": "赣州市", "Xinyu": "新余市", "Yingtan": "鹰潭市"}


@dataclass(frozen=True)
class Finding:
    """One implausible value: where it is, what it is, and why it looks wrong."""

    entity: str
    year: int
    value: float
    reason: str
    cause: str

    def key(self) -> tuple[str, int]:
        return (self.entity, self.year)


def likely_cause(ratio: float) -> str:
    """The likely cause of a value ``ratio`` times what it should be.

    Parameters
    ----------
    ratio : float
        Value divided by its reference (a positive number).

    Returns
    -------
    str
        e.g. "looks like 万元 read as 亿元" for a ratio near 10,000.
    """
    if not ratio > 0 or not math.isfinite(ratio):
        return "a zero or missing value where revenue is expected?"
    decades = math.log10(ratio)
    if 3.3 <= decades <= 4.7:
        return "looks like 万元 read as 亿元 (10,000× too large)"
    if -4.7 <= decades <= -3.3:
        return "looks like 亿元 read as 万元 (10,000× too small)"
    if decades >= 7:
        return "looks like 元 read as 亿元, or a typing error"
    nearest = round(decades)
    if nearest != 0 and abs(decades - nearest) < 0.15:
        return f"a misplaced decimal point or {'an extra' if nearest > 0 else 'a missing'} digit (about {10.0 ** nearest:g}×)?"
    return "a typing error, or a change in what is measured (a merger, a new boundary)?"


def amount(value: float) -> str:
    """A revenue as a planner reads it: 7,721,647 rather than 7.72165e+06."""
    return f"{value:,.0f}" if 1e3 <= value < 1e15 else f"{value:,.6g}"


def times(ratio: float) -> str:
    """A ratio as 11,071× or 1/10,000×, never in exponent notation."""
    if ratio >= 100:
        return f"{ratio:,.0f}×"
    if 0 < ratio < 0.01:
        return f"1/{1 / ratio:,.0f}×"
    return f"{ratio:.3g}×"


def parse_confirmed(entries: list, known: set[str]) -> tuple[set[tuple[str, int | None]], list[str]]:
    """Read ``confirmed_values`` of dataset.toml: ``"ID YEAR"`` or ``"ID"`` (every year).

    Returns
    -------
    confirmed : set of (id, year or None)
    problems : list of str
        Entries that are not text, or name an unknown entity.
    """
    out, problems = set(), []
    for entry in entries:
        parts = str(entry).split() if isinstance(entry, str) else []
        if not parts or len(parts) > 2 or (len(parts) == 2 and not parts[1].isdigit()):
            problems.append(f"confirmed_values entry {entry!r}: expected \"ID YEAR\" (e.g. \"JX.GZ 2012\") or \"ID\"")
            continue
        if parts[0] not in known:
            problems.append(f"confirmed_values entry {entry!r}: '{parts[0]}' is not an entity id of this dataset")
            continue
        out.add((parts[0], int(parts[1]) if len(parts) == 2 else None))
    return out, problems


def find_implausible(revenue: pd.DataFrame, kinds: dict[str, str], names: dict[str, str], members: dict[str, list[str]], province: str) -> list[Finding]:
    """Every implausible value of a wide revenue table, at most one finding per entity and year.

    Parameters
    ----------
    revenue : DataFrame
        Entity × year, 亿元, NaN where there is no value.
    kinds : dict
        Entity id -> 'region', 'park', 'cluster' or 'enterprise'.
    names : dict
        Entity id -> its name (to match the published figures).
    members : dict
        Aggregate id -> ids of its direct members.
    province : str
        Id of the province.

    Returns
    -------
    list of Finding
        Ordered by entity and year.
    """
    found: dict[tuple[str, int], Finding] = {}
    for check in (_published, _members_scale, _history, _year_ratio, _ceiling):
        flagged = {e for e, _ in found}
        for f in check(revenue, kinds, names, members, province):
            # A jump next to a value already flagged is that value's echo, not a second finding.
            if check is not _year_ratio or f.entity not in flagged:
                found.setdefault(f.key(), f)
    return sorted(found.values(), key=lambda f: (str(f.entity), f.year))


def _cells(revenue: pd.DataFrame):
    values = revenue.to_numpy(float)
    for i, j in zip(*np.nonzero(np.isfinite(values))):
        yield revenue.index[i], int(revenue.columns[j]), float(values[i, j])


def _ceiling(revenue, kinds, names, members, province) -> list[Finding]:
    out = []
    for entity, year, value in _cells(revenue):
        limit = ENTERPRISE_MAX if kinds.get(entity) == "enterprise" else AGGREGATE_MAX
        if value > limit:
            what = "enterprise" if limit == ENTERPRISE_MAX else "region, park or cluster"
            out.append(Finding(entity, year, value, f"above {limit:,.0f} 亿元, more than any {what} has", _ceiling_cause(value, limit)))
        elif entity == province and value < PROVINCE_MIN:
            out.append(Finding(entity, year, value, f"a province total below {PROVINCE_MIN:g} 亿元", likely_cause(value / 1000.0)))
    return out


def _ceiling_cause(value: float, limit: float) -> str:
    if value / 1e4 <= limit:
        return "looks like 万元 read as 亿元"
    if value / 1e8 <= limit:
        return "looks like 元 read as 亿元"
    return "a typing error"


def is_refused(finding: Finding) -> bool:
    """True for a value no confirmation can admit: above all of China's industrial revenue."""
    return finding.value > AGGREGATE_MAX


def _history(revenue, kinds, names, members, province) -> list[Finding]:
    out = []
    for entity, row in revenue.iterrows():
        series = row.dropna()
        series = series[series > 0]
        if len(series) < 3:
            continue
        median = float(series.median())  # of all its years: one slipped year cannot move it far
        for year, value in series.items():
            ratio = value / median
            if ratio > HISTORY_FACTOR or ratio < 1 / HISTORY_FACTOR:
                out.append(Finding(entity, int(year), float(value), f"{times(ratio)} the median of its years ({amount(median)} 亿元)", likely_cause(ratio)))
    return out


def _year_ratio(revenue, kinds, names, members, province) -> list[Finding]:
    out = []
    values = revenue.to_numpy(float)
    years = [int(y) for y in revenue.columns]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = values[:, 1:] / values[:, :-1]
    for i, j in zip(*np.nonzero(np.isfinite(ratio) & (ratio > 0) & ((ratio > YEAR_RATIO) | (ratio < 1 / YEAR_RATIO)))):
        r = float(ratio[i, j])
        text = f"{times(r)} its {years[j]} value ({amount(values[i, j])} 亿元; the stated bound is {YEAR_RATIO:g}× a year either way)"
        out.append(Finding(revenue.index[i], years[j + 1], float(values[i, j + 1]), text, likely_cause(r)))
    return out


def _members_scale(revenue, kinds, names, members, province) -> list[Finding]:
    out = []
    for entity, kids in members.items():
        kids = [k for k in kids if k in revenue.index]
        if entity not in revenue.index or not kids:
            continue
        total = revenue.loc[kids].sum(min_count=1)
        for year, value in revenue.loc[entity].dropna().items():
            s = total.get(year, np.nan)
            if s > 0 and value > MEMBERS_FACTOR * s:
                ratio = value / s
                out.append(Finding(entity, int(year), float(value), f"{times(ratio)} the sum of its {len(kids)} tracked member(s) ({amount(s)} 亿元)", likely_cause(ratio)))
    return out


def _published(revenue, kinds, names, members, province) -> list[Finding]:
    out = []
    for entity, year, figure, source in published_anchors(names, province):
        if entity not in revenue.index or year not in revenue.columns or np.isnan(revenue.at[entity, year]):
            continue
        value = float(revenue.at[entity, year])
        ratio = value / figure
        if not (1 / PUBLISHED_FACTOR <= ratio <= PUBLISHED_FACTOR):
            out.append(Finding(entity, year, value, f"{times(ratio)} the published figure {amount(figure)} 亿元 (calibration/sources/published_history.csv: {source})", likely_cause(ratio)))
    return out


def published_anchors(names: dict[str, str], province: str, path: Path = PUBLISHED_FIGURES) -> list[tuple[str, int, float, str]]:
    """Annual revenue figures of ``published_history.csv`` that name an entity of the dataset.

    Only whole-year revenue in 亿元 is used (no partial years, growth rates,
    lower bounds, output values or GDP); an entity is matched by its exact name,
    a city or province by its Chinese name.

    Returns
    -------
    list of (entity id, year, value 亿元, source)
    """
    if not path.is_file():
        return []
    by_name: dict[str, list[str]] = {}
    for ident, name in names.items():
        by_name.setdefault(name, []).append(ident)
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            metric = rec["metric"].lower()
            if rec["unit"] != "亿元" or not rec["year"].isdigit() or "revenue" not in metric:
                continue
            if any(word in metric for word in ("growth", "lower bound", "jan-", "h1", "output")):
                continue
            name = _REGION_NAMES.get(rec["region"]) if rec["entity"] in ("city", "province") else rec["entity"]
            ids = by_name.get(name or "", [])
            if rec["entity"] == "province":
                ids = [i for i in ids if i == province]
            if len(ids) == 1:
                out.append((ids[0], int(rec["year"]), float(rec["value"]), f"{rec['source']}"))
    return out
