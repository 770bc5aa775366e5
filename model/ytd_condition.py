"""Start the paths from the nowcast: each path's first simulated year is set to a nowcast draw.

Every nowcast unit owns a set of leaves: a reported enterprise its own leaf; a
reported park's remainder the park's leaves that no reported firm holds (its
cells and unreported firms). On each path the unit's leaves are scaled so that
their first-year total equals the path's nowcast draw, and every later year by
the same factor (a firm's own level surprise is permanent: its own excess growth
barely persists). Aggregates stay sums of leaves, so a park's value is
its members' nowcasts plus its remainder's on every path. Leaves of no unit (the
non-reporters) move with the reporters' surprise by their regression on the
reported total (partial pooling, :mod:`model.ytd_pooling`), when the condition
carries it; without it they keep their simulated values.

The shared part of the surprise also persists: on a path where the nowcast is
above the path's own simulated year, the macro growth after it is higher too
(AR(1), φ ≈ 0.68). With the pooling, every leaf's later years are multiplied by
``exp(γ_jt × surprise)``, its growth after the first year regressed on the
reported total in the pilot (Gaussian conditioning, :mod:`model.ytd_pooling`):
the later years keep the path's own shocks but take the persistence of the
nowcast's surprise instead of that of the path's replaced first-year shock.
Without it (replacement only) a path's later growth is unrelated to its first
year, and the spread of later years is understated.

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

    def apply(self, leaves: np.ndarray, seed: int, block: int, pipeline_first: np.ndarray | None = None) -> np.ndarray:
        """Leaves ``(P, L, H)`` with every unit's first year set so that the unit's total is its nowcast draw.

        A reported figure is the unit's whole revenue, including what projects
        already add to it. ``pipeline_first`` ``(P, n_units)``: the first-year
        revenue the pipeline adds to each unit (:meth:`unit_pipeline`); the unit's
        leaves then carry the draw minus it, so that leaves plus pipeline equal
        the draw (never less than a tenth of the leaves' own simulated year).
        Without it, the leaves alone carry the draw.
        """
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2, block)))
        draws = self.nowcast.draw(rng, leaves.shape[0])
        added = np.zeros_like(draws) if pipeline_first is None else pipeline_first
        out = leaves.copy()
        for k, group in enumerate(self.groups):
            if len(group) == 0:
                continue
            first = out[:, group, 0].sum(axis=1)
            own = np.maximum(draws[:, k] - added[:, k], 0.1 * first)
            ratio = np.where(first > 0, own / np.where(first > 0, first, 1.0), 1.0)
            out[:, group, :] *= ratio[:, None, None]
        if self.pooling is not None and (len(self.pooling.leaves) or self.pooling.growth_beta is not None):
            # The reporters' surprise on their totals (leaves + pipeline), the scale the table reports.
            placed = [k for k, g in enumerate(self.groups) if len(g)]
            reported = np.concatenate([self.groups[k] for k in placed])
            simulated = leaves[:, reported, 0].sum(axis=1) + added[:, placed].sum(axis=1)
            surprise = np.log((out[:, reported, 0].sum(axis=1) + added[:, placed].sum(axis=1)) / simulated)
            if len(self.pooling.leaves):
                out[:, self.pooling.leaves, :] *= np.exp(self.pooling.beta[None, :] * surprise[:, None])[:, :, None]
            if self.pooling.growth_beta is not None:
                # The later years: the persistence of the nowcast's surprise in place of the path's own (the first year is untouched).
                out *= self.pooling.carry(surprise)
        return out

    def unit_pipeline(self, h: Hierarchy, enterprise_added: np.ndarray, node_added: np.ndarray) -> np.ndarray:
        """First-year pipeline revenue of each unit, ``(P, n_units)``.

        Parameters
        ----------
        h : Hierarchy
        enterprise_added : ndarray (P, n_enterprises, H)
            Project revenue added to each enterprise leaf (expansions).
        node_added : ndarray (P, n_nodes, H)
            Project and new-entrant revenue added to each node.

        Notes
        -----
        An enterprise unit gets its own expansions; a park's remainder gets what
        the pipeline adds to the park minus what it adds to the park's reported firms.
        """
        position = {int(j): i for i, j in enumerate(h.enterprise_leaves)}
        out = np.zeros((enterprise_added.shape[0], len(self.groups)))
        for k, (u, group) in enumerate(zip(self.nowcast.units, self.groups)):
            if len(group) == 0:
                continue
            if u.kind == "enterprise":
                out[:, k] = enterprise_added[:, position[int(group[0])], 0]
            else:
                own = set(group.tolist())  # the remainder's leaves; the park's other enterprise leaves are its reported firms
                members = [position[j] for j in h.members_of(u.entity).tolist() if j in position and j not in own]
                out[:, k] = node_added[:, h.node_index[u.entity], 0] - enterprise_added[:, members, 0].sum(axis=1)
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
