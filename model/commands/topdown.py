"""``attain topdown [SCENARIO]``: the bottom-up region totals against top-down forecasts of their own history (:mod:`model.topdown`)."""

from __future__ import annotations

from pathlib import Path

from .output import emit

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    """The ``topdown`` verb."""
    td = subparsers.add_parser("topdown", help="compare the bottom-up region totals with top-down forecasts of their own history")
    td.add_argument("scenario", nargs="?", default="baseline", help="scenario file or name (default: baseline)")
    td.add_argument("--paths", type=int, default=1000, help="Monte Carlo paths (100 to 1,000,000)")
    td.add_argument("--seed", type=int)
    td.add_argument("--data", type=Path, metavar="DIR", help="dataset folder (default: embedded data)")
    td.add_argument("--write", type=Path, metavar="FILE", help="also write the Markdown report to FILE")
    td.add_argument("--json", action="store_true")


def run(args) -> int:
    """Run the scenario, print the check (Markdown or JSON), then write ``--write`` (checked before the run)."""
    from ..context import prepare
    from ..engine import run_blocks
    from ..outputs import check_output_file, write_text
    from ..scenario import load_scenario
    from ..topdown import summary_line, topdown_check, topdown_markdown

    scen = load_scenario(args.scenario).with_overrides(paths=args.paths, seed=args.seed)
    if args.write is not None:
        check_output_file(args.write, flag="--write", kind="md")
    out = run_blocks(prepare(scen, data_dir=args.data), scen.get("scenario", "paths"), scen.get("scenario", "seed"))
    frame = topdown_check(out)
    text = topdown_markdown(frame, out)
    emit({"summary": summary_line(frame), "rows": frame.to_dict(orient="records")}, args.json, text)
    if args.write is not None:  # after printing, so a failed write does not lose the report
        write_text(text, args.write)
    return 0
