"""Benchmark of scenario runs: paths per second at 1 and 2 workers, scaling with paths and entities.

Usage::

    python benchmarks/run_speed.py            # full: 10,000 paths of the baseline (1 and 2 workers) and of policy_push (2 workers)
    python benchmarks/run_speed.py --small    # CI: 1,000 paths

Writes ``benchmarks/results/run_speed.json`` and ``.md``. The goal (issue 5):
10,000 baseline paths, pipeline included, in under 60 s on the 2-core machine.
Timing excludes the one-off preparation (loading data, stored calibration,
pilot pipeline), which is reported separately.

Every figure is the minimum of ``--repeats`` runs, and is also given as a ratio
to a fixed numpy reference workload (:func:`reference_workload`) timed in the
same process before and after the figures (its minimum over all repeats). The
ratio is what compares across machines and across a busy or idle machine
(issue 18): a figure of 12.0 reference units takes twelve times as long as the
reference on whatever machine ran it. Two whole-process figures are timed as a
user sees them: the start-up (``attain run baseline --paths 100 --no-structural``)
and the default run with its structural range (``attain run baseline --paths
4000 --workers 2``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model.context import prepare  # noqa: E402
from model.engine import run_blocks  # noqa: E402
from model.scenario import load_scenario  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


ROOT = Path(__file__).resolve().parents[1]


def reference_workload() -> float:
    """Seconds of a fixed numpy workload like the model's (draws, elementwise maths, sorts, bincounts).

    Single-threaded numpy only (no BLAS), the same work on every machine and version.
    """
    t0 = time.perf_counter()
    rng = np.random.default_rng(12345)
    x = rng.standard_normal((200, 2500))
    y = np.exp(0.1 * x) * np.clip(x, -3, 3)
    y = np.cumsum(y, axis=1)
    idx = np.argsort(x, axis=1)
    np.take_along_axis(y, idx, axis=1)
    np.bincount((np.abs(x) * 100).astype(np.int64).ravel() % 50_000, weights=y.ravel(), minlength=50_000)
    np.partition(y, 100, axis=1)
    return time.perf_counter() - t0


class Timer:
    """Minimum of repeats per figure, and the reference workload timed around them."""

    def __init__(self, repeats: int) -> None:
        self.repeats = repeats
        self.reference: list[float] = [reference_workload() for _ in range(3)]

    def best(self, fn) -> float:
        times = []
        for _ in range(self.repeats):
            times.append(fn())
            self.reference.append(reference_workload())
        return min(times)

    @property
    def ref(self) -> float:
        return min(self.reference)


def timed_run(ctx, n_paths: int, workers: int, seed: int = 1) -> float:
    t0 = time.perf_counter()
    run_blocks(ctx, n_paths, seed, workers=workers)
    return time.perf_counter() - t0


def timed_command(args: list[str]) -> float:
    """Wall seconds of ``python -m model.cli ARGS`` in a fresh process (progress off, output discarded)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ATTAIN_NO_PROGRESS": "1"}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "model.cli", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def entity_scaling(ctx, n_paths: int, timer: Timer) -> list[dict]:
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

        def once(big=big) -> float:
            t0 = time.perf_counter()
            big.aggregate(simulate_leaves(ctx.params, big, len(ctx.years), n_paths, np.random.default_rng(0)))
            return time.perf_counter() - t0

        rows.append({"leaves": int(hist.shape[0]), "seconds": timer.best(once)})
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="CI mode: 1,000 paths, 2 repeats")
    ap.add_argument("--repeats", type=int, help="runs per figure, the minimum is reported (default 3; 2 with --small)")
    args = ap.parse_args(argv)
    n_main = 1000 if args.small else 10_000
    n_default = 500 if args.small else 4000
    timer = Timer(args.repeats or (2 if args.small else 3))
    t0 = time.perf_counter()
    ctx = prepare(load_scenario("baseline"))
    prep = time.perf_counter() - t0
    startup = timer.best(lambda: timed_command(["run", "baseline", "--paths", "100", "--no-structural", "--no-progress"]))
    structural = ["--structural-paths", "250"] if args.small else []  # CI: fewer variant paths
    default = timer.best(lambda: timed_command(["run", "baseline", "--paths", str(n_default), "--workers", "2", "--no-progress", *structural]))
    runs = [{"scenario": "baseline", "paths": n_main, "workers": w, "seconds": timer.best(lambda w=w: timed_run(ctx, n_main, w))} for w in (1, 2)]
    # The heaviest shipped scenario: more projects a year in both programmes.
    push = prepare(load_scenario("policy_push"))
    runs.append({"scenario": "policy_push", "paths": n_main, "workers": 2, "seconds": timer.best(lambda: timed_run(push, n_main, 2))})
    for r in runs:
        r["paths_per_s"] = r["paths"] / r["seconds"]
    scaling = [{"paths": n, "seconds": timer.best(lambda n=n: timed_run(ctx, n, 1))} for n in ([250, 500, 1000] if args.small else [1000, 2500, 5000, 10_000])]
    ents = entity_scaling(ctx, 250 if args.small else 1000, timer)
    ref = timer.ref
    for row in [*runs, *scaling, *ents]:
        row["ref_units"] = row["seconds"] / ref
    whole = {"startup_s": startup, "startup_ref_units": startup / ref,
             "default_run": {"paths": n_default, "workers": 2, "structural_args": " ".join(structural), "seconds": default, "ref_units": default / ref}}
    result = {"mode": "small" if args.small else "full", "repeats": timer.repeats, "reference_s": ref, "reference_all_s": timer.reference, "prepare_s": prep, "whole_process": whole,
              "runs": runs, "paths_scaling": scaling, "entity_scaling": ents, "leaves": int(ctx.hierarchy.history.shape[0]), "years": len(ctx.years), "machine": machine()}
    write_benchmark(f"run_speed{'_small' if args.small else ''}", result, _markdown(result))
    return 0


def write_benchmark(name: str, result: dict, markdown: str) -> None:
    """``benchmarks/results/NAME.json`` and ``.md``, and the markdown printed (the benchmarks' one writer)."""
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=1))
    (RESULTS / f"{name}.md").write_text(markdown)
    print(markdown)


def machine() -> dict:
    import os
    import platform

    return {"python": platform.python_version(), "numpy": np.__version__, "cpus": os.cpu_count(), "load_average_1min_at_end": os.getloadavg()[0]}


def _markdown(r: dict) -> str:
    m, w = r["machine"], r["whole_process"]
    d = w["default_run"]
    lines = [f"# Scenario run speed ({r['mode']} mode)", "", f"Pipeline included; {r['leaves']} leaves × {r['years']} years. One-off preparation: {r['prepare_s']:.1f} s. "
             f"Python {m['python']}, numpy {m['numpy']}, {m['cpus']} CPUs, 1-min load average at the end {m['load_average_1min_at_end']:.1f}.", "",
             f"Each figure is the minimum of {r['repeats']} runs; **ref** is the figure divided by the fixed numpy reference workload "
             f"(`reference_workload`, {r['reference_s']:.3f} s here, minimum of {len(r['reference_all_s'])} timings in the same run).", "",
             "| whole process | seconds | ref |", "|---|---|---|",
             f"| start-up: `attain run baseline --paths 100 --no-structural` | {w['startup_s']:.2f} | {w['startup_ref_units']:.1f} |",
             f"| default run: `attain run baseline --paths {d['paths']} --workers 2{(' ' + d['structural_args']) if d['structural_args'] else ''}` (structural range included) | {d['seconds']:.1f} | {d['ref_units']:.1f} |", "",
             "| scenario | paths | workers | seconds | ref | paths/s |", "|---|---|---|---|---|---|"]
    lines += [f"| {x['scenario']} | {x['paths']} | {x['workers']} | {x['seconds']:.1f} | {x['ref_units']:.1f} | {x['paths_per_s']:.0f} |" for x in r["runs"]]
    lines += ["", "Time vs paths (1 worker):", "", "| paths | seconds | ref |", "|---|---|---|"]
    lines += [f"| {x['paths']} | {x['seconds']:.2f} | {x['ref_units']:.1f} |" for x in r["paths_scaling"]]
    lines += ["", "Growth simulation + aggregation time vs leaves:", "", "| leaves | seconds | ref |", "|---|---|---|"]
    lines += [f"| {x['leaves']} | {x['seconds']:.2f} | {x['ref_units']:.1f} |" for x in r["entity_scaling"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
