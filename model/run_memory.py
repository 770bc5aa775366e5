"""Memory a run needs, estimated before it starts, and the check that refuses one that cannot fit.

A run keeps, for every path, what the summary and ``paths.nc`` are built from:
each evaluable target's value, its three-stage decomposition and its value in
every simulated year, the key aggregates' paths (float32), the pipeline's
yearly flows, the fiscal paths and a sample of signing-to-production lags.
The summary stacks these arrays once more, so the per-path part counts twice.
On top come a fixed part (interpreter, libraries, data, context) and each
worker's working set for one block (growth paths, the pipeline's projects),
measured on the embedded data and scaled with the leaves and projects.

The estimate is deliberately on the high side: a run is refused only when even
a generous margin for error would not save it. ``attain run --max-memory``
sets the limit; by default it is the memory the system reports available.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from .errors import UsageError

__all__ = ["MemoryEstimate", "estimate_run_memory", "available_memory", "parse_size", "check_run_memory", "format_size"]

#: Interpreter, numpy/pandas, the embedded data and the run context (bytes, measured ~250 MB).
_FIXED = 300 * 2**20
#: Working set of one block per (path × leaf × year), measured on the embedded data (622 leaves,
#: 12 years, block of 250 paths: ~260 MB incl. the pipeline's ~2,500 projects a path).
_BLOCK_PER_CELL = 140.0
#: Pipeline working memory per project (milestones, draws, histograms), bytes per path.
_PER_PROJECT = 8 * 40


@dataclass(frozen=True)
class MemoryEstimate:
    """Estimated peak memory of a run (bytes) and its parts."""

    total: int
    per_path: int
    fixed: int
    block: int
    n_paths: int
    workers: int

    def describe(self) -> str:
        return (f"about {format_size(self.total)} ({self.n_paths:,} paths × {format_size(self.per_path)} kept per path, "
                f"+ {self.workers} × {format_size(self.block)} working set per block, + {format_size(self.fixed)} fixed)")


def estimate_run_memory(ctx, n_paths: int, workers: int = 1) -> MemoryEstimate:
    """Estimate the peak memory of a run of ``n_paths`` paths on ``workers`` local processes.

    Parameters
    ----------
    ctx : RunContext
    n_paths : int
    workers : int

    Returns
    -------
    MemoryEstimate
    """
    from .engine import _FLOW_FIELDS, key_nodes
    from .pipeline import LIST_FIELDS

    n_years = len(ctx.years)
    evaluable = sum(1 for c in ctx.targets if c.evaluable)
    programmes = len(ctx.pipeline.names) if ctx.pipeline is not None else 2
    flows = programmes * (len(_FLOW_FIELDS) + 1) + len(LIST_FIELDS)
    fiscal = sum(1 for c in ctx.schedules if c.evaluable)
    kept = 8 * evaluable * (1 + 3 + n_years) + 4 * len(key_nodes(ctx)) * n_years + 8 * (flows + fiscal) * n_years
    per_path = 2 * kept + 8 * 200  # stacked once more by the summary; lag samples
    block_size = min(int(ctx.scenario.get("scenario", "block_size")), n_paths)
    projects = _projects_per_path(ctx)
    block = int(block_size * (_BLOCK_PER_CELL * len(ctx.hierarchy.leaves) * n_years + _PER_PROJECT * projects))
    parallel = max(1, min(workers, -(-n_paths // max(block_size, 1))))
    total = _FIXED * (1 + (parallel if workers > 1 else 0)) + parallel * block + n_paths * per_path
    return MemoryEstimate(int(total), int(per_path), _FIXED, block, n_paths, parallel)


def _projects_per_path(ctx) -> float:
    """Signed projects a path holds (warm-up included), at the larger of each programme's intakes."""
    pp = ctx.pipeline
    if pp is None:
        return 0.0
    years = pp.warmup_years + len(ctx.years)
    return float(sum(max(p.signed_per_year, p.pre.signed_per_year) for p in pp.programmes) * years)


def available_memory() -> int | None:
    """Memory the system reports available now (bytes), or None where it cannot say."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


_UNITS = {"": 1, "B": 1, "K": 2**10, "KB": 2**10, "M": 2**20, "MB": 2**20, "G": 2**30, "GB": 2**30, "T": 2**40, "TB": 2**40}


def parse_size(text: str, flag: str = "--max-memory") -> int:
    """``'8GB'``, ``'512M'``, ``'1.5G'`` or a number of bytes → bytes (binary units)."""
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?)\s*([KMGT]?B?)\s*", str(text).upper())
    if not m or float(m.group(1)) <= 0:
        raise UsageError(f"{flag} {text}: expected a positive size such as 8GB, 512MB or 1.5G")
    return int(float(m.group(1)) * _UNITS[m.group(2)])


def format_size(n: float) -> str:
    """Bytes as KB, MB or GB (one decimal for GB)."""
    if n >= 2**30:
        return f"{n / 2**30:.1f} GB"
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n / 2**10:.0f} KB"


def check_run_memory(estimate: MemoryEstimate, limit: int | None, source: str) -> None:
    """Refuse a run whose estimate exceeds ``limit`` (bytes; None: no check), saying what would fit.

    Raises
    ------
    UsageError
        With the estimate, the limit and where it comes from, and the largest
        path count that fits.
    """
    if limit is None or estimate.total <= limit:
        return
    fits = max(0, (limit - (estimate.total - estimate.n_paths * estimate.per_path)) // estimate.per_path)
    raise UsageError(
        f"--paths {estimate.n_paths:,}: the run would need {estimate.describe()}, more than {format_size(limit)} ({source}); "
        f"refused before it starts. At most about {fits:,} paths fit: run fewer paths, or split the run by seed "
        f"and compare, or give more memory with --max-memory")
