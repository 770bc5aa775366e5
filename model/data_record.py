"""What data a calibration saw, value by value, and what changed between two datasets.

A calibration artefact stores only a hash of its data, and a hash can say *that*
the data changed but not *what* changed. So ``attain calibrate`` also writes a
**data record** beside the artefact: ``parameters.toml`` -> ``parameters.data.csv``
(``parameters_asof2012.toml`` -> ``parameters_asof2012.data.csv``). It holds one
row per (entity, year) value the fit used: ``entity, year, value, provenance,
source``, values in 亿元 at full precision, after the as-of cut. Its first line
names the artefact's data hash, so a record that does not belong to its
artefact is recognised. The embedded data's record is 3,489 rows (265 kB).

Why a copy and not a pointer: a planner's data folder is updated in place when
a new year arrives and the bureau revises earlier years; the old values exist
only where the old calibration kept them. For an artefact written before
records existed, ``attain calibrate --compare OLD --old-data DIR`` takes the
old values from a dataset folder instead.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .atomic import replace_text
from .data import Panel
from .errors import OutputError

__all__ = ["record_path", "check_record_target", "panel_record", "write_record", "read_record", "DataChanges", "data_changes", "REVISION_ATOL"]

#: Two values differ when they differ by more than this (亿元): the data carry at most 4-6 decimals.
REVISION_ATOL = 1e-9
_COLUMNS = ["entity", "year", "value", "provenance", "source"]
_HEAD = "# attain data record; data_hash = "


def record_path(artefact: Path | str) -> Path:
    """The data record beside an artefact: ``X.toml`` -> ``X.data.csv``."""
    artefact = Path(artefact)
    return artefact.with_name(artefact.stem + ".data.csv")


def panel_record(panel: Panel) -> pd.DataFrame:
    """Every observed (entity, year) value of a panel with its provenance and source (long form).

    Parameters
    ----------
    panel : Panel

    Returns
    -------
    pandas.DataFrame
        Columns ``entity, year, value, provenance, source``, sorted by entity and year.
    """
    rev = panel.revenue.stack().rename("value")
    frame = rev[rev.notna()].reset_index()  # no value, no row (pandas 3's stack keeps NaN)
    frame.columns = ["entity", "year", "value"]
    keys = list(zip(frame["entity"], frame["year"]))
    frame["provenance"] = [panel.provenance.at[k] for k in keys]
    frame["source"] = [panel.source.at[k] for k in keys]
    frame["year"] = frame["year"].astype(int)
    return frame.sort_values(["entity", "year"], kind="stable").reset_index(drop=True)[_COLUMNS]


def check_record_target(artefact: Path | str) -> Path:
    """The record path of ``artefact``; OutputError when a file that is not a data record sits there."""
    target = record_path(artefact)
    if target.exists() and not target.read_text(encoding="utf-8", errors="replace").startswith(_HEAD):
        raise OutputError(f"{target}: exists and is not an attain data record; move it away, attain will not overwrite it")
    return target


def write_record(panel: Panel, artefact: Path | str, data_hash: str | None = None) -> Path:
    """Write the data record of the panel an artefact was fitted on (atomically).

    Parameters
    ----------
    panel : Panel
        The data the fit used (already cut to the as-of year).
    artefact : path
        The artefact it belongs to; the record goes to :func:`record_path`.
    data_hash : str, optional
        Default ``panel.data_hash()``.

    Returns
    -------
    Path

    Raises
    ------
    OutputError
        When a file that is not a data record sits where the record goes.
    """
    target = check_record_target(artefact)
    buf = io.StringIO()
    panel_record(panel).to_csv(buf, index=False, lineterminator="\n")
    text = f"{_HEAD}{data_hash or panel.data_hash()}\n" + buf.getvalue()
    return replace_text(text, target)


def read_record(path: Path | str) -> tuple[pd.DataFrame, str]:
    """Read a data record; returns the rows and the data hash it names.

    Raises
    ------
    FileNotFoundError, ValueError
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no data record; expected the file `attain calibrate` writes beside the artefact")
    text = path.read_text(encoding="utf-8")
    first, _, body = text.partition("\n")
    if not first.startswith(_HEAD):
        raise ValueError(f"{path}, row 1: got {first[:60]!r}; expected '{_HEAD}<hash>' (a data record written by `attain calibrate`)")
    frame = pd.read_csv(io.StringIO(body), dtype={"entity": str, "provenance": str, "source": str}, keep_default_na=False)
    missing = [c for c in _COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: columns {missing} missing; expected {_COLUMNS}")
    frame["value"] = frame["value"].astype(float)
    frame["year"] = frame["year"].astype(int)
    return frame[_COLUMNS], first[len(_HEAD):].strip()


@dataclass(frozen=True)
class DataChanges:
    """What differs between an old and a new data record.

    Attributes
    ----------
    years_added, years_removed : list of int
        Years with values in one record only.
    revised : list of tuple
        ``(entity, year, old, new)`` for values present in both that differ.
    added, removed : list of tuple
        ``(entity, year, value)`` present in one record only, in years both have.
    provenance : list of tuple
        ``(entity, year, field, old, new)`` where provenance or source changed.
    n_added_year_values : int
        Values in the added years.
    """

    years_added: list = field(default_factory=list)
    years_removed: list = field(default_factory=list)
    revised: list = field(default_factory=list)
    added: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    provenance: list = field(default_factory=list)
    n_added_year_values: int = 0

    @property
    def unchanged(self) -> bool:
        return not (self.years_added or self.years_removed or self.revised or self.added or self.removed or self.provenance)

    def to_dict(self) -> dict:
        return {
            "years_added": self.years_added, "years_removed": self.years_removed, "n_added_year_values": self.n_added_year_values,
            "revised": [dict(entity=e, year=y, old=o, new=n) for e, y, o, n in self.revised],
            "added": [dict(entity=e, year=y, value=v) for e, y, v in self.added],
            "removed": [dict(entity=e, year=y, value=v) for e, y, v in self.removed],
            "provenance": [dict(entity=e, year=y, field=f, old=o, new=n) for e, y, f, o, n in self.provenance],
        }


def data_changes(old: pd.DataFrame, new: pd.DataFrame, atol: float = REVISION_ATOL) -> DataChanges:
    """Years added, values revised (entity, year, old -> new) and provenance changes.

    Parameters
    ----------
    old, new : pandas.DataFrame
        Data records (:func:`panel_record` / :func:`read_record`).
    atol : float
        Values closer than this (亿元) are the same value.

    Returns
    -------
    DataChanges
    """
    old_years, new_years = set(old["year"]), set(new["year"])
    both_years = old_years & new_years
    o = old.set_index(["entity", "year"])
    n = new.set_index(["entity", "year"])
    common = o.index.intersection(n.index)
    oc, nc = o.loc[common], n.loc[common]
    diff = np.abs(nc["value"].to_numpy() - oc["value"].to_numpy()) > atol
    revised = [(e, int(y), float(a), float(b)) for (e, y), a, b in zip(common[diff], oc["value"][diff], nc["value"][diff])]
    prov = []
    for col in ("provenance", "source"):
        changed = oc[col].to_numpy() != nc[col].to_numpy()
        prov += [(e, int(y), col, a, b) for (e, y), a, b in zip(common[changed], oc[col][changed], nc[col][changed])]
    only_new = n.index.difference(o.index)
    only_old = o.index.difference(n.index)
    added = [(e, int(y), float(n.at[(e, y), "value"])) for e, y in only_new if y in both_years]
    removed = [(e, int(y), float(o.at[(e, y), "value"])) for e, y in only_old if y in both_years]
    return DataChanges(
        years_added=sorted(int(y) for y in new_years - old_years), years_removed=sorted(int(y) for y in old_years - new_years),
        revised=sorted(revised), added=sorted(added), removed=sorted(removed), provenance=sorted(prov),
        n_added_year_values=int(sum(1 for _, y in only_new if y not in both_years)),
    )
