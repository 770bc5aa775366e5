"""``attain levers``: the policy levers with their units and ranges."""

from __future__ import annotations

from .output import emit

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    """The ``levers`` verb."""
    lv = subparsers.add_parser("levers", help="list policy levers with units and ranges")
    lv.add_argument("--json", action="store_true")


def run(args) -> int:
    """Print one line per lever: name, default, unit, range, description."""
    from dataclasses import asdict

    from ..levers import LEVERS

    rows = [asdict(v) for v in LEVERS.values()]
    text = "\n".join(f"{r['name']:36s} {r['default']:>10g} {r['unit']:16s} [{r['low']:g}, {r['high']:g}]  {r['description']}" for r in rows)
    emit({"levers": rows}, args.json, text)
    return 0
