"""The default run against an earlier commit, side by side: the measure of issue 18's "twice as fast".

Usage::

    python benchmarks/default_run_ab.py --before 9a9c6c9            # 4,000 paths, 2 workers, 3 pairs
    python benchmarks/default_run_ab.py --before 3fef375 --paths 500 --repeats 1   # a quick look

It exports ``--before`` (a commit of this repository) into a temporary folder
with ``git archive``, then times ``attain run baseline --paths N --workers 2``
(structural range included, as a planner runs it) as whole processes, the
earlier code and this checkout in turn (A B A B ...), so both see the same
machine. Between pairs it times the fixed numpy reference workload of
``run_speed.py``. It reports each side's minimum wall time, the minimum
ratio of a pair and the median, and each side in reference units. This
checkout runs twice more: with its prepared-context cache warm (a planner's
second run, what the pairs time) and with ``ATTAIN_CACHE=off`` (a first run).
Writes ``benchmarks/results/default_run_ab_<commit>.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from run_speed import reference_workload, write_benchmark  # noqa: E402


PEAKS: dict[str, list[float]] = {}


def _time(code: Path, paths: int, workers: int, cache: bool = True, label: str = "") -> float:
    """Wall seconds of the run; its peak memory (largest process, MiB) is appended to ``PEAKS[label]``."""
    env = {**os.environ, "PYTHONPATH": str(code), "ATTAIN_NO_PROGRESS": "1"}
    if not cache:
        env["ATTAIN_CACHE"] = "off"
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        r = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-m", "model.cli", "run", "baseline", "--paths", str(paths), "--workers", str(workers),
                            "--no-progress", "-o", str(Path(out) / "r")], cwd=code, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - t0
    PEAKS.setdefault(label, []).append(int(r.stderr.strip().splitlines()[-1]) / 1024)
    return wall


def _export(commit: str, folder: Path) -> str:
    sha = subprocess.run(["git", "rev-parse", "--short", commit], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()
    archive = folder / "before.tar"
    subprocess.run(["git", "archive", "-o", str(archive), sha], cwd=ROOT, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(folder / "code", filter="data")
    return sha


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True, help="commit to compare with (e.g. 9a9c6c9, main when issue 18 was filed)")
    ap.add_argument("--paths", type=int, default=4000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3, help="pairs (default 3)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="attain-ab-") as tmp:
        before_code = Path(tmp) / "code"
        sha = _export(args.before, Path(tmp))
        _time(ROOT, 100, 1)  # warm this checkout's prepared-context cache (its key leaves out paths and seed)
        refs, before, after = [reference_workload() for _ in range(3)], [], []
        for _ in range(args.repeats):
            before.append(_time(before_code, args.paths, args.workers, label="before"))
            after.append(_time(ROOT, args.paths, args.workers, label="after"))
            refs.append(reference_workload())
        cold = _time(ROOT, args.paths, args.workers, cache=False, label="cold")
        refs.append(reference_workload())
    ref = min(refs)
    ratios = [a / b for a, b in zip(after, before)]
    result = {"before": sha, "paths": args.paths, "workers": args.workers, "repeats": args.repeats, "reference_s": ref,
              "before_s": before, "after_s": after, "after_cold_s": cold, "ratios": ratios,
              "before_ref_units": min(before) / ref, "after_ref_units": min(after) / ref, "after_cold_ref_units": cold / ref,
              "ratio_of_minima": min(after) / min(before), "ratio_median": statistics.median(ratios),
              "peak_mib": {k: max(v) for k, v in PEAKS.items()}, "load_average_1min_at_end": os.getloadavg()[0]}
    md = "\n".join([
        f"# Default run against {sha}", "",
        f"`attain run baseline --paths {args.paths} --workers {args.workers}` (structural range included), whole processes, {args.repeats} pairs in turn; "
        f"reference workload {ref:.3f} s; 1-min load average at the end {result['load_average_1min_at_end']:.1f}.", "",
        "| code | fastest wall s | ref units | peak MiB (largest process) |", "|---|---|---|---|",
        f"| {sha} (before) | {min(before):.1f} | {result['before_ref_units']:.0f} | {result['peak_mib']['before']:.0f} |",
        f"| this checkout, cache warm | {min(after):.1f} | {result['after_ref_units']:.0f} | {result['peak_mib']['after']:.0f} |",
        f"| this checkout, cache off (first run) | {cold:.1f} | {result['after_cold_ref_units']:.0f} | {result['peak_mib']['cold']:.0f} |", "",
        f"After / before: {result['ratio_of_minima']:.2f} (fastest of each), {result['ratio_median']:.2f} (median pair; pairs {', '.join(f'{r:.2f}' for r in ratios)}).", ""])
    write_benchmark(f"default_run_ab_{sha}", result, md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
