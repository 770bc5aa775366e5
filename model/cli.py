"""The ``attain`` command line.

Verbs: ``data check``, ``targets``, ``levers``, ``run``, ``report``, ``calibrate``,
``backtest``, ``topdown``, ``golden``, ``bench m4``, ``sensitivity``, ``goalseek``. Every verb that reports has ``--json``.

Bad input ends in one line ``error: ...`` naming the file or flag and what was
expected, exit status 2; Ctrl-C prints ``interrupted`` (exit 130). Output paths
and flags are checked before any simulation, and nothing half-written is left.
An unexpected ``ValueError``/``KeyError`` is reported as such (exit 1); set
``ATTAIN_DEBUG=1`` to see its traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

from .errors import DataError, OutputError, ScenarioError, UsageError

__all__ = ["main", "build_parser"]

#: Seconds to wait for a ``--scheduler`` before giving up.
SCHEDULER_TIMEOUT = 5
#: A command silent for this long starts showing progress on stderr.
HEARTBEAT_AFTER = 2.0
#: Seconds between progress lines when stderr is not a terminal (a log file), and before the first one.
HEARTBEAT_EVERY = 10.0
HEARTBEAT_AFTER_LOG = 5.0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    p = argparse.ArgumentParser(prog="attain", description="Probability of hitting regional industrial targets.")
    sub = p.add_subparsers(dest="verb", required=True)
    data = sub.add_parser("data", help="validate and summarise data").add_subparsers(dest="action", required=True)
    chk = data.add_parser("check", help="validate a dataset folder or a revenue table (default: embedded data)")
    chk.add_argument("path", nargs="?", help="dataset folder, or a CSV/xlsx revenue table checked against the entities of --data (default: the embedded data)")
    chk.add_argument("--unit", help="unit of every row when the table has no 单位 column (亿元 or 万元)")
    chk.add_argument("--sheet", help="Excel sheet name")
    chk.add_argument("--data", type=Path, metavar="DIR", help="for a table: the dataset whose entities and values it is checked against and merged into")
    chk.add_argument("-o", "--out", type=Path, metavar="NEWDIR", help="for a table: write DIR with the table merged in as a new dataset folder (then: attain run ... --data NEWDIR)")
    chk.add_argument("--json", action="store_true", help="print JSON")
    tg = sub.add_parser("targets", help="list the target catalogue")
    tg.add_argument("--json", action="store_true")
    tg.add_argument("--lang", choices=("zh", "en"), default="zh")
    lv = sub.add_parser("levers", help="list policy levers with units and ranges")
    lv.add_argument("--json", action="store_true")
    _run_parser(sub)
    _sensitivity_parsers(sub)
    _report_parser(sub)
    cal = sub.add_parser("calibrate", help="fit the growth model and write calibration/parameters.toml (DIR/parameters.toml with --data DIR)")
    cal.add_argument("--data", type=Path, metavar="DIR", help="dataset folder (default: embedded data); its fit is written to DIR/parameters.toml")
    cal.add_argument("--as-of", type=int, help="use data up to this year only")
    cal.add_argument("--check", action="store_true", help="recalibrate and compare with the stored artefact (no write)")
    cal.add_argument("--figures", type=Path, help="write diagnostic figures to this folder")
    cal.add_argument("--json", action="store_true")
    _compare_flags(cal)
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
    nw = sub.add_parser("nowcast", help="check a 月调度表 and nowcast this year's full-year revenue from it (mid-year update)")
    nw.add_argument("table", type=Path, help="the current year's monthly dispatch table (CSV or .xlsx)")
    nw.add_argument("--data", type=Path, metavar="DIR", help="dataset folder (default: the embedded calibration/data)")
    nw.add_argument("--history", type=Path, metavar="TABLE", help="monthly history (default: DATA/monthly/history.csv)")
    nw.add_argument("--unit", help="unit of rows whose 单位 is empty (亿元 or 万元)")
    nw.add_argument("--sheet", help="Excel sheet name")
    nw.add_argument("--top", type=int, default=10, help="largest entities shown (default 10; --json has all)")
    nw.add_argument("--json", action="store_true")
    gd = sub.add_parser("golden", help="rerun the shipped scenarios and compare with tests/golden/probabilities.json (--write regenerates it)")
    gd.add_argument("--write", action="store_true", help="regenerate the golden file (after printing which targets moved)")
    gd.add_argument("--file", type=Path, help="golden file (default: tests/golden/probabilities.json)")
    gd.add_argument("--paths", type=int, help="paths per scenario (default: the file's; 500 for a new file)")
    gd.add_argument("--json", action="store_true")
    from .commands import bench

    bench.add_parser(sub)
    return p


def _compare_flags(cal) -> None:
    """``attain calibrate --compare OLD``: drift against a stored artefact (model.calibration_compare)."""
    g = cal.add_argument_group("comparison with a stored calibration (--compare)")
    g.add_argument("--compare", type=Path, metavar="OLD", help="refit and compare with the stored artefact OLD in standard errors (nothing is written)")
    g.add_argument("--old-data", type=Path, metavar="DIR", help="dataset OLD was fitted on, when OLD has no data record beside it")
    g.add_argument("--alpha", type=float, default=0.05, help="family-wise false-alarm rate of the drift verdicts (Holm; default 0.05)")
    g.add_argument("--nested", action="store_true", help="overlap correction: the old data are a subset of the new (sharper, less conservative)")
    g.add_argument("--paths", type=int, help="also rerun the scenario's targets under both calibrations with this many paths (probability shift)")
    g.add_argument("--scenario", default="baseline", help="scenario of the probability shift (default: baseline)")
    g.add_argument("--seed", type=int, help="seed of the probability shift (default: the scenario's)")


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
    r.add_argument("--no-structural", action="store_true", help="skip the structural range (P under alternative assumptions, model/structural.py)")
    r.add_argument("--structural-paths", type=int, metavar="N", help="paths per structural variant (default: min(500, --paths), whole blocks)")
    r.add_argument("--max-memory", metavar="SIZE", help="refuse the run before it starts if its estimated memory exceeds SIZE "
                   "(e.g. 8GB; default: the memory the system reports available)")
    _ytd_flags(r)


def _ytd_flags(parser) -> None:
    """The mid-year update's flags (attain run, attain report)."""
    y = parser.add_argument_group("mid-year update (月调度表): start the paths from this year's nowcast; P before and after")
    y.add_argument("--ytd", type=Path, metavar="TABLE", help="the current year's monthly dispatch table (CSV or .xlsx): January-to-month cumulative revenue")
    y.add_argument("--ytd-history", type=Path, metavar="TABLE", help="monthly history the within-year pattern is estimated from (default: DATA/monthly/history.csv)")
    y.add_argument("--ytd-unit", help="unit of the table's rows whose 单位 is empty (亿元 or 万元)")
    y.add_argument("--ytd-projects", type=Path, metavar="TABLE", help="the current year's project dispatch table of the 百项 list (CSV or .xlsx): "
                   "its reported 开工/投产 up to the report month are fixed, the rest of the year is simulated")


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
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if rest and args.verb != "bench":
        parser.parse_args(argv)  # the usual "unrecognized arguments" error, exit 2
    args.rest = rest
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _closed_pipe()
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


def _closed_pipe() -> int:
    """The reader went away (``attain targets --json | head -1``): end quietly, as other Unix tools do."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's final flush must not fail again
    except (OSError, ValueError):
        pass
    return 0


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
    handlers = {"data": _data_check, "targets": _targets, "levers": _levers, "run": _run, "calibrate": _calibrate, "backtest": _backtest, "topdown": _topdown, "bench": _bench, "golden": _golden, "nowcast": _nowcast, "sensitivity": _sensitivity, "goalseek": _goalseek, "report": _report_verb}
    if args.verb in ("run", "targets", "levers", "sensitivity", "goalseek", "report"):  # run, sensitivity, goalseek and report show their own progress bar; the others are instant
        return handlers[args.verb](args)
    with _Heartbeat(f"attain {args.verb}"):
        return handlers[args.verb](args)


class _Heartbeat:
    """Progress on stderr for a command that runs longer than :data:`HEARTBEAT_AFTER` seconds.

    Whatever the output flags (``--json`` included: stdout stays clean), a
    terminal sees an elapsed-time line updated every second, and a log file a
    line every :data:`HEARTBEAT_EVERY` seconds. ``ATTAIN_NO_PROGRESS=1`` turns it off.
    """

    def __init__(self, label: str) -> None:
        import threading

        self.label, self.shown, self.done = label, False, threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True)

    def __enter__(self) -> "_Heartbeat":
        if not os.environ.get("ATTAIN_NO_PROGRESS"):
            self.start = time.perf_counter()
            self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        if self.thread.is_alive():
            self.thread.join()
        if self.shown and sys.stderr.isatty():
            print("\r\033[K", end="", file=sys.stderr, flush=True)

    def _beat(self) -> None:
        tty = sys.stderr.isatty()
        wait = HEARTBEAT_AFTER if tty else HEARTBEAT_AFTER_LOG
        while not self.done.wait(wait):
            elapsed = time.perf_counter() - self.start
            try:
                if tty:
                    print(f"\r{self.label}: working… {elapsed:.0f} s", end="", file=sys.stderr, flush=True)
                else:
                    print(f"{self.label}: working… {elapsed:.0f} s", file=sys.stderr, flush=True)
            except (OSError, ValueError):
                return
            self.shown = True
            wait = 1.0 if tty else HEARTBEAT_EVERY


def _emit(obj: dict, as_json: bool, text: str) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=1, default=str) if as_json else text)


def _data_check(args) -> int:
    from .data import default_data_dir, load_dataset, load_revenue_table
    from .display import data_summary_table
    from .hierarchy import build_hierarchy

    path = Path(args.path) if args.path else default_data_dir()
    _check_table_flags(path, args.unit, args.sheet, args.data, args.out)
    if path.is_dir():
        panel, against = load_dataset(path), None
    else:
        against = args.data or default_data_dir()
        panel = load_revenue_table(path, load_dataset(against), unit=args.unit, sheet=args.sheet)
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
    if against is not None:
        info["checked_against"] = _registry_label(against)
    written = None
    if args.out is not None:
        from .dataset_write import write_dataset

        written = write_dataset(panel, against, args.out)
        info["written"] = str(written)
    text = data_summary_table(info)
    if against is not None:
        text = f"checked against: {info['checked_against']}\n" + text
    if written is not None:
        text += f"\nmerged dataset written to {written}/ — run on it with: attain run baseline --data {written}"
    _emit(info, args.json, text)
    return 0


def _registry_label(folder: Path) -> str:
    from .data import default_data_dir

    if Path(folder).resolve() == default_data_dir().resolve():
        return f"the embedded dataset {default_data_dir()} (pass --data DIR to check against your own)"
    return f"the dataset {folder}"


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


def _check_table_flags(path: Path, unit: str | None, sheet: str | None, data: Path | None = None, out: Path | None = None) -> None:
    """``--unit``, ``--sheet``, ``--data`` and ``-o`` apply to one revenue table; ``--sheet`` to an .xlsx only."""
    flags = [f"{f} {v}" for f, v in (("--unit", unit), ("--sheet", sheet), ("--data", data), ("-o", out)) if v is not None]
    if flags and path.is_dir():
        raise UsageError(f"{' and '.join(flags)}: only for a single revenue table, but {path} is a dataset folder (its dataset.toml may declare 'unit'; sheets are named after their table)")
    if data is not None and not (data / "dataset.toml").is_file():
        raise UsageError(f"--data {data}: not a dataset folder (no dataset.toml); expected the folder your table belongs to")
    if out is not None:
        from .dataset_write import check_new_dataset_folder

        check_new_dataset_folder(out)
    if sheet is not None and path.suffix.lower() != ".xlsx":
        raise UsageError(f"--sheet {sheet}: only for an .xlsx workbook, but {path} is not one (a CSV has no sheets)")


def _run(args) -> int:
    from .context import prepare
    from .scenario import load_scenario

    t0 = time.perf_counter()
    _check_run_flags(args)
    scenario = load_scenario(args.scenario).with_overrides(paths=args.paths, seed=args.seed)
    if args.scheduler:
        _check_scheduler(args.scheduler)
    for note in scenario.notes:
        print(f"note: {note}", file=sys.stderr)
    ctx = prepare(scenario, as_of=args.as_of, data_dir=args.data)
    update = _ytd_update(args, ctx)  # before any simulation: a bad table fails fast
    _check_memory(args, ctx, scenario.get("scenario", "paths") * (2 if update is not None else 1))  # an update runs before and after
    t1 = time.perf_counter()
    out, before = _simulate(args, update, ctx, scenario, args.workers, args.scheduler, progress=not args.no_progress)  # progress goes to stderr: --json stays clean
    out.timings.update(prepare_s=t1 - t0, workers=args.workers)
    structural = None
    if not args.no_structural:
        from .structural import run_structural

        t2 = time.perf_counter()
        structural = run_structural(out, args.structural_paths, args.workers, args.scheduler)
        out.timings["structural_s"] = time.perf_counter() - t2
    summary = _summary_with_update(out, structural, before, update)
    out.timings["total_s"] = time.perf_counter() - t0
    _report(args, out, summary)
    return 0


def _ytd_update(args, ctx):
    """The mid-year update's inputs, validated (``(nowcast condition or None, project table or None)``), or None."""
    cond, projects = _ytd_condition(args, ctx), _ytd_projects(args, ctx)
    return None if cond is None and projects is None else (cond, projects)


def _simulate(args, update, ctx, scenario, workers: int, scheduler, progress: bool):
    """Run the scenario; with an update, first without it ("before", same seed and paths) then with it."""
    from .engine import run_blocks

    paths, seed = scenario.get("scenario", "paths"), scenario.get("scenario", "seed")
    if update is None:
        return run_blocks(ctx, paths, seed, workers, scheduler, progress=progress), None
    from .ytd_update import input_records

    cond, projects = update
    updated = dataclasses.replace(ctx, ytd=cond, ytd_projects=projects.condition() if projects is not None else None,
                                  ytd_inputs=input_records(args.ytd, args.ytd_history, args.ytd_projects, ctx.data_dir))  # hashed as read
    before = run_blocks(ctx, paths, seed, workers, scheduler, progress=progress)
    return run_blocks(updated, paths, seed, workers, scheduler, progress=progress), before


def _summary_with_update(out, structural, before, update) -> dict:
    from .summary import summarise

    summary = summarise(out, structural)
    if update is not None:
        from .ytd_update import compare_runs

        summary["ytd"] = compare_runs(before, out, *update)
    return summary


def _ytd_condition(args, ctx):
    """The mid-year update of ``attain run --ytd``, or None."""
    if args.ytd is None:
        if args.ytd_history is not None or args.ytd_unit is not None:
            raise UsageError("--ytd-history and --ytd-unit apply to a mid-year update: give the table with --ytd TABLE")
        return None
    from .ytd_update import prepare_ytd

    return prepare_ytd(ctx, args.ytd, args.ytd_history, args.ytd_unit)


def _ytd_projects(args, ctx):
    """The project dispatch table of ``attain run --ytd-projects``, validated, or None."""
    if args.ytd_projects is None:
        return None
    from .ytd_update import prepare_projects

    return prepare_projects(ctx, args.ytd_projects)


def _report(args, out, summary: dict) -> None:
    """Print the results first, so a failing write does not lose them; then write the files."""
    from .display import run_table
    from .results import write_marked_json, write_results

    to_stdout = str(args.json) == "-"
    text = run_table(summary, args.lang)
    if summary.get("ytd"):
        from .ytd_display import ytd_lines

        text = "\n".join([text] + ytd_lines(summary["ytd"], args.lang))
    print(json.dumps(summary, ensure_ascii=False, indent=1, default=str) if to_stdout else text, flush=True)
    if args.json is not None and not to_stdout:
        write_marked_json(summary, args.json)
        print(f"\nJSON written to {args.json}")  # the folder may have been created for it: say where the file went
    if args.out:
        write_results(out, summary, args.out)
        if not to_stdout:
            print(f"\nresults written to {args.out}/ (summary.json, paths.nc, manifest.json)")


def _check_memory(args, ctx, paths: int) -> None:
    """Refuse, before any path is simulated, a run whose estimated memory exceeds the limit."""
    from .run_memory import available_memory, check_run_memory, estimate_run_memory, parse_size

    if args.max_memory is not None:
        limit, source = parse_size(args.max_memory), f"--max-memory {args.max_memory}"
    else:
        limit, source = available_memory(), "the memory this machine reports available; --max-memory sets another limit"
    # On a Dask cluster the blocks run elsewhere; what comes back to this process is the per-path part.
    check_run_memory(estimate_run_memory(ctx, paths, 1 if args.scheduler else args.workers), limit, source)


def _check_run_flags(args) -> None:
    """Everything about ``attain run``'s flags that can be known before the data are loaded."""
    from .results import check_output_file, check_output_folder
    from .run_memory import parse_size

    if args.max_memory is not None:
        parse_size(args.max_memory)
    if args.workers < 1:
        raise UsageError(f"--workers {args.workers}: expected 1 or more (local worker processes)")
    if args.structural_paths is not None and args.structural_paths < 1:
        raise UsageError(f"--structural-paths {args.structural_paths}: expected 1 or more (paths per structural variant)")
    if args.out is not None:
        check_output_folder(args.out, flag="-o")
    if args.json is not None and str(args.json) != "-":
        check_output_file(args.json, flag="--json", kind="json")
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
    r.add_argument("--sensitivity", type=Path, action="append", default=[], metavar="DIR",
                   help="a tornado result folder of 'attain sensitivity ... -o DIR' to show (repeatable)")
    r.add_argument("--goalseek", type=Path, action="append", default=[], metavar="FILE",
                   help="a goal-seek answer of 'attain goalseek ... --json FILE' to show (repeatable)")
    _ytd_flags(r)


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
    if args.from_dir is not None and any(v is not None for v in (args.ytd, args.ytd_history, args.ytd_unit, args.ytd_projects)):
        raise UsageError("--ytd/--ytd-projects apply when a scenario is run; a result folder of 'attain run --ytd ... -o DIR' carries its update (--from DIR shows it)")
    if args.workers < 1:
        raise UsageError(f"--workers {args.workers}: expected 1 or more (local worker processes)")
    if args.backtest_paths < 0:
        raise UsageError(f"--backtest-paths {args.backtest_paths}: expected 0 (leave out) or more")
    name = args.scenario if args.from_dir is None else args.from_dir.name
    out = args.out or Path("out") / f"report-{Path(name).stem}-{args.lang}.pdf"
    if out.suffix.lower() != ".pdf":
        raise UsageError(f"-o {out}: expected a file name ending in .pdf")
    check_output_file(out, flag="-o")
    from .report.analyses import read_goalseek, read_sensitivity

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
    _emit(info, args.json, f"report written to {out} ({seconds:.1f} s)")
    return 0


def _run_for_report(args, folder: Path) -> None:
    """Run the scenario as ``attain run -o`` would, into ``folder``."""
    from .context import prepare
    from .results import write_results
    from .scenario import load_scenario

    t0 = time.perf_counter()
    scenario = load_scenario(args.scenario).with_overrides(paths=args.paths, seed=args.seed)
    for note in scenario.notes:
        print(f"note: {note}", file=sys.stderr)
    ctx = prepare(scenario, data_dir=args.data)
    update = _ytd_update(args, ctx)
    t1 = time.perf_counter()
    out, before = _simulate(args, update, ctx, scenario, args.workers, None, progress=not (args.no_progress or args.json))
    out.timings.update(prepare_s=t1 - t0, workers=args.workers)
    from .structural import run_structural

    # The report shows P beside its structural range, exactly as `attain run` computes it.
    t2 = time.perf_counter()
    structural = run_structural(out, None, args.workers, None)
    out.timings["structural_s"] = time.perf_counter() - t2
    summary = _summary_with_update(out, structural, before, update)
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

    if args.compare is not None:
        return _calibrate_compare(args)
    given = (("--old-data", args.old_data), ("--nested", args.nested or None), ("--paths", args.paths), ("--seed", args.seed),
             ("--scenario", None if args.scenario == "baseline" else args.scenario), ("--alpha", None if args.alpha == 0.05 else args.alpha))
    extra = [f for f, v in given if v is not None]
    if extra:
        raise UsageError(f"{', '.join(extra)}: only with --compare OLD")
    return calibrate_command(as_of=args.as_of, check=args.check, figures=args.figures, as_json=args.json, data_dir=args.data)


def _calibrate_compare(args) -> int:
    from .calibration_compare import compare_command

    if args.check or args.figures is not None:
        raise UsageError("--compare: cannot be combined with --check or --figures (it writes nothing)")
    if args.paths is not None:
        _check_paths(args.paths, "Monte Carlo paths of the probability shift")
    return compare_command(args.compare, args.data, args.as_of, args.old_data, args.json, alpha=args.alpha, nested=args.nested,
                           paths=args.paths, scenario=args.scenario, seed=args.seed)


def _backtest(args) -> int:
    from .backtest import backtest_command

    _check_paths(args.paths, "Monte Carlo paths per origin")
    return backtest_command(paths=args.paths, as_json=args.json, data_dir=args.data)


def _topdown(args) -> int:
    from .topdown import topdown_command

    return topdown_command(args.scenario, args.paths, args.seed, args.json, args.write, data_dir=args.data)


def _nowcast(args) -> int:
    """``attain nowcast TABLE``: validate the table, nowcast every reported firm and park, score the method on the history."""
    from .data import load_dataset
    from .dispatch import load_dispatch
    from .nowcast import build_nowcast, nowcast_table
    from .nowcast_backtest import backtest_nowcast
    from .seasonality import estimate_pattern
    from .display import pad
    from .ytd_update import default_history

    panel = load_dataset(args.data)
    history = load_dispatch(args.history or default_history(args.data), panel)
    year = int(panel.meta["last_year"]) + 1
    current = load_dispatch(args.table, panel, year=year, unit=args.unit, sheet=args.sheet, history=history)
    pattern = estimate_pattern(history, panel)
    nc = build_nowcast(current, pattern, panel, year)
    table = nowcast_table(nc)
    names = {**panel.enterprises["name"].to_dict(), **panel.parks["name"].to_dict()}
    table.insert(1, "name", [names.get(e, e) for e in table["entity"]])
    score = backtest_nowcast(history, panel, months=(nc.month,))["by_month"][nc.month]
    obj = {"tool": "attain", "table": nc.label, "year": year, "month": nc.month, "illustrative": nc.illustrative, "assumption": pattern.describe(),
           "backtest": {"years": pattern.years, **score}, "flags": list(nc.flags), "notes": list(current.notes), "nowcast": table.to_dict("records")}
    lines = [f"{nc.label}: {year} January–month {nc.month}, {int((table['kind'] == 'enterprise').sum())} enterprises, {int((table['kind'] == 'park').sum())} parks — valid" + (" (illustrative)" if nc.illustrative else ""),
             f"assumption: {pattern.describe()}",
             f"backtest (leave one year out, {pattern.years[0]}–{pattern.years[-1]}, month {nc.month}): 80% interval covers {score['cover80']:.2f}, 95% covers {score['cover95']:.2f}, mean |log error| {score['mean_abs_log_error']:.3f} ({score['n']} firm/park-years)"]
    lines += [f"flag: {f}" for f in nc.flags]
    lines.append(f"{'entity':<12}{'name':<22}{'to date':>10}{'full year':>11}{'10%':>10}{'90%':>10}   (亿元)")
    for r in table.sort_values("median", ascending=False).head(args.top).itertuples():
        lines.append(f"{r.entity:<12}{pad(r.name[:10], 22)}{r.ytd:>10,.1f}{r.median:>11,.1f}{r.p10:>10,.1f}{r.p90:>10,.1f}")
    _emit(obj, args.json, "\n".join(lines))
    return 0


def _golden(args) -> int:
    from .golden import golden_command

    if args.paths is not None:
        _check_paths(args.paths, "paths per golden scenario")
    if args.file is not None and args.write:  # a check only reads the file
        from .results import check_output_file

        check_output_file(args.file, flag="--file")
    return golden_command(args.write, args.file, args.paths, args.json)


def _bench(args) -> int:
    from .commands import bench

    return bench.run(args)


# ----------------------------------------------------------------------------- sensitivity and goal seek (issue 15)


def _sensitivity_parsers(sub) -> None:
    s = sub.add_parser("sensitivity", help="which lever moves P(attain) most: tornado, spider, Sobol, Morris, regional sensitivity")
    s.add_argument("scenario", help="scenario file or name in scenarios/ (e.g. baseline)")
    s.add_argument("--target", action="append", required=True, metavar="ID", help="target id (repeat for several)")
    s.add_argument("--method", choices=("tornado", "spider", "sobol", "morris", "rsa"), default="tornado")
    s.add_argument("--levers", action="append", metavar="NAMES", help="comma-separated levers or settings such as macro.shift (default: every lever)")
    s.add_argument("--range", action="append", default=[], metavar="NAME=LOW:HIGH", help="narrow a factor's range (default: its declared range)")
    s.add_argument("--choices", action="append", default=[], metavar="NAME=V1,V2", help="values of a setting that needs a new run context per value")
    s.add_argument("--paths", type=int, help="paths per design point (default: 1000 tornado/spider, 100 sobol/morris, 50 rsa)")
    s.add_argument("--samples", type=int, help="Sobol base sample (power of 2, default 64), Morris trajectories (10), RSA points (200), spider points per factor (5)")
    s.add_argument("--output", choices=("p", "median", "shortfall"), default="p", help="Sobol/Morris output per point (default p: P on the point's batch of paths)")
    _common_sim_flags(s)
    s.add_argument("-o", "--out", type=Path, help="write results.json, figures and manifest.json into this folder (new, empty, or a previous attain result)")
    g = sub.add_parser("goalseek", help="how much of a lever brings a target to a probability; or, with --reverse, the highest level reached with P >= p")
    g.add_argument("scenario", help="scenario file or name in scenarios/ (e.g. baseline)")
    g.add_argument("--target", required=True, metavar="ID")
    g.add_argument("--prob", type=float, required=True, help="probability to reach, between 0 and 1")
    g.add_argument("--lever", action="append", default=[], metavar="NAME[=END]", help="one lever searched over its range, or several NAME=END moved together from the scenario's values")
    g.add_argument("--range", action="append", default=[], metavar="NAME=LOW:HIGH", help="search range of a single lever (default: its declared range)")
    g.add_argument("--tol", type=float, help="width of the final bracket (default: 1%% of the range; 1 for whole-number levers; 0.01 of the step)")
    g.add_argument("--reverse", action="store_true", help="the largest level of the target's quantity reached with P >= --prob (no lever)")
    g.add_argument("--paths", type=int, default=1000, help="paths at every evaluated value (default 1000)")
    _common_sim_flags(g)


def _common_sim_flags(p) -> None:
    p.add_argument("--seed", type=int, help="root seed (default: the scenario's)")
    p.add_argument("--workers", type=int, default=1, help="local worker processes (1 or more)")
    p.add_argument("--scheduler", help="dask.distributed scheduler address tcp://HOST:PORT")
    p.add_argument("--data", type=Path, metavar="DIR", help="dataset folder (default: the embedded calibration/data)")
    p.add_argument("--as-of", type=int, help="calibrate on data up to this year and simulate from the next")
    p.add_argument("--json", type=Path, metavar="FILE", help="write machine-readable results to FILE ('-' = stdout)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--no-progress", action="store_true")


_SENS_DEFAULTS = {"tornado": (1000, None), "spider": (1000, 5), "sobol": (100, 64), "morris": (100, 10), "rsa": (50, 200)}


def _pairs(items: list[str], flag: str) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise UsageError(f"{flag} {item}: expected NAME=VALUE")
        out[name.strip()] = value.strip()
    return out


def _literal(text: str):
    import tomllib

    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _sim_runner(args, targets: list[str], paths: int):
    """Scenario, context and point runner shared by ``sensitivity`` and ``goalseek``."""
    from .context import prepare
    from .design_points import PointRunner
    from .scenario import load_scenario

    if args.workers < 1:
        raise UsageError(f"--workers {args.workers}: expected 1 or more (local worker processes)")
    if not 10 <= paths <= 1_000_000:
        raise UsageError(f"--paths {paths}: expected 10 to 1,000,000 (paths per design point)")
    if args.json is not None and str(args.json) != "-":
        from .results import check_output_file

        check_output_file(args.json, flag="--json")
    scenario = load_scenario(args.scenario).with_overrides(seed=args.seed)
    if args.scheduler:
        _check_scheduler(args.scheduler)
    for note in scenario.notes:
        print(f"note: {note}", file=sys.stderr)
    prep = {"as_of": args.as_of, "data_dir": args.data}
    ctx = prepare(scenario, **prep)
    quiet = args.no_progress or str(args.json) == "-"
    return PointRunner(ctx, targets, paths, scenario.get("scenario", "seed"), args.workers, args.scheduler, not quiet, prep)


def _emit_result(args, res: dict, text: str) -> None:
    from .results import write_json

    to_stdout = str(args.json) == "-"
    print(json.dumps(res, ensure_ascii=False, indent=1, default=str) if to_stdout else text, flush=True)
    if args.json is not None and not to_stdout:
        write_json(res, args.json)


def _sensitivity(args) -> int:
    from . import sensitivity as sa
    from .design_points import lever_factors
    from .results import check_output_folder
    from .sensitivity_output import text_report, write_result_folder

    paths = args.paths or _SENS_DEFAULTS[args.method][0]
    samples = args.samples or _SENS_DEFAULTS[args.method][1]
    if args.out is not None:
        check_output_folder(args.out, flag="-o")
    names = [n.strip() for item in (args.levers or []) for n in item.split(",") if n.strip()] or None
    choices = {k: [_literal(v) for v in val.split(",")] for k, val in _pairs(args.choices, "--choices").items()}
    factors = lever_factors(names, _pairs(args.range, "--range"), choices)
    if args.method == "sobol" and (samples < 16 or samples & (samples - 1)):
        raise UsageError(f"--samples {samples}: the Sobol base sample must be a power of 2, at least 16")
    if samples is not None and samples < 2:
        raise UsageError(f"--samples {samples}: expected 2 or more")
    runner = _sim_runner(args, list(dict.fromkeys(args.target)), paths)
    if args.method == "tornado":
        res = sa.tornado(runner, factors)
    elif args.method == "spider":
        res = sa.spider(runner, factors, samples)
    elif args.method == "sobol":
        res = sa.sobol(runner, factors, samples, args.output)
    elif args.method == "morris":
        res = sa.morris_screening(runner, factors, samples, args.output)
    else:
        res = sa.regional_split(runner, factors, samples)
    scenario = runner.ctx.scenario
    res.update(scenario=scenario.name, illustrative_data=runner.ctx.panel.illustrative)
    _emit_result(args, res, text_report(res, scenario.name, args.lang))
    if args.out is not None:
        info = {"scenario": scenario.name, "scenario_files": list(scenario.chain), "scenario_digest": scenario.digest(), "seed": runner.seed,
                "paths_per_point": paths, "data_dir": runner.ctx.data_dir, "data_hash": runner.ctx.panel.data_hash(), "calibration": runner.ctx.calibration_source}
        files = write_result_folder(res, args.out, info, args.lang)
        if str(args.json) != "-":
            print(f"\nresults written to {args.out}/ ({', '.join(files)})")
    return 0


def _goalseek(args) -> int:
    from .design_points import make_factor
    from .goalseek import goalseek, goalseek_package, reverse
    from .levers import LEVERS
    from .sensitivity_output import goalseek_text

    if not 0 < args.prob < 1:
        raise UsageError(f"--prob {args.prob}: expected a probability strictly between 0 and 1")
    if args.tol is not None and not args.tol > 0:  # a bracket can never get narrower than 0: the search would not end
        raise UsageError(f"--tol {args.tol}: expected a positive width of the final bracket, in the lever's unit (default: 1% of the range)")
    if args.reverse and args.lever:
        raise UsageError("--reverse takes no --lever: it reports the highest level the scenario reaches with P >= --prob")
    if not args.reverse and not args.lever:
        raise UsageError("--lever NAME (or several NAME=END) is required unless --reverse is given")
    ranges = _pairs(args.range, "--range")
    ends = {}
    single = None
    for item in args.lever:
        name, sep, end = item.partition("=")
        if sep:
            if name not in LEVERS:
                raise UsageError(f"--lever {item}: unknown lever; see `attain levers`")
            ends[name] = LEVERS[name].check(_literal(end), f"--lever {item}")
        else:
            single = name
    if single is not None and (ends or len(args.lever) > 1):
        raise UsageError("--lever: give one NAME (searched over its range) or several NAME=END (a package), not both")
    factor = make_factor(single, ranges.get(single)) if single is not None else None
    if ranges and (factor is None or set(ranges) != {single}):
        raise UsageError("--range applies to the single --lever NAME searched")
    runner = _sim_runner(args, [args.target], args.paths)
    if args.reverse:
        res = reverse(runner, args.target, args.prob)
    elif factor is not None:
        res = goalseek(runner, args.target, factor, args.prob, args.tol)
    else:
        res = goalseek_package(runner, args.target, ends, args.prob, args.tol)
    res.update(scenario=runner.ctx.scenario.name, illustrative_data=runner.ctx.panel.illustrative)
    _emit_result(args, res, goalseek_text(res, args.lang))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
