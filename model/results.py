"""Writing a run's result folder: JSON summary, NetCDF paths and a manifest, atomically.

(Single output files, their safety checks and atomic writes: :mod:`model.outputs`.)

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
from .context import RunContext
from .engine import RunOutput, key_nodes
from .errors import OutputError
from .outputs import _check_name, _check_parent, _listing, write_json

__all__ = ["write_results", "to_dataset", "manifest", "input_hashes", "check_output_folder", "is_attain_result", "write_folder", "RESULT_FILES"]

#: The files of a result folder (``manifest.json`` lists the other two).
RESULT_FILES = frozenset({"summary.json", "paths.nc", "manifest.json"})


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


def input_hashes(ctx: RunContext) -> dict[str, list[dict]]:
    """The SHA-256 records of every file a prepared context read, by group, for a manifest.

    ``inputs`` are those :func:`model.context.prepare` read (:mod:`model.run_inputs`); ``xinyi_inputs``
    Xinyi's panel and assumptions (:mod:`model.xinyi`); ``ytd_inputs`` the mid-year update's tables.
    """
    out: dict[str, list[dict]] = {"inputs": [dict(f) for f in ctx.inputs]}
    if ctx.ytd_inputs:
        out["ytd_inputs"] = [dict(f) for f in ctx.ytd_inputs]
    if getattr(ctx, "xinyi", None) is not None:
        out["xinyi_inputs"] = [dict(f) for f in ctx.xinyi.inputs]
    return out


def manifest(out: RunOutput, files: list[str]) -> dict:
    """Scenario, seed, hashes, versions and timings of a run.

    ``inputs`` holds the SHA-256 of every file :func:`model.context.prepare` read
    (:mod:`model.run_inputs`); ``xinyi_inputs`` and ``ytd_inputs`` those of Xinyi's
    files and of the mid-year update's tables, when the run has them.
    """
    ctx = out.context
    extra = input_hashes(ctx)
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
