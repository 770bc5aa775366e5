"""The within-year pattern: which share of its year an entity has earned by each month.

From a monthly history (a 月调度表 over several whole years), each entity-year
gives its cumulative shares ``s_m = 累计_m / 累计_12``. On the log scale they are
split into

* the pattern ``mean[m]``: the average log share by month;
* a year effect ``e_y[m]``, common to all entities of a year (a slow first half
  everywhere), whose spread between years is ``sd_year[m]``;
* the entity's own deviation, spread ``sd_entity[m]``.

Enterprises and park remainders (a park's total minus its member firms: the
many untracked small firms) are estimated separately; a remainder is smoother.
December's cumulative figure must be the annual value of the dataset: the check
names the row when it is not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .panel import Panel
from .dispatch import Dispatch
from .errors import DataError, ErrorLocation, raise_all

__all__ = ["KindPattern", "Pattern", "estimate_pattern", "share_matrix", "year_draws", "ANNUAL_TOLERANCE"]

#: December 累计 may differ from the annual value by this share (rounding).
ANNUAL_TOLERANCE = 1e-3


@dataclass(frozen=True)
class KindPattern:
    """The pattern of one kind of series (arrays by month, January first)."""

    mean: np.ndarray
    sd_year: np.ndarray
    sd_entity: np.ndarray
    n_years: int
    n_series: int

    def scales(self, month: int) -> tuple[float, float]:
        """Predictive scales of the year effect and of an entity's own deviation at ``month`` (1-12).

        Both are widened by the uncertainty of the estimated mean (``sqrt(1 + 1/n)``).
        """
        m = month - 1
        return self.sd_year[m] * np.sqrt(1 + 1 / self.n_years), self.sd_entity[m] * np.sqrt(1 + 1 / self.n_series)


def year_draws(rng: np.random.Generator, n_years: int, shape) -> np.ndarray:
    """Standardised draws of a new year's effect: Student-t with ``n_years - 1`` degrees of freedom.

    Its sd is estimated from ``n_years`` years only, so a new year's effect is t-distributed
    (a normal undercovered in the leave-one-year-out backtest: 0.71 at nominal 80 % by June).
    """
    return rng.standard_t(max(n_years - 1, 1), shape)


@dataclass(frozen=True)
class Pattern:
    """Patterns by kind ('enterprise', 'remainder') and where they come from."""

    kinds: dict
    years: tuple
    source: str
    file: str = ""  # the monthly history it was estimated from
    illustrative: bool = False  # that history is made up (synthetic rows)

    def describe(self) -> str:
        """One line for the run header: the assumption and its provenance."""
        e = self.kinds["enterprise"]
        return (f"within-year pattern from {self.source} ({self.years[0]}–{self.years[-1]}, {e.n_series} enterprise-years): "
                f"January–June share {np.exp(e.mean[5]):.3f}, year-to-year sd {e.sd_year[5]:.3f}, firm sd {e.sd_entity[5]:.3f} (log)")


def share_matrix(history: Dispatch, panel: Panel, kind: str) -> tuple[np.ndarray, np.ndarray, list[tuple[str, int]]]:
    """Log cumulative shares of every whole entity-year of one kind.

    Parameters
    ----------
    history : Dispatch
    panel : Panel
        For the parks' member firms (a remainder is a park minus its members).
    kind : str
        'enterprise' or 'remainder'.

    Returns
    -------
    (log shares (n, 12), years (n,), keys [(entity, year)])
    """
    idx = history.index
    keys = sorted({(e, y) for e, y, m in idx if m == 12})
    members: dict[str, list[str]] = {}
    for eid, park in panel.enterprises["park"].items():
        members.setdefault(park, []).append(eid)
    parks = set(panel.parks.index)
    rows, out_keys = [], []
    for e, y in keys:
        if kind == "enterprise" and e not in parks:
            cum = np.array([idx.get((e, y, m), np.nan) for m in range(1, 13)])
        elif kind == "remainder" and e in parks:
            cum = np.array([idx.get((e, y, m), np.nan) for m in range(1, 13)])
            for f in members.get(e, []):
                if (f, y, 12) in idx:
                    cum = cum - np.array([idx.get((f, y, m), np.nan) for m in range(1, 13)])
        else:
            continue
        if np.all(np.isfinite(cum)) and cum[-1] > 0 and np.all(cum > 0):
            rows.append(np.log(cum / cum[-1]))
            out_keys.append((e, y))
    return np.array(rows).reshape(-1, 12), np.array([y for _, y in out_keys]), out_keys


def estimate_pattern(history: Dispatch, panel: Panel, source: str | None = None) -> Pattern:
    """Estimate the within-year pattern from a monthly history.

    Parameters
    ----------
    history : Dispatch
        Whole years (months 1-12) of a 月调度表.
    panel : Panel
        The annual data December's figures must equal.
    source : str, optional
        Provenance for the output (default: the history's file, marked illustrative when it is).

    Returns
    -------
    Pattern

    Raises
    ------
    DataError
        A December figure that is not the annual value, or a history with fewer than two whole years.
    """
    _check_december(history, panel)
    kinds = {}
    for kind in ("enterprise", "remainder"):
        logs, years, _ = share_matrix(history, panel, kind)
        distinct = np.unique(years)
        if len(distinct) < 2:
            raise DataError(f"{history.label}: {len(distinct)} whole year(s) of {kind} figures (months 1-12); expected at least two to estimate the within-year pattern and its year-to-year variation")
        mean = logs.mean(axis=0)
        effect = np.array([(logs[years == y] - mean).mean(axis=0) for y in distinct])
        resid = logs - mean - effect[np.searchsorted(distinct, years)]
        kinds[kind] = KindPattern(mean, effect.std(axis=0, ddof=1), resid.std(axis=0, ddof=len(distinct)), len(distinct), len(logs))
    what = f"illustrative monthly history {history.label}" if history.illustrative else f"monthly history {history.label}"
    return Pattern(kinds, tuple(int(y) for y in history.years), source or what, history.label, history.illustrative)


def _check_december(history: Dispatch, panel: Panel) -> None:
    problems = []
    rows = history.rows
    for rec in rows[rows["month"] == 12].itertuples():
        if rec.entity in panel.revenue.index and rec.year in panel.revenue.columns:
            annual = panel.revenue.at[rec.entity, rec.year]
            if np.isfinite(annual) and abs(rec.cum - annual) > ANNUAL_TOLERANCE * max(annual, 1e-9):
                where = ErrorLocation(rec.file, rec.row, "累计主营业务收入")
                problems.append(DataError.describe(where, round(rec.cum, 4), f"the annual revenue of '{rec.entity}' in {rec.year} ({annual:.4f} 亿元 in {panel.files.get('revenue', 'revenue')}): December's cumulative figure is the year's"))
    raise_all(problems)
