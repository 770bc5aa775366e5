"""Sensitivity and goal-seek results brought into the report (``--sensitivity DIR``, ``--goalseek FILE``).

The report does not re-run these analyses (a tornado of every lever takes many
design points): it reads what ``attain sensitivity -o DIR`` and ``attain
goalseek --json FILE`` wrote, checks that they are what they claim, and says
where each came from and whether it was run on the report's scenario.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import UsageError

__all__ = ["read_sensitivity", "read_goalseek", "sensitivity_section"]


def _json(path: Path, flag: str, expected: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{flag} {path}: no such file; expected {expected}") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"{flag} {path}: not readable JSON ({exc}); expected {expected}") from None


def read_sensitivity(folder: Path | str) -> dict:
    """A tornado result folder written by ``attain sensitivity -o DIR``.

    Returns
    -------
    dict
        ``source`` (the folder), ``scenario``, ``paths_per_point``, ``seed`` and
        ``targets``: target id -> rows ``{factor, low, high, p_low, p_high, delta_p, se_delta_p}``.

    Raises
    ------
    UsageError
        When the folder is not an attain sensitivity result, or not a tornado
        (the report's chart is a tornado; other methods are read in their own
        result folders).
    """
    folder = Path(folder)
    expected = "a folder written by 'attain sensitivity SCENARIO --method tornado -o DIR'"
    manifest = _json(folder / "manifest.json", "--sensitivity", expected)
    if not isinstance(manifest, dict) or manifest.get("tool") != "attain" or not str(manifest.get("kind", "")).startswith("sensitivity/"):
        raise UsageError(f"--sensitivity {folder}: manifest.json is not an attain sensitivity result; expected {expected}")
    res = _json(folder / "results.json", "--sensitivity", expected)
    if res.get("method") != "tornado":
        raise UsageError(f"--sensitivity {folder}: a {res.get('method')} analysis; the report shows tornados; expected {expected}")
    keys = ("factor", "low", "high", "p_low", "p_high", "delta_p", "se_delta_p")
    targets = {t["target"]: [{k: b[k] for k in keys} for b in t["bars"]] for t in res["targets"]}
    return {"source": str(folder), "scenario": manifest.get("scenario"), "paths_per_point": manifest.get("paths_per_point"),
            "seed": manifest.get("seed"), "data_hash": manifest.get("data_hash"), "targets": targets}


def read_goalseek(path: Path | str) -> dict:
    """A goal-seek answer written by ``attain goalseek ... --json FILE``.

    Raises
    ------
    UsageError
        When the file is not such an answer.
    """
    path = Path(path)
    expected = "a file written by 'attain goalseek SCENARIO --target ID ... --json FILE'"
    res = _json(path, "--goalseek", expected)
    if not isinstance(res, dict) or res.get("mode") not in ("lever", "package", "reverse") or "target" not in res:
        raise UsageError(f"--goalseek {path}: not a goal-seek answer; expected {expected}")
    return {**res, "source": str(path)}


def sensitivity_section(sensitivity: list[dict], goalseek: list[dict]) -> tuple[dict | None, list[dict] | None]:
    """The report's ``sensitivity`` (target -> tornado rows, with their sources) and ``goalseek`` sections."""
    sens = None
    if sensitivity:
        sens = {"sources": [{k: s[k] for k in ("source", "scenario", "paths_per_point", "seed", "data_hash")} for s in sensitivity],
                "targets": {tid: rows for s in sensitivity for tid, rows in s["targets"].items()}}
    return sens, (list(goalseek) or None)
