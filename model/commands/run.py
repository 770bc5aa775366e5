"""``attain run SCENARIO``: P(attain) of every target (with ``--ytd``: before and after the mid-year update)."""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

from ..errors import UsageError
from .checks import check_scheduler, check_workers, common_sim_flags
from .output import emit

__all__ = ["add_parser", "run", "ytd_flags", "ytd_update", "simulate", "summary_with_update", "print_notes"]


def add_parser(subparsers) -> None:
    """The ``run`` verb."""
    r = subparsers.add_parser("run", help="run a scenario: P(attain) of every target")
    r.add_argument("scenario", help="scenario file or name in scenarios/ (e.g. baseline)")
    r.add_argument("--paths", type=int, help="Monte Carlo paths (default: the scenario's)")
    common_sim_flags(r)
    r.add_argument("-o", "--out", type=Path, help="write summary.json, paths.nc and manifest.json into this folder "
                   "(a new or empty folder, or a previous result folder, which is replaced)")
    r.add_argument("--no-structural", action="store_true", help="skip the structural range (P under alternative assumptions, model/structural.py)")
    r.add_argument("--structural-paths", type=int, metavar="N", help="paths per structural variant (default: min(500, --paths), whole blocks)")
    r.add_argument("--max-memory", metavar="SIZE", help="refuse the run before it starts if its estimated memory exceeds SIZE "
                   "(e.g. 8GB; default: the memory the system reports available)")
    ytd_flags(r)


def ytd_flags(parser) -> None:
    """The mid-year update's flags (attain run, attain report)."""
    y = parser.add_argument_group("mid-year update (月调度表): start the paths from this year's nowcast; P before and after")
    y.add_argument("--ytd", type=Path, metavar="TABLE", help="the current year's monthly dispatch table (CSV or .xlsx): January-to-month cumulative revenue")
    y.add_argument("--ytd-history", type=Path, metavar="TABLE", help="monthly history the within-year pattern is estimated from (default: DATA/monthly/history.csv)")
    y.add_argument("--ytd-unit", help="unit of the table's rows whose 单位 is empty (亿元 or 万元)")
    y.add_argument("--ytd-projects", type=Path, metavar="TABLE", help="the current year's project dispatch table of the 百项 list (CSV or .xlsx): "
                   "its reported 开工/投产 up to the report month are fixed, the rest of the year is simulated")


def print_notes(scenario) -> None:
    """The scenario's notes (settings it fixed, deprecated keys...) on stderr: stdout stays the results."""
    for note in scenario.notes:
        print(f"note: {note}", file=sys.stderr)


def run(args) -> int:
    """Check the flags, prepare, simulate (and the structural range), print, then write the files."""
    from ..context import prepare
    from ..scenario import load_scenario

    t0 = time.perf_counter()
    _check_run_flags(args)
    scenario = load_scenario(args.scenario).with_overrides(paths=args.paths, seed=args.seed)
    if args.scheduler:
        check_scheduler(args.scheduler)
    print_notes(scenario)
    ctx = prepare(scenario, as_of=args.as_of, data_dir=args.data)
    update = ytd_update(args, ctx)  # before any simulation: a bad table fails fast
    _check_memory(args, ctx, scenario.get("scenario", "paths") * (2 if update is not None else 1))  # an update runs before and after
    t1 = time.perf_counter()
    out, before = simulate(args, update, ctx, scenario, args.workers, args.scheduler, progress=not args.no_progress)  # progress goes to stderr: --json stays clean
    out.timings.update(prepare_s=t1 - t0, workers=args.workers)
    structural = None
    if not args.no_structural:
        from ..structural import run_structural

        t2 = time.perf_counter()
        structural = run_structural(out, args.structural_paths, args.workers, args.scheduler)
        out.timings["structural_s"] = time.perf_counter() - t2
        from ..prepare_cache import refresh

        refresh()  # keep what the variants computed once (their history pilots) with the cached context
    summary = summary_with_update(out, structural, before, update)
    out.timings["total_s"] = time.perf_counter() - t0
    _report(args, out, summary)
    return 0


def ytd_update(args, ctx):
    """The mid-year update's inputs, validated (``(nowcast condition or None, project table or None)``), or None."""
    cond, projects = _ytd_condition(args, ctx), _ytd_projects(args, ctx)
    return None if cond is None and projects is None else (cond, projects)


def simulate(args, update, ctx, scenario, workers: int, scheduler, progress: bool):
    """Run the scenario; with an update, first without it ("before", same seed and paths) then with it."""
    from ..engine import run_blocks

    paths, seed = scenario.get("scenario", "paths"), scenario.get("scenario", "seed")
    if update is None:
        return run_blocks(ctx, paths, seed, workers, scheduler, progress=progress), None
    from ..ytd_update import input_records

    cond, projects = update
    updated = dataclasses.replace(ctx, ytd=cond, ytd_projects=projects.condition() if projects is not None else None,
                                  ytd_inputs=input_records(args.ytd, args.ytd_history, args.ytd_projects, ctx.data_dir))  # hashed as read
    before = run_blocks(ctx, paths, seed, workers, scheduler, progress=progress)
    return run_blocks(updated, paths, seed, workers, scheduler, progress=progress), before


def summary_with_update(out, structural, before, update) -> dict:
    """The run's summary, with the mid-year update's before/after comparison when there is one."""
    from ..summary import summarise

    summary = summarise(out, structural)
    if update is not None:
        from ..ytd_update import compare_runs

        summary["ytd"] = compare_runs(before, out, *update)
    return summary


def _ytd_condition(args, ctx):
    """The mid-year update of ``attain run --ytd``, or None."""
    if args.ytd is None:
        if args.ytd_history is not None or args.ytd_unit is not None:
            raise UsageError("--ytd-history and --ytd-unit apply to a mid-year update: give the table with --ytd TABLE")
        return None
    from ..ytd_update import prepare_ytd

    return prepare_ytd(ctx, args.ytd, args.ytd_history, args.ytd_unit)


def _ytd_projects(args, ctx):
    """The project dispatch table of ``attain run --ytd-projects``, validated, or None."""
    if args.ytd_projects is None:
        return None
    from ..ytd_update import prepare_projects

    return prepare_projects(ctx, args.ytd_projects)


def _report(args, out, summary: dict) -> None:
    """Print the results first, so a failing write does not lose them; then write the files."""
    from ..display import run_table
    from ..outputs import write_marked_json
    from ..results import write_results

    to_stdout = str(args.json) == "-"
    text = run_table(summary, args.lang)
    if summary.get("ytd"):
        from ..ytd_display import ytd_lines

        text = "\n".join([text] + ytd_lines(summary["ytd"], args.lang))
    emit(summary, to_stdout, text)
    if args.json is not None and not to_stdout:
        write_marked_json(summary, args.json)
        print(f"\nJSON written to {args.json}")  # the folder may have been created for it: say where the file went
    if args.out:
        write_results(out, summary, args.out)
        if not to_stdout:
            print(f"\nresults written to {args.out}/ (summary.json, paths.nc, manifest.json)")


def _check_memory(args, ctx, paths: int) -> None:
    """Refuse, before any path is simulated, a run whose estimated memory exceeds the limit."""
    from ..run_memory import available_memory, check_run_memory, estimate_run_memory, parse_size

    if args.max_memory is not None:
        limit, source = parse_size(args.max_memory), f"--max-memory {args.max_memory}"
    else:
        limit, source = available_memory(), "the memory this machine reports available; --max-memory sets another limit"
    # On a Dask cluster the blocks run elsewhere; what comes back to this process is the per-path part.
    check_run_memory(estimate_run_memory(ctx, paths, 1 if args.scheduler else args.workers), limit, source)


def _check_run_flags(args) -> None:
    """Everything about ``attain run``'s flags that can be known before the data are loaded."""
    from ..outputs import check_output_file
    from ..results import check_output_folder
    from ..run_memory import parse_size

    if args.max_memory is not None:
        parse_size(args.max_memory)
    check_workers(args.workers)
    if args.structural_paths is not None and args.structural_paths < 1:
        raise UsageError(f"--structural-paths {args.structural_paths}: expected 1 or more (paths per structural variant)")
    if args.out is not None:
        check_output_folder(args.out, flag="-o")
    if args.json is not None and str(args.json) != "-":
        check_output_file(args.json, flag="--json", kind="json")
        if args.out is not None and args.json.resolve().is_relative_to(args.out.resolve()):
            raise UsageError(f"--json {args.json}: is inside the -o folder {args.out}, which is replaced as a whole; choose a path outside it")
