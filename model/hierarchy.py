"""Leaves and the aggregation matrix: why every simulated aggregate is coherent.

Every aggregate (region, park, cluster) is a sum of *leaves*:

* each tracked enterprise;
* for each region or park with a published total, its untracked remainder
  (total minus child regions, parks and direct enterprises), split into one
  *cell* per cluster it hosts (that cluster's own remainder share) plus an
  ``other`` cell.

Clusters cut across geography: a cluster's remainder (total minus member
clusters and member enterprises) is allocated to its host parks or regions by
the shares in ``clusters.hosts``. The model simulates leaves only and forms
every aggregate as ``A @ leaves``, so members + remainder = aggregate holds in
every path and year by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import sparse

from .panel import Panel, parse_hosts
from .errors import DataError

__all__ = ["Hierarchy", "Incoherence", "build_hierarchy", "incoherences", "member_overflow", "sum_rows"]

_TOL = 1e-6
#: Members at least this many times their aggregate (or the reverse) suggest a 万元/亿元 slip (factor 10^4).
_SLIP = 1e3


@dataclass(frozen=True)
class Hierarchy:
    """Leaves with their history and the 0/1 aggregation matrix.

    Attributes
    ----------
    leaves : pandas.DataFrame
        One row per leaf: ``id``, ``kind`` ('enterprise' | 'cell'), ``geo`` (park or
        region holding it), ``cluster`` (cluster id or ''), ``group`` (industry
        shock group: root cluster or '').
    history : ndarray, shape (n_leaves, n_years)
        Leaf revenue, 亿元 (NaN before an enterprise appears).
    nodes : list of str
        Aggregate ids (regions, parks, clusters), rows of ``matrix``.
    matrix : ndarray, shape (n_nodes, n_leaves)
        ``matrix[i, j] = 1`` when leaf j belongs to aggregate i.
    years : ndarray
    """

    leaves: pd.DataFrame
    history: np.ndarray
    nodes: list[str]
    matrix: np.ndarray
    years: np.ndarray

    @cached_property
    def node_index(self) -> dict[str, int]:
        return {n: i for i, n in enumerate(self.nodes)}

    @cached_property
    def enterprise_leaves(self) -> np.ndarray:
        """Indices of leaves that are tracked enterprises."""
        return np.flatnonzero(self.leaves["kind"].to_numpy() == "enterprise")

    def aggregate(self, leaf_values: np.ndarray) -> np.ndarray:
        """Aggregate totals from leaf values along axis -2 (leaves).

        Parameters
        ----------
        leaf_values : ndarray, shape (..., n_leaves, n_years)

        Returns
        -------
        ndarray, shape (..., n_nodes, n_years)
        """
        return sum_rows(self.matrix, leaf_values)

    def members_of(self, node: str) -> np.ndarray:
        """Leaf indices under an aggregate."""
        return np.flatnonzero(self.matrix[self.node_index[node]])


def sum_rows(matrix: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``matrix @ values`` along axis -2 of ``values``, with a fixed summation order.

    A sparse product instead of ``einsum``/BLAS: multi-threaded BLAS sums in an
    order that depends on its thread count, so one process, a process pool and
    Dask workers (one BLAS thread each) would differ in the last bits.

    Parameters
    ----------
    matrix : ndarray, shape (n_rows, n)
    values : ndarray, shape (..., n, n_years)

    Returns
    -------
    ndarray, shape (..., n_rows, n_years)
    """
    values = np.asarray(values, dtype=float)
    lead, (n, years) = values.shape[:-2], values.shape[-2:]
    flat = np.moveaxis(values, -2, 0).reshape(n, -1)
    out = np.asarray(sparse.csr_matrix(matrix) @ flat).reshape((matrix.shape[0], *lead, years))
    return np.ascontiguousarray(np.moveaxis(out, 0, -2))


def build_hierarchy(panel: Panel) -> Hierarchy:
    """Split every aggregate into leaves and build the aggregation matrix.

    Parameters
    ----------
    panel : Panel

    Returns
    -------
    Hierarchy

    Raises
    ------
    DataError
        When a cluster's remainder does not fit into its hosts' remainders
        (naming the file and row of the host's total when the panel knows them).
    """
    tree = _Tree(panel)
    rows, hist = tree.enterprise_leaves()
    cell_rows, cell_hist, problems = tree.cell_leaves()
    if problems:
        raise DataError([p.message for p in problems])
    leaves = pd.DataFrame(rows + cell_rows, columns=["id", "kind", "geo", "cluster"])
    leaves["group"] = [tree.cluster_root(c) if c else "" for c in leaves["cluster"]]
    history = np.vstack(hist + cell_hist) if hist + cell_hist else np.zeros((0, len(tree.years)))
    nodes = list(panel.regions.index) + list(panel.parks.index) + list(panel.clusters.index)
    matrix = tree.matrix(leaves, nodes)
    return Hierarchy(leaves, history, nodes, matrix, tree.years)


def member_overflow(panel: Panel) -> list[tuple[str, int, float, float]]:
    """Aggregates whose members sum to more than the aggregate.

    Returns
    -------
    list of (node, year, members_total, aggregate)
        ``aggregate`` is NaN when the aggregate has no value that year (it is
        then taken as 0, so any member value overflows it).
    """
    return [(node, year, members, agg) for node, year, members, agg, _ in _Tree(panel).overflow()]


@dataclass(frozen=True)
class Incoherence:
    """One aggregate whose members and remainder do not fit, for messages.

    Attributes
    ----------
    node : str
        The aggregate (or the host of cluster remainders).
    year : int
    message : str
        ``FILE, row R, column 'value': entity 'X' year Y: ...; expected ...``.
    under : frozenset of str
        Every entity whose value feeds the problem (to point at a planner's rows).
    """

    node: str
    year: int
    message: str
    under: frozenset


def incoherences(panel: Panel, cells: bool = True) -> list[Incoherence]:
    """Members exceeding their aggregate and, with ``cells``, cluster remainders exceeding their hosts'.

    Parameters
    ----------
    panel : Panel
    cells : bool
        Also check the split of cluster remainders into host cells (what
        :func:`build_hierarchy` raises for).

    Returns
    -------
    list of Incoherence
    """
    tree = _Tree(panel)
    out = [Incoherence(node, year, tree.overflow_message(node, year, members, agg, i), frozenset(tree.descendants([node])))
           for node, year, members, agg, i in tree.overflow()]
    if cells:
        out += tree.cell_leaves()[2]
    return out


class _Tree:
    """Parent/child relations and recursive totals of one panel."""

    def __init__(self, panel: Panel):
        self.panel = panel
        self.years = panel.years
        self.values = panel.revenue
        self.geo_parent = {**panel.regions["parent"].to_dict(), **panel.parks["region"].to_dict()}
        self.cluster_parent = panel.clusters["parent"].to_dict()
        self.geo_children = self._children(self.geo_parent, panel.regions.index.tolist() + panel.parks.index.tolist())
        self.cluster_children = self._children(self.cluster_parent, panel.clusters.index.tolist())
        ents = panel.enterprises
        self.ent_geo = {e: (r["park"] or r["region"]) for e, r in ents.iterrows()}
        self.ent_cluster = ents["cluster"].to_dict()
        for e, g in self.ent_geo.items():
            self.geo_children[g].append(e)
        for e, c in self.ent_cluster.items():
            if c:
                self.cluster_children[c].append(e)

    @staticmethod
    def _children(parent: dict[str, str], nodes: list[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {n: [] for n in nodes}
        for child, par in parent.items():
            if par:
                out[par].append(child)
        return out

    def given(self, node: str) -> np.ndarray | None:
        if node in self.values.index and self.values.loc[node].notna().any():
            return self.values.loc[node].fillna(0.0).to_numpy(float)
        return None

    def total(self, node: str) -> np.ndarray:
        given = self.given(node)
        return given if given is not None else self.members_sum(node)

    def members_sum(self, node: str) -> np.ndarray:
        kids = self.geo_children.get(node, self.cluster_children.get(node, []))
        return np.sum([self.total(k) for k in kids], axis=0) if kids else np.zeros(len(self.years))

    def rest(self, node: str) -> np.ndarray:
        given = self.given(node)
        return np.zeros(len(self.years)) if given is None else np.maximum(given - self.members_sum(node), 0.0)

    def kids(self, node: str) -> list[str]:
        return self.geo_children.get(node, self.cluster_children.get(node, []))

    def descendants(self, nodes: list[str]) -> set[str]:
        out, todo = set(), list(nodes)
        while todo:
            node = todo.pop()
            if node not in out:
                out.add(node)
                todo += self.kids(node)
        return out

    def overflow(self) -> list[tuple[str, int, float, float, int]]:
        """(node, year, members, aggregate or NaN, year index) where members exceed a given aggregate."""
        out = []
        for node in self.geo_children.keys() | self.cluster_children.keys():
            given = self.given(node)
            if given is None:
                continue
            raw = self.values.loc[node].to_numpy(float)
            members = self.members_sum(node)
            bad = np.flatnonzero(members > given * (1 + _TOL) + _TOL)
            out += [(node, int(self.years[i]), float(members[i]), float(raw[i]), int(i)) for i in bad]
        return sorted(out, key=lambda r: (r[0], r[1]))

    def largest(self, node: str, i: int, n: int = 3) -> str:
        """The ``n`` largest members of ``node`` in year index ``i``, with the rows of their values."""
        vals = sorted(((k, float(self.total(k)[i])) for k in self.kids(node)), key=lambda kv: -kv[1])[:n]
        year = int(self.years[i])
        home = self.panel.where(node, year).file
        out = []
        for k, v in vals:
            where = self.panel.where(k, year)
            at = "" if where.row is None else f" (row {where.row})" if where.file == home else f" ({where.file} row {where.row})"
            out.append(f"{k} {v:.4f}{at}")
        return ", ".join(out)

    def overflow_message(self, node: str, year: int, members: float, agg: float, i: int) -> str:
        where = self.panel.where(node, year)
        largest = f" (largest: {self.largest(node, i)})"
        if np.isnan(agg):
            return (f"{where}: entity '{node}' year {year}: got no value for the aggregate, but its members sum to {members:.4f} 亿元{largest}; "
                    f"expected a total for {year} as well (the aggregate's rows start later than its members' values)")
        slip = " — members ≈ 10^4 × the aggregate: a 万元 value labelled 亿元, or the aggregate in 亿元 labelled 万元?" if agg > 0 and members / agg >= _SLIP else ""
        return (f"{where}: entity '{node}' year {year}: got aggregate {agg:.4f} 亿元 < members' sum {members:.4f}{largest}; "
                f"expected members (child regions, parks, enterprises, member clusters) to sum to at most the aggregate{slip}")

    def cell_message(self, node: str, i: int, rest: np.ndarray, assigned: list) -> Incoherence:
        year = int(self.years[i])
        given = self.given(node)
        need = float(sum(v[i] for _, _, _, v in assigned))
        parts = ", ".join(f"{c} {share:g} × {crest[i]:.4f}" for c, share, crest, _ in assigned)
        if given is None:
            room = "it has no totals of its own, so no untracked remainder to hold them"
        else:
            room = f"its untracked remainder is {rest[i]:.4f} (total {given[i]:.4f} − members {self.members_sum(node)[i]:.4f})"
        slip = " — ≈ 10^4 × too much: a 万元/亿元 slip in one of these values?" if rest[i] > 0 and need / rest[i] >= _SLIP else ""
        hosts = self.panel.files.get("clusters", "clusters")
        message = (
            f"{self.panel.where(node, year)}: entity '{node}' year {year}: cluster remainders allocated to it ({', '.join(c for c, *_ in assigned)}) "
            f"exceed its untracked remainder: they need {need:.4f} 亿元 (share × cluster remainder: {parts}), but {room}{slip}; "
            f"expected cluster totals, member values and host shares ({hosts}, column 'hosts') that fit — a cluster's remainder is its total "
            "minus its members, so it grows when a member's value is too small or the cluster's total too large"
        )
        return Incoherence(node, year, message, frozenset(self.descendants([node] + [c for c, *_ in assigned])))

    def cluster_root(self, cluster: str) -> str:
        while self.cluster_parent.get(cluster):
            cluster = self.cluster_parent[cluster]
        return cluster

    def enterprise_leaves(self) -> tuple[list, list]:
        rows = [[e, "enterprise", self.ent_geo[e], self.ent_cluster[e]] for e in self.panel.enterprises.index]
        hist = [self.values.loc[e].to_numpy(float) if e in self.values.index else np.full(len(self.years), np.nan) for e in self.panel.enterprises.index]
        return rows, hist

    def host_shares(self, cluster: str) -> list[tuple[str, float]]:
        hosts = parse_hosts(self.panel.clusters.at[cluster, "hosts"])
        if not hosts:
            parks = sorted({self.ent_geo[e] for e in self.cluster_children[cluster] if e in self.ent_geo})
            hosts = [(p, None) for p in parks] or [(self.panel.clusters.at[cluster, "region"], None)]
        free = 1.0 - sum(s for _, s in hosts if s is not None)
        n_free = sum(s is None for _, s in hosts)
        return [(h, s if s is not None else free / n_free) for h, s in hosts]

    def cell_leaves(self) -> tuple[list, list, list[Incoherence]]:
        cells: dict[str, list[tuple[str, float, np.ndarray, np.ndarray]]] = {}
        for cluster in self.panel.clusters.index:
            rest = self.rest(cluster)
            for host, share in self.host_shares(cluster):
                cells.setdefault(host, []).append((cluster, share, rest, share * rest))
        rows, hist, problems = [], [], []
        for node in self.geo_children:
            rest = self.rest(node)
            assigned = cells.get(node, [])
            other = rest - np.sum([v for *_, v in assigned], axis=0) if assigned else rest
            if (other < -_TOL * (1 + rest)).any():
                problems.append(self.cell_message(node, int(np.argmin(other)), rest, assigned))
            for cluster, _, _, values in assigned:
                rows.append([f"{node}~{cluster}", "cell", node, cluster])
                hist.append(values)
            if self.given(node) is not None and other.max() > _TOL:
                rows.append([f"{node}~other", "cell", node, ""])
                hist.append(np.maximum(other, 0.0))
        return rows, hist, problems

    def ancestors(self, start: str, parent: dict[str, str]) -> list[str]:
        out = []
        while start:
            out.append(start)
            start = parent.get(start, "")
        return out

    def matrix(self, leaves: pd.DataFrame, nodes: list[str]) -> np.ndarray:
        index = {n: i for i, n in enumerate(nodes)}
        mat = np.zeros((len(nodes), len(leaves)))
        for j, (geo, cluster) in enumerate(zip(leaves["geo"], leaves["cluster"])):
            for node in self.ancestors(geo, self.geo_parent) + (self.ancestors(cluster, self.cluster_parent) if cluster else []):
                mat[index[node], j] = 1.0
        return mat
