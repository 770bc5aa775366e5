"""``attain bench m4`` and ``python benchmarks/m4_yearly.py``: the M4 Yearly benchmark from the command line.

The computing lives in :mod:`model.m4` (horizon 6), :mod:`model.m4_long`
(``--long``) and :mod:`model.m4_priors` (``--calibrate``); this module parses
the flags, prints the headline figures and writes the result files atomically.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..atomic import replace_text
from ..errors import UsageError

if TYPE_CHECKING:
    from ..m4 import M4Yearly

# The benchmark modules (pandas, the forecaster) are imported where used: building attain's parser stays light.

__all__ = ["add_parser", "run", "main", "RESULTS_DIR"]

#: Where a full run writes m4_yearly.{json,md} and m4_long.{json,md}.
RESULTS_DIR = Path(__file__).resolve().parents[2] / "benchmarks" / "results"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add ``bench m4`` to ``attain``'s verbs (its flags are parsed by :func:`run`)."""
    bench = subparsers.add_parser("bench", help="benchmarks").add_subparsers(dest="which", required=True)
    # Its own flags (--sample N, --workers K, --json FILE, --out DIR, -h) belong to the benchmark's parser: see run.
    bench.add_parser("m4", help="forecast skill on M4 Yearly (attain bench m4 -h for its flags)", add_help=False)


def run(args: argparse.Namespace) -> int:
    """``attain bench m4 ...``: check the flags in ``args.rest`` and the output files before any work, then :func:`main`.

    Parameters
    ----------
    args : argparse.Namespace
        ``rest`` holds the benchmark's own flags.

    Returns
    -------
    int
        Exit status.

    Raises
    ------
    UsageError, OutputError
        A bad flag value, or an output file attain may not replace.
    """
    from ..outputs import check_output_file

    parser = _parser()
    parser.prog = "attain bench m4"
    opts = parser.parse_args(args.rest)  # -h prints the benchmark's own help; a bad flag exits 2 here
    if opts.sample is not None and opts.sample < 1:
        raise UsageError(f"--sample {opts.sample}: expected 1 or more series (leave --sample out for all 23,000)")
    if opts.workers < 1:
        raise UsageError(f"--workers {opts.workers}: expected 1 or more (worker processes)")
    if opts.json is not None:
        check_output_file(opts.json, flag="--json", kind="json")
    out_dir = _out_dir(opts)
    stem = "m4_long" if opts.long else "m4_yearly"
    for name in (f"{stem}.json", f"{stem}.md") if out_dir else ():
        check_output_file(Path(out_dir) / name, flag="--out" if opts.out else "benchmark results", kind=name.rsplit(".", 1)[1])
    return main(args.rest)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="m4_yearly", description="M4 Yearly benchmark of model.forecast")
    p.add_argument("--sample", type=int, default=None, help="fixed random sample of N series")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--json", type=Path, default=None, help="write results JSON here")
    p.add_argument("--calibrate", action="store_true", help="re-learn calibration/forecast_priors.toml from train data")
    p.add_argument("--out", type=Path, default=None, help="directory for m4_yearly.{json,md} (full run default: benchmarks/results)")
    p.add_argument(
        "--long", action="store_true",
        help="long horizons: 6- and 10-point histories cut from the training series of the evaluation half, "
        "horizons 1-12 (writes m4_long.{json,md}); --sample N takes N series of that half",
    )
    return p


def main(argv: list[str]) -> int:
    """Run the benchmark from the command line.

    Parameters
    ----------
    argv : list of str
        ``[--long] [--sample N] [--workers K] [--json FILE] [--out DIR]`` or ``--calibrate``.

    Returns
    -------
    int
        Exit status (0 on success, 2 when the data are missing).
    """
    from ..m4 import load_yearly, yearly_benchmark
    from ..m4_long import long_benchmark

    args = _parser().parse_args(argv)
    try:
        data = load_yearly()
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.calibrate:
        return _run_calibration(data, args.workers)
    if args.long:
        _emit_long(long_benchmark(data, args.workers, args.sample, "python benchmarks/m4_yearly.py " + " ".join(argv)), args)
        return 0
    _emit(yearly_benchmark(data, args.workers, args.sample, "python benchmarks/m4_yearly.py " + " ".join(argv)), args)
    return 0


def _run_calibration(data: M4Yearly, workers: int) -> int:
    from ..forecast import PRIORS_PATH, load_priors
    from ..m4_priors import learn_priors, priors_toml

    t0 = time.perf_counter()
    legacy = load_priors()
    priors, info = learn_priors(data, workers)
    replace_text(priors_toml(legacy, priors, info), PRIORS_PATH)  # creates the folder
    print(f"wrote {PRIORS_PATH} in {time.perf_counter() - t0:.1f} s: {info}")
    return 0


def _emit(result: dict, args: argparse.Namespace) -> None:
    from ..m4 import yearly_markdown

    overall = result["scores"]["All"]
    print(
        f"n={result['n_series']} sMAPE={overall['sMAPE']:.3f} MASE={overall['MASE']:.3f} OWA={overall['OWA']:.3f} "
        f"cov95={overall['coverage95']:.3f} MSIS={overall['MSIS']:.2f} wall={result['wall_seconds']:.1f}s "
        f"(Naive2 sMAPE={overall['naive2_sMAPE']:.3f} MASE={overall['naive2_MASE']:.3f})"
    )
    _write(result, yearly_markdown(result, result["published"]), "m4_yearly", args)


def _emit_long(result: dict, args: argparse.Namespace) -> None:
    from ..m4_long import long_markdown

    pooled = [r for r in result["rows"] if r["history"] == "all"]
    print(f"n_windows={result['n_windows']} (fast {result['n_fast_windows']}) goals met: {result['goals_met']} wall={result['wall_seconds']:.1f}s")
    for r in pooled:
        print(
            f"  {r['slice']:>4} h{r['band']:<5} cov80={r['coverage80']:.3f} cov95={r['coverage95']:.3f} "
            f"above_q90={r['above_q90']:.3f} below_q10={r['below_q10']:.3f} bias={r['median_log_bias']:+.3f}"
        )
    _write(result, long_markdown(result), "m4_long", args)


def _out_dir(args: argparse.Namespace) -> Path | None:
    """Where the result files go: ``--out``, or benchmarks/results for a full run (a sample writes none)."""
    return args.out or (RESULTS_DIR if not args.sample else None)


def _write(result: dict, markdown: str, stem: str, args: argparse.Namespace) -> None:
    """``--json FILE`` and ``STEM.json`` / ``STEM.md`` in the results folder, each written atomically."""
    text = json.dumps(result, indent=2)
    if args.json:
        replace_text(text, args.json)
    out_dir = _out_dir(args)
    if out_dir:
        replace_text(text, Path(out_dir) / f"{stem}.json")  # creates the folder
        replace_text(markdown, Path(out_dir) / f"{stem}.md")
