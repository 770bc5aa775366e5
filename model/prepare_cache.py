"""A prepared run context kept on disk, so a second run of the same inputs starts in about a second.

Preparing a run (reading and validating the dataset, building the hierarchy, the
stored calibration, the organic adjustment and its pilot pipeline, the targets)
takes about 3 s on the embedded data and minutes on a registry-scale dataset
calibrated on the fly. None of it depends on the seed or the path count, so
:func:`model.context.prepare` keeps its result, pickled, under a key made of
what decides it:

* the code: every file of the ``model`` package (a changed module is a new key);
* the scenario's effective settings and levers (:meth:`Scenario.digest`), its
  name and inheritance chain, ``as_of``, the dataset folder and the artefact path;
* the versions of Python, numpy and pandas.

A stored context is used only if every input file it was built from still has
the bytes it had: the dataset folder's files, the repository's ``calibration/``
folder, the artefact and the scenario files (SHA-256 of each, checked on every
use; about 10 ms on the embedded data). Anything else is a miss, and a miss is
only slower, never different: the context is the same object, pickled and
unpickled (tested bit for bit on the results).

The cache lives in ``$ATTAIN_CACHE_DIR``, else ``$XDG_CACHE_HOME/attain``, else
``~/.cache/attain``; ``ATTAIN_CACHE=off`` turns it off. It holds at most
:data:`MAX_ENTRIES` contexts (oldest removed) and writes only its own files
(``prepared-<key>.pkl``) in its own folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import platform
import sys
from pathlib import Path

__all__ = ["cache_dir", "cache_key", "load", "store", "refresh", "MAX_ENTRIES"]

#: Contexts kept (each 2-3 MB on the embedded data; tens of MB at registry scale).
MAX_ENTRIES = 16
_PACKAGE = Path(__file__).resolve().parent
_REPO_CALIBRATION = _PACKAGE.parent / "calibration"
_PREFIX = "prepared-"
#: Contexts of this process that came from or went to the cache: id -> (context, key, inputs, parts held then).
_KNOWN: dict[int, tuple] = {}
_KNOWN_SIZE = 4


def cache_dir() -> Path | None:
    """The cache folder, or None when ``ATTAIN_CACHE=off`` (or ``0``, ``no``)."""
    if os.environ.get("ATTAIN_CACHE", "").strip().lower() in ("off", "0", "no", "false"):
        return None
    if os.environ.get("ATTAIN_CACHE_DIR"):
        return Path(os.environ["ATTAIN_CACHE_DIR"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "attain"


def _code_hash() -> str:
    h = hashlib.sha256()
    for p in sorted(_PACKAGE.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(_PACKAGE)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def cache_key(scenario, as_of: int | None, data_folder: Path, artefact: Path) -> str:
    """Hash of everything but the input files' bytes that decides a prepared context."""
    import numpy as np
    import pandas as pd

    blob = json.dumps({
        "code": _code_hash(), "scenario": scenario.digest(), "name": scenario.name, "chain": [str(Path(p).resolve()) for p in scenario.chain],
        "as_of": as_of, "data": str(Path(data_folder).resolve()), "artefact": str(Path(artefact).resolve()),
        "versions": [sys.version, np.__version__, pd.__version__, platform.machine()],
    }, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def _input_files(scenario, data_folder: Path, artefact: Path) -> list[Path]:
    files = {Path(p).resolve() for p in scenario.chain} | {Path(artefact).resolve()}
    for folder in (Path(data_folder), _REPO_CALIBRATION):
        if folder.is_dir():
            files |= {p.resolve() for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    return sorted(files)


def _hashes(files: list[Path]) -> dict[str, str | None]:
    return {str(p): (hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None) for p in files}


def load(key: str, scenario, data_folder: Path, artefact: Path):
    """The stored context for ``key`` if its input files are unchanged, else None."""
    folder = cache_dir()
    path = folder / f"{_PREFIX}{key}.pkl" if folder is not None else None
    if path is None or not path.is_file():
        return None
    try:
        with open(path, "rb") as fh:
            stored_hashes = pickle.load(fh)
            if stored_hashes != _hashes([Path(p) for p in stored_hashes]) or set(stored_hashes) != {str(p) for p in _input_files(scenario, data_folder, artefact)}:
                return None
            ctx = pickle.load(fh)
    except Exception:  # a torn or foreign file is a miss: the context is rebuilt and the file replaced
        return None
    os.utime(path)  # most recently used
    _remember(ctx, key, scenario, data_folder, artefact)
    return ctx


def store(key: str, ctx, scenario, data_folder: Path, artefact: Path) -> Path | None:
    """Keep ``ctx`` under ``key`` with the hashes of its input files (None when the cache is off or not writable)."""
    from .atomic import replace_bytes

    folder = cache_dir()
    if folder is None:
        return None
    hashes = _hashes(_input_files(scenario, data_folder, artefact))
    try:
        path = replace_bytes(pickle.dumps(hashes, protocol=5) + pickle.dumps(ctx, protocol=5), folder / f"{_PREFIX}{key}.pkl")
        _prune(folder)
    except OSError:  # a read-only home must not stop a run
        return None
    _remember(ctx, key, scenario, data_folder, artefact)
    return path


def refresh() -> None:
    """Store again the contexts of this process that have gained history parts since (structural variants computed them)."""
    for ctx, key, scenario, data_folder, artefact, n_parts in list(_KNOWN.values()):
        if len(getattr(ctx, "history_parts", ())) > n_parts:
            store(key, ctx, scenario, data_folder, artefact)


def _remember(ctx, key: str, scenario, data_folder: Path, artefact: Path) -> None:
    _KNOWN.pop(id(ctx), None)
    if len(_KNOWN) >= _KNOWN_SIZE:
        _KNOWN.pop(next(iter(_KNOWN)))
    _KNOWN[id(ctx)] = (ctx, key, scenario, data_folder, artefact, len(getattr(ctx, "history_parts", ())))


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob(f"{_PREFIX}*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)
    for p in entries[MAX_ENTRIES:]:
        p.unlink(missing_ok=True)
