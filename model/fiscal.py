"""Fiscal cost of the reward schedules (rewards paid when revenue first crosses a step).

Ganzhou (赣市府发〔2014〕26号) pays enterprises' management 5万 at 5亿, 10万 at 10亿
and 10万 per further 10亿; county feature clusters' parks 50万 per 50亿 step. A
step is paid once, the first year revenue exceeds it, so the yearly cost is
``F(peak_t) - F(peak_t-1)`` with ``F`` the cumulative schedule and ``peak`` the
running maximum of revenue (history included).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .catalogue import FiscalSchedule, load_fiscal_schedules
from .data import Panel
from .hierarchy import Hierarchy
from .targets import select

__all__ = ["CompiledSchedule", "compile_schedules", "cumulative_table", "paid", "yearly_cost"]

_MAX_STEP_VALUE = 100_000.0  # 亿元: far above any entity; bounds the step table


@dataclass(frozen=True)
class CompiledSchedule:
    """A schedule resolved to the entities it pays for.

    Attributes
    ----------
    schedule : FiscalSchedule
    kind : str
        'enterprise' (indices into enterprise leaves) or 'node' (aggregate indices).
    index : ndarray
    peak : ndarray
        Highest historical revenue of each entity (steps below it were paid before).
    evaluable : bool
    why_not : str
    """

    schedule: FiscalSchedule
    kind: str
    index: np.ndarray
    peak: np.ndarray
    evaluable: bool = True
    why_not: str = ""

    @cached_property
    def table(self) -> tuple[np.ndarray, np.ndarray]:
        """:func:`cumulative_table` of the schedule, built once per run (not once per block)."""
        return cumulative_table(self.schedule)


def cumulative_table(schedule: FiscalSchedule) -> tuple[np.ndarray, np.ndarray]:
    """Step thresholds and the cumulative amount paid once each is reached."""
    steps = schedule.thresholds(_MAX_STEP_VALUE)
    at = np.array([s.at for s in steps])
    cum = np.cumsum([s.pay for s in steps])
    return at, cum


def paid(table: tuple[np.ndarray, np.ndarray], value: np.ndarray) -> np.ndarray:
    """Cumulative amount owed once revenue has reached ``value`` (vectorised)."""
    at, cum = table
    k = np.searchsorted(at, value, side="right")
    return np.where(k > 0, cum[np.maximum(k - 1, 0)], 0.0)


def yearly_cost(c: CompiledSchedule, values: np.ndarray, peak: np.ndarray | None = None) -> np.ndarray:
    """Reward paid each year on each path, summed over entities.

    Parameters
    ----------
    c : CompiledSchedule
    values : ndarray (P, n_entities, H)
        Simulated revenue of the schedule's entities.
    peak : ndarray (P, n_entities), optional
        Historical peak per path (when made-up starting values are drawn per
        path, the made-up history moves with them); default ``c.peak``.

    Returns
    -------
    ndarray (P, H)
        In the schedule's amount unit (万元).
    """
    table = c.table
    base = c.peak[None, :, None] if peak is None else np.asarray(peak)[:, :, None]
    peaks = np.maximum.accumulate(np.maximum(values, base), axis=2)
    before = np.concatenate([np.broadcast_to(base, peaks[:, :, :1].shape), peaks[:, :, :-1]], axis=2)
    return (paid(table, peaks) - paid(table, before)).sum(axis=1)


def compile_schedules(panel: Panel, h: Hierarchy) -> list[CompiledSchedule]:
    """Resolve the reward schedules to entity indices and their historical peaks.

    A schedule the catalogue marks ``evaluable = false`` keeps its ``why_not`` and
    is not costed (no entities are resolved for it).
    """
    out = []
    ent_hist = h.history[h.enterprise_leaves]
    node_hist = {n: panel.revenue.loc[n].to_numpy(float) if n in panel.revenue.index else np.zeros(len(panel.years)) for n in h.nodes}
    for sch in load_fiscal_schedules():
        why = "" if sch.evaluable else sch.why_not
        kind = "enterprise" if sch.scope.entity_kind == "enterprise" else "node"
        idx = select(panel, h, sch.scope.entity_kind, sch.scope.within, sch.scope.levels()) if not why else np.zeros(0, int)
        hist = ent_hist[idx] if kind == "enterprise" else np.array([node_hist[h.nodes[i]] for i in idx] or np.zeros((0, len(panel.years))))
        peak = np.nan_to_num(np.nanmax(hist, axis=1, initial=0.0)) if len(idx) else np.zeros(0)
        out.append(CompiledSchedule(sch, kind, idx, peak, not why, why))
    return out


def reward_due(schedule: FiscalSchedule, previous_peak: float, value: float) -> float:
    """Amount owed in a year when revenue goes from its previous peak to ``value`` (scalar oracle of :func:`yearly_cost`).

    Parameters
    ----------
    schedule : FiscalSchedule
    previous_peak : float
        Highest revenue of earlier years (steps at or below it were already paid).
    value : float
        This year's revenue, in ``schedule.threshold_unit``.

    Returns
    -------
    float
        Sum of the steps first reached this year (all of them if several are
        crossed at once), in ``schedule.amount_unit``.
    """
    return sum(s.pay for s in schedule.thresholds(value) if s.at > previous_peak)


__all__ += ["reward_due"]
