"""Writing a dataset folder: a planner's checked revenue table merged into their dataset, as a new folder.

``attain data check TABLE --data DIR -o NEWDIR`` writes ``NEWDIR`` with DIR's
entity tables and ``dataset.toml`` copied unchanged and a ``revenue.csv`` that
holds every value of the merged panel (亿元, with its provenance and source).
``attain run … --data NEWDIR`` (and calibrate, backtest, topdown) then use the
table's values. Nothing in DIR is touched, and NEWDIR must be a new path or an
empty folder: attain never replaces files it did not write.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from pathlib import Path

from .panel import Panel
from .errors import OutputError

__all__ = ["check_new_dataset_folder", "write_dataset"]

_ENTITY_TABLES = ("regions", "parks", "clusters", "enterprises")


def check_new_dataset_folder(folder: Path | str, flag: str = "-o") -> Path:
    """Refuse anything but a new path or an empty folder (checked before any work).

    Raises
    ------
    OutputError
    """
    from .outputs import _check_parent

    folder = Path(folder)
    where = f"{flag} {folder}"
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise OutputError(f"{where}: exists and is not a folder; expected a new folder for the merged dataset")
    if folder.is_dir() and any(folder.iterdir()):
        raise OutputError(f"{where}: the folder is not empty; expected a new or empty folder for the merged dataset (attain never replaces files it did not write)")
    _check_parent(folder, where)
    return folder


def write_dataset(panel: Panel, source: Path | str, folder: Path | str) -> Path:
    """Write ``panel`` as a dataset folder, its entity tables and dataset.toml copied from ``source``.

    Parameters
    ----------
    panel : Panel
        Usually the result of :func:`model.data.load_revenue_table`.
    source : path
        The dataset folder the panel's entities were read from.
    folder : path
        A new path or an empty folder (see :func:`check_new_dataset_folder`).

    Returns
    -------
    Path
    """
    source, folder = Path(source), check_new_dataset_folder(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}-tmp-"))
    try:
        shutil.copy2(source / "dataset.toml", tmp / "dataset.toml")
        for name in _ENTITY_TABLES:
            found = [source / f"{name}{ext}" for ext in (".csv", ".xlsx") if (source / f"{name}{ext}").exists()]
            shutil.copy2(found[0], tmp / found[0].name)
        (tmp / "revenue.csv").write_text(_revenue_csv(panel), encoding="utf-8")
        tmp.chmod(0o755)
        if folder.is_dir():
            folder.rmdir()  # empty, checked above
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def _revenue_csv(panel: Panel) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["entity", "year", "value", "unit", "provenance", "source"])
    for entity, row in panel.revenue.iterrows():
        for year, value in row.dropna().items():
            # repr: the shortest text that reads back as the same double, so the data hash is kept.
            writer.writerow([entity, int(year), repr(float(value)), "亿元", panel.provenance.at[entity, year], panel.source.at[entity, year]])
    return out.getvalue()
