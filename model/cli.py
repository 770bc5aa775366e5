"""The ``attain`` command line.

Verbs: ``data check``, ``targets``, ``levers``, ``run``, ``report``, ``calibrate``,
``backtest``, ``topdown``, ``bench m4``. Every verb that reports has ``--json``.

Bad input ends in one line ``error: ...`` naming the file or flag and what was
expected, exit status 2; Ctrl-C prints ``interrupted`` (exit 130). Output paths
and flags are checked before any simulation, and nothing half-written is left.
An unexpected ``ValueError``/``KeyError`` is reported as such (exit 1); set
``ATTAIN_DEBUG=1`` to see its traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from .errors import DataError, OutputError, ScenarioError, UsageError

__all__ = ["main", "build_parser"]

#: Seconds to wait for a ``--scheduler`` before giving up.
SCHEDULER_TIMEOUT = 5


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    p = argparse.ArgumentParser(prog="attain", description="Probability of hitting regional industrial targets.")
    sub = p.add_subparsers(dest="verb", required=True)
    data = sub.add_parser("data", help="validate and summarise data").add_subparsers(dest="action", required=True)
    chk = data.add_parser("check", help="validate a dataset folder or a revenue table (default: embedded data)")
    chk.add_argument("path", nargs="?", help="dataset folder, or a CSV/xlsx revenue table checked against the embedded entities")
    chk.add_argument("--unit", help="unit of every row when the table has no 单位 column (亿元 or 万元)")
    chk.add_argument("--sheet", help="Excel sheet name")
    chk.add_argument("--json", action="store_true", help="print JSON")
    tg = sub.add_parser("targets", help="list the target catalogue")
    tg.add_argument("--json", action="store_true")
    tg.add_argument("--lang", choices=("zh", "en"), default="zh")
    lv = sub.add_parser("levers", help="list policy levers with units and ranges")
    lv.add_argument("--json", action="store_true")
    _run_parser(sub)
    _report_parser(sub)
    cal = sub.add_parser("calibrate", help="fit the growth model and write calibration/parameters.toml (DIR/parameters.toml with --data DIR)")
    cal.add_argument("--data", type=Path, metavar="DIR", help="dataset folder (default: embedded data); its fit is written to DIR/parameters.toml")
    cal.add_argument("--as-of", type=int, help="use data up to this year only")
    cal.add_argument("--check", action="store_true", help="recalibrate and compare with the stored artefact (no write)")
    cal.add_argument("--figures", type=Path, help="write diagnostic figures to this folder")
    cal.add_argument("--json", action="store_true")
    bt = sub.add_parser("backtest", help="rolling-origin backtest of interval coverage and CRPS (default: on the embedded data)")
    bt.add_argument("--paths", type=int, default=1000, help="Monte Carlo paths per origin (100 to 1,000,000)")
    bt.add_argument("--data", type=Path, metavar="DIR", help="dataset folder (default: embedded data)")
    bt.add_argument("--json", action="store_true")
    td = sub.add_parser("topdown", help="compare the bottom-up region totals with top-down forecasts of their own history")
    td.add_argument("scenario", nargs="?", default="baseline", help="scenario file or name (default: baseline)")
    td.add_argument("--paths", type=int, default=1000, help="Monte Carlo paths (100 to 1,000,000)")
    td.add_argument("--seed", type=int)
    td.add_argument("--data", type=Path, metavar="DIR", help="dataset folder (default: embedded data)")
    td.add_argument("--write", type=Path, metavar="FILE", help="also write the Markdown report to FILE")
    td.add_argument("--json", action="store_true")
    bench = sub.add_parser("bench", help="benchmarks").add_subparsers(dest="which", required=True)
    m4 = bench.add_parser("m4", help="forecast skill on M4 Yearly", add_help=False)
    m4.add_argument("rest", nargs=argparse.REMAINDER)
    return p


def _run_parser(sub) -> None:
    r = sub.add_parser("run", help="run a scenario: P(attain) of every target")
    r.add_argument("scenario", help="scenario file or name in scenarios/ (e.g. baseline)")
    r.add_argument("--paths", type=int, help="Monte Carlo paths (default: the scenario's)")
    r.add_argument("--seed", type=int, help="root seed (default: the scenario's)")
    r.add_argument("--workers", type=int, default=1, help="local worker processes (1 or more)")
    r.add_argument("--scheduler", help="dask.distributed scheduler address tcp://HOST:PORT")
    r.add_argument("--data", type=Path, metavar="DIR", help="dataset folder (default: the embedded calibration/data)")
    r.add_argument("--as-of", type=int, help="calibrate on data up to this year and simulate from the next")
    r.add_argument("--json", type=Path, metavar="FILE", help="write machine-readable results to FILE ('-' = stdout)")
    r.add_argument("-o", "--out", type=Path, help="write summary.json, paths.nc and manifest.json into this folder "
                   "(a new or empty folder, or a previous result folder, which is replaced)")
    r.add_argument("--lang", choices=("zh", "en"), default="zh")
    r.add_argument("--no-progress", action="store_true")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``attain`` console script.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success; 2 for bad input (one ``error:`` line); 130 when
        interrupted; 1 for an unexpected error.
    """
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except (DataError, ScenarioError, UsageError, OutputError) as exc:
        return _fail(str(exc))
    except UnicodeDecodeError as exc:
        return _fail(f"a file is not UTF-8 text ({exc}); save CSV and TOML files as UTF-8 (Excel: \"CSV UTF-8\")")
    except OSError as exc:
        return _fail(_os_message(exc))
    except (ValueError, KeyError) as exc:
        if os.environ.get("ATTAIN_DEBUG"):
            raise
        print(f"error: unexpected {type(exc).__name__}: {exc}\n(an input attain does not check yet, or a bug; ATTAIN_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 1


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _os_message(exc: OSError) -> str:
    """``PATH: reason`` when the error names a path, else the error's own text."""
    if exc.filename is None:
        return str(exc)
    other = f" -> {exc.filename2}" if exc.filename2 else ""
    return f"{exc.filename}{other}: {exc.strerror or exc}"


def _dispatch(args) -> int:
    handlers = {"data": _data_check, "targets": _targets, "levers": _levers, "run": _run, "report": _report_verb, "calibrate": _calibrate, "backtest": _backtest, "topdown": _topdown, "bench": _bench}
    return handlers[args.verb](args)


def _emit(obj: dict, as_json: bool, text: str) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=1, default=str) if as_json else text)


def _data_check(args) -> int:
    from .data import default_data_dir, load_dataset, load_revenue_table
    from .display import data_summary_table
    from .hierarchy import build_hierarchy

    path = Path(args.path) if args.path else default_data_dir()
    _check_table_flags(path, args.unit, args.sheet)
    if path.is_dir():
        panel = load_dataset(path)
    else:
        panel = load_revenue_table(path, load_dataset(), unit=args.unit, sheet=args.sheet)
    h = build_hierarchy(panel)
    prov = panel.provenance.to_numpy().ravel()
    prov = prov[prov != ""]
    info = {
        "source": str(path), "years": [int(panel.years[0]), int(panel.years[-1])],
        "entities": {"regions": len(panel.regions), "parks": len(panel.parks), "clusters": len(panel.clusters), "enterprises": len(panel.enterprises)},
        "values": int(prov.size), "provenance_share": {k: float((prov == k).mean()) for k in ("published", "derived", "synthetic")},
        "leaves": len(h.leaves), "aggregates": len(h.nodes), "illustrative": panel.illustrative, "data_hash": panel.data_hash(),
        "notes": list(panel.notes),  # encoding used, skipped blank rows, aggregates without totals, rows a table replaced
    }
    _emit(info, args.json, data_summary_table(info))
    return 0


def _targets(args) -> int:
    from .catalogue import format_table, load_catalogue, summary

    targets = load_catalogue()
    if args.json:
        from dataclasses import asdict

        print(json.dumps({"summary": summary(targets), "targets": [asdict(t) for t in targets]}, ensure_ascii=False, indent=1, default=str))
    else:
        s = summary(targets)
        print(format_table(targets, lang=args.lang))
        print(f"\n{s.get('total', len(targets))} targets; evaluable: {s.get('evaluable', '?')}")
    return 0


def _levers(args) -> int:
    from dataclasses import asdict

    from .levers import LEVERS

    rows = [asdict(v) for v in LEVERS.values()]
    text = "\n".join(f"{r['name']:36s} {r['default']:>10g} {r['unit']:16s} [{r['low']:g}, {r['high']:g}]  {r['description']}" for r in rows)
    _emit({"levers": rows}, args.json, text)
    return 0


def _check_table_flags(path: Path, unit: str | None, sheet: str | None) -> None:
    """``--unit`` and ``--sheet`` apply to one revenue table; ``--sheet`` to an .xlsx only."""
    flags = [f"{f} {v}" for f, v in (("--unit", unit), ("--sheet", sheet)) if v is not None]
    if flags and path.is_dir():
        raise UsageError(f"{' and '.join(flags)}: only for a single revenue table, but {path} is a dataset folder (its dataset.toml may declare 'unit')")
    if sheet is not None and path.suffix.lower() != ".xlsx":
        raise UsageError(f"--sheet {sheet}: only for an .xlsx workbook, but {path} is not one (a CSV has no sheets)")


def _run(args) -> int:
    from .context import prepare
    from .engine import run_blocks
    from .scenario import load_scenario
    from .summary import summarise

    t0 = time.perf_counter()
    _check_run_flags(args)
    scenario = load_scenario(args.scenario).with_overrides(paths=args.paths, seed=args.seed)
    if args.scheduler:
        _check_scheduler(args.scheduler)
    for note in scenario.notes:
        print(f"note: {note}", file=sys.stderr)
    ctx = prepare(scenario, as_of=args.as_of, data_dir=args.data)
    t1 = time.perf_counter()
    quiet = args.no_progress or args.json is not None
    out = run_blocks(ctx, scenario.get("scenario", "paths"), scenario.get("scenario", "seed"), args.workers, args.scheduler, progress=not quiet)
    out.timings.update(prepare_s=t1 - t0, workers=args.workers)
    summary = summarise(out)
    out.timings["total_s"] = time.perf_counter() - t0
    _report(args, out, summary)
    return 0


def _report(args, out, summary: dict) -> None:
    """Print the results first, so a failing write does not lose them; then write the files."""
    from .display import run_table
    from .results import write_json, write_results

    to_stdout = str(args.json) == "-"
    print(json.dumps(summary, ensure_ascii=False, indent=1, default=str) if to_stdout else run_table(summary, args.lang), flush=True)
    if args.json is not None and not to_stdout:
        write_json(summary, args.json)
    if args.out:
        write_results(out, summary, args.out)
        if not to_stdout:
            print(f"\nresults written to {args.out}/ (summary.json, paths.nc, manifest.json)")


def _check_run_flags(args) -> None:
    """Everything about ``attain run``'s flags that can be known before the data are loaded."""
    from .results import check_output_file, check_output_folder

    if args.workers < 1:
        raise UsageError(f"--workers {args.workers}: expected 1 or more (local worker processes)")
    if args.out is not None:
        check_output_folder(args.out, flag="-o")
    if args.json is not None and str(args.json) != "-":
        check_output_file(args.json, flag="--json")
        if args.out is not None and args.json.resolve().is_relative_to(args.out.resolve()):
            raise UsageError(f"--json {args.json}: is inside the -o folder {args.out}, which is replaced as a whole; choose a path outside it")


def _report_parser(sub) -> None:
    r = sub.add_parser("report", help="the meeting PDF: run a scenario (or read a result folder) and typeset its report")
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


def _report_verb(args) -> int:
    """``attain report``: run (or read ``--from``) a result folder, then write the PDF."""
    import tempfile

    from .report import assemble, write_report
    from .results import check_output_file

    t0 = time.perf_counter()
    if (args.scenario is None) == (args.from_dir is None):
        raise UsageError("attain report: give a SCENARIO to run or --from DIR with a finished result, not both")
    if args.from_dir is not None and any(v is not None for v in (args.paths, args.seed, args.data)):
        raise UsageError("--paths/--seed/--data apply when a scenario is run; --from reads a finished result as it is")
    if args.workers < 1:
        raise UsageError(f"--workers {args.workers}: expected 1 or more (local worker processes)")
    if args.backtest_paths < 0:
        raise UsageError(f"--backtest-paths {args.backtest_paths}: expected 0 (leave out) or more")
    name = args.scenario if args.from_dir is None else args.from_dir.name
    out = args.out or Path("out") / f"report-{Path(name).stem}-{args.lang}.pdf"
    if out.suffix.lower() != ".pdf":
        raise UsageError(f"-o {out}: expected a file name ending in .pdf")
    check_output_file(out, flag="-o")
    for flag, folder in (("--from", args.from_dir), ("--previous", args.previous)):
        if folder is not None and not (folder / "manifest.json").is_file():
            raise UsageError(f"{flag} {folder}: not a result folder (no manifest.json); expected a folder written by 'attain run -o DIR'")
    with tempfile.TemporaryDirectory(prefix="attain-report-run-") as tmp:
        source = args.from_dir
        if source is None:
            source = Path(tmp) / "result"
            _run_for_report(args, source)
        data = assemble(source, lang=args.lang, previous=args.previous, backtest_paths=args.backtest_paths)
        write_report(data, out)
    seconds = time.perf_counter() - t0
    info = {"report": str(out), "lang": args.lang, "scenario": data.summary["scenario"], "from": str(args.from_dir) if args.from_dir else None,
            "previous": str(args.previous) if args.previous else None, "seconds": round(seconds, 1)}
    _emit(info, args.json, f"report written to {out} ({seconds:.1f} s)")
    return 0


def _run_for_report(args, folder: Path) -> None:
    """Run the scenario as ``attain run -o`` would, into ``folder``."""
    from .context import prepare
    from .engine import run_blocks
    from .results import write_results
    from .scenario import load_scenario
    from .summary import summarise

    t0 = time.perf_counter()
    scenario = load_scenario(args.scenario).with_overrides(paths=args.paths, seed=args.seed)
    for note in scenario.notes:
        print(f"note: {note}", file=sys.stderr)
    ctx = prepare(scenario, data_dir=args.data)
    t1 = time.perf_counter()
    out = run_blocks(ctx, scenario.get("scenario", "paths"), scenario.get("scenario", "seed"), args.workers, None, progress=not (args.no_progress or args.json))
    out.timings.update(prepare_s=t1 - t0, workers=args.workers)
    summary = summarise(out)
    out.timings["total_s"] = time.perf_counter() - t0
    write_results(out, summary, folder)


def _check_scheduler(address: str) -> None:
    """Connect once, with a short timeout, so an unreachable scheduler fails before the run."""
    try:
        from dask.distributed import Client
    except ImportError as exc:
        raise UsageError(f"--scheduler {address}: dask.distributed is not installed ({exc})") from None
    try:
        with Client(address, timeout=SCHEDULER_TIMEOUT):
            pass
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise UsageError(f"cannot reach the dask scheduler at {address}: {exc}") from None


def _check_paths(paths: int, what: str) -> None:
    from .scenario import SCHEMA

    low, high = SCHEMA["scenario"]["paths"][1:3]
    if not low <= paths <= high:
        raise UsageError(f"--paths {paths}: expected {low:,} to {high:,} ({what})")


def _calibrate(args) -> int:
    from .calibration_check import calibrate_command

    return calibrate_command(as_of=args.as_of, check=args.check, figures=args.figures, as_json=args.json, data_dir=args.data)


def _backtest(args) -> int:
    from .backtest import backtest_command

    _check_paths(args.paths, "Monte Carlo paths per origin")
    return backtest_command(paths=args.paths, as_json=args.json, data_dir=args.data)


def _topdown(args) -> int:
    from .topdown import topdown_command

    return topdown_command(args.scenario, args.paths, args.seed, args.json, args.write, data_dir=args.data)


def _bench(args) -> int:
    from .m4 import cli as m4_cli

    return m4_cli(args.rest)


if __name__ == "__main__":
    raise SystemExit(main())
