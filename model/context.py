"""Everything a run needs, built once and shipped to every worker.

Why the organic adjustment: the macro trend is fitted to history, and history
already contains the revenue of the projects completed in 2009-2013. How much
of each city's 2008-2013 growth came from projects like the simulated ones is
estimated from history: the pipeline's warm-up, run on the settings history
implies, gives the revenue its projects added by the last data year, and the
observed growth of the city's firms gives the total. Existing firms then grow
by the rest of the trend (organic growth = the trend's growth × the city's
historical organic share); the simulated projects add their own revenue on top.
A pipeline like history's gives about the trend, a stronger one more, "organic
only" less, and no city's existing firms are left without growth.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .artefact import artefact_path, calibrated_params
from .calibrate import GrowthParams, check_as_of
from .catalogue import load_catalogue, load_fiscal_schedules
from .counts import CountModel, attach_counts, prepare_counts
from .data import Panel, default_data_dir, load_dataset, parse_hosts
from .errors import DataError
from .dynamics import damped_growth
from .hierarchy import Hierarchy, build_hierarchy
from .macro_view import MacroView, macro_posterior
from .pipeline import Destinations, PipelineParams, history_levers, load_calibration, simulate_pipeline
from .scenario import Scenario
from .fiscal import CompiledSchedule
from .targets import CompiledTarget, compile_targets, select
from .xinyi import XinyiModel, prepare_xinyi
from .xinyi_panel import BASE_YEAR as XINYI_BASE_YEAR, load_xinyi_panel

if TYPE_CHECKING:
    from .pipeline import ListCondition
    from .ytd_condition import YtdCondition

__all__ = ["RunContext", "OrganicSplit", "prepare", "destinations_for", "organic_split", "history_pipeline", "cycle_trend", "with_macro_view", "with_history"]

_PILOT_PATHS = 200
_PILOT_SEED = 7


@dataclass(frozen=True)
class RunContext:
    """Inputs of a run (picklable)."""

    scenario: Scenario
    panel: Panel
    hierarchy: Hierarchy
    params: GrowthParams
    years: np.ndarray
    pipeline: PipelineParams | None
    destinations: dict[str, Destinations]
    site_pairs: np.ndarray
    site_matrix: np.ndarray
    targets: list[CompiledTarget]
    macro_shift: np.ndarray
    organic_shift: np.ndarray
    calibration_source: str
    schedules: list[CompiledSchedule]
    data_dir: str = ""
    counts: CountModel | None = None  # entry, exit, below-floor firms, made-up starts (model.counts)
    cycle_trend: np.ndarray | None = None
    organic_split: "OrganicSplit | None" = None
    ytd: "YtdCondition | None" = None  # the mid-year update: first year from the nowcast (model.ytd_condition)
    ytd_projects: "ListCondition | None" = None  # the mid-year update: reported starts/completions of the 百项 list (model.project_dispatch)
    ytd_inputs: tuple = ()  # the mid-year update's files as read: dicts role, path, sha256 (for the manifest)
    history_changes: tuple = ()  # (lever, value) pairs replacing [history] of the calibration (structural variants)
    xinyi: XinyiModel | None = None  # Xinyi's investment, upgrades and R&D (model.xinyi); None: no Xinyi panel or target


def prepare(scenario: Scenario, as_of: int | None = None, data_dir: Path | None = None) -> RunContext:
    """Build the run context for a scenario.

    Parameters
    ----------
    scenario : Scenario
    as_of : int, optional
        Use data up to this year only, and simulate from the year after.
    data_dir : Path, optional
        Dataset folder (default: embedded data). Its own ``parameters.toml``
        (from ``attain calibrate --data DIR``) is used when it matches the data.

    Returns
    -------
    RunContext

    Raises
    ------
    DataError
        For bad data, an ``as_of`` outside the data, or a catalogue target whose
        entity the dataset lacks.
    """
    panel = load_dataset(data_dir)
    check_as_of(panel, as_of)
    if as_of is not None:
        panel = panel.as_of(as_of)
    h = build_hierarchy(panel)
    params, source = calibrated_params(panel, h, as_of, artefact_path(data_dir))
    params = _with_view(params, scenario.macro_view())
    years = np.arange(int(panel.years[-1]) + 1, scenario.get("scenario", "horizon") + 1)
    pipe = _pipeline_params(scenario, years) if scenario.get("pipeline", "enabled") else None
    dests = destinations_for(panel, h)
    sites = _site_pairs(dests)
    folder = str(Path(data_dir or default_data_dir()).resolve())
    xinyi_regions, xinyi_why = _xinyi_regions(folder, years)
    catalogue = _compile_catalogue(panel, h, years, sites, pipe.names if pipe else (), data_dir, xinyi_regions, xinyi_why)
    counts = prepare_counts(scenario, panel, h, params)
    catalogue = attach_counts(catalogue, panel, counts)
    # The split between existing firms and projects comes from history (the pipeline's warm-up
    # on the settings history implies), the same for every scenario.
    split = organic_split(params, dests, panel, h, years)
    schedules = compile_schedules(panel, h)
    return RunContext(scenario, panel, h, params, years, pipe, dests, sites, _site_matrix(panel, h, sites), catalogue, scenario.macro_shift(years), split.shift, source, schedules, folder,
                      counts, cycle_trend(params, h, split.shift, len(years)), split, xinyi=_xinyi(scenario, years, folder, catalogue))


def _xinyi(scenario: Scenario, years: np.ndarray, folder: str, catalogue: list[CompiledTarget]) -> XinyiModel | None:
    """Xinyi's investment and innovation model for the quantities the run's targets read (None: none)."""
    needed = [c for c in catalogue if c.evaluable and c.innovation]
    if not needed:
        return None
    keys = tuple(sorted({c.innovation for c in needed}))
    return prepare_xinyi(folder, years, scenario.levers, policy_year(scenario, years), keys)


def policy_year(scenario: Scenario, years: np.ndarray) -> int:
    """First year the scenario's levers act: the first simulated year, or the scenario's later ``[pipeline] policy_start``."""
    return max(int(scenario.get("pipeline", "policy_start")), int(years[0]))


def _xinyi_regions(folder: str, years: np.ndarray) -> tuple[frozenset[str], str]:
    """Regions with an investment and innovation model in this run, or why there are none."""
    if load_xinyi_panel(folder) is None:
        return frozenset(), "the dataset has no xinyi/ tables"
    if int(years[0]) != XINYI_BASE_YEAR:
        return frozenset(), f"the Xinyi panel starts from {XINYI_BASE_YEAR} (the document's base year), and this run simulates from {int(years[0])}"
    return frozenset({"GD.XY"}), ""


def _with_view(params: GrowthParams, view: MacroView) -> GrowthParams:
    """Parameters whose macro posterior rests on ``view`` (the stored one rests on the default view)."""
    if params.macro.view == view:
        return params
    return dataclasses.replace(params, macro=macro_posterior(params.macro.province, view))


def with_macro_view(ctx: RunContext, view: MacroView) -> RunContext:
    """The same run under another macro view (posterior, organic split and cycle trend recomputed).

    Parameters
    ----------
    ctx : RunContext
    view : MacroView

    Returns
    -------
    RunContext
    """
    params = _with_view(ctx.params, view)
    if params is ctx.params:
        return ctx
    split = organic_split(params, ctx.destinations, ctx.panel, ctx.hierarchy, ctx.years, ctx.history_changes)
    trend = cycle_trend(params, ctx.hierarchy, split.shift, len(ctx.years))
    return dataclasses.replace(ctx, params=params, organic_shift=split.shift, cycle_trend=trend, organic_split=split)


def with_history(ctx: RunContext, changes: Mapping[str, float]) -> RunContext:
    """The same run had history's pipeline settings been ``changes`` (a structural alternative).

    The ``[history]`` lever values of the calibration (what the warm-up runs on: the
    yearly intake before the policy, the pre-policy durations) are unidentified by the
    data. Changing them changes the stock of projects the simulation starts from *and*
    the share of 2008-2013 growth that history's projects made, so the organic split is
    recomputed on the same changed history: the two stay consistent.

    Parameters
    ----------
    ctx : RunContext
    changes : mapping
        Lever name -> value for the warm-up (validated like ``[history]``).

    Returns
    -------
    RunContext
        ``ctx`` itself when the pipeline is off or nothing changes.
    """
    items = tuple(sorted({**dict(ctx.history_changes), **dict(changes)}.items()))
    if ctx.pipeline is None or items == ctx.history_changes:
        return ctx
    pipe = _pipeline_params(ctx.scenario, ctx.years, history=dict(items))
    split = organic_split(ctx.params, ctx.destinations, ctx.panel, ctx.hierarchy, ctx.years, items)
    trend = cycle_trend(ctx.params, ctx.hierarchy, split.shift, len(ctx.years))
    return dataclasses.replace(ctx, pipeline=pipe, organic_shift=split.shift, cycle_trend=trend, organic_split=split, history_changes=items)


def _compile_catalogue(panel: Panel, h: Hierarchy, years: np.ndarray, sites: np.ndarray, programmes, data_dir: Path | None,
                       innovation_regions: frozenset[str] = frozenset(), innovation_why: str = "") -> list[CompiledTarget]:
    """The catalogue's targets on this dataset; a target naming a missing entity is a data error."""
    try:
        return compile_targets(load_catalogue(), panel, h, years, sites, programmes, innovation_regions, innovation_why)
    except KeyError as exc:
        folder = data_dir or default_data_dir()
        raise DataError(f"{folder}: {exc.args[0]}; the target catalogue (calibration/targets.toml) needs every entity it names in the dataset") from None


def compile_schedules(panel: Panel, h: Hierarchy) -> list[CompiledSchedule]:
    """Resolve the reward schedules to entity indices and their historical peaks.

    A schedule the catalogue marks ``evaluable = false`` keeps its ``why_not`` and
    is not costed (no entities are resolved for it).
    """
    out = []
    ent_hist = h.history[h.enterprise_leaves]
    node_hist = {n: panel.revenue.loc[n].to_numpy(float) if n in panel.revenue.index else np.zeros(len(panel.years)) for n in h.nodes}
    for sch in load_fiscal_schedules():
        why = "" if sch.evaluable else sch.why_not
        kind = "enterprise" if sch.scope.entity_kind == "enterprise" else "node"
        idx = select(panel, h, sch.scope.entity_kind, sch.scope.within, sch.scope.levels()) if not why else np.zeros(0, int)
        hist = ent_hist[idx] if kind == "enterprise" else np.array([node_hist[h.nodes[i]] for i in idx] or np.zeros((0, len(panel.years))))
        peak = np.nan_to_num(np.nanmax(hist, axis=1, initial=0.0)) if len(idx) else np.zeros(0)
        out.append(CompiledSchedule(sch, kind, idx, peak, not why, why))
    return out


def _pipeline_params(scenario: Scenario, years: np.ndarray, defaults: bool = False, history: Mapping[str, float] | None = None) -> PipelineParams:
    """Pipeline parameters of a scenario; its levers act from the first simulated year or its later ``policy_start``.

    ``history`` replaces lever values of the warm-up (``[history]`` of the calibration).
    """
    cal = _calibration_with_history(history)
    pp = PipelineParams.from_levers(None if defaults else scenario.levers, where=f"{scenario.path} [levers]", calibration=cal)
    return dataclasses.replace(pp, first_year=int(years[0]), policy_start=12.0 * (policy_year(scenario, years) - int(years[0])))


def destinations_for(panel: Panel, h: Hierarchy) -> dict[str, Destinations]:
    """Hosts and new-entrant sites per programme, both weighted by revenue.

    ``jx_major`` lands anywhere in Jiangxi; ``gz_1yi`` only in Ganzhou. A host
    is drawn in proportion to its last revenue; a new entrant picks a park in
    proportion to the park's last revenue (agglomeration), then one of the
    park's (park, cluster) sites at random. Uniform site weights would send a
    third of the province's new entrants to Ganzhou, whose registry lists many
    small county parks.
    """
    ent = h.leaves.iloc[h.enterprise_leaves]
    size = np.nan_to_num(h.history[h.enterprise_leaves, -1])
    in_gz = np.array([_in_ganzhou(panel, g) for g in ent["geo"]])
    parks, clusters = list(panel.parks.index), list(panel.clusters.index)
    site_park, site_cluster = _sites(panel, parks, clusters)
    site_weight = _site_weights(panel, parks, site_park)
    gz = np.array([_in_ganzhou(panel, parks[p]) for p in site_park])
    return {
        "jx_major": _dest(np.arange(len(ent)), size, site_park, site_cluster, site_weight),
        "gz_1yi": _dest(np.flatnonzero(in_gz), size[in_gz], site_park[gz], site_cluster[gz], site_weight[gz]),
    }


def _site_weights(panel: Panel, parks: list[str], site_park: np.ndarray) -> np.ndarray:
    """Park's last revenue shared equally among its sites."""
    last = panel.revenue.reindex(parks)[panel.years[-1]].to_numpy(float)
    per_park = np.bincount(site_park, minlength=len(parks))
    return np.nan_to_num(last)[site_park] / per_park[site_park]


def _dest(hosts: np.ndarray, weight: np.ndarray, site_park: np.ndarray, site_cluster: np.ndarray, site_weight: np.ndarray) -> Destinations:
    return Destinations(host_index=hosts.astype(np.int64), host_weight=weight.astype(float), site_park=site_park, site_cluster=site_cluster, site_weight=site_weight.astype(float))


def _in_ganzhou(panel: Panel, geo: str) -> bool:
    region = panel.parks.at[geo, "region"] if geo in panel.parks.index else geo
    return region.startswith("JX.GZ")


def _sites(panel: Panel, parks: list[str], clusters: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """One site per (park, hosted cluster) plus one per park with no cluster (index ``len(clusters)``)."""
    pairs = [(parks.index(p), len(clusters)) for p in parks]
    for c, hosts in panel.clusters["hosts"].items():
        pairs += [(parks.index(host), clusters.index(c)) for host, _ in parse_hosts(hosts) if host in parks]
    arr = np.array(sorted(set(pairs)), dtype=np.int64)
    return arr[:, 0], arr[:, 1]


def _site_pairs(dests: dict[str, Destinations]) -> np.ndarray:
    pairs = {(int(p), int(c)) for d in dests.values() for p, c in zip(d.site_park, d.site_cluster)}
    return np.array(sorted(pairs), dtype=np.int64)


def _site_matrix(panel: Panel, h: Hierarchy, sites: np.ndarray) -> np.ndarray:
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


@dataclass(frozen=True)
class OrganicSplit:
    """Each city's 2008-last-data-year growth split into existing firms and projects.

    Attributes
    ----------
    cities : list of str
        City ids (the last group, ``""``, holds leaves above city level).
    observed_growth : ndarray (n_groups,)
        Revenue added by the group's firms from the first to the last data year (亿元).
    project_growth : ndarray (n_groups,)
        Revenue by the last data year of the warm-up projects reaching 投产 after the first
        data year (mean of the pilot paths, 亿元).
    project_share : ndarray (n_groups,)
        ``project_growth / observed_growth``, clipped to [0, 0.9].
    yearly_organic_share : ndarray (n_groups, n_history_years - 1)
        Each history year's share of the group's growth not made by those projects.
    shift : ndarray (n_leaves, n_years)
        Log-growth shift of each leaf in each simulated year.
    """

    cities: list[str]
    observed_growth: np.ndarray
    project_growth: np.ndarray
    project_share: np.ndarray
    yearly_organic_share: np.ndarray
    shift: np.ndarray


def _calibration_with_history(history: Mapping[str, float] | None) -> dict | None:
    """The pipeline calibration with ``[history]`` values replaced (``None``: the file as it is)."""
    if not history:
        return None
    cal = load_calibration()
    return {**cal, "history": {**cal.get("history", {}), **history}}


def history_pipeline(panel: Panel, dests: dict[str, Destinations], n_paths: int = _PILOT_PATHS, seed: int = _PILOT_SEED,
                     history: Mapping[str, float] | None = None):
    """The pipeline over the data years on the settings history implies (``[history]``).

    Simulated years are the second to the last data year, with the usual warm-up
    before them; every lever takes its history value, so the result is the same for
    every scenario. ``history`` replaces some of those values (structural variants).
    """
    cal = _calibration_with_history(history) or load_calibration()
    hist = PipelineParams.from_levers(history_levers(cal), where="calibration/pipeline_defaults.toml [history]", calibration=cal)
    first = int(panel.years[0]) + 1
    years = np.arange(first, int(panel.years[-1]) + 1)
    return simulate_pipeline(dataclasses.replace(hist, first_year=first), dests, n_paths, years, seed)


def organic_split(params: GrowthParams, dests: dict[str, Destinations], panel: Panel, h: Hierarchy, years: np.ndarray,
                  history: tuple = ()) -> OrganicSplit:
    """How much of each city's historical growth came from projects, and the leaf shift it implies.

    The trend (the calibrated macro path with zero shocks) is the growth history
    shows, projects included.  A city whose projects made a share ``s`` of its growth
    in the data years keeps ``1 − s`` of the trend's growth for its existing firms:
    organic level ratio ``1 + (1 − s)(R_t − 1)`` for a trend level ratio ``R_t``.

    Returns
    -------
    OrganicSplit
    """
    cities, city, n_city, observed, added, share, yearly = _history_split(panel, dests, h, history)
    trend = np.cumsum(damped_growth(params.macro.last_growth, params.macro.mu, params.macro.phi, np.zeros(len(years))))
    ratio = np.exp(trend)[None, :]
    cum = np.log1p((1.0 - share[:, None]) * (ratio - 1.0)) - trend[None, :]
    shift = np.diff(np.concatenate([np.zeros((n_city, 1)), cum], axis=1), axis=1)
    return OrganicSplit(cities, observed, added[:, -1], share, yearly, shift[city])


#: The history split by the objects that determine it (the panel, its hierarchy and the destinations);
#: the objects are held, so an id is never reused while its entry lives. Structural variants
#: change the macro view only, so every variant of a run reuses its pilot and split.
_SPLIT_CACHE: dict[tuple, tuple[tuple, tuple]] = {}
_SPLIT_CACHE_SIZE = 6


def _history_split(panel: Panel, dests: dict[str, Destinations], h: Hierarchy, history: tuple = ()) -> tuple:
    """The part of :func:`organic_split` no growth parameter changes: cities, observed and project growth, shares.

    ``history``: ``(lever, value)`` pairs replacing the warm-up's settings (see :func:`with_history`).
    """
    key = (id(panel), id(dests), id(h), tuple(history))
    if key not in _SPLIT_CACHE:
        if len(_SPLIT_CACHE) >= _SPLIT_CACHE_SIZE:
            _SPLIT_CACHE.pop(next(iter(_SPLIT_CACHE)))
        _SPLIT_CACHE[key] = ((panel, dests, h), _compute_history_split(panel, dests, h, dict(history)))
    return tuple(x.copy() if isinstance(x, (np.ndarray, list)) else x for x in _SPLIT_CACHE[key][1])


def _compute_history_split(panel: Panel, dests: dict[str, Destinations], h: Hierarchy, history: Mapping[str, float] | None = None) -> tuple:
    city, n_city = _leaf_cities(panel, h)
    cities = list(panel.regions.index[panel.regions["level"] == "city"]) + [""]
    hist = np.nan_to_num(h.history)
    level = np.zeros((n_city, hist.shape[1]))
    np.add.at(level, city, hist)
    added = _pilot_added(panel, dests, h, city, n_city, history)
    observed = level[:, -1] - level[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.clip(np.where(observed > 0, added[:, -1] / observed, 0.0), 0.0, 0.9)
        proj = np.concatenate([np.zeros((n_city, 1)), added], axis=1)  # projects before year 2 of the data: none
        d_level, d_proj = np.diff(level, axis=1), np.diff(proj, axis=1)
        yearly = np.where(d_level > 0, 1.0 - d_proj / d_level, np.nan)
    return cities, city, n_city, observed, added, share, yearly


def _pilot_added(panel: Panel, dests: dict[str, Destinations], h: Hierarchy, city: np.ndarray, n_city: int,
                 history: Mapping[str, float] | None = None) -> np.ndarray:
    """Revenue the history pilot's projects added to each city group by each data year (mean over pilot paths)."""
    pilot = history_pipeline(panel, dests, history=history)
    added = np.zeros((n_city, len(pilot.years)))
    np.add.at(added, city[h.enterprise_leaves[pilot.host_ids]], pilot.revenue_to_existing.mean(axis=0))
    parks = list(panel.parks.index)
    site_city = [_city_of(panel, parks[p])[1] for p, _ in pilot.site_pairs]
    np.add.at(added, np.asarray(site_city, np.intp), pilot.revenue_to_new.mean(axis=0))
    return added


def cycle_trend(params: GrowthParams, h: Hierarchy, shift: np.ndarray, horizon: int) -> np.ndarray:
    """Central log growth of the province's organic revenue each year (zero shocks, with the organic shift).

    The pipeline's cycle is a path's organic growth minus this trend.
    """
    centre = damped_growth(params.macro.last_growth, params.macro.mu, params.macro.phi, np.zeros(horizon))
    level = np.nan_to_num(h.history[:, -1])
    cum = np.log((level[:, None] * np.exp(np.cumsum(shift, axis=1))).sum(0) / level.sum())
    return centre + np.diff(np.concatenate([[0.0], cum]))


def _city_of(panel: Panel, geo: str) -> tuple[str, int]:
    """The city a park or region belongs to and its position among the cities.

    Leaves above city level (the province's own remainder) get position ``n_cities``.
    """
    cities = list(panel.regions.index[panel.regions["level"] == "city"])
    node = panel.parks.at[geo, "region"] if geo in panel.parks.index else geo
    parent = panel.regions["parent"].to_dict()
    while node and node not in cities:
        node = parent.get(node, "")
    return (node, cities.index(node)) if node else ("", len(cities))


def _leaf_cities(panel: Panel, h: Hierarchy) -> tuple[np.ndarray, int]:
    """Group of every leaf (its city, or one group above city level) and the number of groups."""
    cache = {geo: _city_of(panel, geo)[1] for geo in h.leaves["geo"].unique()}
    return h.leaves["geo"].map(cache).to_numpy(np.intp), int((panel.regions["level"] == "city").sum()) + 1
