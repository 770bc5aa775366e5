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
    (stage index into :data:`STAGES`, −1 = not abandoned).
    """

    times: NDArray[np.float64]  # (paths, projects, 11)
    abandon_time: NDArray[np.float64]  # (paths, projects)
    abandon_stage: NDArray[np.int8]  # (paths, projects)
    construction_months: NDArray[np.float64]  # planned construction duration (NaN: never started)

    @classmethod
    def empty(cls, shape: tuple[int, int]) -> "Timeline":
        return cls(np.full(shape + (len(MILESTONES),), np.inf), np.full(shape, np.inf),
                   np.full(shape, -1, np.int8), np.full(shape, np.nan))


def fast_timeline(draws: ProjectDraws, params: PipelineParams) -> Timeline:
    """Compute every milestone with array arithmetic plus exact vectorised queues.

    The arithmetic (order of additions included) mirrors the SimPy processes of
    :func:`model.pipeline.reference.simulate_plain`, so both give identical floats.
    """

    tl = Timeline.empty(draws.shape)
    M, d, v = tl.times, draws.d, draws.valid
    inf = np.inf

    def abandon(mask: NDArray, t: NDArray, stage: int) -> None:
        tl.abandon_time[mask] = t[mask]
        tl.abandon_stage[mask] = stage

    M[..., 0] = np.where(v, draws.t0 + draws.off_sign, inf)
    t1 = M[..., 0] + d["reserve"]
    abandon(v & draws.ab_reserve, t1, ABANDON_STAGES["reserve"])
    M[..., 1] = np.where(v & ~draws.ab_reserve, t1, inf)

    # Approval: one FIFO multi-server queue per programme.
    # Green channel applies to approvals filed from policy_start on.
    d_appr = np.where(M[..., 1] >= draws.policy_start, d["approval"], d["approval_pre"])
    start = np.full(draws.shape, inf)
    ps = draws.policy_start
    for p, sl in zip(params.programmes, draws.slices):
        start[:, sl] = fifo_servers(M[:, sl, 1], d_appr[:, sl], p.approval_capacity, p.pre.approval_capacity, ps)
    M[..., 2] = start
    t3 = start + d_appr
    abandon(np.isfinite(start) & draws.ab_approval, t3, ABANDON_STAGES["approval"])
    M[..., 3] = np.where(draws.ab_approval, inf, t3)

    # Land: yearly quota, only for projects needing new land.
    grant = M[..., 3].copy()
    for p, sl in zip(params.programmes, draws.slices):
        m = draws.needs_land[:, sl]
        arr = np.where(m, M[:, sl, 3], inf)
        # A single claim never exceeds a share of the year's quota (big projects are phased).
        need = np.minimum(draws.land_need[:, sl], params.max_claim_share * quota_at(arr, draws.t0, p.pre.land_quota, p.land_quota, ps))
        grant[:, sl] = np.where(m, yearly_quota(arr, need, p.land_quota, draws.t0, p.pre.land_quota, ps), grant[:, sl])
    M[..., 4] = grant

    # Financing rounds: repeated additions, exactly as the DES adds one timeout per round.
    # The success probability is the one in force when financing starts.
    n_fin = np.where(M[..., 4] >= ps, draws.n_fin, draws.n_fin_pre)
    t = M[..., 4].copy()
    kmax = np.array([p.financing_max_attempts for p in params.programmes])[draws.prog]
    for r in range(1, int(kmax.max(initial=0)) + 1):
        step = np.isfinite(t) & (n_fin >= r) & (kmax >= r)
        t[step] = t[step] + d["financing"][step]
    ok = n_fin <= kmax
    abandon(np.isfinite(t) & ~ok, t, ABANDON_STAGES["financing"])
    M[..., 5] = np.where(ok, t, inf)

    # Guaranteed-loan pool: yearly quota.
    loan = np.full(draws.shape, inf)
    for p, sl in zip(params.programmes, draws.slices):
        arr = M[:, sl, 5]
        need = np.minimum(draws.loan_need[:, sl], params.max_claim_share * quota_at(arr, draws.t0, p.pre.loan_pool, p.loan_pool, ps))
        loan[:, sl] = yearly_quota(arr, need, p.loan_pool, draws.t0, p.pre.loan_pool, ps)
    M[..., 6] = loan
    M[..., 7] = M[..., 6] + d["start_prep"]

    # Construction levers apply to constructions started from policy_start on.
    post = M[..., 7] >= draws.policy_start
    d_con = np.where(post, d["construction"], d["construction_pre"])
    tl.construction_months[...] = np.where(np.isfinite(M[..., 7]), d_con, np.nan)
    ab_c = np.isfinite(M[..., 7]) & np.where(post, draws.ab_construction, draws.ab_construction_pre)
    abandon(ab_c, M[..., 7] + draws.ab_fraction * d_con, ABANDON_STAGES["construction"])
    M[..., 8] = np.where(ab_c, inf, M[..., 7] + d_con)
    M[..., 9] = M[..., 8] + d["commissioning"]
    M[..., 10] = M[..., 9] + d["ramp_up"]
    return tl
