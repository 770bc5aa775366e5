"""Where projects land: the hosts and new-entrant sites of each programme, and which aggregates a site counts toward.

A programme lands anywhere in the province unless its table in
``calibration/pipeline_defaults.toml`` names a ``region`` (``gz_1yi``: ``"JX.GZ"``,
Ganzhou); then only on hosts and parks inside it.
"""

from __future__ import annotations

import numpy as np

from .data import Panel, parse_hosts
from .hierarchy import Hierarchy
from .pipeline import Destinations, load_calibration

__all__ = ["destinations_for", "programme_regions", "in_region", "site_pairs", "site_matrix"]


def programme_regions(calibration: dict | None = None) -> dict[str, str | None]:
    """Each programme's ``region`` in the pipeline calibration (None: anywhere), in the file's order."""
    cal = calibration if calibration is not None else load_calibration()
    return {name: prog.get("region") for name, prog in cal["programmes"].items()}


def destinations_for(panel: Panel, h: Hierarchy, regions: dict[str, str | None] | None = None) -> dict[str, Destinations]:
    """Hosts and new-entrant sites per programme, both weighted by revenue.

    ``jx_major`` lands anywhere in Jiangxi; ``gz_1yi`` only in Ganzhou (its
    ``region``, see :func:`programme_regions`). A host
    is drawn in proportion to its last revenue; a new entrant picks a park in
    proportion to the park's last revenue (agglomeration), then one of the
    park's (park, cluster) sites at random. Uniform site weights would send a
    third of the province's new entrants to Ganzhou, whose registry lists many
    small county parks.

    Parameters
    ----------
    panel : Panel
    h : Hierarchy
    regions : dict, optional
        Programme -> region or None (default: :func:`programme_regions`).

    Returns
    -------
    dict of str to Destinations
    """
    regions = programme_regions() if regions is None else regions
    ent = h.leaves.iloc[h.enterprise_leaves]
    size = np.nan_to_num(h.history[h.enterprise_leaves, -1])
    parks, clusters = list(panel.parks.index), list(panel.clusters.index)
    site_park, site_cluster = _sites(panel, parks, clusters)
    site_weight = _site_weights(panel, parks, site_park)
    out = {}
    for name, region in regions.items():
        if region is None:
            out[name] = _dest(np.arange(len(ent)), size, site_park, site_cluster, site_weight)
            continue
        hosts = np.array([in_region(panel, g, region) for g in ent["geo"]])
        at = np.array([in_region(panel, parks[p], region) for p in site_park])
        out[name] = _dest(np.flatnonzero(hosts), size[hosts], site_park[at], site_cluster[at], site_weight[at])
    return out


def _site_weights(panel: Panel, parks: list[str], site_park: np.ndarray) -> np.ndarray:
    """Park's last revenue shared equally among its sites."""
    last = panel.revenue.reindex(parks)[panel.years[-1]].to_numpy(float)
    per_park = np.bincount(site_park, minlength=len(parks))
    return np.nan_to_num(last)[site_park] / per_park[site_park]


def _dest(hosts: np.ndarray, weight: np.ndarray, site_park: np.ndarray, site_cluster: np.ndarray, site_weight: np.ndarray) -> Destinations:
    return Destinations(host_index=hosts.astype(np.int64), host_weight=weight.astype(float), site_park=site_park, site_cluster=site_cluster, site_weight=site_weight.astype(float))


def in_region(panel: Panel, geo: str, region: str) -> bool:
    """True when the park or region ``geo`` lies in ``region`` (a park by the region it sits in; region ids nest by prefix)."""
    where = panel.parks.at[geo, "region"] if geo in panel.parks.index else geo
    return where.startswith(region)


def _sites(panel: Panel, parks: list[str], clusters: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """One site per (park, hosted cluster) plus one per park with no cluster (index ``len(clusters)``)."""
    pairs = [(parks.index(p), len(clusters)) for p in parks]
    for c, hosts in panel.clusters["hosts"].items():
        pairs += [(parks.index(host), clusters.index(c)) for host, _ in parse_hosts(hosts) if host in parks]
    arr = np.array(sorted(set(pairs)), dtype=np.int64)
    return arr[:, 0], arr[:, 1]


def site_pairs(dests: dict[str, Destinations]) -> np.ndarray:
    """Every (park, cluster) site some programme can land a new entrant on, sorted."""
    pairs = {(int(p), int(c)) for d in dests.values() for p, c in zip(d.site_park, d.site_cluster)}
    return np.array(sorted(pairs), dtype=np.int64)


def site_matrix(panel: Panel, h: Hierarchy, sites: np.ndarray) -> np.ndarray:
    """nodes × sites: 1 where a new enterprise at the site counts toward the aggregate."""
    parks, clusters = list(panel.parks.index), list(panel.clusters.index)
    geo_parent = {**panel.regions["parent"].to_dict(), **panel.parks["region"].to_dict()}
    cl_parent = panel.clusters["parent"].to_dict()
    mat = np.zeros((len(h.nodes), len(sites)))
    for j, (p, c) in enumerate(sites):
        for node in _chain(parks[p], geo_parent) + (_chain(clusters[c], cl_parent) if c < len(clusters) else []):
            mat[h.node_index[node], j] = 1.0
    return mat


def _chain(node: str, parent: dict[str, str]) -> list[str]:
    out = []
    while node:
        out.append(node)
        node = parent.get(node, "")
    return out


