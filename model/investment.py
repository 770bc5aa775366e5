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
    """A programme's random inputs on (paths, years, candidates).

    Attributes
    ----------
    count_u : ndarray (P, Y)
        The uniform that fixes each year's number of projects.
    size : ndarray (P, Y, K)
        Investment of each candidate project, 亿元.
    build_years : ndarray (P, Y, K) int
        Build years in which each candidate spends (the whole curve unless abandoned).
    """

    count_u: np.ndarray
    size: np.ndarray
    build_years: np.ndarray


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
        count += u > cdf
        pmf = pmf * mean / k
        cdf = cdf + pmf
    return count


def draw_programme(rng: np.random.Generator, prog: ProjectProgramme, n_paths: int, n_years: int, kmax: int, n_build: int) -> ProgrammeDraws:
    """Draw a programme's candidates (always ``kmax`` a year, whatever the intake)."""
    count_u = rng.random((n_paths, n_years))
    size = prog.size_median * np.exp(prog.size_sigma * rng.standard_normal((n_paths, n_years, kmax)))
    abandoned = rng.random((n_paths, n_years, kmax)) < prog.abandon_probability
    # An abandoned project stops at build year b (uniform in 1..n_build) and spends the years before it.
    stop = np.floor(rng.random((n_paths, n_years, kmax)) * n_build).astype(np.int64)
    return ProgrammeDraws(count_u, size, np.where(abandoned, stop, n_build))


def programme_spend(counts: np.ndarray, size: np.ndarray, build_years: np.ndarray, shares: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Yearly spend and commitments of a programme.

    Parameters
    ----------
    counts : ndarray (P, Y) int
        Projects started each year (the first ``counts`` candidates are real).
    size : ndarray (P, Y, K)
        Investment per candidate, 亿元.
    build_years : ndarray (P, Y, K) int
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
    active = np.arange(size.shape[2])[None, None, :] < counts[:, :, None]
    invested = np.where(active, size, 0.0)
    spend = np.zeros(counts.shape)
    n_years = counts.shape[1]
    for j, share in enumerate(shares):
        started = (invested * (build_years > j)).sum(axis=2)  # (P, Y): by start year
        spend[:, j:] += share * started[:, : n_years - j]
    return spend, invested.sum(axis=2)
