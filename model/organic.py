"""The organic adjustment: how much of each city's historical growth its existing firms keep.

The macro trend is fitted to history, and history already contains the revenue
of the projects completed in 2009-2013. How much of each city's 2008-2013 growth
came from projects like the simulated ones is estimated from history: the
pipeline's warm-up, run on the settings history implies (``[history]`` of
``calibration/pipeline_defaults.toml``), gives the revenue its projects added by
the last data year, and the observed growth of the city's firms gives the total.
Existing firms then grow by the rest of the trend (organic growth = the trend's
growth × the city's historical organic share); the simulated projects add their
own revenue on top. A pipeline like history's gives about the trend, a stronger
one more, "organic only" less, and no city's existing firms are left without growth.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .calibrate import GrowthParams
from .data import Panel
from .dynamics import damped_growth
from .hierarchy import Hierarchy
from .pipeline import Destinations, PipelineParams, history_levers, load_calibration, simulate_pipeline

__all__ = ["OrganicSplit", "organic_split", "history_parts", "history_pipeline", "cycle_trend", "calibration_with_history", "city_of", "leaf_cities"]

_PILOT_PATHS = 200
_PILOT_SEED = 7


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


def calibration_with_history(history: Mapping[str, float] | None) -> dict | None:
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
    cal = calibration_with_history(history) or load_calibration()
    hist = PipelineParams.from_levers(history_levers(cal), where="calibration/pipeline_defaults.toml [history]", calibration=cal)
    first = int(panel.years[0]) + 1
    years = np.arange(first, int(panel.years[-1]) + 1)
    return simulate_pipeline(dataclasses.replace(hist, first_year=first), dests, n_paths, years, seed)


def organic_split(params: GrowthParams, dests: dict[str, Destinations], panel: Panel, h: Hierarchy, years: np.ndarray,
                  history: tuple = (), parts: tuple | None = None) -> OrganicSplit:
    """How much of each city's historical growth came from projects, and the leaf shift it implies.

    The trend (the calibrated macro path with zero shocks) is the growth history
    shows, projects included.  A city whose projects made a share ``s`` of its growth
    in the data years keeps ``1 − s`` of the trend's growth for its existing firms:
    organic level ratio ``1 + (1 − s)(R_t − 1)`` for a trend level ratio ``R_t``.

    ``parts``: :func:`history_parts` of ``history`` when already computed (a prepared context carries them).

    Returns
    -------
    OrganicSplit
    """
    cities, city, n_city, observed, added, share, yearly = history_parts(panel, dests, h, history) if parts is None else parts
    trend = np.cumsum(damped_growth(params.macro.last_growth, params.macro.mu, params.macro.phi, np.zeros(len(years))))
    ratio = np.exp(trend)[None, :]
    cum = np.log1p((1.0 - share[:, None]) * (ratio - 1.0)) - trend[None, :]
    shift = np.diff(np.concatenate([np.zeros((n_city, 1)), cum], axis=1), axis=1)
    return OrganicSplit(cities, observed, added[:, -1], share, yearly, shift[city])


def history_parts(panel: Panel, dests: dict[str, Destinations], h: Hierarchy, history: tuple = ()) -> tuple:
    """The part of :func:`organic_split` no growth parameter changes: cities, observed and project growth, shares.

    ``history``: ``(lever, value)`` pairs replacing the warm-up's settings (see :func:`model.context.with_history`).
    It runs the history pilot pipeline; a prepared context keeps the result per ``history``
    (``RunContext.history_parts``), so its variants and a cached later run compute it once.
    """
    city, n_city = leaf_cities(panel, h)
    cities = list(panel.regions.index[panel.regions["level"] == "city"]) + [""]
    hist = np.nan_to_num(h.history)
    level = np.zeros((n_city, hist.shape[1]))
    np.add.at(level, city, hist)
    added = _pilot_added(panel, dests, h, city, n_city, dict(history))
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
    site_city = [city_of(panel, parks[p])[1] for p, _ in pilot.site_pairs]
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


def city_of(panel: Panel, geo: str) -> tuple[str, int]:
    """The city a park or region belongs to and its position among the cities.

    Leaves above city level (the province's own remainder) get position ``n_cities``.
    """
    cities = list(panel.regions.index[panel.regions["level"] == "city"])
    node = panel.parks.at[geo, "region"] if geo in panel.parks.index else geo
    parent = panel.regions["parent"].to_dict()
    while node and node not in cities:
        node = parent.get(node, "")
    return (node, cities.index(node)) if node else ("", len(cities))


def leaf_cities(panel: Panel, h: Hierarchy) -> tuple[np.ndarray, int]:
    """Group of every leaf (its city, or one group above city level) and the number of groups."""
    cache = {geo: city_of(panel, geo)[1] for geo in h.leaves["geo"].unique()}
    return h.leaves["geo"].map(cache).to_numpy(np.intp), int((panel.regions["level"] == "city").sum()) + 1
