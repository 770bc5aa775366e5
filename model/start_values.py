"""Made-up starting values are uncertain: each path draws them.

Almost every 2013 value of the embedded panel is synthetic (provenance
``synthetic``), made up by :mod:`model.generator` around a few published
anchors. A count target must not hinge on a made-up firm sitting just above or
below its threshold, so every path draws each synthetic 2013 value of a counted
entity around its generated value; published and derived values stay fixed.

* **The law.** The drawn value is ``generated × exp(sd × z)``, z standard
  normal, so the generated value is the median. Defaults (``[counts]`` of a
  scenario): sd 0.30 for an enterprise (about ±35 %: a made-up firm is known
  only by its place in a Pareto size ranking, and the rank-size law leaves at
  least that much room at a given rank), 0.15 for a park or cluster total (a
  sum of many firms, pinned by the published park counts of 2009 and 2010).
* **Coherence.** A draw moves revenue between two leaves, never in or out of
  the panel: an enterprise against the remainder cell of its own park and
  cluster (so no aggregate changes), a park against its region's ``other``
  remainder (only the park changes), a cluster against its host park's
  ``other`` remainder (only the cluster and its parent clusters change); a
  park's or cluster's change is spread over its remainder cells by size. The
  counterpart is the nearest cell that can give a two-sd rise (up the region
  tree if the nearest cannot), and the same whichever way the draw goes, so
  the draws stay centred on the generated values. A counterpart is never one whose move would change an aggregate
  with a published or derived 2013 value (an entity with no such counterpart
  is held fixed and listed). Every leaf keeps at least 5 % of its generated
  value, so a draw may be cut short, by the same distance either way (the
  median stays the generated value); :func:`draw_starts` reports how often.
* **Paths.** The growth law is proportional in level, so a drawn start is
  applied by scaling the leaf's whole simulated path by the ratio of its drawn
  to its generated start (the size dependence of the idiosyncratic volatility
  is not re-run; a second-order effect).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .panel import Panel
from .hierarchy import Hierarchy

__all__ = ["Move", "StartPlan", "plan_moves", "draw_starts", "synthetic_members", "top_tier"]

#: A donor or recipient leaf keeps at least this share of its generated value.
_KEEP = 0.05


@dataclass(frozen=True)
class Move:
    """One synthetic entity whose 2013 value is drawn per path.

    Attributes
    ----------
    entity : str
    kind : str
        'enterprise', 'park' or 'cluster'.
    value : float
        Generated 2013 value (亿元).
    sd : float
        Log-sd of the draw.
    pairs : tuple of (recipient leaf, (donor leaf,), weight)
        The entity's change is split over its leaves (``recipient``) by weight,
        each against one donor leaf outside it.
    """

    entity: str
    kind: str
    value: float
    sd: float
    pairs: tuple[tuple[int, int, float], ...]


@dataclass(frozen=True)
class StartPlan:
    """Every move of a run and what could not be moved (with why)."""

    moves: tuple[Move, ...]
    held: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return any(m.sd > 0 for m in self.moves)


def _synthetic(panel: Panel, entity: str, year: int) -> bool:
    prov = panel.provenance
    return entity in prov.index and year in prov.columns and prov.at[entity, year] == "synthetic"


def plan_moves(panel: Panel, h: Hierarchy, sd_firm: float, sd_aggregate: float) -> StartPlan:
    """Which synthetic 2013 values are drawn, and against which leaves.

    Each recipient leaf gets one counterpart, the nearest that can give a
    two-sd rise: an enterprise's own (park, cluster) cell, then its park's
    other cells, then the ``other`` cells of the regions above; a park's region,
    then the regions above; a cluster's host park, then the regions above. A
    counterpart is used only if the move changes no aggregate with a published
    or derived 2013 value.

    Parameters
    ----------
    panel : Panel
    h : Hierarchy
    sd_firm, sd_aggregate : float
        Log-sd for enterprises and for park / cluster totals (0 holds them fixed).

    Returns
    -------
    StartPlan
    """
    year = int(panel.years[-1])
    leaves = h.leaves
    level = np.nan_to_num(h.history[:, -1])
    cell_at = {(g, c): i for i, (g, c, k) in enumerate(zip(leaves["geo"], leaves["cluster"], leaves["kind"])) if k == "cell"}
    fixed = np.array([not _synthetic(panel, n, year) and n in panel.revenue.index and np.isfinite(panel.revenue.at[n, year]) for n in h.nodes])
    geo_parent = {**panel.regions["parent"].to_dict(), **panel.parks["region"].to_dict()}
    moves, held = [], {}

    def donors(recipient: int, chain: list[tuple[str, str]], need: float) -> tuple[int, ...]:
        """One counterpart: the nearest cell of ``chain`` that can give ``need`` (else the largest).

        One fixed counterpart per move keeps the draw symmetric: what a firm gains
        when drawn high it gives back to the same cell when drawn low.
        """
        ok = []
        for key in chain:
            d = cell_at.get(key)
            if d is None or d == recipient or level[d] <= 0 or d in ok:
                continue
            if not fixed[np.flatnonzero(h.matrix[:, recipient] != h.matrix[:, d])].any():
                ok.append(d)
        if not ok:
            return ()
        able = [d for d in ok if (1.0 - _KEEP) * level[d] >= need]
        return (able[0],) if able else (max(ok, key=lambda d: level[d]),)

    def up(geo: str) -> list[tuple[str, str]]:
        out = []
        while geo:
            out.append((geo, ""))
            geo = geo_parent.get(geo, "")
        return out

    def park_cells(geo: str) -> list[tuple[str, str]]:
        return sorted((g, c) for g, c in cell_at if g == geo)

    plan = []
    if sd_firm > 0:
        for j in h.enterprise_leaves:
            eid, geo, cl = leaves.at[j, "id"], leaves.at[j, "geo"], leaves.at[j, "cluster"]
            if _synthetic(panel, eid, year) and level[j] > 0:
                need = np.expm1(2 * sd_firm) * level[j]
                plan.append((eid, "enterprise", float(level[j]), sd_firm, [(int(j), donors(int(j), [(geo, cl), (geo, "")] + park_cells(geo) + up(geo), need), 1.0)]))
    if sd_aggregate > 0:
        # A park's or cluster's change is spread over its remainder cells in proportion to their size.
        for pid in panel.parks.index:
            own = [i for (g, c), i in cell_at.items() if g == pid and level[i] > 0]
            if _synthetic(panel, pid, year):
                need = np.expm1(2 * sd_aggregate) * level[h.members_of(pid)].sum() / max(level[own].sum(), 1e-9)
                plan.append((pid, "park", float(level[h.members_of(pid)].sum()), sd_aggregate, [(i, donors(i, up(geo_parent.get(pid, "")), need * level[i]), level[i]) for i in own]))
        for cid in panel.clusters.index:
            own = [i for (g, c), i in cell_at.items() if c == cid and level[i] > 0]
            if _synthetic(panel, cid, year):
                need = np.expm1(2 * sd_aggregate) * level[h.members_of(cid)].sum() / max(level[own].sum(), 1e-9)
                plan.append((cid, "cluster", float(level[h.members_of(cid)].sum()), sd_aggregate,
                             [(i, donors(i, [(leaves.at[i, "geo"], "")] + park_cells(leaves.at[i, "geo"]) + up(leaves.at[i, "geo"]), need * level[i]), level[i]) for i in own]))
    # Parks and clusters first: an aggregate drawn low must find its cells not yet drained by firms drawn high.
    plan = [p for p in plan if p[1] != "enterprise"] + [p for p in plan if p[1] == "enterprise"]
    for entity, kind, value, sd, pairs in plan:
        usable = [(r, d, w) for r, d, w in pairs if d]  # cells whose every counterpart is published are left out
        if not usable:
            held[entity] = "no remainder of its own" if not pairs else "every possible counterpart would change a published or derived 2013 value"
            continue
        total = sum(w for _, _, w in usable)
        moves.append(Move(entity, kind, value, sd, tuple((int(r), d, float(w / total)) for r, d, w in usable)))
    return StartPlan(tuple(moves), held)


def _cluster_chain(panel: Panel, cid: str) -> list[str]:
    parent = panel.clusters["parent"].to_dict()
    out = []
    while cid:
        out.append(cid)
        cid = parent.get(cid, "")
    return out


def draw_starts(plan: StartPlan, start: np.ndarray, rng: np.random.Generator, n_paths: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-path leaf starting values with every planned synthetic value drawn.

    Parameters
    ----------
    plan : StartPlan
    start : ndarray (n_leaves,)
        Generated last-year leaf values.
    rng : numpy.random.Generator
        One normal per move and path is drawn, in plan order (whatever the sds).
    n_paths : int

    Returns
    -------
    (levels, clipped)
        ``levels`` (P, n_leaves): drawn starting values (their sum over the
        leaves equals the generated total on every path); ``clipped`` (n_moves,):
        share of paths on which a donor or recipient floor cut the move short.
    """
    z = rng.standard_normal((n_paths, len(plan.moves)))
    value, sd = (np.array([getattr(m, a) for m in plan.moves], float)[:, None] for a in ("value", "sd"))
    change = value * np.expm1(sd * z.T)  # (n_moves, P): drawn value minus generated value
    # Leaves as rows (n_leaves, P): a leaf's paths are contiguous, so every move reads and writes whole rows.
    level = np.repeat(np.asarray(start, float)[:, None], n_paths, axis=1)
    keep = _KEEP * np.asarray(start, float)
    cut = np.zeros((len(plan.moves), n_paths), bool)  # move k cut short on path p
    for k, m in enumerate(plan.moves):
        # Every leaf keeps at least _KEEP of its value. The whole move is cut at the same distance on
        # both sides (the most its recipients can lose and its donors can give at these weights), so a
        # cut never shifts the median: a one-sided cut would push drawn values up or down.
        room = np.full(n_paths, np.inf)
        share: dict[int, float] = {}
        for rec, donors, w in m.pairs:
            np.minimum(room, (level[rec] - keep[rec]) / w, out=room)
            share[donors[0]] = share.get(donors[0], 0.0) + w
        for d, w in share.items():
            np.minimum(room, (level[d] - keep[d]) / w, out=room)
        np.maximum(room, 0.0, out=room)
        delta = np.clip(change[k], -room, room)
        np.not_equal(delta, change[k], out=cut[k])
        for rec, donors, w in m.pairs:
            moved = delta * w
            level[rec] += moved
            level[donors[0]] -= moved
    return np.ascontiguousarray(level.T), cut.mean(axis=1)


def synthetic_members(panel: Panel, h: Hierarchy, nodes: np.ndarray, enterprises: np.ndarray, threshold: float, sd: tuple[float, float] = (0.0, 0.0), drawn: set[str] | None = None) -> dict:
    """Members of a count target above its threshold in the last data year, and how many are made up.

    Parameters
    ----------
    panel : Panel
    h : Hierarchy
    nodes, enterprises : ndarray
        The target's candidates (node indices, enterprise-leaf positions).
    threshold : float
    sd : (float, float)
        Log-sd of made-up enterprise and aggregate values: a synthetic candidate
        within ``exp(±sd)`` of the threshold is "near" it.
    drawn : set of str, optional
        Entities whose value is drawn per path; synthetic ones above the threshold
        that are not drawn are listed as ``synthetic_held`` (default: all drawn).

    Returns
    -------
    dict
        ``year``, ``above``, ``synthetic_above``, ``synthetic_ids`` (the synthetic
        ones above), ``synthetic_near`` (drawn synthetic candidates within one sd),
        ``synthetic_held`` (synthetic ones above whose value is not drawn).
    """
    year = int(panel.years[-1])
    ent_ids = h.leaves["id"].to_numpy()[h.enterprise_leaves]
    ids = [h.nodes[i] for i in nodes] + [ent_ids[i] for i in enterprises]
    values = np.concatenate([_node_values(panel, h, nodes), np.nan_to_num(h.history[h.enterprise_leaves[enterprises], -1])])
    sds = np.array([sd[1]] * len(nodes) + [sd[0]] * len(enterprises))
    synth = np.array([_synthetic(panel, i, year) for i in ids], bool)
    above = values > threshold
    is_drawn = np.array([drawn is None or i in drawn for i in ids], bool)
    near = synth & is_drawn & (sds > 0) & (np.abs(np.log(np.maximum(values, 1e-9) / threshold)) < sds)
    return {"year": year, "above": int(above.sum()), "synthetic_above": int((above & synth).sum()),
            "synthetic_ids": [i for i, a, s in zip(ids, above, synth) if a and s], "synthetic_near": int(near.sum()),
            "synthetic_held": [i for i, a, s, d in zip(ids, above, synth, is_drawn) if a and s and not d]}


def _node_values(panel: Panel, h: Hierarchy, nodes: np.ndarray) -> np.ndarray:
    level = np.nan_to_num(h.history[:, -1])
    return np.array([level[h.members_of(h.nodes[i])].sum() for i in nodes])


def top_tier(panel: Panel, firm: float = 100.0, park: float = 500.0) -> dict:
    """Firms above ``firm`` and parks above ``park`` in the last data year, with their provenance.

    Returns
    -------
    dict
        ``firms`` and ``parks``: lists of ``{id, name, value, provenance}``,
        largest first.
    """
    year = int(panel.years[-1])
    out = {}
    for key, table, thr in (("firms", panel.enterprises, firm), ("parks", panel.parks, park)):
        values = panel.revenue.reindex(table.index)[year]
        rows = values[values > thr].sort_values(ascending=False)
        out[key] = [{"id": i, "name": table.at[i, "name"], "value": float(v), "provenance": panel.provenance.at[i, year]} for i, v in rows.items()]
    return out
