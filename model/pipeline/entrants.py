"""New entrants as separate firms in enterprise counts.

The pipeline sums the revenue of all new-entrant projects at one (park,
cluster) site (``PipelineResult.revenue_to_new``), which is right for
aggregates but wrong for counts: two 30亿 entrants at one site would count as
one 60亿 firm (above 50亿), two 60亿 entrants as one firm (one count instead of
two). Here every new-entrant project that reaches production founds its own
firm, with its own revenue path and site; counts use these, aggregates keep
the site sums (the two agree to rounding on every path).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .revenue import _yearly_revenue

__all__ = ["EntrantFirms", "entrant_firms", "count_in_sites"]


@dataclass(frozen=True)
class EntrantFirms:
    """One column per new firm (padded: paths found different numbers of firms).

    Attributes
    ----------
    revenue : ndarray (P, n_max, H)
        Revenue of each new firm (0 before it produces and in padding columns).
    site : ndarray (P, n_max) int
        Position of the firm's site in ``PipelineResult.site_pairs`` (-1: padding).
    """

    revenue: np.ndarray
    site: np.ndarray


def entrant_firms(draws, timeline, ramp_start_share: float, gap: np.ndarray | None = None, cycle_params=None) -> EntrantFirms:
    """Revenue of every new-entrant project producing in the simulated years, firm by firm.

    Uses the pipeline's own yearly revenue of a project (ramp-up, output ratio,
    year boundaries: :func:`model.pipeline.revenue._yearly_revenue`), each entrant
    its own destination, so a firm's revenue is exactly what the pipeline adds to
    its site for it.

    Parameters
    ----------
    draws : model.pipeline.ProjectDraws
    timeline : model.pipeline.Timeline
    ramp_start_share : float
        ``PipelineParams.ramp_start_share``.
    gap, cycle_params : optional
        The paths' demand gap and ``PipelineParams.cycle``, so each entrant feels the
        same cycle as the site revenue it belongs to.

    Returns
    -------
    EntrantFirms
    """
    times = timeline.times
    horizon = int(draws.horizon)
    n_paths = draws.shape[0]
    producing = draws.valid & draws.is_new & (times[..., 9] >= 0) & (times[..., 9] < horizon)
    per_path = producing.sum(axis=1)
    n_max = int(per_path.max()) if producing.size else 0
    site = np.full((n_paths, n_max), -1, np.int64)
    if n_max == 0:
        return EntrantFirms(np.zeros((n_paths, 0, draws.n_years)), site)
    # Entrants only, packed to the front of each path in project order.
    packed = np.arange(n_max) < per_path[:, None]
    rows = np.repeat(np.arange(n_paths), per_path)
    util = None if gap is None or cycle_params is None else cycle_params.utilisation(gap)
    val = _yearly_revenue(rows, times[..., 9][producing], times[..., 10][producing], draws.inv[producing] * draws.ratio[producing],
                          ramp_start_share, draws.n_years, gap, cycle_params, util)
    # Each firm is its own destination: its sum is 0.0 + its value (which turns a -0.0 into 0.0).
    revenue = np.zeros((n_paths, n_max, draws.n_years))
    revenue[packed] = val + 0.0
    site[packed] = draws.dest[producing]
    return EntrantFirms(revenue, site)


def count_in_sites(firms: EntrantFirms, sites: np.ndarray, year: int | slice, threshold: float) -> np.ndarray:
    """Per path, new firms at one of ``sites`` with revenue above ``threshold`` in year column ``year``.

    ``year`` may be a slice of year columns: the result then has one column per year, (P, n_years).
    """
    years = firms.revenue[:, :, year]
    if firms.revenue.shape[1] == 0 or len(sites) == 0:
        return np.zeros((firms.revenue.shape[0],) + years.shape[2:])
    lookup = np.zeros(max(int(np.max(sites)), int(firms.site.max(initial=0))) + 2, bool)  # last entry: padding (-1)
    lookup[np.asarray(sites)] = True
    at_site = lookup[firms.site] if years.ndim == 2 else lookup[firms.site][:, :, None]
    return ((years > threshold) & at_site).sum(axis=1).astype(float)
