"""Atomic file writes: a temporary file in the same folder, moved into place."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["replace_text", "replace_bytes"]


def replace_text(text: str, path: Path | str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically (see :func:`replace_bytes`)."""
    return replace_bytes(text.encode("utf-8"), path)


def replace_bytes(data: bytes, path: Path | str) -> Path:
    """Write ``data`` to ``path`` atomically.

    Readers see the old file or the new one, never a part; on any failure the
    temporary file is removed and the error re-raised.

    Parameters
    ----------
    data : bytes
    path : path
        Destination file; its parent folders are created.

    Returns
    -------
    Path
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes private files; these are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
