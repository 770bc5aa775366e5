"""Writing results: JSON summary, NetCDF paths and a manifest, atomically.

Files are first written into a temporary folder next to the destination and
moved into place with one ``os.replace``; the manifest is written last inside
it. An interrupted run therefore leaves either the previous results or none,
never a folder that looks complete.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr

from . import __version__
from .artefact import library_versions
from .engine import RunOutput, key_nodes

__all__ = ["write_results", "write_json", "write_text", "to_dataset"]


def write_text(text: str, path: Path | str) -> Path:
    """Write a UTF-8 text file atomically (a temporary file moved into place)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return path


def write_json(obj: dict, path: Path | str) -> Path:
    """Write JSON atomically (UTF-8, Chinese kept readable)."""
    return write_text(json.dumps(obj, ensure_ascii=False, indent=1, default=_jsonable), path)


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
    """Scenario, seed, hashes, versions and timings of a run."""
    ctx = out.context
    return {
        "tool": "attain", "version": __version__, "scenario": ctx.scenario.name, "scenario_files": list(ctx.scenario.chain),
        "scenario_digest": ctx.scenario.digest(), "seed": out.seed, "n_paths": out.n_paths,
        "block_size": ctx.scenario.get("scenario", "block_size"), "data_hash": ctx.panel.data_hash(),
        "data_illustrative": ctx.panel.illustrative, "calibration": ctx.calibration_source,
        "years": [int(ctx.years[0]), int(ctx.years[-1])], "versions": library_versions(), "timings": out.timings,
        "files": files, "complete": True,
    }


def write_results(out: RunOutput, summary: dict, folder: Path | str) -> Path:
    """Write ``summary.json``, ``paths.nc`` and ``manifest.json`` into ``folder`` atomically.

    Parameters
    ----------
    out : RunOutput
    summary : dict
        From :func:`model.summary.summarise`.
    folder : path
        Destination; replaced as a whole if it exists.

    Returns
    -------
    Path
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}-tmp-"))
    try:
        write_json(summary, tmp / "summary.json")
        to_dataset(out).to_netcdf(tmp / "paths.nc", engine="h5netcdf")
        write_json(manifest(out, ["summary.json", "paths.nc"]), tmp / "manifest.json")
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
    if folder.exists():
        old = folder.with_name(f".{folder.name}-old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(folder, old)
        os.replace(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, folder)
