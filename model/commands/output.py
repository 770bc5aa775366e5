"""What a command prints: its JSON (``--json``) or its text, in one place."""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["emit", "emit_result", "to_json"]


def to_json(obj) -> str:
    """The JSON every command prints: indented by one, Chinese kept readable, anything else as its text."""
    return json.dumps(obj, ensure_ascii=False, indent=1, default=str)


def emit(obj, as_json: bool, text: str) -> None:
    """Print ``obj`` as JSON when ``as_json``, else ``text`` (flushed: a slow write after it must not hold it back)."""
    print(to_json(obj) if as_json else text, flush=True)


def emit_result(obj: dict, json_flag: Path | str | None, text: str) -> None:
    """For commands whose ``--json FILE`` writes a file (``-`` = stdout): print, then write the file.

    The text (or, for ``--json -``, the JSON) is printed first, so a failing
    write does not lose the results.
    """
    from ..outputs import write_json

    to_stdout = str(json_flag) == "-"
    emit(obj, to_stdout, text)
    if json_flag is not None and not to_stdout:
        write_json(obj, json_flag)
