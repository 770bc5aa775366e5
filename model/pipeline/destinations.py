"""Where a programme's projects land: host enterprises (expansions) and (park, cluster) sites (new entrants)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["Destinations"]


@dataclass(frozen=True, eq=False)
class Destinations:
    """Where a programme's projects land.

    Expansion projects go to an existing enterprise drawn from ``host_index`` with
    probability ∝ ``host_weight``; new-entrant projects (央企入赣, 产业转移) found a
    new enterprise at a (park, cluster) site drawn from ``site_park``/``site_cluster``
    ∝ ``site_weight``.  Region filtering is the caller's job.  If a programme has no
    host candidates every project is a new entrant; with no sites, none is.

    Optional ``host_output_ratio``/``site_output_ratio`` override the industry-drawn
    output/investment ratio for projects landing there.
    """

    host_index: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    host_weight: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    site_park: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    site_cluster: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    site_weight: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    host_output_ratio: NDArray[np.float64] | None = None
    site_output_ratio: NDArray[np.float64] | None = None

    def __post_init__(self) -> None:
        for a, b in (("host_index", "host_weight"), ("site_park", "site_weight"), ("site_cluster", "site_weight")):
            if len(getattr(self, a)) != len(getattr(self, b)):
                raise ValueError(f"Destinations: {a} and {b} differ in length")
        for w in ("host_weight", "site_weight"):
            arr = np.asarray(getattr(self, w), float)
            if np.any(~np.isfinite(arr)) or np.any(arr < 0):
                raise ValueError(f"Destinations: {w} must be finite and non-negative")
        for ix in ("host_index", "site_park", "site_cluster"):
            if np.any(np.asarray(getattr(self, ix)) < 0):
                raise ValueError(f"Destinations: {ix} must be non-negative indices")
        for r, ref in (("host_output_ratio", "host_index"), ("site_output_ratio", "site_park")):
            val = getattr(self, r)
            if val is not None and len(val) != len(getattr(self, ref)):
                raise ValueError(f"Destinations: {r} must have one value per {ref}")

    @classmethod
    def synthetic(cls, n_hosts: int = 50, n_sites: int = 10, seed: int = 0) -> "Destinations":
        """A small made-up destination set (tests, benchmarks)."""
        rng = np.random.default_rng(seed)
        return cls(
            host_index=np.arange(n_hosts, dtype=np.int64),
            host_weight=rng.lognormal(0, 1, n_hosts),
            site_park=np.arange(n_sites, dtype=np.int64) % max(1, n_sites // 2),
            site_cluster=np.arange(n_sites, dtype=np.int64),
            site_weight=np.ones(n_sites),
        )


@dataclass(frozen=True)
class _DestIndex:
    """Destinations of all programmes mapped onto shared output axes."""

    host_ids: NDArray[np.int64]
    site_pairs: NDArray[np.int64]  # (n_sites, 2) park, cluster
    host_pos: tuple[NDArray[np.int64], ...]
    host_cum: tuple[NDArray[np.float64], ...]
    site_pos: tuple[NDArray[np.int64], ...]
    site_cum: tuple[NDArray[np.float64], ...]
    host_ratio: tuple[NDArray[np.float64] | None, ...]
    site_ratio: tuple[NDArray[np.float64] | None, ...]


def _index_destinations(
    destinations: Destinations | Mapping[str, Destinations], names: Sequence[str]
) -> _DestIndex:
    """Union the candidates of every programme into output axes and weight CDFs."""
    per = {n: destinations for n in names} if isinstance(destinations, Destinations) else dict(destinations)
    missing = [n for n in names if n not in per]
    if missing:
        raise ValueError(f"Destinations missing for programme(s): {missing}")
    empty = [n for n in names if len(per[n].host_index) == 0 and len(per[n].site_park) == 0]
    if empty:
        raise ValueError(f"Destinations for programme(s) {empty} have neither hosts nor sites; "
                         "give candidates or set the programme's intake lever to 0 and pass any destination")
    hosts = np.unique(np.concatenate([np.asarray(per[n].host_index, np.int64) for n in names]))
    pairs_all = np.concatenate(
        [np.stack([np.asarray(per[n].site_park, np.int64), np.asarray(per[n].site_cluster, np.int64)], 1)
         for n in names]
    ).reshape(-1, 2)
    sites = np.unique(pairs_all, axis=0) if len(pairs_all) else np.zeros((0, 2), np.int64)

    def cum(w: NDArray) -> NDArray:
        w = np.asarray(w, float)
        return np.cumsum(w) / w.sum() if len(w) and w.sum() > 0 else np.zeros(0)

    host_pos, host_cum, site_pos, site_cum = [], [], [], []
    for n in names:
        d = per[n]
        host_pos.append(np.searchsorted(hosts, np.asarray(d.host_index, np.int64)))
        host_cum.append(cum(d.host_weight))
        pairs = np.stack([np.asarray(d.site_park, np.int64), np.asarray(d.site_cluster, np.int64)], 1)
        # Row position of each site pair in the unique list.
        lookup = {tuple(p): i for i, p in enumerate(sites.tolist())}
        site_pos.append(np.array([lookup[tuple(p)] for p in pairs.tolist()], np.int64))
        site_cum.append(cum(d.site_weight))
    return _DestIndex(
        hosts, sites, tuple(host_pos), tuple(host_cum), tuple(site_pos), tuple(site_cum),
        tuple(None if per[n].host_output_ratio is None else np.asarray(per[n].host_output_ratio, float) for n in names),
        tuple(None if per[n].site_output_ratio is None else np.asarray(per[n].site_output_ratio, float) for n in names),
    )
