"""The README's table "where each number is computed" names functions that exist where it says."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Where each number is computed")
    return text[start:text.index("\n## ", start + 3)]


def resolve(dotted: str) -> object:
    """Import the longest module prefix of ``dotted`` and get the rest as attributes."""
    parts = dotted.split(".")
    for k in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:k]))
        except ModuleNotFoundError:
            continue
        for name in parts[k:]:
            obj = getattr(obj, name)
        return obj
    raise ModuleNotFoundError(dotted)


def test_every_name_in_the_table_exists_where_the_table_says():
    rows = [line for line in _section().splitlines() if line.startswith("| ") and not line.startswith("| number")]
    assert len(rows) >= 25
    for row in rows:
        names = re.findall(r"`(model\.[\w.]+)`", row.split("|")[2])
        assert names, row
        for dotted in names:
            obj = resolve(dotted)
            home = getattr(obj, "__module__", None) or getattr(obj, "__name__", "")
            # the function is defined in the module the table names, not re-exported from elsewhere
            assert dotted.startswith(home), f"{dotted} is defined in {home}"


def test_the_resolver_rejects_a_wrong_room():
    try:
        resolve("model.summary.simulate_leaves")
    except AttributeError:
        return
    raise AssertionError("a name in the wrong module resolved")
