"""Flag checks several commands share: a ``--paths`` count, a reachable ``--scheduler``."""

from __future__ import annotations

from ..errors import UsageError

__all__ = ["check_paths", "check_scheduler", "check_workers", "SCHEDULER_TIMEOUT"]

#: Seconds to wait for a ``--scheduler`` before giving up.
SCHEDULER_TIMEOUT = 5


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
