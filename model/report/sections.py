"""Optional parts of a result: read them when present, say so when not.

Other features add to a run's results (structural ranges of P, a macro view,
the provincial list's composition, tornado and goal-seek answers, calibration
drift). Their exact layout may evolve, so each reader here accepts the plain
shapes those features write (a key in ``summary.json`` or a JSON file of the
same name next to it) and returns ``None`` when the run holds no such data:
the report then states that the section was not computed, and never invents it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

__all__ = ["structural_range", "optional_section", "tornado_rows", "records", "OPTIONAL_SECTIONS"]

#: Section name -> keys that may hold it in summary.json (a file ``<key>.json`` beside it also counts).
OPTIONAL_SECTIONS: dict[str, tuple[str, ...]] = {
    "macro_view": ("macro_view",),
    "sensitivity": ("sensitivity", "tornado"),
    "goalseek": ("goalseek", "goal_seek"),
    "drift": ("drift",),
}

_PAIRS = (("low", "high"), ("p_low", "p_high"), ("lo", "hi"), ("min", "max"), ("p_min", "p_max"), ("q05", "q95"), ("q10", "q90"))


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def structural_range(target: dict) -> tuple[float, float] | str | None:
    """The structural range of P for one target.

    Parameters
    ----------
    target : dict
        One entry of ``summary["targets"]``.

    Returns
    -------
    (low, high), str or None
        The range when it is a pair of numbers (list, or a dict with
        ``low``/``high``-like keys); its JSON text when it has another shape;
        None when the target carries no ``structural`` field.
    """
    s = target.get("structural")
    if s is None:
        return None
    if isinstance(s, (list, tuple)) and len(s) == 2 and all(_number(v) for v in s):
        return float(s[0]), float(s[1])
    if isinstance(s, dict):
        for lo, hi in _PAIRS:
            if _number(s.get(lo)) and _number(s.get(hi)):
                return float(s[lo]), float(s[hi])
    return json.dumps(s, ensure_ascii=False)


def optional_section(name: str, summary: dict, result_dir: Path | None) -> Any:
    """Data of an optional section from the summary or a JSON file in the result folder, else None."""
    for key in OPTIONAL_SECTIONS[name]:
        if summary.get(key) not in (None, {}, []):
            return summary[key]
    if result_dir is not None:
        for key in OPTIONAL_SECTIONS[name]:
            path = Path(result_dir) / f"{key}.json"
            if path.is_file():
                return json.loads(path.read_text(encoding="utf-8"))
    return None


def composition(summary: dict) -> Any:
    """The provincial list's composition (``pipeline.provincial_list``, year by year), else None."""
    pipe = summary.get("pipeline") or {}
    for key in ("composition", "list_composition"):
        if pipe.get(key) not in (None, {}, []):
            return pipe[key]
    pl = pipe.get("provincial_list") or {}
    if pl.get("years") and pl.get("mean"):
        # One row per year: path means of the list's composition and of the flows counted on it.
        keys = [k for k in ("listed", "added", "new", "continuing", "completing", "starts", "completions") if k in pl["mean"]]
        return [{"year": y, **{k: round(float(pl["mean"][k][i]), 1) for k in keys}} for i, y in enumerate(pl["years"])]
    return summary.get("list_composition")


def records(data: Any) -> dict[str, list[dict]]:
    """Flatten a section's JSON into named tables of flat records (for generic tables).

    A list of dicts is one table; a dict whose values are lists of dicts is one
    table per key; a dict of scalars is a two-column table. Anything nested
    deeper is kept as JSON text in its cell.
    """
    def flat(rows: list) -> list[dict]:
        return [{k: (v if _number(v) or isinstance(v, str) else json.dumps(v, ensure_ascii=False)) for k, v in r.items()} if isinstance(r, dict) else {"value": r} for r in rows]

    if isinstance(data, list):
        return {"": flat(data)}
    if isinstance(data, dict):
        if all(isinstance(v, list) for v in data.values()):
            return {str(k): flat(v) for k, v in data.items()}
        if all(isinstance(v, dict) for v in data.values()) and all(not isinstance(x, (dict, list)) for v in data.values() for x in v.values()):
            return {"": [{"": str(k), **{kk: (vv if _number(vv) or isinstance(vv, str) else str(vv)) for kk, vv in v.items()}} for k, v in data.items()]}
        return {"": [{"": str(k), "value": v if _number(v) or isinstance(v, str) else json.dumps(v, ensure_ascii=False)} for k, v in data.items()]}
    return {"": [{"value": str(data)}]}


_LEVER_KEYS = ("lever", "name", "parameter", "factor")
_LOW_KEYS = ("p_low", "low", "p_at_low", "p_min")
_HIGH_KEYS = ("p_high", "high", "p_at_high", "p_max")


def tornado_rows(rows: list[dict]) -> list[tuple[str, float, float]] | None:
    """``(lever, P at low, P at high)`` when the records have such fields, else None (then a table is shown)."""
    out = []
    for r in rows:
        name = next((r[k] for k in _LEVER_KEYS if isinstance(r.get(k), str)), None)
        lo = next((r[k] for k in _LOW_KEYS if _number(r.get(k))), None)
        hi = next((r[k] for k in _HIGH_KEYS if _number(r.get(k))), None)
        if name is None or lo is None or hi is None:
            return None
        out.append((name, float(lo), float(hi)))
    return out or None
