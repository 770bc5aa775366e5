"""``attain sensitivity SCENARIO --target ID``: which lever moves P(attain) most (tornado, spider, Sobol, Morris, regional sensitivity)."""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from .output import emit_result
from .checks import common_sim_flags
from .point_runner import literal, pairs, sim_runner

__all__ = ["add_parser", "run"]

#: Default (paths per point, samples) of each method.
_SENS_DEFAULTS = {"tornado": (1000, None), "spider": (1000, 5), "sobol": (100, 64), "morris": (100, 10), "rsa": (50, 200)}


def add_parser(subparsers) -> None:
    """The ``sensitivity`` verb."""
    s = subparsers.add_parser("sensitivity", help="which lever moves P(attain) most: tornado, spider, Sobol, Morris, regional sensitivity")
    s.add_argument("scenario", help="scenario file or name in scenarios/ (e.g. baseline)")
    s.add_argument("--target", action="append", required=True, metavar="ID", help="target id (repeat for several)")
    s.add_argument("--method", choices=("tornado", "spider", "sobol", "morris", "rsa"), default="tornado")
    s.add_argument("--levers", action="append", metavar="NAMES", help="comma-separated levers or settings such as macro.shift (default: every lever)")
    s.add_argument("--range", action="append", default=[], metavar="NAME=LOW:HIGH", help="narrow a factor's range (default: its declared range)")
    s.add_argument("--choices", action="append", default=[], metavar="NAME=V1,V2", help="values of a setting that needs a new run context per value")
    s.add_argument("--paths", type=int, help="paths per design point (default: 1000 tornado/spider, 100 sobol/morris, 50 rsa)")
    s.add_argument("--samples", type=int, help="Sobol base sample (power of 2, default 64), Morris trajectories (10), RSA points (200), spider points per factor (5)")
    s.add_argument("--output", choices=("p", "median", "shortfall"), default="p", help="Sobol/Morris output per point (default p: P on the point's batch of paths)")
    common_sim_flags(s)
    s.add_argument("-o", "--out", type=Path, help="write results.json, figures and manifest.json into this folder (new, empty, or a previous attain result)")


def run(args) -> int:
    """Check the flags, run the method's design points, print (and write ``--json``, ``-o``)."""
    from .. import sensitivity as sa
    from ..design_points import lever_factors
    from ..results import check_output_folder, input_hashes
    from ..sensitivity_output import text_report, write_result_folder

    paths = args.paths or _SENS_DEFAULTS[args.method][0]
    samples = args.samples or _SENS_DEFAULTS[args.method][1]
    if args.out is not None:
        check_output_folder(args.out, flag="-o")
    names = [n.strip() for item in (args.levers or []) for n in item.split(",") if n.strip()] or None
    choices = {k: [literal(v) for v in val.split(",")] for k, val in pairs(args.choices, "--choices").items()}
    factors = lever_factors(names, pairs(args.range, "--range"), choices)
    if args.method == "sobol" and (samples < 16 or samples & (samples - 1)):
        raise UsageError(f"--samples {samples}: the Sobol base sample must be a power of 2, at least 16")
    if samples is not None and samples < 2:
        raise UsageError(f"--samples {samples}: expected 2 or more")
    runner = sim_runner(args, list(dict.fromkeys(args.target)), paths)
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
    emit_result(res, args.json, text_report(res, scenario.name, args.lang))
    if args.out is not None:
        info = {"scenario": scenario.name, "scenario_files": list(scenario.chain), "scenario_digest": scenario.digest(), "seed": runner.seed,
                "paths_per_point": paths, "data_dir": runner.ctx.data_dir, "data_hash": runner.ctx.panel.data_hash(), "calibration": runner.ctx.calibration_source,
                **input_hashes(runner.ctx)}
        files = write_result_folder(res, args.out, info, args.lang)
        if str(args.json) != "-":
            print(f"\nresults written to {args.out}/ ({', '.join(files)})")
    return 0
