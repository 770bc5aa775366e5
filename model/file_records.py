"""A file as a manifest records it: role, path and SHA-256 of its bytes as read."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

__all__ = ["file_records"]


def file_records(files: Iterable[tuple[str, Path | str]]) -> tuple[dict, ...]:
    """``{"role", "path", "sha256"}`` of each ``(role, path)``, hashed now (when the run reads the file)."""
    return tuple({"role": role, "path": str(path), "sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest()} for role, path in files)
