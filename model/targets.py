"""Turn catalogue targets into per-path measurements of simulated outcomes.

A target is *compiled* once against the entity registry (which nodes or
enterprises it counts, which year) and then *measured* on every block of
simulated paths. Targets the model cannot evaluate keep their reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .catalogue import INNOVATION_METRICS, Target
from .panel import Panel
from .pipeline.entrants import EntrantFirms, count_in_sites
from .hierarchy import Hierarchy

__all__ = ["CompiledTarget", "Outcome", "compile_targets", "measure", "measure_years", "crossing_counterfactual", "select"]

_REVENUE_KINDS = ("aggregate_level", "entity_level", "count_over_threshold")
_FLOW_METRICS = {
    "project_starts": "starts",
    "project_completions": "completions",
    "projects_signed": "signed",
    "projects_reserve": "reserve",
    "projects_scheduled": "scheduled",
}
#: Programmes with a yearly list whose starts and completions targets count among the
#: listed projects (document 000: "每年调度推进100个…其中开工建设30个以上、建成投产50个以上").
_LISTED = {"jx_major": {"project_starts": "list_starts", "project_completions": "list_completions"}}


@dataclass(frozen=True)
class CompiledTarget:
    """A target resolved against the entities and the simulated years.

    Attributes
    ----------
    target : Target
    evaluable : bool
    why_not : str
    year_index : int
        Column of the target year in the simulated years (-1 when not evaluable).
    nodes : ndarray
        Aggregate (node) indices: summed for levels, counted for counts.
    enterprises : ndarray
        Tracked-enterprise indices counted (enterprise counts).
    sites : ndarray
        New-entrant site indices counted as enterprises (enterprise counts).
    flow : tuple of (programme, field)
    tail : ndarray
        Below-floor firms counted (enterprise counts; see :mod:`model.below_floor`).
    """

    target: Target
    evaluable: bool
    why_not: str = ""
    year_index: int = -1
    nodes: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    enterprises: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    sites: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    flow: tuple[str, str] | None = None
    tail: np.ndarray = field(default_factory=lambda: np.zeros(0, int))  # below-floor firms counted (model.counts)
    innovation: str = ""  # the quantity of model.xinyi measured ('' for every other target)

    @property
    def is_count(self) -> bool:
        return self.target.kind == "count_over_threshold"


@dataclass(frozen=True)
class Outcome:
    """Simulated outcomes of one block of paths, from which targets are measured.

    Attributes
    ----------
    nodes : ndarray (P, n_nodes, H)
        Aggregate revenue (亿元).
    enterprises : ndarray (P, n_enterprises, H)
        Tracked enterprise revenue (亿元), in hierarchy enterprise-leaf order.
    sites : ndarray (P, n_sites, H)
        New-entrant revenue per (park, cluster) site.
    flows : dict
        ``(programme, field) -> (P, H)`` project counts.
    tail : ndarray (P, n_tail, H), optional
        Below-floor firms of the remainders (:mod:`model.below_floor`).
    entrants : model.pipeline.entrants.EntrantFirms, optional
        Each new entrant as its own firm; when given, enterprise counts use it
        instead of the site sums ``sites``.
    innovation : dict, optional
        Xinyi's investment and innovation quantities, key -> (P, H) (:mod:`model.xinyi`).
    """

    nodes: np.ndarray
    enterprises: np.ndarray
    sites: np.ndarray
    flows: dict[tuple[str, str], np.ndarray]
    tail: np.ndarray | None = None
    entrants: EntrantFirms | None = None
    innovation: dict[str, np.ndarray] | None = None


def compile_targets(targets: list[Target], panel: Panel, h: Hierarchy, years: np.ndarray, sites: np.ndarray | None = None, programmes: tuple[str, ...] = (),
                    innovation_regions: frozenset[str] = frozenset(), innovation_why: str = "the dataset has no xinyi/ tables") -> list[CompiledTarget]:
    """Resolve every target; non-evaluable ones keep (or get) a reason.

    Parameters
    ----------
    targets : list of Target
    panel : Panel
    h : Hierarchy
    years : ndarray
        Simulated years.
    sites : ndarray (n_sites, 2), optional
        New-entrant (park index, cluster index) pairs of the pipeline (indices into
        ``panel.parks`` / ``panel.clusters``).
    programmes : tuple of str
        Pipeline programmes simulated.
    innovation_regions : frozenset of str
        Regions whose investment and innovation the run simulates (``GD.XY`` when
        the dataset has a Xinyi panel, :mod:`model.xinyi`).
    innovation_why : str
        Why there are none (when ``innovation_regions`` is empty).

    Returns
    -------
    list of CompiledTarget
    """
    geo = _Geography(panel, h)
    sites = np.zeros((0, 2), int) if sites is None else np.asarray(sites)
    return [_compile(t, geo, list(years), sites, programmes, (innovation_regions, innovation_why)) for t in targets]


def _compile(t: Target, geo: "_Geography", years: list[int], sites: np.ndarray, programmes: tuple[str, ...], innovation: tuple[frozenset[str], str] = (frozenset(), "")) -> CompiledTarget:
    if not t.evaluable:
        return CompiledTarget(t, False, t.why_not)
    if t.year not in years:
        why = f"target year {t.year} is outside the simulated years {years[0]}-{years[-1]}"
        if t.year < years[0]:
            why += f" (a run with --as-of {t.year - 1} or earlier simulates it)"
        return CompiledTarget(t, False, why)
    yi = years.index(t.year)
    if t.metric in INNOVATION_METRICS:
        return _compile_innovation(t, yi, *innovation)
    if t.metric in _FLOW_METRICS:
        prog = t.scope.programme
        if prog not in programmes:
            return CompiledTarget(t, False, f"programme '{prog}' is not simulated in this scenario")
        field_ = _LISTED.get(prog, {}).get(t.metric, _FLOW_METRICS[t.metric])
        return CompiledTarget(t, True, year_index=yi, flow=(prog, field_))
    if t.metric != "revenue" or t.kind not in _REVENUE_KINDS:
        return CompiledTarget(t, False, f"metric '{t.metric}' with kind '{t.kind}' is not computed by the model")
    return _compile_revenue(t, geo, yi, sites)


def _compile_innovation(t: Target, yi: int, regions: frozenset[str], why: str) -> CompiledTarget:
    """A target on investment, upgrades or R&D: the quantity of :mod:`model.xinyi` it reads."""
    region = t.scope.entity or t.scope.within
    if region not in regions:
        return CompiledTarget(t, False, f"investment, upgrades and R&D are simulated only for regions with an investment and innovation panel "
                                        f"({', '.join(sorted(regions)) or 'none in this run: ' + why}), not {region}")
    key = {"investment": "park_investment" if t.scope.entity_kind == "park" else "investment", "tech_upgrade_investment": "upgrade_investment",
           "rd_share": "rd_share", "rd_unit_share": "rd_unit_share", "upgrading_firms": f"upgrading_firms>{t.threshold or 0:g}"}[t.metric]
    return CompiledTarget(t, True, year_index=yi, innovation=key)


def _compile_revenue(t: Target, geo: "_Geography", yi: int, sites: np.ndarray) -> CompiledTarget:
    s = t.scope
    if s.entity:
        return CompiledTarget(t, True, year_index=yi, nodes=np.array([geo.node(s.entity)]))
    if s.entities:
        return CompiledTarget(t, True, year_index=yi, nodes=np.array([geo.node(e) for e in s.entities]))
    if s.entity_kind == "enterprise":
        ents = geo.enterprises_within(s.within)
        return CompiledTarget(t, True, year_index=yi, enterprises=ents, sites=geo.sites_within(s.within, sites))
    nodes = geo.nodes_within(s.entity_kind, s.within, s.levels())
    return CompiledTarget(t, True, year_index=yi, nodes=nodes)


class _Geography:
    """Which entities sit inside which region."""

    def __init__(self, panel: Panel, h: Hierarchy):
        self.panel, self.h = panel, h
        self.parent = panel.regions["parent"].to_dict()
        ent_leaves = h.leaves.iloc[h.enterprise_leaves]
        self.ent_region = [self._region_of_geo(g) for g in ent_leaves["geo"]]
        self.park_ids = list(panel.parks.index)

    def node(self, entity: str) -> int:
        if entity not in self.h.node_index:
            raise KeyError(f"target refers to unknown aggregate '{entity}'")
        return self.h.node_index[entity]

    def _region_of_geo(self, geo: str) -> str:
        return self.panel.parks.at[geo, "region"] if geo in self.panel.parks.index else geo

    def inside(self, region: str, within: str) -> bool:
        while region:
            if region == within:
                return True
            region = self.parent.get(region, "")
        return False

    def enterprises_within(self, within: str) -> np.ndarray:
        return np.array([i for i, r in enumerate(self.ent_region) if self.inside(r, within)], dtype=int)

    def sites_within(self, within: str, sites: np.ndarray) -> np.ndarray:
        regions = [self.panel.parks.iloc[p]["region"] for p in sites[:, 0]] if len(sites) else []
        return np.array([i for i, r in enumerate(regions) if self.inside(r, within)], dtype=int)

    def nodes_within(self, kind: str, within: str, levels: tuple[str, ...]) -> np.ndarray:
        table = {"park": self.panel.parks, "cluster": self.panel.clusters, "region": self.panel.regions}[kind]
        out = []
        for ident, rec in table.iterrows():
            region = rec["region"] if kind in ("park", "cluster") else rec["parent"]
            if levels and rec.get("level") not in levels:
                continue
            if self.inside(region, within):
                out.append(self.h.node_index[ident])
        return np.array(out, dtype=int)


def select(panel: Panel, h: Hierarchy, kind: str, within: str, levels: tuple[str, ...] = ()) -> np.ndarray:
    """Indices of the entities of ``kind`` inside region ``within``.

    Enterprises index the hierarchy's enterprise leaves; other kinds index ``h.nodes``.
    """
    geo = _Geography(panel, h)
    return geo.enterprises_within(within) if kind == "enterprise" else geo.nodes_within(kind, within, levels)


def measure(c: CompiledTarget, o: Outcome, year_index: int | None = None) -> np.ndarray:
    """The measured quantity per path (level, count or flow) in the target year.

    Parameters
    ----------
    c : CompiledTarget
        Must be evaluable.
    o : Outcome
    year_index : int, optional
        Another simulated year (for milestone paths); default the target's.

    Returns
    -------
    ndarray (P,)
    """
    y = c.year_index if year_index is None else year_index
    if c.innovation:
        return o.innovation[c.innovation][:, y]
    if c.flow is not None:
        return o.flows[c.flow][:, y].astype(float)
    if c.is_count:
        thr = c.target.threshold
        n = (o.nodes[:, c.nodes, y] > thr).sum(axis=1)
        n = n + (o.enterprises[:, c.enterprises, y] > thr).sum(axis=1)
        if o.tail is not None and len(c.tail):
            n = n + (o.tail[:, c.tail, y] > thr).sum(axis=1)
        if o.entrants is not None:
            return n + count_in_sites(o.entrants, c.sites, y, thr)
        return (n + (o.sites[:, c.sites, y] > thr).sum(axis=1)).astype(float)
    return o.nodes[:, c.nodes, y].sum(axis=1)


def measure_years(c: CompiledTarget, o: Outcome) -> np.ndarray:
    """The measured quantity per path in every simulated year, (P, H): one pass for all years.

    Equals, float for float, ``measure(c, o, y)`` stacked over ``y``: counts are
    exact integers, and a level adds each (path, year)'s members in the same
    order as :func:`measure` does.
    """
    if c.innovation:
        return o.innovation[c.innovation].copy()
    if c.flow is not None:
        return o.flows[c.flow].astype(float)
    if c.is_count:
        thr = c.target.threshold
        n = (o.nodes[:, c.nodes, :] > thr).sum(axis=1)
        n = n + (o.enterprises[:, c.enterprises, :] > thr).sum(axis=1)
        if o.tail is not None and len(c.tail):
            n = n + (o.tail[:, c.tail, :] > thr).sum(axis=1)
        if o.entrants is not None:
            return n + count_in_sites(o.entrants, c.sites, slice(None), thr)
        return (n + (o.sites[:, c.sites, :] > thr).sum(axis=1)).astype(float)
    # measure()'s (P, k) selection has the paths axis innermost, so its sum adds members one after
    # another; summing (P, k, H) over k does the same for every year.
    return o.nodes[:, c.nodes, :].sum(axis=1)


def crossing_counterfactual(c: CompiledTarget, o: Outcome) -> tuple[list[tuple[str, int]], np.ndarray, np.ndarray]:
    """For a count target: which candidates cross, and the target hit if each were forced across.

    Returns
    -------
    labels : list of (kind, index)
        ``('node', i)`` or ``('enterprise', i)`` per candidate.
    crosses : ndarray (P, n_candidates) bool
    hit_if_forced : ndarray (P, n_candidates) bool
        Whether the target is met on the path when that candidate alone is forced over the threshold.
    """
    y, thr = c.year_index, c.target.threshold
    parts = [o.nodes[:, c.nodes, y], o.enterprises[:, c.enterprises, y]]
    labels = [("node", int(i)) for i in c.nodes] + [("enterprise", int(i)) for i in c.enterprises]
    crosses = np.concatenate(parts, axis=1) > thr
    count = measure(c, o)
    hit_if_forced = (count[:, None] + ~crosses) >= c.target.at_least
    return labels, crosses, hit_if_forced
