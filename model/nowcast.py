"""Nowcast: this year's full-year revenue from the January-to-month cumulative figure.

For an entity with cumulative revenue ``Y`` at month ``m``, the full year is
``A = Y / s_m`` with the log share ``log s_m = mean[m] + e_year + e_entity``
(:mod:`model.seasonality`), so

    log A = log Y - mean[m] - sd_year[m] sqrt(1 + 1/years) z_0 - sd_entity[m] sqrt(1 + 1/series) z_i

with ``z_0`` common to every entity of the year (one draw per path; Student-t with
years - 1 degrees of freedom, as its sd comes from a few years) and ``z_i`` its own. The ``sqrt(1 + 1/n)`` widens by the uncertainty of the estimated mean.
A year whose shares are exactly the historical average nowcasts (in the
median) to its true total; more months give smaller sds.

Coherence: the units are the reported enterprises and, for every reported
park, its remainder (the park's figure minus its reported firms'), nowcast
with the remainder pattern. A park's nowcast is the sum of its reported
members' and its remainder's, by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .panel import Panel
from .dispatch import Dispatch
from .errors import DataError
from .seasonality import Pattern, year_draws

__all__ = ["Unit", "Nowcast", "build_nowcast", "nowcast_table"]


@dataclass(frozen=True)
class Unit:
    """One nowcast series: an enterprise, or a park's remainder (``members`` are its reported firms)."""

    entity: str
    kind: str
    month: int
    ytd: float
    members: tuple = ()


@dataclass(frozen=True)
class Nowcast:
    """The nowcast of every unit of a 月调度表 (picklable; the run draws it per path)."""

    year: int
    month: int
    units: tuple
    pattern: Pattern
    label: str
    illustrative: bool
    flags: tuple = ()

    def log_centre(self) -> np.ndarray:
        """Median log full-year revenue per unit."""
        return np.array([np.log(max(u.ytd, 1e-12)) - self.pattern.kinds[u.kind].mean[u.month - 1] for u in self.units])

    def sds(self) -> tuple[np.ndarray, np.ndarray]:
        """Predictive scales of the common year effect and of each unit's own deviation (log)."""
        scales = np.array([self.pattern.kinds[u.kind].scales(u.month) for u in self.units]).reshape(-1, 2)
        return scales[:, 0], scales[:, 1]

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``(n, n_units)`` full-year revenue (亿元): one common year draw per path (Student-t), one own draw per unit."""
        z0 = year_draws(rng, self.pattern.kinds["enterprise"].n_years, (n, 1))
        zi = rng.standard_normal((n, len(self.units)))
        year, own = self.sds()
        return np.exp(self.log_centre()[None, :] - year[None, :] * z0 - own[None, :] * zi)


def build_nowcast(dispatch: Dispatch, pattern: Pattern, panel: Panel, year: int) -> Nowcast:
    """The nowcast units of ``dispatch``'s ``year``.

    Parameters
    ----------
    dispatch : Dispatch
    pattern : Pattern
    panel : Panel
    year : int

    Returns
    -------
    Nowcast

    Raises
    ------
    DataError
        A park whose reported firms together exceed its own figure (the remainder would be negative).
    """
    ytd = dispatch.ytd(year)
    month = dispatch.last_month(year)
    firms = ytd[ytd["kind"] == "enterprise"]
    units = [Unit(e, "enterprise", month, float(c)) for e, c in zip(firms["entity"], firms["cum"])]
    park_of = panel.enterprises["park"].to_dict()
    problems = []
    for pid, cum in zip(ytd.loc[ytd["kind"] == "park", "entity"], ytd.loc[ytd["kind"] == "park", "cum"]):
        members = tuple(e for e in firms["entity"] if park_of.get(e) == pid)
        rest = float(cum) - float(firms.set_index("entity").loc[list(members), "cum"].sum()) if members else float(cum)
        if rest < -1e-6 * max(cum, 1e-9):
            problems.append(f"{dispatch.label}: park '{pid}' reports {cum:.4f} 亿元 for January–month {month}, less than its reported firms together ({cum - rest:.4f}); expected a park total at least the sum of its firms")
        units.append(Unit(pid, "remainder", month, max(rest, 0.0), members))
    if problems:
        raise DataError(problems)
    return Nowcast(year, month, tuple(units), pattern, dispatch.label, dispatch.illustrative, dispatch.flags)


def nowcast_table(nc: Nowcast, n: int = 4000, seed: int = 0) -> pd.DataFrame:
    """Median and 10-90 % range of every reported enterprise and park (a park = its firms + its remainder).

    Parameters
    ----------
    nc : Nowcast
    n : int
        Draws.
    seed : int

    Returns
    -------
    pandas.DataFrame
        ``entity``, ``kind``, ``ytd`` (亿元), ``median``, ``p10``, ``p90``, ``sd_log``.
    """
    draws = nc.draw(np.random.default_rng(np.random.SeedSequence(seed)), n)
    col = {u.entity if u.kind == "enterprise" else f"{u.entity}#rest": k for k, u in enumerate(nc.units)}
    rows = []
    for k, u in enumerate(nc.units):
        if u.kind == "enterprise":
            rows.append((u.entity, "enterprise", u.ytd, draws[:, k]))
        else:
            firms = [col[m] for m in u.members]
            total = draws[:, k] + draws[:, firms].sum(axis=1) if firms else draws[:, k]
            ytd = u.ytd + sum(nc.units[c].ytd for c in firms)
            rows.append((u.entity, "park", ytd, total))
    out = [{"entity": e, "kind": kind, "ytd": ytd, "median": float(np.median(d)), "p10": float(np.quantile(d, 0.1)),
            "p90": float(np.quantile(d, 0.9)), "sd_log": float(np.log(d).std())} for e, kind, ytd, d in rows]
    return pd.DataFrame(out)
