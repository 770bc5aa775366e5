"""A prepared run context kept on disk, so a second run of the same inputs starts in about a second.

Preparing a run (reading and validating the dataset, building the hierarchy, the
stored calibration, the organic adjustment and its pilot pipeline, the targets)
takes about 3 s on the embedded data and half a minute on a registry-scale
dataset. None of it depends on the seed or the path count, so
:func:`model.context.prepare` keeps its result, pickled, under a key made of
what decides it:

* the code: every file of the ``model`` package (a changed module is a new key);
* the scenario's effective settings and levers except ``[scenario] paths`` and
  ``seed``, its name and inheritance chain, ``as_of``, the dataset folder and
  the artefact path;
* the versions of Python and of the numerical libraries (:func:`model.artefact.library_versions`).

A stored context is used only if every input file still has the bytes it had
*before* the context was built from it: the dataset folder's files (its top level
and ``xinyi/``), the repository's ``calibration/`` folder, the artefact and the
scenario files (SHA-256 of each, checked on every use). A file edited while a run
prepares is therefore a miss next time, never a stale hit. Anything else is a
miss, and a miss is only slower, never different: the context is the same
object, pickled and unpickled (tested on the results). A cache that cannot be
read or written (a read-only home, a torn file) is skipped.

The cache lives in ``$ATTAIN_CACHE_DIR``, else ``$XDG_CACHE_HOME/attain``, else
``~/.cache/attain``; ``ATTAIN_CACHE=off`` turns it off. It holds at most
:data:`MAX_ENTRIES` contexts (oldest removed). Every entry starts with
:data:`MAGIC`; files without it are never read, replaced or removed (the tool
replaces only files it wrote).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import pickle
from pathlib import Path

__all__ = ["cache_dir", "cache_key", "input_hashes", "load", "store", "refresh", "MAX_ENTRIES", "MAGIC"]

#: Contexts kept (each 2-3 MB on the embedded data; tens of MB at registry scale).
MAX_ENTRIES = 16
#: First bytes of every cache entry written by attain.
MAGIC = b"attain prepared context v1\n"
_PACKAGE = Path(__file__).resolve().parent
_REPO_CALIBRATION = _PACKAGE.parent / "calibration"
_PREFIX = "prepared-"
#: Sub-folders of a dataset folder that preparation reads (besides its top-level tables).
_DATA_SUBFOLDERS = ("xinyi",)
#: Contexts of this process that came from or went to the cache: id -> (context, key, input hashes, parts held then).
_KNOWN: dict[int, tuple] = {}
_KNOWN_SIZE = 4


def cache_dir() -> Path | None:
    """The cache folder, or None when ``ATTAIN_CACHE=off`` (or ``0``, ``no``, ``false``)."""
    if os.environ.get("ATTAIN_CACHE", "").strip().lower() in ("off", "0", "no", "false"):
        return None
    if os.environ.get("ATTAIN_CACHE_DIR"):
        return Path(os.environ["ATTAIN_CACHE_DIR"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "attain"


@functools.lru_cache(maxsize=1)
def _code_hash() -> str:
    """SHA-256 over every file of the ``model`` package (read once per process)."""
    h = hashlib.sha256()
    for p in sorted(_PACKAGE.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(_PACKAGE)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def cache_key(scenario, as_of: int | None, data_folder: Path, artefact: Path) -> str:
    """Hash of everything but the input files' bytes that decides a prepared context."""
    from .artefact import library_versions

    settings = {k: dict(v) for k, v in scenario.settings.items()}
    for k in ("paths", "seed"):  # what only the simulation reads
        settings.get("scenario", {}).pop(k, None)
    blob = json.dumps({
        "code": _code_hash(), "settings": settings, "levers": scenario.levers, "name": scenario.name,
        "chain": [str(Path(p).resolve()) for p in scenario.chain], "as_of": as_of, "data": str(Path(data_folder).resolve()),
        "artefact": str(Path(artefact).resolve()), "versions": library_versions(),
    }, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def _input_files(scenario, data_folder: Path, artefact: Path) -> list[Path]:
    files = {Path(p).resolve() for p in scenario.chain} | {Path(artefact).resolve()}
    data_folder = Path(data_folder)
    if data_folder.is_dir():
        files |= {p.resolve() for p in data_folder.iterdir() if p.is_file()}
        for sub in _DATA_SUBFOLDERS:
            if (data_folder / sub).is_dir():
                files |= {p.resolve() for p in (data_folder / sub).rglob("*") if p.is_file()}
    if _REPO_CALIBRATION.is_dir():
        files |= {p.resolve() for p in _REPO_CALIBRATION.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    return sorted(files)


def input_hashes(scenario, data_folder: Path, artefact: Path) -> dict[str, str | None]:
    """SHA-256 of every file a prepared context may rest on (None: absent), taken before preparing."""
    return {str(p): (hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None)
            for p in _input_files(scenario, data_folder, artefact)}


def _entry(key: str) -> Path | None:
    folder = cache_dir()
    return None if folder is None else folder / f"{_PREFIX}{key}.pkl"


def load(key: str, scenario, data_folder: Path, artefact: Path):
    """The stored context for ``key``, with the caller's ``scenario``, if its input files are unchanged; else None."""
    path = _entry(key)
    try:
        if path is None or not path.is_file():
            return None
        with open(path, "rb") as fh:
            if fh.read(len(MAGIC)) != MAGIC:
                return None  # not attain's: never unpickled
            stored = pickle.load(fh)
            if stored != input_hashes(scenario, data_folder, artefact):
                return None
            ctx = pickle.load(fh)
        os.utime(path)  # most recently used
    except Exception:  # a torn, vanished or unreadable entry is a miss: the context is rebuilt
        return None
    ctx = dataclasses.replace(ctx, scenario=scenario)  # the caller's paths and seed
    _remember(ctx, key, stored)
    return ctx


def store(key: str, ctx, hashes: dict[str, str | None]) -> Path | None:
    """Keep ``ctx`` under ``key`` with the hashes its inputs had before it was built (None: not stored)."""
    from .atomic import replace_bytes

    path = _entry(key)
    if path is None:
        return None
    try:
        if path.exists() and not _is_ours(path):
            return None  # a file attain did not write keeps its place
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        replace_bytes(MAGIC + pickle.dumps(hashes, protocol=5) + pickle.dumps(ctx, protocol=5), path)
        _prune(path.parent)
    except Exception:  # a read-only home or an unpicklable object must not stop a run
        return None
    _remember(ctx, key, hashes)
    return path


def refresh() -> None:
    """Store again the contexts of this process that have gained history parts since (structural variants computed them).

    The input hashes are those taken before the context was first built, so an input edited during the run
    still makes the next run a miss.
    """
    for ctx, key, hashes, n_parts in list(_KNOWN.values()):
        if len(getattr(ctx, "history_parts", ())) > n_parts:
            store(key, ctx, hashes)


def _remember(ctx, key: str, hashes: dict) -> None:
    _KNOWN.pop(id(ctx), None)
    if len(_KNOWN) >= _KNOWN_SIZE:
        _KNOWN.pop(next(iter(_KNOWN)))
    _KNOWN[id(ctx)] = (ctx, key, hashes, len(getattr(ctx, "history_parts", ())))


def _is_ours(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def _prune(folder: Path) -> None:
    entries = [p for p in folder.glob(f"{_PREFIX}*.pkl") if _is_ours(p)]
    entries.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for p in entries[MAX_ENTRIES:]:
        p.unlink(missing_ok=True)
