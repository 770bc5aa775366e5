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
