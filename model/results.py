"""Writing results: JSON summary, NetCDF paths and a manifest, atomically.

Files are first written into a temporary folder next to the destination and
moved into place with one ``os.replace``; the manifest is written last inside
it. An interrupted run therefore leaves either the previous results or none,
never a folder that looks complete.

A result folder is replaced as a whole, so the destination must be safe to
replace: a new path, an empty folder, or a folder holding only a previous
attain result (recognised by its ``manifest.json``, which carries
``"tool": "attain"``). Anything else is refused by :func:`check_output_folder`
before anything is written or deleted.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import xarray as xr

from . import __version__
from .artefact import library_versions
from .atomic import replace_text
from .engine import RunOutput, key_nodes
from .errors import OutputError

__all__ = [
    "write_results", "write_json", "write_text", "to_dataset", "manifest",
    "check_output_folder", "check_output_file", "is_attain_result", "write_folder", "is_attain_file", "write_marked_json",
    "OutputError", "RESULT_FILES", "FIGURE_SOURCE",
]

#: PNG text chunk ``Source`` of the figures attain draws (how a figure is recognised as attain's own).
FIGURE_SOURCE = "attain calibrate --figures"
#: Author of the meeting PDF (``attain report``), as its document information holds it: how a report is recognised.
REPORT_AUTHOR = "attain"
REPORT_MARK = b"/Author(" + REPORT_AUTHOR.encode() + b")"

#: The files of a result folder (``manifest.json`` lists the other two).
RESULT_FILES = frozenset({"summary.json", "paths.nc", "manifest.json"})
_SHOWN = 6


def is_attain_result(folder: Path | str) -> bool:
    """True when ``folder`` holds a previous attain result and nothing else.

    A run result folder has a ``manifest.json`` with ``"tool": "attain"`` and no
    files other than :data:`RESULT_FILES`; a folder written before the marker
    existed is recognised by holding exactly :data:`RESULT_FILES`. Any other
    attain folder (a sensitivity analysis, say) is recognised by a manifest with
    ``"tool": "attain"`` whose ``files`` list names every other file in it.
    """
    folder = Path(folder)
    if not folder.is_dir() or folder.is_symlink():
        return False
    names = {p.name for p in folder.iterdir()}
    if "manifest.json" not in names:
        return False
    if names <= RESULT_FILES and (names == RESULT_FILES or _manifest_tool(folder / "manifest.json") == "attain"):
        return True
    listed = _manifest_files(folder / "manifest.json")
    return listed is not None and names <= listed | {"manifest.json"}


def _manifest(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _manifest_tool(path: Path) -> str | None:
    data = _manifest(path)
    return data.get("tool") if data else None


def _manifest_files(path: Path) -> set[str] | None:
    """The files an attain manifest lists, or None when it is not one."""
    data = _manifest(path)
    if not data or data.get("tool") != "attain" or not isinstance(data.get("files"), list):
        return None
    return {str(f) for f in data["files"]}


def check_output_folder(folder: Path | str, flag: str = "-o") -> Path:
    """Refuse a result destination that is not safe to replace as a whole.

    Parameters
    ----------
    folder : path
        Destination of :func:`write_results`.
    flag : str
        How the user gave the path (for the message), e.g. ``-o``.

    Returns
    -------
    Path
        The destination, unchanged.

    Raises
    ------
    OutputError
        When ``folder`` is ``.``, ``..`` or ``/``, an existing file, a folder that
        is neither empty nor a previous attain result, or when its parent cannot
        be created or written.
    """
    folder = Path(folder)
    where = f"{flag} {folder}"
    _check_name(folder, where, "a folder name such as out/baseline")
    expected = "expected a new folder, an empty folder or a previous attain result folder"
    if folder.is_symlink():
        raise OutputError(f"{where}: is a symbolic link; {expected} (give the real path)")
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{where}: is an existing file, not a folder; {expected}")
    if folder.is_dir():
        _check_contents(folder, where)
    _check_parent(folder, where)
    return folder


def _check_contents(folder: Path, where: str) -> None:
    entries = sorted(p.name for p in folder.iterdir())
    if entries and not is_attain_result(folder):
        raise OutputError(
            f"{where}: the folder exists and is not an attain result (it holds {_listing(entries)}); "
            "a result folder is replaced as a whole, so attain writes only to a new path, an empty folder "
            "or a folder holding a previous attain result; choose another folder"
        )


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


def write_json(obj: dict, path: Path | str) -> Path:
    """Write JSON atomically (UTF-8, Chinese kept readable)."""
    return write_text(json.dumps(obj, ensure_ascii=False, indent=1, default=_jsonable), path)


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


def to_dataset(out: RunOutput) -> xr.Dataset:
    """The per-path results as a labelled xarray Dataset."""
    ctx = out.context
    ids = sorted(out.blocks[0].values)
    years = ctx.years
    data = {
        "target_value": (("target", "path"), np.stack([out.stack("values", t) for t in ids])),
        "target_path": (("target", "path", "year"), np.stack([out.stack("paths", t) for t in ids])),
        "target_components": (("target", "path", "component"), np.stack([out.stack("components", t) for t in ids])),
        "aggregate": (("path", "node", "year"), out.stack("nodes")),
    }
    for key in out.blocks[0].flows:
        data[f"flow_{key.replace('.', '_')}"] = (("path", "year"), out.stack("flows", key))
    coords = {"target": ids, "path": np.arange(out.n_paths), "year": years, "node": key_nodes(ctx), "component": ["organic", "with_projects", "total"]}
    ds = xr.Dataset(data, coords=coords)
    ds["aggregate"].attrs["units"] = "亿元"
    ds.attrs.update(scenario=ctx.scenario.name, seed=out.seed, illustrative_data=int(ctx.panel.illustrative))
    return ds


def manifest(out: RunOutput, files: list[str]) -> dict:
    """Scenario, seed, hashes, versions and timings of a run (and the mid-year update's tables, when it has them)."""
    ctx = out.context
    extra = {"ytd_inputs": [dict(f) for f in ctx.ytd_inputs]} if ctx.ytd_inputs else {}
    if getattr(ctx, "xinyi", None) is not None:  # Xinyi's panel and assumptions (model.xinyi)
        extra["xinyi_inputs"] = [dict(f) for f in ctx.xinyi.inputs]
    return {
        "tool": "attain", "version": __version__, "scenario": ctx.scenario.name, "scenario_files": list(ctx.scenario.chain),
        "scenario_notes": list(ctx.scenario.notes),
        "scenario_digest": ctx.scenario.digest(), "seed": out.seed, "n_paths": out.n_paths,
        "block_size": ctx.scenario.get("scenario", "block_size"), "data_dir": ctx.data_dir, "data_hash": ctx.panel.data_hash(),
        "data_illustrative": ctx.panel.illustrative, "calibration": ctx.calibration_source,
        "years": [int(ctx.years[0]), int(ctx.years[-1])], "versions": library_versions(), "timings": out.timings,
        "files": files, **extra, "complete": True,
    }


def write_results(out: RunOutput, summary: dict, folder: Path | str) -> Path:
    """Write ``summary.json``, ``paths.nc`` and ``manifest.json`` into ``folder`` atomically.

    Parameters
    ----------
    out : RunOutput
    summary : dict
        From :func:`model.summary.summarise`.
    folder : path
        Destination: a new path, an empty folder or a previous attain result
        folder, which is replaced as a whole (see :func:`check_output_folder`).

    Returns
    -------
    Path

    Raises
    ------
    OutputError
        When ``folder`` is not safe to replace; nothing is written or deleted.
    """
    def fill(tmp: Path) -> None:
        write_json(summary, tmp / "summary.json")
        to_dataset(out).to_netcdf(tmp / "paths.nc", engine="h5netcdf")
        write_json(manifest(out, ["summary.json", "paths.nc"]), tmp / "manifest.json")

    return write_folder(folder, fill)


def write_folder(folder: Path | str, fill: Callable[[Path], object]) -> Path:
    """Fill a fresh folder next to ``folder``, then move it into place as a whole.

    Readers see the previous result folder or the new one, never a part; on any
    failure the half-written folder is removed and the previous one is kept.

    Parameters
    ----------
    folder : path
        Destination: a new path, an empty folder or a previous attain result
        folder (see :func:`check_output_folder`).
    fill : callable
        Writes the files into the temporary folder it is given; the folder is
        recognised as attain's only when it writes a ``manifest.json`` (see
        :func:`is_attain_result`).

    Returns
    -------
    Path

    Raises
    ------
    OutputError
        When ``folder`` is not safe to replace; nothing is written or deleted.
    """
    folder = check_output_folder(folder, flag="output folder")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}-tmp-"))
    try:
        fill(tmp)
        _publish_permissions(tmp)
        _swap(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def _publish_permissions(folder: Path) -> None:
    # mkdtemp/mkstemp create private files; results are meant to be shared.
    folder.chmod(0o755)
    for f in folder.iterdir():
        f.chmod(0o644)


def _swap(tmp: Path, folder: Path) -> None:
    """Move ``tmp`` to ``folder``; a previous folder is moved aside first, then removed.

    The previous folder goes to a fresh hidden name (never to a name that may
    hold something else), and is put back if the final move fails.
    """
    if not (folder.exists() or folder.is_symlink()):
        os.replace(tmp, folder)
        return
    check_output_folder(folder, flag="output folder")  # it may have changed during the run
    old = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}-old-"))
    old.rmdir()  # a fresh unused name: the previous result is renamed to it
    os.replace(folder, old)
    try:
        os.replace(tmp, folder)
    except BaseException:
        os.replace(old, folder)
        raise
    _remove(old)


def _remove(path: Path) -> None:
    """Remove a file, a symbolic link or a folder tree."""
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)
