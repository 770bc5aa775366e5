"""``attain goalseek SCENARIO --target ID --prob P``: how much of a lever brings a target to a probability (or, ``--reverse``, the level reached)."""

from __future__ import annotations

from ..errors import UsageError
from .output import emit_result
from .checks import common_sim_flags
from .point_runner import literal, pairs, sim_runner

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    """The ``goalseek`` verb."""
    g = subparsers.add_parser("goalseek", help="how much of a lever brings a target to a probability; or, with --reverse, the highest level reached with P >= p")
    g.add_argument("scenario", help="scenario file or name in scenarios/ (e.g. baseline)")
    g.add_argument("--target", required=True, metavar="ID")
    g.add_argument("--prob", type=float, required=True, help="probability to reach, between 0 and 1")
    g.add_argument("--lever", action="append", default=[], metavar="NAME[=END]", help="one lever searched over its range, or several NAME=END moved together from the scenario's values")
    g.add_argument("--range", action="append", default=[], metavar="NAME=LOW:HIGH", help="search range of a single lever (default: its declared range)")
    g.add_argument("--tol", type=float, help="width of the final bracket (default: 1%% of the range; 1 for whole-number levers; 0.01 of the step)")
    g.add_argument("--reverse", action="store_true", help="the largest level of the target's quantity reached with P >= --prob (no lever)")
    g.add_argument("--paths", type=int, default=1000, help="paths at every evaluated value (default 1000)")
    common_sim_flags(g)


def run(args) -> int:
    """Check the flags, search, print (and write ``--json``)."""
    from ..design_points import make_factor
    from ..goalseek import goalseek, goalseek_package, reverse
    from ..levers import LEVERS
    from ..sensitivity_output import goalseek_text

    if not 0 < args.prob < 1:
        raise UsageError(f"--prob {args.prob}: expected a probability strictly between 0 and 1")
    if args.tol is not None and not args.tol > 0:  # a bracket can never get narrower than 0: the search would not end
        raise UsageError(f"--tol {args.tol}: expected a positive width of the final bracket, in the lever's unit (default: 1% of the range)")
    if args.reverse and args.lever:
        raise UsageError("--reverse takes no --lever: it reports the highest level the scenario reaches with P >= --prob")
    if not args.reverse and not args.lever:
        raise UsageError("--lever NAME (or several NAME=END) is required unless --reverse is given")
    ranges = pairs(args.range, "--range")
    ends = {}
    single = None
    for item in args.lever:
        name, sep, end = item.partition("=")
        if sep:
            if name not in LEVERS:
                raise UsageError(f"--lever {item}: unknown lever; see `attain levers`")
            ends[name] = LEVERS[name].check(literal(end), f"--lever {item}")
        else:
            single = name
    if single is not None and (ends or len(args.lever) > 1):
        raise UsageError("--lever: give one NAME (searched over its range) or several NAME=END (a package), not both")
    factor = make_factor(single, ranges.get(single)) if single is not None else None
    if ranges and (factor is None or set(ranges) != {single}):
        raise UsageError("--range applies to the single --lever NAME searched")
    runner = sim_runner(args, [args.target], args.paths)
    if args.reverse:
        res = reverse(runner, args.target, args.prob)
    elif factor is not None:
        res = goalseek(runner, args.target, factor, args.prob, args.tol)
    else:
        res = goalseek_package(runner, args.target, ends, args.prob, args.tol)
    res.update(scenario=runner.ctx.scenario.name, illustrative_data=runner.ctx.panel.illustrative)
    emit_result(res, args.json, goalseek_text(res, args.lang))
    return 0
