"""Benchmark of scenario runs: paths per second at 1 and 2 workers, scaling with paths and entities.

Usage::

    python benchmarks/run_speed.py            # full: 10,000 paths of the baseline (1 and 2 workers) and of policy_push (2 workers)
    python benchmarks/run_speed.py --small    # CI: 1,000 paths

Writes ``benchmarks/results/run_speed.json`` and ``.md``. The goal (issue 5):
10,000 baseline paths, pipeline included, in under 60 s on the 2-core machine.
Timing excludes the one-off preparation (loading data, stored calibration,
pilot pipeline), which is reported separately.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model.context import prepare  # noqa: E402
from model.engine import run_blocks  # noqa: E402
from model.scenario import load_scenario  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def timed_run(ctx, n_paths: int, workers: int, seed: int = 1) -> tuple[float, dict]:
    t0 = time.perf_counter()
    out = run_blocks(ctx, n_paths, seed, workers=workers)
    wall = time.perf_counter() - t0
    return wall, out.blocks[0].values


def entity_scaling(ctx, n_paths: int) -> list[dict]:
    """Time per path as the number of simulated leaves grows (leaves duplicated)."""
    import dataclasses

    from model.growth import simulate_leaves

    rows = []
    h = ctx.hierarchy
    for factor in (1, 2, 4):
        hist = np.concatenate([h.history] * factor)
        leaves = h.leaves.loc[h.leaves.index.repeat(1)].copy()
        leaves = leaves.loc[np.tile(leaves.index, factor)].reset_index(drop=True)
        big = dataclasses.replace(h, leaves=leaves, history=hist, matrix=np.tile(h.matrix, factor))
        t0 = time.perf_counter()
        sim = simulate_leaves(ctx.params, big, len(ctx.years), n_paths, np.random.default_rng(0))
        big.aggregate(sim)
        rows.append({"leaves": int(hist.shape[0]), "seconds": time.perf_counter() - t0})
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="CI mode: 1,000 paths")
    args = ap.parse_args(argv)
    n_main = 1000 if args.small else 10_000
    t0 = time.perf_counter()
    ctx = prepare(load_scenario("baseline"))
    prep = time.perf_counter() - t0
    runs = []
    for workers in (1, 2):
        wall, _ = timed_run(ctx, n_main, workers)
        runs.append({"scenario": "baseline", "paths": n_main, "workers": workers, "seconds": wall, "paths_per_s": n_main / wall})
    # The heaviest shipped scenario: more projects a year in both programmes.
    push = prepare(load_scenario("policy_push"))
    wall, _ = timed_run(push, n_main, 2)
    runs.append({"scenario": "policy_push", "paths": n_main, "workers": 2, "seconds": wall, "paths_per_s": n_main / wall})
    scaling = []
    for n in ([250, 500, 1000] if args.small else [1000, 2500, 5000, 10_000]):
        wall, _ = timed_run(ctx, n, 1)
        scaling.append({"paths": n, "seconds": wall})
    ents = entity_scaling(ctx, 250 if args.small else 1000)
    result = {"mode": "small" if args.small else "full", "prepare_s": prep, "runs": runs, "paths_scaling": scaling, "entity_scaling": ents, "leaves": int(ctx.hierarchy.history.shape[0]), "years": len(ctx.years), "machine": _machine()}
    RESULTS.mkdir(exist_ok=True)
    suffix = "_small" if args.small else ""
    (RESULTS / f"run_speed{suffix}.json").write_text(json.dumps(result, indent=1))
    (RESULTS / f"run_speed{suffix}.md").write_text(_markdown(result))
    print(_markdown(result))
    return 0


def _machine() -> dict:
    import os
    import platform

    return {"python": platform.python_version(), "numpy": np.__version__, "cpus": os.cpu_count(), "load_average_1min_at_end": os.getloadavg()[0]}


def _markdown(r: dict) -> str:
    m = r["machine"]
    lines = [f"# Scenario run speed ({r['mode']} mode)", "", f"Pipeline included; {r['leaves']} leaves × {r['years']} years. One-off preparation: {r['prepare_s']:.1f} s. "
             f"Python {m['python']}, numpy {m['numpy']}, {m['cpus']} CPUs, 1-min load average at the end {m['load_average_1min_at_end']:.1f}.", "",
             "| scenario | paths | workers | seconds | paths/s |", "|---|---|---|---|---|"]
    lines += [f"| {x['scenario']} | {x['paths']} | {x['workers']} | {x['seconds']:.1f} | {x['paths_per_s']:.0f} |" for x in r["runs"]]
    lines += ["", "Time vs paths (1 worker):", "", "| paths | seconds |", "|---|---|"]
    lines += [f"| {x['paths']} | {x['seconds']:.2f} |" for x in r["paths_scaling"]]
    lines += ["", "Growth simulation + aggregation time vs leaves:", "", "| leaves | seconds |", "|---|---|"]
    lines += [f"| {x['leaves']} | {x['seconds']:.2f} |" for x in r["entity_scaling"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
