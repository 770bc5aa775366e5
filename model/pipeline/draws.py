"""Random project attributes of a block of paths: intake, size, destination, durations, drop-outs.

Every path owns a child of the caller's :class:`numpy.random.SeedSequence` keyed by its
global path index, and each project consumes a fixed row of uniforms (one column per
attribute, ``_U_COLS``): the fast timeline and the SimPy reference read the same draws,
and changing a duration lever keeps common random numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple, Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri, pdtr, pdtrik

from .destinations import _DestIndex
from .params import PipelineParams

__all__ = ["ProjectDraws", "path_seed_sequences", "poisson_ppf", "draw_projects"]


_DURATIONS = ("reserve", "approval", "financing", "start_prep", "construction", "commissioning", "ramp_up")
# Columns of the per-project uniform matrix; fixed so the plain and fast paths share draws.
_U_COLS = (
    "sign_month", "size", "industry", "new_entrant", "destination", "reserve", "ab_reserve",
    "approval", "ab_approval", "land_need", "financing", "fin_success", "start_prep",
    "construction", "ab_construction", "ab_fraction", "commissioning", "ramp_up",
)
_U = {name: i for i, name in enumerate(_U_COLS)}
_EPS = 1e-12


def path_seed_sequences(
    seed: np.random.SeedSequence | int, n_paths: int, path_offset: int = 0
) -> list[np.random.SeedSequence]:
    """One SeedSequence per path, keyed by the global path index.

    Path ``i`` of a block starting at ``path_offset`` gets the child with spawn key
    ``root.spawn_key + (path_offset + i,)``, so results for a path do not depend on
    how paths are split into blocks.
    """
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return [
        np.random.SeedSequence(root.entropy, spawn_key=tuple(root.spawn_key) + (path_offset + i,),
                               pool_size=root.pool_size)
        for i in range(n_paths)
    ]


@dataclass
class ProjectDraws:
    """All random project attributes of a block of paths, shape ``(paths, projects)``.

    Padding slots (``valid`` False) exist because paths sign different numbers of
    projects.  Durations already include lever multipliers (``*_pre``: history
    values).  ``n_fin`` is the number of financing rounds until success (may exceed
    the allowed maximum → abandoned).  ``land_need``/``loan_need`` are raw claims;
    :func:`claim` caps them at the quota of the year they are made in.
    """

    valid: NDArray[np.bool_]
    prog: NDArray[np.int8]
    off_sign: NDArray[np.float64]  # months after the warm-up start
    inv: NDArray[np.float64]
    ratio: NDArray[np.float64]
    is_new: NDArray[np.bool_]
    dest: NDArray[np.int64]  # position on the host axis (expansion) or site axis (new entrant)
    needs_land: NDArray[np.bool_]
    land_need: NDArray[np.float64]
    loan_need: NDArray[np.float64]
    d: dict[str, NDArray[np.float64]]
    n_fin: NDArray[np.int64]
    n_fin_pre: NDArray[np.int64]  # rounds at the history success probability (financing before the policy start)
    ab_reserve: NDArray[np.bool_]
    ab_approval: NDArray[np.bool_]
    ab_construction: NDArray[np.bool_]
    ab_construction_pre: NDArray[np.bool_]
    ab_fraction: NDArray[np.float64]
    t0: float
    horizon: float
    n_years: int
    slices: tuple[slice, ...]  # column block of each programme
    policy_start: float = 0.0

    @property
    def shape(self) -> tuple[int, int]:
        return self.valid.shape


class _PathKey(NamedTuple):
    """What :func:`_child` reads of a path's SeedSequence (the one :func:`path_seed_sequences` gives)."""

    entropy: Any
    spawn_key: tuple[int, ...]
    pool_size: int


def _child(ss: np.random.SeedSequence | _PathKey, *key: int) -> np.random.Generator:
    """Generator of the sub-stream ``key`` of a path's SeedSequence."""
    return np.random.Generator(np.random.PCG64(
        np.random.SeedSequence(ss.entropy, spawn_key=tuple(ss.spawn_key) + key, pool_size=ss.pool_size)))


def _uniform_block(
    params: PipelineParams, seeds: Sequence[np.random.SeedSequence | _PathKey], n_years_total: int
) -> tuple[NDArray, NDArray, NDArray, NDArray, tuple[slice, ...]]:
    """Draw yearly intake counts and the uniform matrix for each path; pad to a block.

    Each programme occupies its own column block (same columns on every path) so
    per-programme work is a slice; within a block projects are ordered by year.

    Common random numbers across scenarios: counts come from one uniform per
    (programme, calendar year) through the Poisson inverse CDF (monotone in the
    mean), and the projects of each (programme, calendar year) read their rows
    from their own sub-stream.  Raising the intake therefore only appends
    projects; every other project keeps its attributes.
    """
    # Intake of a calendar year: the lever from the policy start on, history before it.
    first_cal = params.first_year - params.warmup_years
    year_start = 12.0 * (np.arange(n_years_total) - params.warmup_years)
    post = year_start >= params.policy_start
    lam = np.array([np.where(post, p.signed_per_year, p.pre.signed_per_year) for p in params.programmes])
    fixed = np.array([not p.poisson for p in params.programmes])
    n_prog = len(lam)
    u_cnt = np.stack([_child(ss, 0).random((n_prog, n_years_total)) for ss in seeds]) if seeds else np.zeros((0, n_prog, n_years_total))
    all_counts = np.maximum(poisson_ppf(u_cnt, lam[None]), 0).astype(np.int64)
    all_counts[:, fixed] = np.rint(lam[fixed]).astype(np.int64)[None]
    n_cols = len(_U_COLS)
    width = [int(all_counts[:, k].sum(-1).max(initial=0)) for k in range(n_prog)]
    starts = np.concatenate([[0], np.cumsum(width)]).astype(int)
    slices = tuple(slice(int(starts[k]), int(starts[k + 1])) for k in range(n_prog))
    n_paths, n_tot = len(seeds), int(starts[-1])
    # Column-major (column, path, project): each attribute is a contiguous array.
    U = np.empty((n_cols, n_paths, n_tot))
    n_rows = all_counts.sum(-1)  # (paths, programmes)
    valid = np.zeros((n_paths, n_tot), bool)
    year = np.zeros((n_paths, n_tot), np.int64)
    for k, sl in enumerate(slices):
        valid[:, sl] = np.arange(width[k])[None, :] < n_rows[:, k, None]
        # Rows are filled path by path, year by year: the row-major order of the valid slots.
        year[:, sl][valid[:, sl]] = np.repeat(np.tile(np.arange(n_years_total), n_paths), all_counts[:, k].ravel())
    prog = np.repeat(np.arange(n_prog, dtype=np.int8), width)[None, :].repeat(n_paths, 0)
    jump = (first_cal - 1900) << 40
    buf = np.empty((max(width, default=0), n_cols))  # one programme's rows of one path, reused
    for i, (ss, counts) in enumerate(zip(seeds, all_counts.tolist())):
        for k in range(n_prog):
            # One stream per programme; calendar year y starts 2^40 draws × (y − 1900) in.
            # Each uniform is one 64-bit draw, so after n rows the next year's start is
            # 2^40 − n·n_cols draws ahead (same state as resetting and advancing).
            gen = _child(ss, 1, k)
            bg = gen.bit_generator
            bg.advance(jump)
            row = 0
            for y, c in enumerate(counts[k], 1):
                if c:
                    gen.random(out=buf[row: row + c])
                    row += c
                if y < n_years_total:
                    bg.advance((1 << 40) - c * n_cols)
            c0 = starts[k]
            U[:, i, c0:c0 + row] = buf[:row].T
            U[:, i, c0 + row: starts[k + 1]] = 0.5
    return U, valid, prog, year, slices


def poisson_ppf(q: NDArray, mu: NDArray) -> NDArray:
    """``scipy.stats.poisson.ppf(q, mu)``, float for float, without importing scipy.stats (start-up).

    The same steps as scipy 1.x: ``ceil(pdtrik(q, mu))``, stepped down by one where
    the CDF there already reaches ``q``; ``q = 0`` gives −1, ``q = 1`` gives inf,
    a negative ``mu`` NaN.
    """
    q, mu = np.broadcast_arrays(np.asarray(q, float), np.asarray(mu, float))
    out = np.full(q.shape, np.nan)
    ok = mu >= 0
    inside = ok & (q > 0) & (q < 1)
    out[ok & (q == 0)] = -1.0
    out[ok & (q == 1)] = np.inf
    qq, mm = q[inside], mu[inside]
    vals = np.ceil(pdtrik(qq, mm))
    vals1 = np.maximum(vals - 1, 0)
    out[inside] = np.where(pdtr(vals1, mm) >= qq, vals1, vals)
    return out


def _lognormal(u: NDArray, median: NDArray, sigma: NDArray) -> NDArray:
    """Inverse-CDF lognormal draw (shared by both engines through ``u``)."""
    if np.broadcast_shapes(np.shape(u), np.shape(median), np.shape(sigma)) != np.shape(u):
        return median * np.exp(sigma * ndtri(np.clip(u, _EPS, 1 - _EPS)))
    # The same operations in one buffer: median * exp(sigma * ndtri(clip(u))).
    x = np.clip(u, _EPS, 1 - _EPS)
    ndtri(x, out=x)
    np.multiply(sigma, x, out=x)
    np.exp(x, out=x)
    return np.multiply(median, x, out=x)


#: Buckets of :func:`_search_right`'s table (a power of two: ``u · B`` is exact).
_BUCKETS = 4096
_MAX_SCAN = 8


def _search_right(cum: NDArray, u: NDArray) -> NDArray:
    """``np.searchsorted(cum, u, side="right")`` for a sorted ``cum`` and ``u`` in [0, 1), the same integers, faster.

    ``u`` falls in bucket ``b = floor(u·B)`` (exact), whose answer lies between the
    counts of ``cum`` at or below its edges: start from the lower count and step
    while the next ``cum`` is at or below ``u`` (a few steps at most; more, or
    anything outside the assumptions, falls back on ``np.searchsorted``).
    """
    n = len(cum)
    if n == 0 or u.size == 0 or np.any(cum[1:] < cum[:-1]) or not (u.min() >= 0.0 and u.max() < 1.0):
        return np.searchsorted(cum, u, side="right")
    edges = np.arange(_BUCKETS + 1) / _BUCKETS
    count = np.searchsorted(cum, edges, side="right")
    scan = int((count[1:] - count[:-1]).max())
    if scan > _MAX_SCAN:
        return np.searchsorted(cum, u, side="right")
    pos = count.take((u * _BUCKETS).astype(np.intp))
    padded = np.append(cum, np.inf)  # past every u: the scan stops at n
    for _ in range(scan):
        pos += padded.take(pos) <= u
    return pos


def _destinations_and_ratio(
    params: PipelineParams, dest: _DestIndex, slices: Sequence[slice], col: Any, post: NDArray
) -> tuple[NDArray, NDArray, NDArray]:
    """Industry output ratio, new-entrant flag and destination position per project.

    A project is a new entrant with probability ``new_entrant_share`` (1 if the
    programme has no host candidates, 0 if it has no sites); its destination is
    drawn by weight among the programme's sites, else among its hosts.  Projects
    signed before the policy start (``post`` False) use the history share.
    ``slices`` are the programmes' column blocks.
    """
    ratio_tab = np.asarray(params.output_ratio)
    shape = post.shape
    ratio = np.empty(shape)
    is_new = np.zeros(shape, bool)
    dest_pos = np.zeros(shape, np.int64)
    for k, (p, m) in enumerate(zip(params.programmes, slices)):
        m = (slice(None), m)
        w = np.cumsum(p.industry_weights) / np.sum(p.industry_weights)
        ind = np.minimum(_search_right(w, col("industry")[m]), len(w) - 1)
        ratio[m] = ratio_tab[ind]
        has_h, has_s = len(dest.host_cum[k]) > 0, len(dest.site_cum[k]) > 0
        share = np.where(post[m], p.new_entrant_share, p.pre.new_entrant_share) if (has_h and has_s) else (1.0 if has_s else 0.0)
        new_k = col("new_entrant")[m] < share
        ud = col("destination")[m]
        pos = np.zeros(ud.shape, np.int64)
        if has_h:
            hi_ = np.minimum(_search_right(dest.host_cum[k], ud), len(dest.host_cum[k]) - 1)
            pos = np.where(~new_k, dest.host_pos[k][hi_], pos)
            if dest.host_ratio[k] is not None:
                ratio[m] = np.where(~new_k, dest.host_ratio[k][hi_], ratio[m])
        if has_s:
            si = np.minimum(_search_right(dest.site_cum[k], ud), len(dest.site_cum[k]) - 1)
            pos = np.where(new_k, dest.site_pos[k][si], pos)
            if dest.site_ratio[k] is not None:
                ratio[m] = np.where(new_k, dest.site_ratio[k][si], ratio[m])
        is_new[m], dest_pos[m] = new_k, pos
    return ratio, is_new, dest_pos


def draw_projects(
    params: PipelineParams,
    dest: _DestIndex,
    n_paths: int,
    n_years: int,
    seed: np.random.SeedSequence | int,
    path_offset: int = 0,
) -> ProjectDraws:
    """Draw every project's attributes for a block of paths.

    Parameters
    ----------
    params : PipelineParams
    dest : _DestIndex
        Indexed destinations (see :class:`Destinations`).
    n_paths, n_years : int
        Block size and number of simulated years (after the warm-up).
    seed : SeedSequence or int
        Root seed; path ``i`` uses child ``path_offset + i``.
    path_offset : int
        Global index of the first path of this block.

    Returns
    -------
    ProjectDraws
    """
    wy = params.warmup_years
    # Only the paths' keys are read (their children draw): no SeedSequence per path is built.
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    seeds = [_PathKey(root.entropy, tuple(root.spawn_key) + (path_offset + i,), root.pool_size) for i in range(n_paths)]
    U, valid, prog, year, slices = _uniform_block(params, seeds, wy + n_years)
    col = lambda name: U[_U[name]]  # noqa: E731 - local accessor

    P = params.programmes
    widths = [sl.stop - sl.start for sl in slices]

    def row(values: list) -> NDArray:  # one value per programme, spread over its columns (1, projects)
        return np.repeat(np.array(values), widths)[None, :]

    def per(attr: str) -> NDArray:  # programme parameter per project (every path has the same columns)
        return row([float(getattr(p, attr)) for p in P])

    frac = row([np.nan if p.sign_month_fraction is None else p.sign_month_fraction for p in P])
    off_sign = 12.0 * year + 12.0 * np.where(np.isnan(frac), col("sign_month"), frac)

    # Truncated Pareto by inverse CDF: heavy tail anchored on 1454 ≥1亿 vs 137 ≥10亿 (2010).
    lo, hi, a = per("size_min"), per("size_max"), per("size_alpha")
    inv = lo * (1.0 - col("size") * (1.0 - (lo / hi) ** a)) ** (-1.0 / a)

    signed_post = -12.0 * wy + off_sign >= params.policy_start
    ratio, is_new, dest_pos = _destinations_and_ratio(params, dest, slices, col, signed_post)

    def pre(attr: str) -> NDArray:  # the programme's warm-up (history) value per project
        return row([float(getattr(p.pre, attr)) for p in P])

    # New entrants always need land; expansions only when not renovating on own land.
    needs_land = is_new | (col("land_need") < per("land_need_share_expansion"))
    # Raw claims; the timeline caps each at a share of the quota of the year it is
    # made in (big projects are phased), so the cap follows the policy start too.
    land_need = inv / params.land_intensity
    loan_need = inv * per("guaranteed_loan_share")

    d = {}
    for name in _DURATIONS:
        d[name] = _lognormal(col(name), row([p.durations[name][0] for p in P]), row([p.durations[name][1] for p in P]))
    # Policy levers act only from policy_start; the warm-up runs on the history values.
    base_approval = d["approval"]
    d["approval_pre"] = base_approval * pre("approval_multiplier")
    d["approval"] = base_approval * per("approval_multiplier")
    # Bigger projects take longer to build: median × (size/size_min)^elasticity.
    base_con = d["construction"] * (inv / lo) ** per("construction_size_elasticity")
    d["construction_pre"] = base_con * pre("construction_multiplier")
    d["construction"] = base_con * per("construction_multiplier")
    ab_con = per("abandon_construction")
    with np.errstate(divide="ignore"):
        log_fin = np.log(np.clip(col("fin_success"), _EPS, 1.0))  # shared by both success probabilities

    def rounds(ps: NDArray) -> NDArray:  # financing rounds until success, from one uniform
        with np.errstate(divide="ignore", invalid="ignore"):
            tries = 1.0 + np.floor(log_fin / np.log1p(-ps))
        return np.where(ps >= 1.0, 1, np.minimum(tries, 1_000)).astype(np.int64)

    return ProjectDraws(
        valid=valid, prog=prog, off_sign=off_sign, inv=inv, ratio=ratio, is_new=is_new, dest=dest_pos,
        needs_land=needs_land, land_need=land_need, loan_need=loan_need, d=d,
        n_fin=rounds(per("financing_success")), n_fin_pre=rounds(pre("financing_success")),
        ab_reserve=col("ab_reserve") < per("abandon_reserve"),
        ab_approval=col("ab_approval") < per("abandon_approval"),
        ab_construction=col("ab_construction") < np.minimum(1.0, ab_con * per("abandon_construction_multiplier")),
        ab_construction_pre=col("ab_construction") < np.minimum(1.0, ab_con * pre("abandon_construction_multiplier")),
        ab_fraction=col("ab_fraction").copy(),
        t0=-12.0 * wy, horizon=12.0 * n_years, n_years=n_years, slices=slices, policy_start=params.policy_start,
    )
