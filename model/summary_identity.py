"""Proof that a speed-up changed no result: the shipped scenarios' ``summary.json``, kept to compare byte for byte.

A speed-up must leave every figure of a run as it was. ``tests/golden/summary_identity/``
holds, for each shipped scenario, the ``summary.json`` text of a small run (main
paths and structural range, 1 worker) made by the code before the speed-up,
gzipped, with the repository's folder replaced by ``<repo>`` so a clone anywhere
compares equal. ``tests/test_summary_identity.py`` reruns them and requires the
same bytes.

Floating-point results are the same bit for bit only on the same numpy and the
same processor features (numpy picks SIMD kernels for exp/log at run time). The
file records both; on another machine the check compares the text with every
number within a relative 1e-9 instead, and says it did.

Regenerate after a deliberate model change (never to make a speed-up pass) with
``attain golden --identity --write``.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from pathlib import Path

__all__ = ["IDENTITY_PATHS", "identity_dir", "summary_text", "machine", "write_identity", "compare_identity", "Difference"]

#: Main paths and paths per structural variant of an identity run (one block each: CI must stay fast).
IDENTITY_PATHS = 250
_ROOT = Path(__file__).resolve().parents[1]
_NUMBER = re.compile(r"-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|NaN|-?Infinity")


def identity_dir() -> Path:
    """``tests/golden/summary_identity/`` of the repository."""
    return _ROOT / "tests" / "golden" / "summary_identity"


def machine() -> dict:
    """What decides whether floats can be equal bit for bit: numpy's version and the processor features it uses."""
    import numpy as np

    try:
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:  # numpy 1.x
        from numpy.core._multiarray_umath import __cpu_features__

    return {"numpy": np.__version__, "cpu_features": sorted(k for k, on in __cpu_features__.items() if on)}


def summary_text(name: str, paths: int = IDENTITY_PATHS) -> str:
    """``summary.json`` as ``attain run NAME --paths P --structural-paths P --workers 1`` writes it, repository folder as ``<repo>``."""
    from .context import prepare
    from .engine import run_blocks
    from .outputs import json_text
    from .scenario import load_scenario
    from .structural import run_structural
    from .summary import summarise

    sc = load_scenario(name).with_overrides(paths=paths)
    out = run_blocks(prepare(sc), paths, sc.get("scenario", "seed"), workers=1)
    return json_text(summarise(out, run_structural(out, paths))).replace(str(_ROOT), "<repo>")


def write_identity(names: list[str], paths: int = IDENTITY_PATHS, folder: Path | None = None) -> Path:
    """Run each scenario and store its summary text (gzipped) and the machine record in ``folder``."""
    from .atomic import replace_bytes

    folder = Path(folder) if folder is not None else identity_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        replace_bytes(gzip.compress(summary_text(name, paths).encode(), mtime=0), folder / f"{name}.json.gz")
    record = {"tool": "attain golden --identity", "paths": paths, "scenarios": names, **machine()}
    replace_bytes(json.dumps(record, indent=1).encode(), folder / "machine.json")
    return folder


class Difference(AssertionError):
    """A summary differs from its stored text (the first differing line is in the message)."""


def compare_identity(name: str, folder: Path | None = None) -> str:
    """Rerun ``name`` and compare with the stored text.

    Returns
    -------
    str
        ``"bit-identical"``, or ``"numbers within 1e-9 (another machine: ...)"`` when
        the stored text was made with another numpy or other processor features.

    Raises
    ------
    Difference
        Naming the first line that differs.
    """
    folder = Path(folder) if folder is not None else identity_dir()
    record = json.loads((folder / "machine.json").read_text())
    stored = gzip.decompress((folder / f"{name}.json.gz").read_bytes()).decode()
    fresh = summary_text(name, record["paths"])
    if fresh == stored:
        return "bit-identical"
    same_machine = {k: record[k] for k in ("numpy", "cpu_features")} == machine()
    if same_machine:
        raise Difference(f"{name}: summary.json changed on the machine that stored it; {_first_difference(stored, fresh)}")
    why = _numbers_differ(stored, fresh)
    if why:
        raise Difference(f"{name}: {why}")
    return f"numbers within 1e-9 (another machine: stored with numpy {record['numpy']}, {len(record['cpu_features'])} processor features)"


def _first_difference(a: str, b: str) -> str:
    for i, (x, y) in enumerate(zip(a.splitlines(), b.splitlines())):
        if x != y:
            return f"line {i + 1}: stored {x.strip()!r}, now {y.strip()!r}"
    return f"stored {len(a.splitlines())} lines, now {len(b.splitlines())}"


def _numbers_differ(a: str, b: str) -> str:
    """Why the texts differ beyond a relative 1e-9 on numbers ('' if they do not)."""
    if _NUMBER.sub("#", a) != _NUMBER.sub("#", b):
        return "the text differs apart from numbers; " + _first_difference(_NUMBER.sub("#", a), _NUMBER.sub("#", b))
    for x, y in zip(_NUMBER.findall(a), _NUMBER.findall(b)):
        fx, fy = float(x), float(y)
        if not (fx == fy or (math.isnan(fx) and math.isnan(fy)) or abs(fx - fy) <= 1e-9 * max(abs(fx), abs(fy))):
            return f"a number moved beyond 1e-9: {x} -> {y}; " + _first_difference(a, b)
    return ""
