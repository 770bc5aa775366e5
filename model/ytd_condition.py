"""Start the paths from the nowcast: each path's first simulated year is set to a nowcast draw.

Every nowcast unit owns a set of leaves: a reported enterprise its own leaf; a
reported park's remainder the park's leaves that no reported firm holds (its
cells and unreported firms). On each path the unit's leaves are scaled so that
their first-year total equals the path's nowcast draw, and every later year by
the same factor: the path keeps its own growth after the current year (the law
is proportional in level). Aggregates stay sums of leaves, so a park's value is
its members' nowcasts plus its remainder's on every path. Leaves of no unit (the
non-reporters) move with the reporters' surprise by their regression on the
reported total (partial pooling, :mod:`model.ytd_pooling`), when the condition
carries it; without it they keep their simulated values.

Random numbers: the draws come from ``SeedSequence(seed, spawn_key=(2, block))``,
a stream no other part of the run uses, so the same seed without the update
gives the same paths (common random numbers: the difference is the update's).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import UsageError
from .hierarchy import Hierarchy
from .nowcast import Nowcast
from .ytd_pooling import Pooling

__all__ = ["YtdCondition", "condition_for"]


@dataclass(frozen=True)
class YtdCondition:
    """A nowcast and the leaves each of its units sets."""

    nowcast: Nowcast
    groups: tuple  # per unit: ndarray of leaf indices
    unplaced: tuple = ()  # units with no leaf to carry them (named in the run's notes)
    pooling: Pooling | None = None  # the non-reporting leaves and their β (None: they keep their simulated year)

    def apply(self, leaves: np.ndarray, seed: int, block: int) -> np.ndarray:
        """Leaves ``(P, L, H)`` with every unit's first year set to its nowcast draw on each path."""
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2, block)))
        draws = self.nowcast.draw(rng, leaves.shape[0])
        out = leaves.copy()
        for k, group in enumerate(self.groups):
            if len(group) == 0:
                continue
            first = out[:, group, 0].sum(axis=1)
            ratio = np.where(first > 0, draws[:, k] / np.where(first > 0, first, 1.0), 1.0)
            out[:, group, :] *= ratio[:, None, None]
        if self.pooling is not None and len(self.pooling.leaves):
            reported = np.concatenate([g for g in self.groups if len(g)])
            surprise = np.log(out[:, reported, 0].sum(axis=1) / leaves[:, reported, 0].sum(axis=1))
            out[:, self.pooling.leaves, :] *= np.exp(self.pooling.beta[None, :] * surprise[:, None])[:, :, None]
        return out


def condition_for(nowcast: Nowcast, h: Hierarchy, first_year: int) -> YtdCondition:
    """Map the nowcast's units to leaves of the hierarchy.

    Raises
    ------
    UsageError
        When the table's year is not the run's first simulated year.
    """
    if nowcast.year != first_year:
        raise UsageError(f"--ytd {nowcast.label}: its figures are for {nowcast.year}, but the run simulates from {first_year}; expected a table of {first_year} (with --as-of, the year after it)")
    ids = h.leaves["id"].to_numpy()
    is_firm = h.leaves["kind"].to_numpy() == "enterprise"
    leaf_of = {i: j for j, i in enumerate(ids) if is_firm[j]}
    groups, unplaced = [], []
    for u in nowcast.units:
        if u.kind == "enterprise":
            group = np.array([leaf_of[u.entity]] if u.entity in leaf_of else [], dtype=np.intp)
        else:
            taken = {leaf_of[m] for m in u.members if m in leaf_of}
            group = np.array([j for j in h.members_of(u.entity) if j not in taken], dtype=np.intp) if u.entity in h.node_index else np.zeros(0, np.intp)
        if len(group) == 0:
            unplaced.append(u.entity)
        groups.append(group)
    return YtdCondition(nowcast, tuple(groups), tuple(unplaced))
