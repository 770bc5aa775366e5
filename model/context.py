"""Everything a run needs, built once and shipped to every worker.

:func:`prepare` gathers the model's decisions from their own modules: the
calibrated parameters (:mod:`model.artefact`), where projects land
(:mod:`model.sites`), the organic adjustment (:mod:`model.organic`), the
targets (:mod:`model.targets`) and reward schedules (:mod:`model.fiscal`).
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
from .catalogue import load_catalogue
from .counts import CountModel, attach_counts, prepare_counts
from .data import Panel, default_data_dir, load_dataset
from .errors import DataError
from .hierarchy import Hierarchy, build_hierarchy
from .macro_view import MacroView, macro_posterior
from .organic import OrganicSplit, calibration_with_history, cycle_trend, history_parts, organic_split
from .pipeline import Destinations, PipelineParams
from .run_inputs import run_inputs
from .scenario import Scenario
from .fiscal import CompiledSchedule, compile_schedules
from .sites import destinations_for, site_matrix, site_pairs
from .targets import CompiledTarget, compile_targets
from .xinyi import XinyiModel, prepare_xinyi
from .xinyi_panel import BASE_YEAR as XINYI_BASE_YEAR, load_xinyi_panel

if TYPE_CHECKING:
    from .pipeline import ListCondition
    from .ytd_condition import YtdCondition

__all__ = ["RunContext", "prepare", "policy_year", "with_macro_view", "with_history"]


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
    inputs: tuple = ()  # the files prepare read: dicts role, path, sha256 (model.run_inputs; for the manifest)
    history_changes: tuple = ()  # (lever, value) pairs replacing [history] of the calibration (structural variants)
    # History's part of the organic split (model.organic.history_parts) by history_changes, shared by every variant of
    # a run and kept with a cached context (model.prepare_cache), so a later run's variants do not rerun its pilot.
    history_parts: dict = dataclasses.field(default_factory=dict, compare=False, repr=False)
    xinyi: XinyiModel | None = None  # Xinyi's investment, upgrades and R&D (model.xinyi); None: no Xinyi panel or target


def prepare(scenario: Scenario, as_of: int | None = None, data_dir: Path | None = None) -> RunContext:
    """Build the run context for a scenario.

    The result is kept on disk and reused while the code, the settings and every input file are
    unchanged (:mod:`model.prepare_cache`; ``ATTAIN_CACHE=off`` turns it off).

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
    from . import prepare_cache

    if prepare_cache.cache_dir() is None:
        return _prepare(scenario, as_of, data_dir)
    folder, artefact = Path(data_dir or default_data_dir()), artefact_path(data_dir)
    key = prepare_cache.cache_key(scenario, as_of, folder, artefact)
    ctx = prepare_cache.load(key, scenario, folder, artefact)
    if ctx is None:
        hashes = prepare_cache.input_hashes(scenario, folder, artefact)  # before reading: an edit during the run is a miss next time
        ctx = _prepare(scenario, as_of, data_dir)
        prepare_cache.store(key, ctx, hashes)
    return ctx


def _prepare(scenario: Scenario, as_of: int | None, data_dir: Path | None) -> RunContext:
    panel = load_dataset(data_dir)
    check_as_of(panel, as_of)
    if as_of is not None:
        panel = panel.as_of(as_of)
    h = build_hierarchy(panel)
    artefact = artefact_path(data_dir)
    params, source = calibrated_params(panel, h, as_of, artefact)
    params = _with_view(params, scenario.macro_view())
    years = np.arange(int(panel.years[-1]) + 1, scenario.get("scenario", "horizon") + 1)
    pipe = _pipeline_params(scenario, years) if scenario.get("pipeline", "enabled") else None
    dests = destinations_for(panel, h)
    sites = site_pairs(dests)
    folder = str(Path(data_dir or default_data_dir()).resolve())
    xinyi_regions, xinyi_why = _xinyi_regions(folder, years)
    catalogue = _compile_catalogue(panel, h, years, sites, pipe.names if pipe else (), data_dir, xinyi_regions, xinyi_why)
    counts = prepare_counts(scenario, panel, h, params)
    catalogue = attach_counts(catalogue, panel, counts)
    # The split between existing firms and projects comes from history (the pipeline's warm-up
    # on the settings history implies), the same for every scenario.
    parts = {(): history_parts(panel, dests, h)}
    split = organic_split(params, dests, panel, h, years, parts=_copied(parts[()]))
    schedules = compile_schedules(panel, h)
    return RunContext(
        scenario=scenario, panel=panel, hierarchy=h, params=params, years=years, pipeline=pipe, destinations=dests, site_pairs=sites,
        site_matrix=site_matrix(panel, h, sites), targets=catalogue, macro_shift=scenario.macro_shift(years), organic_shift=split.shift,
        calibration_source=source, schedules=schedules, data_dir=folder, counts=counts, cycle_trend=cycle_trend(params, h, split.shift, len(years)),
        organic_split=split, inputs=run_inputs(scenario, panel, artefact), xinyi=_xinyi(scenario, years, folder, catalogue),
        history_parts=parts,
    )


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
    split = organic_split(params, ctx.destinations, ctx.panel, ctx.hierarchy, ctx.years, ctx.history_changes, _parts(ctx, ctx.history_changes))
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
    split = organic_split(ctx.params, ctx.destinations, ctx.panel, ctx.hierarchy, ctx.years, items, _parts(ctx, items))
    trend = cycle_trend(ctx.params, ctx.hierarchy, split.shift, len(ctx.years))
    return dataclasses.replace(ctx, pipeline=pipe, organic_shift=split.shift, cycle_trend=trend, organic_split=split, history_changes=items)


def _parts(ctx: RunContext, history: tuple) -> tuple:
    """History's part of the organic split under ``history`` (computed once per context family, then copied)."""
    if history not in ctx.history_parts:
        ctx.history_parts[history] = history_parts(ctx.panel, ctx.destinations, ctx.hierarchy, history)
    return _copied(ctx.history_parts[history])


def _copied(parts: tuple) -> tuple:
    """A copy of the arrays and lists of history parts (an OrganicSplit must not share them with the cache)."""
    return tuple(x.copy() if isinstance(x, (np.ndarray, list)) else x for x in parts)


def _compile_catalogue(panel: Panel, h: Hierarchy, years: np.ndarray, sites: np.ndarray, programmes, data_dir: Path | None,
                       innovation_regions: frozenset[str] = frozenset(), innovation_why: str = "") -> list[CompiledTarget]:
    """The catalogue's targets on this dataset; a target naming a missing entity is a data error."""
    try:
        return compile_targets(load_catalogue(), panel, h, years, sites, programmes, innovation_regions, innovation_why)
    except KeyError as exc:
        folder = data_dir or default_data_dir()
        raise DataError(f"{folder}: {exc.args[0]}; the target catalogue (calibration/targets.toml) needs every entity it names in the dataset") from None


def _pipeline_params(scenario: Scenario, years: np.ndarray, defaults: bool = False, history: Mapping[str, float] | None = None) -> PipelineParams:
    """Pipeline parameters of a scenario; its levers act from the first simulated year or its later ``policy_start``.

    ``history`` replaces lever values of the warm-up (``[history]`` of the calibration).
    """
    cal = calibration_with_history(history)
    pp = PipelineParams.from_levers(None if defaults else scenario.levers, where=f"{scenario.path} [levers]", calibration=cal)
    return dataclasses.replace(pp, first_year=int(years[0]), policy_start=12.0 * (policy_year(scenario, years) - int(years[0])))


