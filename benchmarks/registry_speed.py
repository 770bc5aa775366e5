"""Benchmark at registry scale: 10,000 paths on ~7,000 enterprises, on 1 and 2 workers and a Dask LocalCluster.

Usage::

    python benchmarks/registry_speed.py            # full: 7,000 enterprises, 10,000 paths (about half an hour on 2 cores)
    python benchmarks/registry_speed.py --small    # CI: 1,000 enterprises, 500 paths

It builds the illustrative registry-scale dataset (``python -m model.generator
DIR --registry N``; not shipped, every value synthetic), calibrates on it once
(``attain calibrate --data DIR``, timed apart), then times ``attain run baseline
--data DIR --paths N --no-structural`` as whole processes: on 1 worker, on 2
local workers, and with ``--scheduler`` on a Dask ``LocalCluster`` of 2 worker
processes (1 thread each) started by this script. The embedded data (622 leaves)
and a smaller registry run on 1 worker give the growth of the time with the
leaves. Each run is preceded by the same command with ``--paths 100``, so every
timed run reads its prepared context from the cache (start-up as a planner's
second run sees it); the first, cold preparation is reported on its own.

Each figure is one run (these are long; the machine's noise is small against
them) and is also given in units of the fixed numpy reference workload of
``run_speed.py``, timed before and after. Peak memory is the largest single
process (the command for local runs; the largest Dask worker for the cluster).
Writes ``benchmarks/results/registry_speed[_small].json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from run_speed import machine, reference_workload, write_benchmark  # noqa: E402


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "ATTAIN_NO_PROGRESS": "1"}


def _attain(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak MiB of ``python -m model.cli ARGS`` (its own process)."""
    cmd = ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "model.cli", *args]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(f"attain {' '.join(args)} failed:\n{r.stderr[-2000:]}")
    return wall, int(r.stderr.strip().splitlines()[-1]) / 1024


def _leaves(data: Path | None) -> int:
    from model.context import prepare
    from model.scenario import load_scenario

    return int(prepare(load_scenario("baseline"), data_dir=data).hierarchy.history.shape[0])


def _run(data: Path | None, paths: int, out: Path, workers: int = 1, scheduler: str | None = None) -> dict:
    where = ["--data", str(data)] if data else []
    run = ["run", "baseline", *where, "--no-structural", "--no-progress", "-o", str(out)]
    _attain([*run[:-2], "--paths", "100"])  # warm the prepared-context cache: start-up as on a second run
    extra = ["--scheduler", scheduler] if scheduler else ["--workers", str(workers)]
    wall, peak = _attain([*run, "--paths", str(paths), *extra])
    timings = json.loads((out / "manifest.json").read_text())["timings"]
    return {"paths": paths, "workers": workers, "dask": bool(scheduler), "wall_s": wall, "simulate_s": timings["simulate_s"],
            "prepare_s": timings["prepare_s"], "peak_mib": peak}


def _dask_run(data: Path, paths: int, out: Path) -> dict:
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster) as client:
        row = _run(data, paths, out, 2, cluster.scheduler_address)
        peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        row["client_peak_mib"], row["peak_mib"] = row["peak_mib"], max(peaks.values())
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="CI mode: 1,000 enterprises, 500 paths")
    ap.add_argument("--firms", type=int, help="enterprises of the registry dataset (default 7,000; 1,000 with --small)")
    ap.add_argument("--paths", type=int, help="paths of the timed runs (default 10,000; 500 with --small)")
    ap.add_argument("--mid-firms", type=int, help="enterprises of the middle dataset of the leaves scaling (default 2,000; 500 with --small)")
    ap.add_argument("--scaling-paths", type=int, help="paths of the leaves-scaling runs (default 1,000; 250 with --small)")
    args = ap.parse_args(argv)
    firms = args.firms or (1000 if args.small else 7000)
    paths = args.paths or (500 if args.small else 10_000)
    scaling_paths = args.scaling_paths or (250 if args.small else 1000)
    refs = [reference_workload() for _ in range(3)]
    with tempfile.TemporaryDirectory(prefix="attain-registry-") as tmp:
        tmp = Path(tmp)
        mid = args.mid_firms or (500 if args.small else 2000)
        datasets = {"embedded": None, f"registry {mid:,}": tmp / "mid", f"registry {firms:,}": tmp / "full"}
        build = {}
        for name, folder in datasets.items():
            if folder is None:
                continue
            n = mid if folder.name == "mid" else firms
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "model.generator", str(folder), "--registry", str(n)], cwd=ROOT, env=_env(), check=True, stdout=subprocess.DEVNULL)
            t1 = time.perf_counter()
            _attain(["calibrate", "--data", str(folder)])
            t2 = time.perf_counter()
            cold, _ = _attain(["run", "baseline", "--data", str(folder), "--paths", "100", "--no-structural", "--no-progress", "-o", str(tmp / "cold")])
            build[name] = {"generate_s": t1 - t0, "calibrate_s": t2 - t1, "cold_start_s": cold}
        scaling = []
        for name, folder in datasets.items():
            row = _run(folder, scaling_paths, tmp / "out")
            row.update(dataset=name, leaves=_leaves(folder))
            scaling.append(row)
            refs.append(reference_workload())
        full = datasets[f"registry {firms:,}"]
        runs = [_run(full, paths, tmp / "out", 1), _run(full, paths, tmp / "out", 2), _dask_run(full, paths, tmp / "out")]
        refs.append(reference_workload())
    ref = min(refs)
    leaves_full = scaling[-1]["leaves"]
    for row in [*scaling, *runs]:
        row["ref_units"] = row["wall_s"] / ref
        row["ms_per_path"] = 1000 * row["simulate_s"] / row["paths"]
    for row in scaling:
        row["us_per_path_leaf"] = 1e6 * row["simulate_s"] / row["paths"] / row["leaves"]
    for row in runs:
        row["us_per_path_leaf"] = 1e6 * row["simulate_s"] / row["paths"] / leaves_full
    result = {"mode": "small" if args.small else "full", "firms": firms, "paths": paths, "scaling_paths": scaling_paths, "reference_s": ref,
              "build": build, "scaling": scaling, "runs": runs, "leaves": leaves_full,
              "machine": machine()}
    write_benchmark(f"registry_speed{'_small' if args.small else ''}", result, _markdown(result))
    return 0


def _markdown(r: dict) -> str:
    lines = [f"# Registry-scale runs ({r['mode']} mode)", "",
             f"Illustrative registry dataset of {r['firms']:,} enterprises ({r['leaves']:,} leaves), `attain run baseline --no-structural`, "
             f"whole processes, prepared context read from the cache. Reference workload {r['reference_s']:.3f} s; "
             f"{r['machine']['cpus']} CPUs, 1-min load average at the end {r['machine']['load_average_1min_at_end']:.1f}.", "",
             "| how | paths | wall s | ref | simulate s | ms a path | µs a path and leaf | peak MiB |", "|---|---|---|---|---|---|---|---|"]
    for x in r["runs"]:
        how = "Dask LocalCluster, 2 workers" if x["dask"] else f"{x['workers']} worker{'s' if x['workers'] > 1 else ''}"
        lines.append(f"| {how} | {x['paths']:,} | {x['wall_s']:.1f} | {x['ref_units']:.0f} | {x['simulate_s']:.1f} | {x['ms_per_path']:.1f} | {x['us_per_path_leaf']:.2f} | {x['peak_mib']:.0f} |")
    lines += ["", f"Time against leaves (1 worker, {r['scaling_paths']:,} paths):", "",
              "| dataset | leaves | wall s | simulate s | ms a path | µs a path and leaf | peak MiB |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {x['dataset']} | {x['leaves']:,} | {x['wall_s']:.1f} | {x['simulate_s']:.1f} | {x['ms_per_path']:.1f} | {x['us_per_path_leaf']:.2f} | {x['peak_mib']:.0f} |" for x in r["scaling"]]
    lines += ["", "One-off costs per dataset:", "", "| dataset | generate s | calibrate s | first run, 100 paths (cold start) s |", "|---|---|---|---|"]
    lines += [f"| {k} | {v['generate_s']:.1f} | {v['calibrate_s']:.1f} | {v['cold_start_s']:.1f} |" for k, v in r["build"].items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
