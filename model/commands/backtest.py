"""``attain backtest``: rolling-origin interval coverage on the data we have (:mod:`model.backtest`)."""

from __future__ import annotations

from pathlib import Path

from .checks import check_paths
from .output import emit

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    """The ``backtest`` verb."""
    bt = subparsers.add_parser("backtest", help="rolling-origin backtest of interval coverage and CRPS (default: on the embedded data)")
    bt.add_argument("--paths", type=int, default=1000, help="Monte Carlo paths per origin (100 to 1,000,000)")
    bt.add_argument("--data", type=Path, metavar="DIR", help="dataset folder (default: embedded data)")
    bt.add_argument("--json", action="store_true")


def run(args) -> int:
    """Print the coverage table (or JSON)."""
    from ..backtest import LEVELS, coverage_table, default_origins, rolling_origin
    from ..data import load_dataset

    check_paths(args.paths, "Monte Carlo paths per origin")
    panel = load_dataset(args.data)
    origins = default_origins(panel)
    table = coverage_table(rolling_origin(panel, origins=origins, n_paths=args.paths))
    text = (f"rolling-origin backtest (origins {origins[0]}-{origins[-1]}; nominal coverage 0.50 / 0.80 / 0.95)\n"
            + table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    emit({"coverage": table.to_dict(orient="records"), "nominal": list(LEVELS), "origins": list(origins)}, args.json, text)
    return 0
