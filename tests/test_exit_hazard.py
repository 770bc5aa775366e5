"""Exit hazard: known answers for the surviving share and the size law."""

from __future__ import annotations

import numpy as np

from model.exit_hazard import ExitHazard, survival


def test_constant_hazard_survival_matches_the_geometric_law():
    # With a constant hazard h, P(survive T years) = (1 - h)^T: independent Bernoulli years.
    h, T, n = 0.05, 12, 200_000
    rng = np.random.default_rng(1)
    size = np.full((1, n), 30.0)
    alive = survival(ExitHazard(h, 0.0), size, np.broadcast_to(size[..., None], (1, n, T)), rng.random((1, n, T)))
    for t in range(T):
        expected = (1 - h) ** (t + 1)
        share = alive[0, :, t].mean()
        assert abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) / n), (t, share, expected)


def test_exit_is_absorbing():
    rng = np.random.default_rng(2)
    size = rng.lognormal(3, 1, (5, 100))
    paths = size[..., None] * np.exp(rng.normal(0, 0.2, (5, 100, 8)).cumsum(-1))
    alive = survival(ExitHazard(0.2, 0.3), size, paths, rng.random((5, 100, 8)))
    assert not (alive[..., 1:] & ~alive[..., :-1]).any()


def test_hazard_falls_with_size_as_stated():
    hz = ExitHazard(0.03, 0.3)
    assert np.isclose(hz(np.array(10.0)), 0.03)
    assert np.isclose(hz(np.array(100.0)) / hz(np.array(10.0)), 10 ** -0.3)
    assert hz(np.array(1e9)) < hz(np.array(50.0)) < hz(np.array(5.0)) <= 1.0
    assert ExitHazard(0.5, 2.0)(np.array(0.0)) == 1.0  # capped


def test_no_hazard_keeps_every_firm():
    size = np.ones((2, 3))
    alive = survival(ExitHazard(0.0, 0.3), size, np.ones((2, 3, 4)), np.zeros((2, 3, 4)))
    assert alive.all()


def _survival_year_by_year(hz: ExitHazard, start: np.ndarray, paths: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """The definition, one year at a time, with the hazard of every firm and year."""
    alive, out, prev = np.ones(start.shape, bool), np.empty(paths.shape, bool), start
    for t in range(paths.shape[-1]):
        alive &= uniforms[..., t] >= hz(prev)
        out[..., t] = alive
        prev = paths[..., t]
    return out


def test_survival_follows_the_year_by_year_definition_exactly():
    # survival skips the hazard where the draw is above its ceiling: the result must not change,
    # also for draws exactly at the largest hazard, missing or infinite sizes and hazards capped at 1.
    rng = np.random.default_rng(4)
    start = rng.lognormal(1, 2, (40, 30))
    paths = rng.lognormal(1, 2, (40, 30, 7))
    paths[0, 0, 2], paths[1, 1, 1], paths[2, 2, 2] = np.nan, 0.0, np.inf
    for rate, elasticity in ((0.03, 0.3), (0.03, 0.0), (0.2, -0.2), (0.5, 2.0), (1.0, 0.3)):
        hz = ExitHazard(rate, elasticity)
        u = rng.random(paths.shape)
        u[3] = hz(np.full(paths.shape[1:], 0.0))  # draws exactly at the hazard of the smallest size
        expected = _survival_year_by_year(hz, start, paths, u)
        assert np.array_equal(survival(hz, start, paths, u), expected), (rate, elasticity)
        assert np.array_equal(survival(hz, np.broadcast_to(start[0], start.shape), paths, u), _survival_year_by_year(hz, np.broadcast_to(start[0], start.shape), paths, u))
