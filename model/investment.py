"""Investment as a simulated flow: each project programme's yearly spend from its projects' build timelines.

A programme signs a Poisson number of projects a year, each with a lognormal
investment (亿元); a project started in year *s* spends ``share[j]`` of its
investment in year *s + j* (its stated spend curve, :mod:`model.spend_curves`),
unless it is abandoned, when it stops at a uniformly drawn build year. The
spend of projects started before the first simulated year (the warm-up, as
long as the longest curve) is counted in the years it falls in.

Random numbers: a fixed number of candidate projects per year is drawn
whatever the intake (``kmax``), and the count comes from one uniform by
inverting the Poisson distribution, so a lever on the intake keeps every other
number of the path (common random numbers) and never touches the warm-up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .innovation_params import ProjectProgramme

__all__ = ["ProgrammeDraws", "poisson_from_uniform", "poisson_bound", "draw_programme", "programme_spend"]


@dataclass(frozen=True)
class ProgrammeDraws:
    """A programme's random inputs: per start year, its candidates on (paths, candidates).

    Attributes
    ----------
    count_u : ndarray (P, Y)
        The uniform that fixes each year's number of projects.
    size : tuple of ndarray (P, K_y)
        Investment of each candidate project started in year y, 亿元.
    build_years : tuple of ndarray (P, K_y) int
        Build years in which each candidate spends (the whole curve unless abandoned).
    """

    count_u: np.ndarray
    size: tuple[np.ndarray, ...]
    build_years: tuple[np.ndarray, ...]


def poisson_bound(mean: float, tail: float = 1e-12) -> int:
    """Smallest ``k`` with P(Poisson(mean) > k) < ``tail`` (how many candidates to draw)."""
    k, pmf = 0, math.exp(-mean)
    cdf = pmf
    while 1.0 - cdf >= tail:
        k += 1
        pmf *= mean / k
        cdf += pmf
    return k


def poisson_from_uniform(u: np.ndarray, mean: np.ndarray, kmax: int) -> np.ndarray:
    """Poisson(``mean``) counts by inverting the CDF at ``u`` (same shape), at most ``kmax``."""
    mean = np.broadcast_to(mean, u.shape)
    pmf = np.exp(-mean)
    cdf = pmf.copy()
    count = np.zeros(u.shape, np.int64)
    for k in range(1, kmax + 1):
        more = u > cdf
        if not more.any():  # the cdf never falls, so no count can rise any more
            break
        count += more
        pmf = pmf * mean / k
        cdf = cdf + pmf
    return count


def draw_programme(rng: np.random.Generator, prog: ProjectProgramme, n_paths: int, kmax: list[int], n_build: int) -> ProgrammeDraws:
    """Draw a programme's candidates: ``kmax[y]`` in start year ``y``, whatever the intake."""
    count_u = rng.random((n_paths, len(kmax)))
    sizes, builds = [], []
    for k in kmax:
        sizes.append(prog.size_median * np.exp(prog.size_sigma * rng.standard_normal((n_paths, k))))
        abandoned = rng.random((n_paths, k)) < prog.abandon_probability
        # An abandoned project stops at build year b (uniform in 1..n_build) and spends the years before it.
        stop = np.floor(rng.random((n_paths, k)) * n_build).astype(np.int64)
        builds.append(np.where(abandoned, stop, n_build))
    return ProgrammeDraws(count_u, tuple(sizes), tuple(builds))


def programme_spend(counts: np.ndarray, size: list[np.ndarray] | tuple[np.ndarray, ...], build_years: list[np.ndarray] | tuple[np.ndarray, ...],
                    shares: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Yearly spend and commitments of a programme.

    Parameters
    ----------
    counts : ndarray (P, Y) int
        Projects started each year (the first ``counts`` candidates are real).
    size : sequence of Y ndarrays (P, K_y)
        Investment per candidate of each start year, 亿元.
    build_years : sequence of Y ndarrays (P, K_y) int
        Build years each candidate spends in (``len(shares)`` = the whole curve).
    shares : ndarray (L,)
        Share of the investment spent in build year 1..L.

    Returns
    -------
    spend : ndarray (P, Y)
        亿元 spent in each year by the projects started in it or before.
    committed : ndarray (P, Y)
        Total investment of the projects started each year.
    """
    n_years = counts.shape[1]
    spend, committed = np.zeros(counts.shape), np.zeros(counts.shape)
    for s in range(n_years):
        invested = np.where(np.arange(size[s].shape[1])[None, :] < counts[:, s, None], size[s], 0.0)
        committed[:, s] = invested.sum(axis=1)
        for j, share in enumerate(shares[: n_years - s]):
            spend[:, s + j] += share * (invested * (build_years[s] > j)).sum(axis=1)
    return spend, committed
