"""Output files: refuse a path attain may not write, recognise attain's own files, write atomically.

attain never replaces a file it did not write. Before any work, :func:`check_output_file`
refuses an existing file without attain's marker of that kind (a JSON ``"tool": "attain"``,
a Markdown ``Written by `attain …` `` line, a PNG ``Source`` text, a PDF author, a
calibration artefact), a folder, or a parent that cannot be written. :func:`write_text`
and :func:`write_json` then write through a temporary file moved into place
(:mod:`model.atomic`), so a reader never sees half a file.

(The run's result *folder* is :mod:`model.results`.)
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np

from .atomic import replace_text
from .errors import OutputError

__all__ = ["check_output_file", "is_attain_file", "write_text", "json_text", "write_json", "write_marked_json", "FIGURE_SOURCE", "REPORT_AUTHOR", "REPORT_MARK"]

#: PNG text chunk ``Source`` of the figures attain draws (how a figure is recognised as attain's own).
FIGURE_SOURCE = "attain calibrate --figures"
#: Author of the meeting PDF (``attain report``), as its document information holds it: how a report is recognised.
REPORT_AUTHOR = "attain"
REPORT_MARK = b"/Author(" + REPORT_AUTHOR.encode() + b")"

_SHOWN = 6


def check_output_file(path: Path | str, flag: str = "--json", kind: str | None = None) -> Path:
    """Refuse an output file path that cannot be written (before any work is done).

    Parameters
    ----------
    path : path
        A file to be written with :func:`write_text` or :func:`write_json`.
    flag : str
        How the user gave the path (for the message).
    kind : str, optional
        What will be written: ``"json"``, ``"md"``, ``"png"`` or ``"toml"``
        (default: from the file name). An existing file is replaced only when
        it is attain's own output *of that kind*: a report never replaces a
        calibration artefact that happens to sit at the path.

    Returns
    -------
    Path

    Raises
    ------
    OutputError
        When ``path`` is ``.``, ``..`` or ``/``, an existing folder, a file
        attain did not write, or its parent cannot be created or written.
    """
    path = Path(path)
    where = f"{flag} {path}"
    _check_name(path, where, "a file name such as results.json")
    if path.is_dir():
        raise OutputError(f"{where}: is a folder; expected a file name such as {path / 'results.json'}")
    if path.is_symlink() or (path.exists() and not is_attain_file(path, kind)):
        raise OutputError(
            f"{where}: the file exists and was not written by attain; attain never replaces a file it did not write "
            "(only its own earlier output, which it recognises by its marker); choose a new file name or move the file away"
        )
    _check_parent(path, where)
    return path


def is_attain_file(path: Path | str, kind: str | None = None) -> bool:
    """True when ``path`` is a file attain wrote and may replace.

    Recognised by what attain puts in each kind of file: a JSON object with
    ``"tool": "attain"`` (or an M4 benchmark result), a Markdown report saying
    ``Written by `attain …` `` in its first lines (or the M4 benchmark's
    report), a PNG whose ``Source`` text is :data:`FIGURE_SOURCE`, a PDF
    report whose document information names attain as its author
    (:data:`REPORT_MARK`), or a
    calibration artefact that :func:`model.artefact.load_params` reads.
    """
    path = Path(path)
    if not path.is_file() or path.is_symlink():
        return False
    suffix = f".{kind}" if kind else path.suffix.lower()
    try:
        if suffix == ".pdf":
            data = path.read_bytes()
            return data.startswith(b"%PDF") and REPORT_MARK in data
        if suffix == ".png":
            from PIL import Image

            with Image.open(path) as im:
                return im.info.get("Source") == FIGURE_SOURCE
        text = path.read_text(encoding="utf-8")
    except (OSError, ValueError):
        return False
    if suffix == ".json":
        return _attain_json(text)
    if suffix == ".md":
        head = text.splitlines()[:5]
        return any("Written by `attain " in line for line in head) or (head[:1] == ["# M4 Yearly benchmark (horizon 6)"] and "m4_yearly.py" in text)
    if suffix == ".toml":
        from .artefact import load_params

        try:
            load_params(path)
        except (OSError, ValueError, KeyError, TypeError):
            return False
        return True
    return False


def _attain_json(text: str) -> bool:
    try:
        data = json.loads(text)
    except ValueError:
        return False
    if not isinstance(data, dict):
        return False
    m4 = {"n_series", "scores", "command"} <= set(data) and str(data["command"]).startswith("python benchmarks/m4_yearly.py")
    return data.get("tool") == "attain" or m4


def _check_name(path: Path, where: str, expected: str) -> None:
    if path.name in ("", ".", "..") or path.resolve() == Path(path.resolve().anchor):
        raise OutputError(f"{where}: not usable as an output path; expected {expected}")


def _check_parent(path: Path, where: str) -> None:
    """The nearest existing ancestor must be a folder we can create files in (probed, then removed)."""
    parent = path.absolute().parent
    while not parent.exists() and not parent.is_symlink():
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"{where}: {parent} is a file, not a folder; expected a path inside a folder")
    try:
        fd, probe = tempfile.mkstemp(dir=parent, prefix=".attain-probe-")
    except OSError as exc:
        raise OutputError(f"{where}: cannot write in {parent} ({exc.strerror or exc}); expected a writable folder") from None
    os.close(fd)
    os.unlink(probe)


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:_SHOWN])
    return shown + (f", … {len(names)} entries" if len(names) > _SHOWN else "")


def write_text(text: str, path: Path | str) -> Path:
    """Write a UTF-8 text file atomically (a temporary file moved into place).

    Parameters
    ----------
    text : str
    path : path
        Destination file; its parent folders are created.

    Returns
    -------
    Path

    Raises
    ------
    OutputError
        When ``path`` is an existing folder.
    OSError
        When writing fails; the temporary file is removed first.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; expected a file name")
    return replace_text(text, path)


def json_text(obj: dict) -> str:
    """The JSON text :func:`write_json` writes (UTF-8, Chinese kept readable, one-space indent)."""
    return json.dumps(obj, ensure_ascii=False, indent=1, default=_jsonable)


def write_json(obj: dict, path: Path | str) -> Path:
    """Write JSON atomically (UTF-8, Chinese kept readable)."""
    return write_text(json_text(obj), path)


def write_marked_json(obj: dict, path: Path | str) -> Path:
    """:func:`write_json` with ``"tool": "attain"`` first, so a later run may replace the file (and only it)."""
    return write_json({"tool": "attain", **obj}, path)


def _jsonable(x):
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating,)):
        return float(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    return str(x)
