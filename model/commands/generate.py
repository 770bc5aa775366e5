"""``python -m model.generator FOLDER [--registry N]``: write the illustrative dataset and say where.

Not a verb of ``attain``: the generator (:mod:`model.generator`) rebuilds the
embedded data, bit-identical, and its command line lives here with the others.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..generator import write_dataset, write_registry_dataset
from ..panel import default_data_dir

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """``python -m model.generator FOLDER [--registry N]``: write the illustrative dataset (or its registry-scale version)."""
    ap = argparse.ArgumentParser(prog="python -m model.generator", description="write the illustrative dataset")
    ap.add_argument("folder", nargs="?", type=Path, default=default_data_dir())
    ap.add_argument("--registry", type=int, metavar="N", help="registry scale: split the remainders into made-up firms up to N enterprises (e.g. 7000)")
    args = ap.parse_args(sys.argv[1:] if argv is None else argv)
    if args.registry:
        write_registry_dataset(args.folder, args.registry)
        print(f"wrote illustrative registry-scale dataset ({args.registry} enterprises) to {args.folder}")
        return 0
    write_dataset(args.folder)
    print(f"wrote illustrative dataset to {args.folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
