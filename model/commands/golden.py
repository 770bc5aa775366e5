"""``attain golden [--write]``: rerun the shipped scenarios and compare with the golden probabilities (:mod:`model.golden`)."""

from __future__ import annotations

from pathlib import Path

from .checks import check_paths
from .output import emit

__all__ = ["add_parser", "run", "golden_command", "identity_command"]


def add_parser(subparsers) -> None:
    """The ``golden`` verb."""
    gd = subparsers.add_parser("golden", help="rerun the shipped scenarios and compare with tests/golden/probabilities.json (--write regenerates it)")
    gd.add_argument("--write", action="store_true", help="regenerate the golden file (after printing which targets moved)")
    gd.add_argument("--file", type=Path, help="golden file (default: tests/golden/probabilities.json)")
    gd.add_argument("--paths", type=int, help="paths per scenario (default: the file's; 500 for a new file)")
    gd.add_argument("--identity", action="store_true", help="instead: rerun each shipped scenario's small run (structural range included) and require "
                    "summary.json byte for byte as stored in tests/golden/summary_identity/ (what a speed-up must keep)")
    gd.add_argument("--json", action="store_true")


def run(args) -> int:
    """Check the flags, then :func:`golden_command`."""
    if args.paths is not None:
        check_paths(args.paths, "paths per golden scenario")
    if args.file is not None and args.write:  # a check only reads the file
        from ..outputs import check_output_file

        check_output_file(args.file, flag="--file")
    if args.identity:
        if args.file is not None or args.paths is not None:
            raise SystemExit("error: --identity compares the stored texts in tests/golden/summary_identity/ at their own path count: "
                             "it takes no --file or --paths")
        return identity_command(args.write, args.json)
    return golden_command(args.write, args.file, args.paths, args.json)


def golden_command(write: bool, path: Path | None = None, paths: int | None = None, as_json: bool = False) -> int:
    """``attain golden [--write]``: rerun the golden scenarios and compare (or regenerate the file).

    Parameters
    ----------
    write : bool
        Regenerate the file (after printing what moved).
    path : Path, optional
        Golden file (default :func:`golden_path`).
    paths : int, optional
        Paths per scenario (default: the file's, or :data:`GOLDEN_PATHS` when writing a new file).
    as_json : bool

    Returns
    -------
    int
        0 when reproduced or written; 1 when a probability moved (check mode).
    """
    from ..golden import GOLDEN_PATHS, format_golden_diff, golden_diff, golden_path, golden_probabilities, read_golden, shipped_scenarios
    from ..outputs import write_json

    path = Path(path) if path is not None else golden_path()
    stored = read_golden(path) if path.exists() else None
    if stored is None and not write:
        raise FileNotFoundError(f"{path}: no golden results yet; write them with `attain golden --write`")
    if paths is None:
        paths = next(iter(stored["scenarios"].values()))["paths"] if stored and stored["scenarios"] else GOLDEN_PATHS
    scenarios = None if write or stored is None else sorted(stored["scenarios"])
    fresh = golden_probabilities(paths, scenarios)
    n_total = sum(len(s["targets"]) for s in fresh["scenarios"].values())
    moved, notes = golden_diff(stored, fresh) if stored else ([], [])
    if not write:
        notes += [f"scenario {n}: shipped but not in the golden file (add it with `attain golden --write`)" for n in shipped_scenarios() if n not in fresh["scenarios"]]
    if write:
        write_json(fresh, path)
    text = format_golden_diff(moved, notes, n_total, path, first=stored is None) + (f"\nwritten: {path}" if write else "")
    emit({"file": str(path), "written": write, "moved": [m.__dict__ for m in moved], "notes": notes, "n_probabilities": n_total}, as_json, text)
    return 0 if write or not moved else 1


def identity_command(write: bool, as_json: bool = False) -> int:
    """``attain golden --identity [--write]``: each shipped scenario's summary.json byte for byte (:mod:`model.summary_identity`).

    Returns
    -------
    int
        0 when every summary is as stored (or written); 1 when one differs.
    """
    from ..golden import shipped_scenarios
    from ..summary_identity import Difference, compare_identity, identity_dir, write_identity

    names = shipped_scenarios()
    if write:
        folder = write_identity(names)
        emit({"folder": str(folder), "written": names}, as_json, f"summary.json of {', '.join(names)} stored in {folder}")
        return 0
    verdicts = {}
    for name in names:
        try:
            verdicts[name] = compare_identity(name)
        except Difference as e:
            verdicts[name] = f"DIFFERS: {e}"
    lines = [f"  {n:14s} {v}" for n, v in verdicts.items()]
    emit({"folder": str(identity_dir()), "scenarios": verdicts}, as_json, "summary.json against the stored text:\n" + "\n".join(lines))
    return 1 if any(v.startswith("DIFFERS") for v in verdicts.values()) else 0
