"""The yearly provincial 百项 list drawn from the simulated stock of one programme's projects.

A layer on top of the timelines: it selects and counts, it changes no milestone
(:mod:`model.pipeline.list_condition` moves milestones to a project dispatch
table's state).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .params import ProgrammeParams

__all__ = ["LIST_FIELDS", "ListCondition", "ReportedList", "list_membership", "list_lengths", "provincial_list"]

#: Composition and flows of the yearly provincial list (keys of ``PipelineResult.provincial_list``).
LIST_FIELDS: tuple[str, ...] = ("listed", "added", "new", "continuing", "completing", "starts", "completions")


@dataclass(frozen=True)
class ListCondition:
    """What a project dispatch table (项目调度表) reports of one year's list, up to its report month.

    The dates of the 开工 and 投产 the year's listed projects reached in January to
    ``month``. :func:`model.pipeline.list_condition.condition_timeline` moves the simulated
    projects to that state on every path (the reported projects are started or
    producing and are not started or completed again; the rest of the year and the
    later years are simulated from there).

    Attributes
    ----------
    year_index : int
        The conditioned year (index into the simulated years; 0 = the current year).
    month : int
        Report month, 1-12.
    start_months, producing_months : tuple of float
        Each reported 开工 / 投产 of the year, in months since the year's start
        (``[0, month)``; 2014-03-15 is 2.47, a month without a day its middle).
    """

    year_index: int
    month: int
    start_months: tuple[float, ...] = ()
    producing_months: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        dates = self.start_months + self.producing_months
        if not 1 <= self.month <= 12 or self.year_index < 0 or any(not 0.0 <= t < self.month for t in dates):
            raise ValueError(f"ListCondition: month 1-12 and reported dates in [0, month) months into the year, got {self}")

    @property
    def starts(self) -> int:
        """Reported 开工 of the year up to the report month."""
        return len(self.start_months)

    @property
    def completions(self) -> int:
        """Reported 投产 of the year up to the report month."""
        return len(self.producing_months)


@dataclass(frozen=True)
class ReportedList:
    """The conditioned year's list on the conditioned timeline (one programme's columns).

    Attributes
    ----------
    year_index : int
    listed, added : ndarray (P, n) bool
        The year's membership, selected from the unconditioned stock.
    unmatched_starts, unmatched_completions : ndarray (P,) int
        Reported events a path had no candidate project for (counted, not simulated).
    moved : ndarray (P, n) bool
        Projects whose milestones the table moved.
    """

    year_index: int
    listed: NDArray
    added: NDArray
    unmatched_starts: NDArray
    unmatched_completions: NDArray
    moved: NDArray


def list_membership(
    times: NDArray, abandon_time: NDArray, valid: NDArray, build_months: NDArray, y: int,
    length: int, selection_month: float = 3.0, max_build_months: float = math.inf, planes: NDArray | None = None,
    added_window: float = 0.0, planned_starts_first: bool = False,
) -> tuple[NDArray, NDArray]:
    """Which projects are on year ``y``'s list: ``(listed at selection, added during the year)``, each (P, n) bool.

    The rule is that of :func:`provincial_list` (which counts these sets). ``planes`` is
    ``times[..., :10]`` as one contiguous (10, P, n) array per milestone (computed when not
    given; :func:`provincial_list` passes it for every year). ``added_window`` and
    ``planned_starts_first`` are the two readings of document 000 the defaults leave open
    (see :func:`provincial_list`).
    """
    T = _planes(times) if planes is None else np.ascontiguousarray(planes)
    buildable = valid & ~(build_months > max_build_months)
    return _membership(T, abandon_time, valid, buildable, y, length, selection_month, added_window, planned_starts_first)


def _planes(times: NDArray, keep: NDArray | slice = slice(None)) -> NDArray:
    """Milestones 0-9 of the columns ``keep`` as one contiguous (10, P, k) array (a view when ``times`` already is one)."""
    T = np.moveaxis(times[..., :10], -1, 0)
    if not isinstance(keep, slice):
        return np.take(T, keep, axis=2)
    return np.ascontiguousarray(T[:, :, keep])


def _column_span(T: NDArray, abandon_time: NDArray) -> tuple[NDArray, NDArray]:
    """Per column, the earliest signing and the latest time a project stops being a candidate (over paths).

    A column can hold a candidate at ``sel`` only if some path signed it before
    ``sel`` and has not dropped it or brought it to 投产 before ``sel`` (NaN keeps
    the column: the test is only ever ``not (x < sel)``).
    """
    return T[0].min(0), np.minimum(abandon_time, T[9]).max(0)


def _membership(T: NDArray, abandon_time: NDArray, valid: NDArray, buildable: NDArray, y: int, length: int,
                selection_month: float, added_window: float, planned_starts_first: bool,
                span: tuple[NDArray, NDArray] | None = None) -> tuple[NDArray, NDArray]:
    """:func:`list_membership` on contiguous milestone planes ``T`` (10, P, n), ``buildable`` and :func:`_column_span` given.

    Works on the candidates only (a fifth of the stock): their stage, entry time and
    rank key are gathered from the flat planes, and the length-th smallest key per
    path is found among the columns that can hold a candidate.  Every key is the
    same float as on the whole array, so the list is the same.
    """
    M0, M7, M9 = T[0], T[7], T[9]
    P, n = M0.shape
    y0, y1 = 12.0 * y, 12.0 * (y + 1)
    sel = y0 + selection_month
    first, stop = _column_span(T, abandon_time) if span is None else span
    cols = np.flatnonzero((first < sel) & ~(stop < sel))
    listed = np.zeros((P, n), bool)
    if len(cols) and length > 0:
        lo, hi = int(cols[0]), int(cols[-1]) + 1
        w = slice(lo, hi)
        cand = buildable[:, w] & (M0[:, w] < sel) & ~(abandon_time[:, w] < sel) & ~(M9[:, w] < sel)
        r, c = np.nonzero(cand)
        flat = r * n + (c + lo)  # candidates' positions in a (P, n) plane
        # Milestones reached (9 = built, awaiting 投产) and the time the current stage was entered.
        stage = np.ones(len(flat), np.int8)  # every candidate is signed (M0 < sel)
        for k in range(1, 9):
            stage += T[k].reshape(-1).take(flat) < sel
        entered = T.reshape(-1).take(np.maximum(stage - 1, 0).astype(np.intp) * (P * n) + flat)
        # Class: 0 due to be built this year, 1 ready to start, 2 other construction, 3 earlier stages.
        building = stage >= 8
        due = building & (T[8].reshape(-1).take(flat) < y1)
        ready = (stage >= 4) | (~building & (M7.reshape(-1).take(flat) < y1)) if planned_starts_first else stage >= 4
        klass = np.where(due, 0, np.where(building, 2, np.where(ready, 1, 3)))
        key = klass * 1e8 + (10.0 - stage) * 1e6 + entered
        # The length-th smallest key per path (inf when fewer candidates); exact ties of
        # continuous entry times have probability zero.
        if length >= hi - lo:
            take = np.ones(len(flat), bool)
        else:
            full = np.full((P, hi - lo), np.inf)
            full[r, c] = key
            kth = np.partition(full, length - 1, axis=1)[:, length - 1]
            take = key <= kth[r]
        listed.reshape(-1)[flat[take]] = True
    added = valid & (M0 >= sel - added_window) & (M7 >= sel) & (M7 < y1)
    if added_window > 0:  # projects signed before the selection may be candidates already
        added &= ~listed
    return listed, added


def list_lengths(p: ProgrammeParams, policy_start: float, n_years: int) -> list[int]:
    """Each simulated year's list length: the history's before the policy start, the lever's from it."""
    return [p.pre.list_length if 12.0 * y + p.list_selection_month < policy_start else p.list_length for y in range(n_years)]


def provincial_list(
    times: NDArray, abandon_time: NDArray, valid: NDArray, build_months: NDArray, n_years: int,
    length: int, selection_month: float = 3.0, max_build_months: float = math.inf,
    reported: ReportedList | None = None, added_window: float = 0.0, planned_starts_first: bool = False,
) -> dict[str, NDArray]:
    """The yearly 百项 list drawn from the stock of one programme's projects, and its flows.

    Document 000 (关于全省百项重大工业项目调度推进工作方案, 二(一)): each first quarter the
    cities report their ≥10亿 projects with a build time of about three years, the
    province selects the year's list of 100, the list is managed dynamically and cities
    add newly settled projects that have started.  Read as a rule on the simulated stock:

    * at the selection date (``selection_month`` months into year ``y``) a project is a
      candidate if it was signed, is neither abandoned nor producing (投产) yet, and its
      planned build time is at most ``max_build_months``;
    * candidates are ranked in the order the plan counts them: first projects due to
      be built within the year (built and awaiting 投产, or under construction with the
      planned 竣工 before the year end), then projects ready to start (approved: 前期基础好),
      then the other projects under construction (续建), then earlier stages; within a
      class by how far they have come and, in a stage, by when they entered it
      (earliest first); the first ``length`` form the list;
    * projects signed (落户) after the selection date that start construction within
      the year are added (cities' additions of newly settled projects that have started);
      ``added_window`` months widens "newly settled" to projects signed that long before
      the selection date and not listed (default 0);
    * ``planned_starts_first``: projects not yet under construction whose planned 开工
      falls within the year rank with the ready-to-start class (the year's plan of new
      starts) rather than with the earlier stages (default False);
    * starts and completions are counted among the listed and added projects: 开工 and
      投产 in the calendar year.

    Parameters
    ----------
    times : ndarray (P, n, 11)
        Milestone times (months since the first simulated year).
    abandon_time : ndarray (P, n)
    valid : ndarray (P, n) bool
    build_months : ndarray (P, n)
        Planned construction duration of each project.
    n_years : int
    length : int or sequence of int
        List length at selection (lever ``list_length_jx_major``), or one per year (the
        history's length before the policy start, the lever's from it).
    selection_month, max_build_months : float
    reported : ReportedList, optional
        A project dispatch table's year on a timeline conditioned on it
        (:func:`model.pipeline.list_condition.condition_timeline`): that year's membership is
        the given one (selected before the table moved any milestone), and the
        reported events no simulated project could take (``unmatched_*``) are added
        to its ``starts`` and ``completions``.

    Returns
    -------
    dict of (P, Y) int64
        ``listed`` (selected in Q1), ``added`` (during the year), ``new`` (on the list,
        construction not started before the year, not producing in it), ``continuing``
        (started before the year, not producing in it, 续建), ``completing`` (reaching
        投产 in the year), ``starts``, ``completions``.  ``new + continuing + completing
        = listed + added``.
    """
    P, n = valid.shape
    out = {k: np.zeros((P, n_years), np.int64) for k in LIST_FIELDS}
    known = reported if reported is not None and reported.year_index < n_years else None
    if known is not None:  # reported events without a simulated project (an empty stock still has them)
        out["starts"][:, known.year_index] = known.unmatched_starts
        out["completions"][:, known.year_index] = known.unmatched_completions
    # Only projects neither producing nor dropped before the first year can ever be on a list.
    on_any = (valid & ~(times[..., 9] < 0) & ~(abandon_time < 0)).any(0)
    if known is not None:
        on_any |= (known.listed | known.added).any(0)
    keep = np.flatnonzero(on_any)
    if len(keep) == 0:
        return out
    if len(keep) == n:
        keep = slice(None)
    # One contiguous (P, n) array per milestone: the yearly scans below read whole planes.
    T = _planes(times, keep)
    abandon_time, valid, build_months = abandon_time[:, keep], valid[:, keep], build_months[:, keep]
    buildable = valid & ~(build_months > max_build_months)
    span = _column_span(T, abandon_time)
    M7, M9 = T[7], T[9]
    width = T.shape[2]
    lengths = [int(length)] * n_years if np.ndim(length) == 0 else [int(x) for x in length]
    for y in range(n_years):
        y0, y1 = 12.0 * y, 12.0 * (y + 1)
        if known is not None and known.year_index == y:
            listed, added = known.listed[:, keep], known.added[:, keep]
        else:
            listed, added = _membership(T, abandon_time, valid, buildable, y, lengths[y], selection_month, added_window, planned_starts_first, span)
        # Counted on the listed and added projects only, by path.
        on = np.flatnonzero(listed | added)
        rows = on // width
        m7, m9 = M7.reshape(-1).take(on), M9.reshape(-1).take(on)
        completing = (m9 >= y0) & (m9 < y1)
        started = m7 < y0
        count = lambda m: np.bincount(rows[m], minlength=P)  # noqa: E731 - per path
        out["listed"][:, y] = np.bincount(np.flatnonzero(listed) // width, minlength=P)
        out["added"][:, y] = np.bincount(np.flatnonzero(added) // width, minlength=P)
        out["completing"][:, y] = count(completing)
        out["continuing"][:, y] = count(~completing & started)
        out["new"][:, y] = count(~completing & ~started)
        out["starts"][:, y] += count((m7 >= y0) & (m7 < y1))
        out["completions"][:, y] += count(completing)
    return out
