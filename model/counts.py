"""Who is counted as a firm: exit, below-floor firms, separate entrants, uncertain starts.

This module ties together, per block of paths, the four pieces that make
count targets honest (each switchable in the scenario's ``[counts]`` section,
see :data:`model.scenario.SCHEMA`):

* made-up 2013 values drawn per path (:mod:`model.start_values`);
* firms below the tracking floor inside the remainders (:mod:`model.below_floor`);
* exit and restructuring of firms (:mod:`model.exit_hazard`);
* each new entrant as its own firm (:mod:`model.pipeline.entrants`).

Random streams: block *b* of a run draws all of this from
``SeedSequence(seed, spawn_key=(13, b))`` (13: the issue that added it), split
into three children, in this order: made-up starting values, exit uniforms
(tracked firms first, then below-floor firms), below-floor growth shocks. The
stream depends only on seed and block, like the growth stream ``(0, b)``, so
runs stay bit-identical on 1, N workers or Dask, scenarios with one seed share
these draws (common random numbers), and switching one piece off leaves the
draws of the others unchanged.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .below_floor import TailFirms, simulate_tail, tail_firms
from .calibrate import GrowthParams
from .panel import Panel
from .pipeline.entrants import EntrantFirms
from .exit_hazard import ExitHazard, survival
from .hierarchy import Hierarchy
from .scenario import Scenario
from .start_values import StartPlan, draw_starts, plan_moves, synthetic_members
from .targets import CompiledTarget

__all__ = ["CountModel", "BlockCounts", "prepare_counts", "attach_counts", "block_counts", "entrants_on_sites", "members_2013", "STREAM"]

#: First spawn-key entry of the count streams (growth uses 0, the pipeline 1).
STREAM = 13


@dataclass(frozen=True)
class CountModel:
    """Count settings of a run, resolved against the data (picklable).

    Attributes
    ----------
    exit : ExitHazard
    tail : TailFirms or None
        None when ``below_floor`` is off.
    starts : StartPlan
    separate_entrants : bool
    firm_law : tuple of float
        ``(phi, sigma, beta, df)`` point estimates for below-floor firms.
    start : ndarray (n_leaves,)
        Generated last-year leaf values.
    """

    exit: ExitHazard
    tail: TailFirms | None
    starts: StartPlan
    separate_entrants: bool
    firm_law: tuple[float, float, float, float]
    start: np.ndarray

    def settings(self) -> dict:
        """What a run reports about its count model (summary.json)."""
        return {
            "exit_hazard": self.exit.rate, "exit_size_elasticity": self.exit.elasticity,
            "below_floor": None if self.tail is None else {k: {kk: (round(vv, 4) if isinstance(vv, float) else vv) for kk, vv in v.items()} for k, v in self.tail.scopes.items()},
            "separate_entrants": self.separate_entrants,
            "synthetic_values_drawn": {k: sum(m.kind == k for m in self.starts.moves) for k in ("enterprise", "park", "cluster")},
            "synthetic_values_held": self.starts.held,
        }


def prepare_counts(scenario: Scenario, panel: Panel, h: Hierarchy, params: GrowthParams) -> CountModel:
    """Resolve the scenario's ``[counts]`` settings against the data.

    Parameters
    ----------
    scenario : Scenario
    panel : Panel
    h : Hierarchy
    params : GrowthParams

    Returns
    -------
    CountModel
    """
    get = lambda key: scenario.get("counts", key)  # noqa: E731
    tail = tail_firms(panel, h, get("below_floor_depth")) if get("below_floor") else None
    starts = plan_moves(panel, h, get("synthetic_sd"), get("synthetic_sd_aggregate"))
    df = params.df.value if params.tail == "student_t" else float("inf")
    law = (float(params.phi.value), float(params.sigma.value), float(params.beta.value), float(df))
    return CountModel(ExitHazard(get("exit_hazard"), get("exit_size_elasticity")), tail, starts, get("separate_entrants"), law, np.nan_to_num(h.history[:, -1]))


def attach_counts(targets: list[CompiledTarget], panel: Panel, cm: CountModel) -> list[CompiledTarget]:
    """Give every enterprise count target the below-floor firms inside its region."""
    if cm.tail is None or not len(cm.tail):
        return targets
    parent = panel.regions["parent"].to_dict()

    def inside(region: str, within: str) -> bool:
        while region:
            if region == within:
                return True
            region = parent.get(region, "")
        return False

    out = []
    for c in targets:
        if c.evaluable and c.is_count and c.target.scope.entity_kind == "enterprise":
            idx = np.array([i for i, r in enumerate(cm.tail.region) if inside(r, c.target.scope.within)], dtype=int)
            c = dataclasses.replace(c, tail=idx)
        out.append(c)
    return out


@dataclass
class BlockCounts:
    """Per-block draws of the count model.

    Attributes
    ----------
    leaves : ndarray (P, n_leaves, H)
        Leaf paths with the made-up starting values drawn (aggregates come from these).
    start : ndarray (P, n_leaves)
        Drawn last-year leaf values.
    tail : ndarray (P, n_tail, H) or None
        Below-floor firms (0 once exited).
    exit_uniforms : ndarray (P, n_enterprises, H) or None
    """

    leaves: np.ndarray
    start: np.ndarray
    tail: np.ndarray | None
    exit_uniforms: np.ndarray | None

    def survivors(self, cm: CountModel, h: Hierarchy, enterprises: np.ndarray) -> np.ndarray | None:
        """Whether each tracked firm still exists (None when there is no exit)."""
        if self.exit_uniforms is None:
            return None
        return survival(cm.exit, self.start[:, h.enterprise_leaves], enterprises, self.exit_uniforms)


def block_counts(cm: CountModel | None, h: Hierarchy, leaves: np.ndarray, seed: int, block: int) -> BlockCounts:
    """Draw made-up starting values, below-floor firms and exit uniforms for one block.

    Parameters
    ----------
    cm : CountModel or None
        None: nothing is drawn (the leaves pass through).
    h : Hierarchy
    leaves : ndarray (P, n_leaves, H)
        Simulated leaf revenue from :func:`model.growth.simulate_leaves`.
    seed, block : int

    Returns
    -------
    BlockCounts
    """
    n_paths = leaves.shape[0]
    if cm is None:
        return BlockCounts(leaves, np.broadcast_to(np.nan_to_num(h.history[:, -1]), leaves.shape[:2]), None, None)
    starts_ss, exit_ss, tail_ss = np.random.SeedSequence(seed, spawn_key=(STREAM, block)).spawn(3)
    start = cm.start
    if cm.starts.active:
        drawn, _ = draw_starts(cm.starts, start, np.random.default_rng(starts_ss), n_paths)
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(start > 0, drawn / start, 1.0)
        leaves = leaves * factor[:, :, None]
    else:
        drawn = np.broadcast_to(start, (n_paths, start.size))
    exit_rng = np.random.default_rng(exit_ss)
    uniforms = exit_rng.random((n_paths, len(h.enterprise_leaves), leaves.shape[2])) if cm.exit.active else None
    tail = None
    if cm.tail is not None and len(cm.tail):
        phi, sigma, beta, df = cm.firm_law
        tail = simulate_tail(cm.tail, leaves, drawn, phi, sigma, beta, df, np.random.default_rng(tail_ss))
        if cm.exit.active:
            tail_u = exit_rng.random(tail.shape)
            tail = np.where(survival(cm.exit, np.broadcast_to(cm.tail.size, tail.shape[:2]), tail, tail_u), tail, 0.0)
    return BlockCounts(leaves, drawn, tail, uniforms)


def entrants_on_sites(firms: EntrantFirms | None, site_cols: np.ndarray) -> EntrantFirms | None:
    """Re-index entrant sites from the pipeline's site axis to the run's (``ctx.site_pairs``)."""
    if firms is None:
        return None
    site = np.where(firms.site >= 0, np.asarray(site_cols, np.int64)[np.maximum(firms.site, 0)] if len(site_cols) else -1, -1)
    return EntrantFirms(firms.revenue, site)


def members_2013(c: CompiledTarget, panel: Panel, h: Hierarchy, cm: CountModel | None) -> dict:
    """For a count target: its members above the threshold in the last data year and how many are made up.

    See :func:`model.start_values.synthetic_members`; ``synthetic_near`` counts
    made-up candidates within one drawn sd of the threshold (0 when their values are held fixed).
    """
    sd = (0.0, 0.0) if cm is None else (max((m.sd for m in cm.starts.moves if m.kind == "enterprise"), default=0.0),
                                       max((m.sd for m in cm.starts.moves if m.kind != "enterprise"), default=0.0))
    drawn = set() if cm is None else {m.entity for m in cm.starts.moves}
    return synthetic_members(panel, h, c.nodes, c.enterprises, c.target.threshold, sd, drawn)
