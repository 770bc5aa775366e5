"""``attain report``: the meeting PDF, from a fresh run of a scenario or from a finished result folder (``--from``)."""

from __future__ import annotations

import time
from pathlib import Path

from ..errors import UsageError
from .checks import check_workers
from .output import emit
from .run import print_notes, simulate, summary_with_update, ytd_flags, ytd_update

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    """The ``report`` verb."""
    r = subparsers.add_parser("report", help="the meeting PDF: run a scenario (or read a result folder) and typeset its report")
    r.add_argument("scenario", nargs="?", help="scenario file or name to run (omit with --from)")
    r.add_argument("--from", dest="from_dir", type=Path, metavar="DIR", help="build from a finished result folder (attain run -o DIR) instead of running")
    r.add_argument("--previous", type=Path, metavar="DIR", help="result folder of the previous report: show changes and their reasons")
    r.add_argument("--lang", choices=("zh", "en"), default="zh")
    r.add_argument("--paths", type=int, help="Monte Carlo paths (default: the scenario's)")
    r.add_argument("--seed", type=int, help="root seed (default: the scenario's)")
    r.add_argument("--workers", type=int, default=1, help="local worker processes (1 or more)")
    r.add_argument("--data", type=Path, metavar="DIR", help="dataset folder (default: the embedded calibration/data)")
    r.add_argument("--backtest-paths", type=int, default=300, metavar="N", help="paths per origin of the appendix backtest (0 = leave it out)")
    r.add_argument("-o", "--out", type=Path, metavar="FILE.pdf", help="the PDF (default: out/report-SCENARIO-LANG.pdf)")
    r.add_argument("--no-progress", action="store_true")
    r.add_argument("--json", action="store_true", help="print where the PDF went as JSON")
    r.add_argument("--sensitivity", type=Path, action="append", default=[], metavar="DIR",
                   help="a tornado result folder of 'attain sensitivity ... -o DIR' to show (repeatable)")
    r.add_argument("--goalseek", type=Path, action="append", default=[], metavar="FILE",
                   help="a goal-seek answer of 'attain goalseek ... --json FILE' to show (repeatable)")
    ytd_flags(r)


def run(args) -> int:
    """``attain report``: run (or read ``--from``) a result folder, then write the PDF."""
    import tempfile

    from ..outputs import check_output_file
    from ..report import assemble, write_report

    t0 = time.perf_counter()
    if (args.scenario is None) == (args.from_dir is None):
        raise UsageError("attain report: give a SCENARIO to run or --from DIR with a finished result, not both")
    if args.from_dir is not None and any(v is not None for v in (args.paths, args.seed, args.data)):
        raise UsageError("--paths/--seed/--data apply when a scenario is run; --from reads a finished result as it is")
    if args.from_dir is not None and any(v is not None for v in (args.ytd, args.ytd_history, args.ytd_unit, args.ytd_projects)):
        raise UsageError("--ytd/--ytd-projects apply when a scenario is run; a result folder of 'attain run --ytd ... -o DIR' carries its update (--from DIR shows it)")
    check_workers(args.workers)
    if args.backtest_paths < 0:
        raise UsageError(f"--backtest-paths {args.backtest_paths}: expected 0 (leave out) or more")
    name = args.scenario if args.from_dir is None else args.from_dir.name
    out = args.out or Path("out") / f"report-{Path(name).stem}-{args.lang}.pdf"
    if out.suffix.lower() != ".pdf":
        raise UsageError(f"-o {out}: expected a file name ending in .pdf")
    check_output_file(out, flag="-o")
    from ..report.analyses import read_goalseek, read_sensitivity

    for folder in args.sensitivity:  # before any simulation: a wrong folder fails fast
        read_sensitivity(folder)
    for file in args.goalseek:
        read_goalseek(file)
    for flag, folder in (("--from", args.from_dir), ("--previous", args.previous)):
        if folder is not None and not (folder / "manifest.json").is_file():
            why = "no such folder" if not folder.exists() else "a file, not a folder" if not folder.is_dir() else "not a result folder (no manifest.json)"
            raise UsageError(f"{flag} {folder}: {why}; expected a folder written by 'attain run -o DIR'")
    with tempfile.TemporaryDirectory(prefix="attain-report-run-") as tmp:
        source = args.from_dir
        if source is None:
            source = Path(tmp) / "result"
            _run_for_report(args, source)
        data = assemble(source, lang=args.lang, previous=args.previous, backtest_paths=args.backtest_paths,
                        sensitivity=tuple(args.sensitivity), goalseek=tuple(args.goalseek))
        write_report(data, out)
    seconds = time.perf_counter() - t0
    info = {"report": str(out), "lang": args.lang, "scenario": data.summary["scenario"], "from": str(args.from_dir) if args.from_dir else None,
            "previous": str(args.previous) if args.previous else None, "seconds": round(seconds, 1)}
    emit(info, args.json, f"report written to {out} ({seconds:.1f} s)")
    return 0


def _run_for_report(args, folder: Path) -> None:
    """Run the scenario as ``attain run -o`` would, into ``folder``."""
    from ..context import prepare
    from ..results import write_results
    from ..scenario import load_scenario
    from ..structural import run_structural

    t0 = time.perf_counter()
    scenario = load_scenario(args.scenario).with_overrides(paths=args.paths, seed=args.seed)
    print_notes(scenario)
    ctx = prepare(scenario, data_dir=args.data)
    update = ytd_update(args, ctx)
    t1 = time.perf_counter()
    out, before = simulate(args, update, ctx, scenario, args.workers, None, progress=not (args.no_progress or args.json))
    out.timings.update(prepare_s=t1 - t0, workers=args.workers)
    # The report shows P beside its structural range, exactly as `attain run` computes it.
    t2 = time.perf_counter()
    structural = run_structural(out, None, args.workers, None)
    out.timings["structural_s"] = time.perf_counter() - t2
    summary = summary_with_update(out, structural, before, update)
    out.timings["total_s"] = time.perf_counter() - t0
    write_results(out, summary, folder)
