"""Monte Carlo engine: blocks of paths combining growth, the pipeline and targets.

Reproducibility: block *b* draws growth from ``SeedSequence(seed, spawn_key=(0, b))``
and the pipeline from ``SeedSequence(seed, spawn_key=(1,))`` at global path
offset ``b * block_size``. Block size is a scenario setting, never the worker
count, so 1 worker, N workers and a Dask cluster give bit-identical results;
two scenarios with the same seed share their random numbers (common random
numbers), so their differences are signal, not noise.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from .context import RunContext
from .counts import block_counts, entrants_on_sites
from .pipeline.entrants import EntrantFirms
from .fiscal import yearly_cost
from .growth import simulate_leaves
from .hierarchy import sum_rows
from .pipeline import LIST_FIELDS, draw_params, finish_pipeline, prepare_pipeline
from .targets import Outcome, crossing_counterfactual, measure, measure_years
from .xinyi import simulate_xinyi

__all__ = ["BlockResult", "RunOutput", "simulate_block", "simulate_values", "run_blocks", "run_values", "block_plan", "pipeline_cycle"]

#: Region-like aggregates whose full path distributions are kept.
_FLOW_FIELDS = ("signed", "starts", "completions", "reserve", "in_production", "new_enterprises")


@dataclass
class BlockResult:
    """Per-path outputs of one block (arrays have the block's paths first)."""

    values: dict[str, np.ndarray]          # target id -> (P,) measured, total
    components: dict[str, np.ndarray]      # target id -> (P, 3): organic, +projects, +new entrants
    paths: dict[str, np.ndarray]           # target id -> (P, H) measured every simulated year
    watch: dict[str, np.ndarray]           # count target id -> (3, n_candidates): crosses, hit_if_forced, hit&cross sums
    nodes: np.ndarray                      # (P, K, H) float32 key aggregates
    flows: dict[str, np.ndarray]           # "<programme>.<field>" -> (P, H)
    queues: dict[str, float]               # "<programme>.<resource>.<stat>" -> block mean
    lag_months: dict[str, np.ndarray]      # programme -> signing-to-production months sample
    fiscal: dict[str, np.ndarray] | None = None  # schedule id -> (P, H) reward paid (万元)


@dataclass
class RunOutput:
    """All blocks of a run, concatenated in block order."""

    context: RunContext
    n_paths: int
    seed: int
    blocks: list[BlockResult]
    timings: dict[str, float]

    def stack(self, attr: str, key: str | None = None) -> np.ndarray:
        parts = [getattr(b, attr) if key is None else getattr(b, attr)[key] for b in self.blocks]
        return np.concatenate(parts, axis=0)


def block_plan(n_paths: int, block_size: int) -> list[tuple[int, int]]:
    """``(block index, paths in block)`` for a run."""
    return [(b, min(block_size, n_paths - b * block_size)) for b in range(math.ceil(n_paths / block_size))]


def key_nodes(ctx: RunContext) -> list[str]:
    """Aggregates whose path distributions are stored: regions and Ganzhou industries."""
    clusters = ctx.panel.clusters
    return list(ctx.panel.regions.index) + list(clusters.index[clusters["level"] == "city_industry"])


def simulate_block(ctx: RunContext, block: int, n: int, seed: int) -> BlockResult:
    """Simulate one block of ``n`` paths.

    Parameters
    ----------
    ctx : RunContext
    block : int
        Block index (fixes its random streams).
    n : int
        Paths in the block.
    seed : int
        Root seed of the run.

    Returns
    -------
    BlockResult
    """
    stages, counted, pipe, flows = _block_stages(ctx, block, n, seed)
    res = _measure_all(ctx, stages)
    res.nodes = stages[-1].nodes[:, [ctx.hierarchy.node_index[k] for k in key_nodes(ctx)], :].astype(np.float32)
    res.flows = {f"{p}.{f}": v for (p, f), v in flows.items()}
    res.queues, res.lag_months = _pipeline_stats(pipe)
    res.fiscal = _fiscal(ctx, stages[-1], counted.start)
    return res


def simulate_values(ctxs: list[RunContext], block: int, n: int, seed: int) -> list[dict[str, np.ndarray]]:
    """Each context's measured target values on one block (what a structural variant needs).

    The contexts are variants of one run: the pipeline's draws and milestones are
    computed once per distinct pipeline and the growth paths once per distinct set
    of growth inputs, then each context adds its own cycle, counts and revenue.
    Every value equals, float for float, ``simulate_block(ctx, ...).values``.

    Returns
    -------
    list of dict
        Per context: target id -> (n,) measured value, for its evaluable targets.
    """
    drafts: list[tuple[tuple, object, object]] = []  # (destinations and years ids, draw parameters, draft)
    gkey, leaves, counted = None, None, {}  # the last growth paths only (variants sharing them are listed together), their count draws
    xinyi: dict[int, dict | None] = {}  # Xinyi's quantities per distinct Xinyi model (most variants share the main one)
    out = []
    for ctx in ctxs:
        if id(ctx.xinyi) not in xinyi:
            xinyi[id(ctx.xinyi)] = simulate_xinyi(ctx.xinyi, block, n, seed) if ctx.xinyi is not None else None
        if all(c.innovation for c in ctx.targets if c.evaluable):
            # A variant of Xinyi's assumptions only (model.structural): nothing else to simulate.
            out.append(_innovation_values(ctx, n, xinyi[id(ctx.xinyi)]))
            continue
        draft = None
        if ctx.pipeline is not None:
            # Variants that change only the cycle or the list rule share the draws and milestones.
            where, sig = (id(ctx.destinations), id(ctx.years)), draw_params(ctx.pipeline)
            base = next((d for w, s, d in drafts if w == where and s == sig), None)
            if base is None:
                base = _pipeline_draft(ctx, block, n, seed)
                drafts.append((where, sig, base))
            draft = base.with_params(ctx.pipeline)
        key = (id(ctx.params), id(ctx.hierarchy), id(ctx.macro_shift), id(ctx.organic_shift), ctx.scenario.get("macro", "widen"))
        if key != gkey:
            gkey, leaves, counted = key, _grow(ctx, block, n, seed), {}
        # The count model's draws rest on the growth paths and the count model only (variants of the cycle or the list share them).
        if id(ctx.counts) not in counted:
            counted[id(ctx.counts)] = (ctx.counts, block_counts(ctx.counts, ctx.hierarchy, leaves, seed, block))
        total = _block_stages(ctx, block, n, seed, draft, leaves, final_only=True, xinyi=xinyi[id(ctx.xinyi)],
                              counted=counted[id(ctx.counts)][1])[0][-1]
        out.append({c.target.id: measure(c, total) for c in ctx.targets if c.evaluable})
    return out


def _innovation_values(ctx: RunContext, n: int, xinyi: dict | None) -> dict[str, np.ndarray]:
    """Measured values of a context whose evaluable targets are all Xinyi's (no revenue or pipeline needed)."""
    if xinyi is None:
        return {}
    empty = np.zeros((n, 0, len(ctx.years)))
    o = Outcome(empty, empty, empty, {}, innovation=xinyi)
    return {c.target.id: measure(c, o) for c in ctx.targets if c.evaluable}


def _grow(ctx: RunContext, block: int, n: int, seed: int) -> np.ndarray:
    """Leaf revenue paths of one block, (n, leaves, years), before counts."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0, block)))
    return simulate_leaves(ctx.params, ctx.hierarchy, len(ctx.years), n, rng, ctx.macro_shift, widen=ctx.scenario.get("macro", "widen"), leaf_shift=ctx.organic_shift)


def _block_stages(ctx: RunContext, block: int, n: int, seed: int, draft=None, leaves: np.ndarray | None = None, final_only: bool = False,
                  xinyi: dict | None = None, counted=None):
    """The block's three cumulative outcomes (organic, +projects, +new entrants) and what they rest on.

    ``final_only``: the last outcome only (what target values need); ``xinyi``: Xinyi's quantities
    when already simulated for this block (:func:`model.xinyi.simulate_xinyi`); ``counted``: the
    count model's draws on these ``leaves`` when already made (:func:`model.counts.block_counts`).
    """
    h = ctx.hierarchy
    leaves = _grow(ctx, block, n, seed) if leaves is None else leaves
    # Counts (model.counts): made-up 2013 values drawn per path, below-floor firms, exit draws.
    counted = block_counts(ctx.counts, h, leaves, seed, block) if counted is None else counted
    leaves = counted.leaves
    if ctx.ytd is not None:  # mid-year update: the current year from the nowcast (own random stream, spawn_key (2, block))
        simulated, leaves = leaves, ctx.ytd.apply(leaves, seed, block)
    pipe = _pipeline(ctx, block, n, seed, pipeline_cycle(ctx, leaves), draft)
    ent_add, site_rev, flows = _pipeline_parts(ctx, pipe, n)
    # sum_rows, not einsum/BLAS: bit-identical whatever the BLAS thread count (1 worker, pool, Dask)
    proj_nodes = sum_rows(h.matrix[:, h.enterprise_leaves], ent_add)
    new_nodes = sum_rows(ctx.site_matrix, site_rev)
    if ctx.ytd is not None:
        # A reported figure already holds what projects add: the units' totals, not their leaves, carry the nowcast.
        leaves = ctx.ytd.apply(simulated, seed, block, ctx.ytd.unit_pipeline(h, ent_add, proj_nodes + new_nodes))
    ent = leaves[:, h.enterprise_leaves, :]
    organic = h.aggregate(leaves)
    # An exited firm's revenue stays in every aggregate (as remainder); it only stops being counted.
    # Exit depends on the firm's organic size, so the organic stage is the same in every scenario (CRN).
    alive = counted.survivors(ctx.counts, h, ent) if ctx.counts is not None else None
    firm = (lambda x: x) if alive is None else (lambda x: np.where(alive, x, 0.0))
    entrants = _entrant_firms(ctx, pipe)
    # Xinyi's investment, upgrades and R&D: their own streams (spawn_key (19, block)), the same in every stage.
    xy = xinyi if xinyi is not None or ctx.xinyi is None else simulate_xinyi(ctx.xinyi, block, n, seed)
    total = Outcome(organic + proj_nodes + new_nodes, firm(ent + ent_add), site_rev, flows, counted.tail, entrants, xy)
    if final_only:
        return [total], counted, pipe, flows
    stages = [
        Outcome(organic, firm(ent), np.zeros_like(site_rev), flows, counted.tail, innovation=xy),
        Outcome(organic + proj_nodes, firm(ent + ent_add), np.zeros_like(site_rev), flows, counted.tail, innovation=xy),
        total,
    ]
    return stages, counted, pipe, flows


def _entrant_firms(ctx: RunContext, pipe) -> EntrantFirms | None:
    """Each new entrant as its own firm, on the run's site axis (None: counted by site)."""
    if ctx.counts is None or not ctx.counts.separate_entrants or pipe is None or pipe.entrants is None:
        return None
    index = {tuple(p): i for i, p in enumerate(ctx.site_pairs.tolist())}
    return entrants_on_sites(pipe.entrants, np.array([index[tuple(p)] for p in pipe.site_pairs.tolist()], np.int64))


def _fiscal(ctx: RunContext, total: Outcome, start: np.ndarray) -> dict[str, np.ndarray]:
    h = ctx.hierarchy
    generated = np.nan_to_num(h.history[:, -1])
    out = {}
    for c in ctx.schedules:
        if c.evaluable:
            values = total.enterprises[:, c.index, :] if c.kind == "enterprise" else total.nodes[:, c.index, :]
            # A made-up 2013 value drawn per path carries its made-up history (and peak) with it.
            if c.kind == "enterprise":
                drawn, gen = start[:, h.enterprise_leaves[c.index]], generated[h.enterprise_leaves[c.index]]
            else:
                # sum_rows, not BLAS: bit-identical on any number of workers
                drawn = sum_rows(h.matrix[c.index], start[:, :, None])[:, :, 0]
                gen = sum_rows(h.matrix[c.index], generated[:, None])[:, 0]
            with np.errstate(divide="ignore", invalid="ignore"):
                scale = np.where(gen > 0, drawn / gen, 1.0)
            out[c.schedule.id] = yearly_cost(c, values, c.peak[None, :] * scale)
    return out


def pipeline_cycle(ctx: RunContext, leaves: np.ndarray) -> np.ndarray | None:
    """The paths' business cycle for the pipeline: province organic log growth minus its central trend, (P, H).

    It carries the path's macro shocks, its drawn trend parameters and the
    scenario's macro shift (a slowdown is felt by producing projects too).
    """
    if ctx.pipeline is None or ctx.cycle_trend is None:
        return None
    start = np.nansum(ctx.hierarchy.history[:, -1])
    total = leaves.sum(axis=1)
    growth = np.diff(np.log(np.concatenate([np.full((total.shape[0], 1), start), total], axis=1)), axis=1)
    return growth - ctx.cycle_trend[None, :]


def _pipeline_draft(ctx: RunContext, block: int, n: int, seed: int):
    if ctx.pipeline is None:
        return None
    root = np.random.SeedSequence(seed, spawn_key=(1,))
    return prepare_pipeline(ctx.pipeline, ctx.destinations, n, ctx.years, root, path_offset=block * ctx.scenario.get("scenario", "block_size"))


def _pipeline(ctx: RunContext, block: int, n: int, seed: int, cycle: np.ndarray | None = None, draft=None):
    draft = _pipeline_draft(ctx, block, n, seed) if draft is None else draft
    if draft is None:
        return None
    # Monthly 月调度 snapshots are kept for the first block's first paths only: the engine needs yearly figures.
    return finish_pipeline(draft, monthly_paths=10 if block == 0 else 0, cycle=cycle,
                           list_condition=ctx.ytd_projects)  # a project dispatch table's reported list events (None: none)


def _pipeline_parts(ctx: RunContext, pipe, n: int) -> tuple[np.ndarray, np.ndarray, dict]:
    n_ent, n_site, hz = len(ctx.hierarchy.enterprise_leaves), len(ctx.site_pairs), len(ctx.years)
    ent_add = np.zeros((n, n_ent, hz))
    site_rev = np.zeros((n, n_site, hz))
    flows: dict[tuple[str, str], np.ndarray] = {}
    if pipe is None:
        for prog in ("jx_major", "gz_1yi"):
            for f in _FLOW_FIELDS + ("scheduled",):
                flows[(prog, f)] = np.zeros((n, hz))
        for f in LIST_FIELDS:
            flows[("jx_major", f"list_{f}")] = np.zeros((n, hz))
        return ent_add, site_rev, flows
    ent_add[:, pipe.host_ids, :] = pipe.revenue_to_existing
    index = {tuple(p): i for i, p in enumerate(ctx.site_pairs.tolist())}
    cols = [index[tuple(p)] for p in pipe.site_pairs.tolist()]
    np.add.at(site_rev, (slice(None), cols, slice(None)), pipe.revenue_to_new) if cols else None
    for prog in pipe.programmes:
        for f in _FLOW_FIELDS:
            flows[(prog, f)] = getattr(pipe, f)[prog].astype(float)
        # Scheduled (列入年度计划) = projects on the year's list: still before production at
        # year end (any stage up to commissioning) plus those that reached production in it.
        before = pipe.states[prog][..., : pipe.stages.index("commissioning") + 1].sum(axis=-1)
        flows[(prog, "scheduled")] = (before + pipe.completions[prog]).astype(float)
        # The yearly 百项 list drawn from the stock (composition and the flows counted among it).
        for f, arr in pipe.provincial_list.get(prog, {}).items():
            flows[(prog, f"list_{f}")] = arr.astype(float)
    return ent_add, site_rev, flows


def _pipeline_stats(pipe) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    if pipe is None:
        return {}, {}
    queues = {}
    for res_name, stats in pipe.queue.items():
        for stat, arr in stats.items():
            queues[f"{res_name}.{stat}"] = float(np.nanmean(arr)) if np.isfinite(arr).any() else float("nan")
    return queues, {k: np.asarray(v, float) for k, v in pipe.signing_to_production_months.items()}


def _measure_all(ctx: RunContext, stages: list[Outcome]) -> BlockResult:
    res = BlockResult({}, {}, {}, {}, np.zeros(0), {}, {}, {})
    total = stages[-1]
    for c in ctx.targets:
        if not c.evaluable:
            continue
        tid = c.target.id
        # Every year in one pass; the target year and the two earlier stages are read from it or measured once.
        res.paths[tid] = measure_years(c, total)
        res.values[tid] = res.paths[tid][:, c.year_index].copy()
        res.components[tid] = np.stack([measure(c, s) for s in stages[:-1]] + [res.values[tid]], axis=1)
        if c.is_count and (len(c.nodes) or len(c.enterprises)):
            _, crosses, forced = crossing_counterfactual(c, total)
            hit = res.values[tid] >= c.target.at_least
            res.watch[tid] = np.stack([crosses.sum(0), forced.sum(0), (crosses & hit[:, None]).sum(0)]).astype(float)
    return res


def run_blocks(ctx: RunContext, n_paths: int, seed: int, workers: int = 1, scheduler: str | None = None, progress: bool = False) -> RunOutput:
    """Run every block locally (process pool) or on a Dask cluster.

    Parameters
    ----------
    ctx : RunContext
    n_paths : int
    seed : int
    workers : int
        Local processes (1 = in this process).
    scheduler : str, optional
        ``tcp://host:port`` of a running dask.distributed scheduler.
    progress : bool
        Show a progress bar (tqdm).

    Returns
    -------
    RunOutput
    """
    plan = block_plan(n_paths, ctx.scenario.get("scenario", "block_size"))
    t0 = time.perf_counter()
    blocks = _run_tasks(simulate_block, ctx, plan, seed, workers, scheduler, progress)
    return RunOutput(ctx, n_paths, seed, blocks, {"simulate_s": time.perf_counter() - t0})


def run_values(ctxs: list[RunContext], n_paths: int, seed: int, workers: int = 1, scheduler: str | None = None) -> list[dict[str, np.ndarray]]:
    """Measured target values of several variants of one run on its first ``n_paths`` paths.

    One task per block computes every variant (:func:`simulate_values`), so what
    the variants share is computed once per block; the values equal those of
    :func:`run_blocks` on each context.

    Returns
    -------
    list of dict
        Per context: target id -> (n_paths,) values in block order.
    """
    if not ctxs:
        return []
    plan = block_plan(n_paths, ctxs[0].scenario.get("scenario", "block_size"))
    blocks = _run_tasks(simulate_values, list(ctxs), plan, seed, workers, scheduler, False)
    return [{tid: np.concatenate([b[k][tid] for b in blocks]) for tid in blocks[0][k]} for k in range(len(ctxs))]


def _run_tasks(fn, ctx, plan, seed: int, workers: int, scheduler: str | None, progress: bool) -> list:
    """``fn(ctx, block, n, seed)`` for every block of the plan, in block order."""
    if scheduler:
        return _run_dask(fn, ctx, plan, seed, scheduler, progress)
    if workers > 1:
        return _run_pool(fn, ctx, plan, seed, workers, progress)
    return [fn(ctx, b, n, seed) for b, n in _progress(plan, progress)]


def _progress(items, on: bool, total: int | None = None):
    if not on:
        return items
    from tqdm import tqdm

    return tqdm(items, total=total or len(items), desc="blocks", unit="block")


_WORKER_CTX = None


def _init_worker(ctx) -> None:
    global _WORKER_CTX
    _WORKER_CTX = ctx


def _worker_block(fn, block: int, n: int, seed: int):
    assert _WORKER_CTX is not None
    return fn(_WORKER_CTX, block, n, seed)


def _run_pool(fn, ctx, plan, seed: int, workers: int, progress: bool) -> list:
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(ctx,)) as pool:
        futures = [pool.submit(_worker_block, fn, b, n, seed) for b, n in plan]
        for _ in _progress(_as_completed(futures), progress, len(futures)):
            pass
        return [f.result() for f in futures]


def _as_completed(futures):
    from concurrent.futures import as_completed

    return as_completed(futures)


def _run_dask(fn, ctx, plan, seed: int, address: str, progress: bool) -> list:
    from dask.distributed import Client, as_completed

    with Client(address) as client:
        remote_ctx = client.scatter(ctx, broadcast=True)
        futures = [client.submit(fn, remote_ctx, b, n, seed, pure=False) for b, n in plan]
        for _ in _progress(as_completed(futures), progress, len(futures)):
            pass
        return client.gather(futures)
