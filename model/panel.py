"""The validated dataset: entities and their annual revenue, as :class:`Panel`.

Loading and validating a dataset folder is :mod:`model.data`'s job; this module
holds only the type (and the parsing of a cluster's hosts cell), so that
:mod:`model.hierarchy` depends on the type and not on the loaders.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataError, ErrorLocation
from .tables import ROW_COL

__all__ = ["Panel", "default_data_dir", "parse_hosts"]


def default_data_dir() -> Path:
    """The embedded Jiangxi/Ganzhou/Xinyi dataset shipped in ``calibration/data``."""
    return Path(__file__).resolve().parents[1] / "calibration" / "data"


@dataclass(frozen=True)
class Panel:
    """Validated entities and their annual revenue (亿元).

    Attributes
    ----------
    regions, parks, clusters, enterprises : pandas.DataFrame
        Entity tables indexed by id.
    revenue : pandas.DataFrame
        Wide table, index = entity id, columns = years; NaN where no value.
    provenance : pandas.DataFrame
        Same shape: ``published``, ``derived``, ``synthetic`` or ``""``.
    source : pandas.DataFrame
        Same shape: where each value comes from.
    meta : dict
        Contents of ``dataset.toml`` (name, first_year, last_year, illustrative...).
    origin : dict
        ``(entity, year) -> (file label, row)`` of every value, for messages.
    files : dict
        Table name -> file label (with the sheet for an .xlsx), for messages.
    notes : tuple of str
        What loading decided on its own (encoding, skipped rows, aggregates
        without totals, values a planner's table replaced), for the check summary.
    """

    regions: pd.DataFrame
    parks: pd.DataFrame
    clusters: pd.DataFrame
    enterprises: pd.DataFrame
    revenue: pd.DataFrame
    provenance: pd.DataFrame
    source: pd.DataFrame
    meta: dict = field(default_factory=dict)
    origin: dict = field(default_factory=dict, compare=False, repr=False)
    files: dict = field(default_factory=dict, compare=False, repr=False)
    notes: tuple = field(default=(), compare=False)

    @property
    def years(self) -> np.ndarray:
        return np.asarray(self.revenue.columns, dtype=int)

    @property
    def province(self) -> str:
        """Id of the province: the one region whose level is ``province``."""
        ids = self.regions.index[self.regions["level"] == "province"]
        if len(ids) != 1:
            raise DataError(f"regions: expected exactly one region with level 'province', got {len(ids)} ({', '.join(ids) or 'none'})")
        return str(ids[0])

    def province_revenue(self) -> np.ndarray:
        """The province's observed revenue series (亿元), oldest first."""
        pid = self.province
        if pid not in self.revenue.index:
            raise DataError(f"revenue: the province '{pid}' has no revenue rows; expected its totals for every year")
        return self.revenue.loc[pid].dropna().to_numpy(float)

    @property
    def illustrative(self) -> bool:
        """True when any value is synthetic: outputs must say so."""
        return bool((self.provenance == "synthetic").to_numpy().any())

    def ids(self) -> set[str]:
        """Every entity id of every kind."""
        return set(self.regions.index) | set(self.parks.index) | set(self.clusters.index) | set(self.enterprises.index)

    def where(self, entity: str, year: int) -> ErrorLocation:
        """File and row of the value of ``entity`` in ``year`` (just the revenue file when it has none).

        Parameters
        ----------
        entity : str
        year : int

        Returns
        -------
        ErrorLocation
        """
        known = entity in self.revenue.index and year in self.revenue.columns and not np.isnan(self.revenue.at[entity, year])
        if known and (entity, year) in self.origin:  # a hand-edited panel may have dropped the value
            file, row = self.origin[(entity, year)]
            return ErrorLocation(file, row, "value")
        return ErrorLocation(self.files.get("revenue", "revenue"))

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {"region": self.regions, "park": self.parks, "cluster": self.clusters, "enterprise": self.enterprises}

    def as_of(self, year: int) -> "Panel":
        """The panel truncated to data up to ``year`` (for as-of calibration and backtests)."""
        keep = [y for y in self.revenue.columns if y <= year]
        if not keep:
            raise ValueError(f"as-of year {year} is before the first data year {self.revenue.columns[0]}")
        cut = {k: getattr(self, k)[keep] for k in ("revenue", "provenance", "source")}
        alive = cut["revenue"].notna().any(axis=1)
        ents = self.enterprises[self.enterprises.index.isin(alive[alive].index)]
        meta = dict(self.meta, last_year=year)
        rows = {k: v.loc[v.index.isin(alive[alive].index) | ~v.index.isin(self.enterprises.index)] for k, v in cut.items()}
        return Panel(self.regions, self.parks, self.clusters, ents, **rows, meta=meta, origin=self.origin, files=self.files, notes=self.notes)

    def data_hash(self) -> str:
        """SHA-256 of the revenue values and memberships (for manifests)."""
        h = hashlib.sha256()
        # Row numbers enter as ordinals (1 = first data row), as before rows were numbered like Excel:
        # the hash must not move with blank lines, and must stay the one stored in calibration/parameters.toml.
        entities = [t.assign(**{ROW_COL: range(1, len(t) + 1)}) if ROW_COL in t else t for t in (self.regions, self.parks, self.clusters, self.enterprises)]
        for frame in (*entities, self.revenue.round(9)):
            h.update(pd.util.hash_pandas_object(frame.reset_index().astype(str), index=False).to_numpy().tobytes())
        return h.hexdigest()[:16]


def parse_hosts(text: str) -> list[tuple[str, float | None]]:
    """Parse a cluster's ``hosts`` cell: ``"P1=0.6;P2=0.4"`` or ``"P1;P2"``."""
    out = []
    for item in filter(None, (t.strip() for t in text.split(";"))):
        name, _, share = item.partition("=")
        out.append((name.strip(), float(share) if share.strip() else None))
    return out
