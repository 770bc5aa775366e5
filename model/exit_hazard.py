"""Exit and restructuring of firms: who is still counted as a firm each year.

Why a hazard: the embedded panel is a survivor panel (every 2013 firm is there
until the horizon), so without one a count can only rise by growth. Firms leave
the tracked set by closure, merger or restructuring into another legal entity.

Default (a stated assumption, ``[counts]`` of a scenario): a firm of 10亿 leaves
with probability 3 % a year, and the hazard falls with size as size^-0.3 (2.4 %
at 20亿, 1.9 % at 50亿, 1.5 % at 100亿, 0.75 % at 1000亿). Reasoning: studies of
China's annual survey of above-scale industrial firms (e.g. Brandt, Van
Biesebroeck and Zhang 2012, on 1998-2007) document heavy entry and exit among
above-scale firms, most of them small, and exit hazards fall with size in
every firm-dynamics data set (Dunne, Roberts and Samuelson 1989). No exit rate
is published for Jiangxi's firms above 10亿, so the level is an assumption, not
an estimate: at 3 % a year about 1 in 4 of today's 10亿 firms is gone after ten
years, and 1 in 7 of the 100亿 firms.

What happens to the revenue: an exiting firm leaves the *count*, not the
economy. Its revenue path stays in every aggregate, now as part of the
untracked remainder (plants are taken over, restructured or merged; the
aggregate trends are fitted to totals that already contain such churn, so
removing the revenue would count exits twice). Aggregates are therefore
unchanged and members (surviving tracked firms) + remainder = aggregate on
every path and in every year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ExitHazard", "survival"]

#: Size (亿元) at which ``ExitHazard.rate`` applies: the province's tracking floor.
REFERENCE_SIZE = 10.0
#: Sizes below this (亿元) are treated as this size (keeps the hazard finite for tiny firms).
_MIN_SIZE = 0.5


@dataclass(frozen=True)
class ExitHazard:
    """Yearly exit probability ``rate * (size / 10亿) ** -elasticity``, capped at 1.

    Attributes
    ----------
    rate : float
        Yearly hazard of a firm of :data:`REFERENCE_SIZE` 亿元.
    elasticity : float
        How fast the hazard falls with size (0: the same for every firm).
    """

    rate: float
    elasticity: float

    def __call__(self, size: np.ndarray) -> np.ndarray:
        """Hazard for firms of the given size (亿元), same shape as ``size``."""
        rel = np.maximum(np.nan_to_num(np.asarray(size, float)), _MIN_SIZE) / REFERENCE_SIZE
        return np.minimum(self.rate * rel ** -self.elasticity, 1.0)

    @property
    def active(self) -> bool:
        return self.rate > 0.0

    def ceiling(self) -> float:
        """A bound no computed hazard exceeds, whatever the size.

        The hazard is largest at :data:`_MIN_SIZE` (or, when it rises with size,
        capped at 1); the bound sits a relative 1e-9 above that, far more than
        the few units in the last place by which rounding could lift a hazard.
        """
        if self.elasticity < 0:
            return 1.0
        top = float(self(np.array([_MIN_SIZE]))[0]) * (1.0 + 1e-9)
        return top if top < 1.0 else 1.0  # also when NaN: then every draw is checked


def survival(hazard: ExitHazard, start: np.ndarray, paths: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Whether each firm is still a firm at the end of each simulated year.

    A firm exits in year t when its uniform draw for that year is below the
    hazard at its size at the start of the year (the end of year t-1); once gone
    it stays gone. Coupling exits to fixed uniforms gives common random numbers:
    two scenarios with the same seed see the same draws, and a firm that grows
    bigger in one of them is (weakly) less likely to exit there.

    Parameters
    ----------
    hazard : ExitHazard
    start : ndarray (P, n)
        Size at the start of the first simulated year (the last data year).
    paths : ndarray (P, n, H)
        Size at the end of each simulated year.
    uniforms : ndarray (P, n, H)
        U(0, 1) draws, one per path, firm and year.

    Returns
    -------
    ndarray (P, n, H) bool
        True while the firm exists.
    """
    horizon = paths.shape[-1]
    u, end = np.ravel(uniforms), np.ravel(paths)
    # A draw at or above the ceiling survives at any size, so the hazard (a costly
    # power) is needed only where the draw is below it: a few per cent of the cells.
    cand = np.flatnonzero(u < hazard.ceiling())
    firm, year = np.divmod(cand, horizon)
    size = np.where(year == 0, np.ravel(np.broadcast_to(start, paths.shape[:-1]))[firm], end[np.maximum(cand - 1, 0)])  # at the start of the year
    hit = ~(u[cand] >= hazard(size))  # the exit test of one year, as written (a NaN hazard exits)
    # Once gone, gone: a firm counts until its first exit year (hits come firm by firm, years ascending).
    firm, year = firm[hit], year[hit]
    lead = np.ones(firm.size, bool)
    lead[1:] = firm[1:] != firm[:-1]
    first = np.full(paths.shape[:-1], horizon)
    first.reshape(-1)[firm[lead]] = year[lead]
    return np.arange(horizon) < first[..., None]
