"""A file as a manifest records it: role, absolute path and SHA-256 of its bytes.

The bytes are hashed right after the run has loaded the file (a second read), so a file changed in between
would be caught only by a rerun; the tool writes none of its inputs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

__all__ = ["file_records"]


def file_records(files: Iterable[tuple[str, Path | str]]) -> tuple[dict, ...]:
    """``{"role", "path", "sha256"}`` of each ``(role, path)``, hashed now (just after the run read the file).

    The path is made absolute, so a manifest names the same file whatever folder the run started in.
    """
    return tuple({"role": role, "path": str(Path(path).resolve()), "sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest()} for role, path in files)
