"""Flags several commands share, and their checks: a ``--paths`` count, a reachable ``--scheduler``."""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError

__all__ = ["common_sim_flags", "check_paths", "check_scheduler", "check_workers", "SCHEDULER_TIMEOUT"]

#: Seconds to wait for a ``--scheduler`` before giving up.
SCHEDULER_TIMEOUT = 5


def common_sim_flags(p) -> None:
    """Seed, workers, scheduler, data, as-of, --json, language and progress flags."""
    p.add_argument("--seed", type=int, help="root seed (default: the scenario's)")
    p.add_argument("--workers", type=int, default=1, help="local worker processes (1 or more)")
    p.add_argument("--scheduler", help="dask.distributed scheduler address tcp://HOST:PORT")
    p.add_argument("--data", type=Path, metavar="DIR", help="dataset folder (default: the embedded calibration/data)")
    p.add_argument("--as-of", type=int, help="calibrate on data up to this year and simulate from the next")
    p.add_argument("--json", type=Path, metavar="FILE", help="write machine-readable results to FILE ('-' = stdout)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--no-progress", action="store_true")


def check_scheduler(address: str) -> None:
    """Connect once, with a short timeout, so an unreachable scheduler fails before the run."""
    try:
        from dask.distributed import Client
    except ImportError as exc:
        raise UsageError(f"--scheduler {address}: dask.distributed is not installed ({exc})") from None
    try:
        with Client(address, timeout=SCHEDULER_TIMEOUT):
            pass
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise UsageError(f"cannot reach the dask scheduler at {address}: {exc}") from None


def check_paths(paths: int, what: str) -> None:
    """``--paths`` within the scenario schema's range (``what`` says what they are, for the message)."""
    from ..scenario import SCHEMA

    low, high = SCHEMA["scenario"]["paths"][1:3]
    if not low <= paths <= high:
        raise UsageError(f"--paths {paths}: expected {low:,} to {high:,} ({what})")


def check_workers(workers: int) -> None:
    """``--workers`` is 1 or more."""
    if workers < 1:
        raise UsageError(f"--workers {workers}: expected 1 or more (local worker processes)")
