"""What ``attain sensitivity`` and ``attain goalseek`` share: their simulation flags and the point runner built from them."""

from __future__ import annotations


from ..errors import UsageError
from .checks import check_scheduler, check_workers
from .run import print_notes

__all__ = ["sim_runner", "pairs", "literal"]


def pairs(items: list[str], flag: str) -> dict[str, str]:
    """``["a=1", "b=x"]`` -> ``{"a": "1", "b": "x"}``; a malformed item names ``flag``."""
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise UsageError(f"{flag} {item}: expected NAME=VALUE")
        out[name.strip()] = value.strip()
    return out


def literal(text: str):
    """``text`` read as a TOML value (number, boolean, quoted string...), or the text itself."""
    import tomllib

    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def sim_runner(args, targets: list[str], paths: int):
    """Scenario, context and point runner shared by ``sensitivity`` and ``goalseek``."""
    from ..context import prepare
    from ..design_points import PointRunner
    from ..scenario import load_scenario

    check_workers(args.workers)
    if not 10 <= paths <= 1_000_000:
        raise UsageError(f"--paths {paths}: expected 10 to 1,000,000 (paths per design point)")
    if args.json is not None and str(args.json) != "-":
        from ..outputs import check_output_file

        check_output_file(args.json, flag="--json")
    scenario = load_scenario(args.scenario).with_overrides(seed=args.seed)
    if args.scheduler:
        check_scheduler(args.scheduler)
    print_notes(scenario)
    prep = {"as_of": args.as_of, "data_dir": args.data}
    ctx = prepare(scenario, **prep)
    quiet = args.no_progress or str(args.json) == "-"
    return PointRunner(ctx, targets, paths, scenario.get("scenario", "seed"), args.workers, args.scheduler, not quiet, prep)
