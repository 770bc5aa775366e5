"""Milestones of every project: the fast timeline, array arithmetic plus the exact vectorised queues."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .draws import ProjectDraws
from .params import PipelineParams
from .queues import fifo_servers, quota_at, yearly_quota

__all__ = ["MILESTONES", "STAGES", "ABANDON_STAGES", "Timeline", "fast_timeline"]


#: Milestones of a project, in order (index = milestone number).
MILESTONES: tuple[str, ...] = (
    "signed", "approval_filed", "approval_start", "approved", "land_granted", "financed",
    "funded", "started", "completed", "producing", "full_capacity",
)
#: Stages a project can be in: stage ``s < 11`` lies between milestones ``s`` and ``s+1``
#: (stage 10 after the last milestone); the last stage is ``abandoned``.
STAGES: tuple[str, ...] = (
    "reserve", "approval_queue", "approval", "land_queue", "financing", "loan_queue",
    "start_prep", "construction", "commissioning", "ramp_up", "full_production", "abandoned",
)
#: Stages in which a project can be abandoned (index into :data:`STAGES`).
ABANDON_STAGES: dict[str, int] = {"reserve": 0, "approval": 2, "financing": 4, "construction": 7}


@dataclass
class Timeline:
    """Milestone times of every project (months since the first simulated year).

    ``times[..., k]`` is the time milestone :data:`MILESTONES` ``[k]`` was reached
    (``inf``: never).  ``abandon_time``/``abandon_stage`` record drop-outs
    (stage index into :data:`STAGES`, −1 = not abandoned).  The timelines built here
    store one contiguous (paths, projects) plane per milestone (``times`` is a view
    of them, see :meth:`empty`): every reader takes whole milestones.
    """

    times: NDArray[np.float64]  # (paths, projects, 11)
    abandon_time: NDArray[np.float64]  # (paths, projects)
    abandon_stage: NDArray[np.int8]  # (paths, projects)
    construction_months: NDArray[np.float64]  # planned construction duration (NaN: never started)

    @classmethod
    def empty(cls, shape: tuple[int, int]) -> "Timeline":
        """Nothing reached yet; ``times`` is a (paths, projects, 11) view of (11, paths, projects) planes."""
        planes = np.full((len(MILESTONES),) + tuple(shape), np.inf)
        return cls(np.moveaxis(planes, 0, -1), np.full(shape, np.inf),
                   np.full(shape, -1, np.int8), np.full(shape, np.nan))

    @property
    def planes(self) -> NDArray[np.float64]:
        """``times`` as (11, paths, projects): one (paths, projects) array per milestone (a view)."""
        return np.moveaxis(self.times, -1, 0)


def _per_column(values: list, slices: tuple[slice, ...]) -> NDArray:
    """One value per programme spread over its column block: (1, projects), broadcast over paths."""
    return np.repeat(np.asarray(values), [sl.stop - sl.start for sl in slices])[None, :]


def fast_timeline(draws: ProjectDraws, params: PipelineParams) -> Timeline:
    """Compute every milestone with array arithmetic plus exact vectorised queues.

    The arithmetic (order of additions included) mirrors the SimPy processes of
    :func:`model.pipeline.reference.simulate_plain`, so both give identical floats.
    Each milestone is computed as its own contiguous (paths, projects) plane.
    """

    tl = Timeline.empty(draws.shape)
    M, d, v = tl.planes, draws.d, draws.valid
    inf = np.inf

    def abandon(mask: NDArray, t: NDArray, stage: int) -> None:
        np.copyto(tl.abandon_time, t, where=mask)
        np.copyto(tl.abandon_stage, stage, where=mask)

    M[0] = np.where(v, draws.t0 + draws.off_sign, inf)
    t1 = M[0] + d["reserve"]
    abandon(v & draws.ab_reserve, t1, ABANDON_STAGES["reserve"])
    np.copyto(M[1], t1, where=v & ~draws.ab_reserve)

    # Approval: one FIFO multi-server queue per programme.
    # Green channel applies to approvals filed from policy_start on.
    d_appr = np.where(M[1] >= draws.policy_start, d["approval"], d["approval_pre"])
    ps = draws.policy_start
    for p, sl in zip(params.programmes, draws.slices):
        M[2][:, sl] = fifo_servers(M[1][:, sl], d_appr[:, sl], p.approval_capacity, p.pre.approval_capacity, ps)
    t3 = M[2] + d_appr
    abandon(np.isfinite(M[2]) & draws.ab_approval, t3, ABANDON_STAGES["approval"])
    np.copyto(M[3], t3, where=~draws.ab_approval)

    # Land: yearly quota, only for projects needing new land.
    M[4] = M[3]
    for p, sl in zip(params.programmes, draws.slices):
        m = draws.needs_land[:, sl]
        arr = np.where(m, M[3][:, sl], inf)
        # A single claim never exceeds a share of the year's quota (big projects are phased).
        need = np.minimum(draws.land_need[:, sl], params.max_claim_share * quota_at(arr, draws.t0, p.pre.land_quota, p.land_quota, ps))
        np.copyto(M[4][:, sl], yearly_quota(arr, need, p.land_quota, draws.t0, p.pre.land_quota, ps), where=m)

    # Financing rounds: repeated additions, exactly as the DES adds one timeout per round.
    # The success probability is the one in force when financing starts.
    n_fin = np.where(M[4] >= ps, draws.n_fin, draws.n_fin_pre)
    t = M[4].copy()
    kmax = _per_column([p.financing_max_attempts for p in params.programmes], draws.slices)
    for r in range(1, int(kmax.max(initial=0)) + 1):
        np.add(t, d["financing"], out=t, where=np.isfinite(t) & (n_fin >= r) & (kmax >= r))
    ok = n_fin <= kmax
    abandon(np.isfinite(t) & ~ok, t, ABANDON_STAGES["financing"])
    np.copyto(M[5], t, where=ok)

    # Guaranteed-loan pool: yearly quota.
    for p, sl in zip(params.programmes, draws.slices):
        arr = M[5][:, sl]
        need = np.minimum(draws.loan_need[:, sl], params.max_claim_share * quota_at(arr, draws.t0, p.pre.loan_pool, p.loan_pool, ps))
        M[6][:, sl] = yearly_quota(arr, need, p.loan_pool, draws.t0, p.pre.loan_pool, ps)
    np.add(M[6], d["start_prep"], out=M[7])

    # Construction levers apply to constructions started from policy_start on.
    post = M[7] >= draws.policy_start
    d_con = np.where(post, d["construction"], d["construction_pre"])
    started = np.isfinite(M[7])
    np.copyto(tl.construction_months, d_con, where=started)
    ab_c = started & np.where(post, draws.ab_construction, draws.ab_construction_pre)
    abandon(ab_c, M[7] + draws.ab_fraction * d_con, ABANDON_STAGES["construction"])
    np.add(M[7], d_con, out=M[8])
    np.copyto(M[8], inf, where=ab_c)
    np.add(M[8], d["commissioning"], out=M[9])
    np.add(M[9], d["ramp_up"], out=M[10])
    return tl
