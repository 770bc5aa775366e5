"""``attain targets``: the target catalogue as a table (or JSON)."""

from __future__ import annotations

from .output import emit

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    """The ``targets`` verb."""
    tg = subparsers.add_parser("targets", help="list the target catalogue")
    tg.add_argument("--json", action="store_true")
    tg.add_argument("--lang", choices=("zh", "en"), default="zh")


def run(args) -> int:
    """Print the catalogue and how many of its targets are evaluable."""
    from dataclasses import asdict

    from ..catalogue import format_table, load_catalogue, summary

    targets = load_catalogue()
    s = summary(targets)
    if args.json:
        emit({"summary": s, "targets": [asdict(t) for t in targets]}, True, "")
    else:
        emit(None, False, format_table(targets, lang=args.lang) + f"\n\n{s.get('total', len(targets))} targets; evaluable: {s.get('evaluable', '?')}")
    return 0
