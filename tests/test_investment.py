"""Investment as a flow: known-answer spend of a programme, the Poisson inversion, common random numbers."""

from __future__ import annotations

import numpy as np

from model.innovation_params import ProjectProgramme
from model.investment import draw_programme, poisson_bound, poisson_from_uniform, programme_spend


def test_deterministic_spend_curve_gives_the_analytic_sum():
    # 3 projects of 2亿 start every year for 6 years; the curve spends 50/30/20 %.
    shares = np.array([0.5, 0.3, 0.2])
    counts = np.full((1, 6), 3)
    size = [np.full((1, 5), 2.0)] * 6
    build = [np.full((1, 5), 3)] * 6
    spend, committed = programme_spend(counts, size, build, shares)
    # year t spends 3·2·(share of every build year reached): 3, 4.8, then 6 a year once all three overlap
    np.testing.assert_allclose(spend[0], [3.0, 4.8, 6.0, 6.0, 6.0, 6.0])
    np.testing.assert_allclose(committed[0], 6.0)


def test_an_abandoned_project_spends_only_the_years_before_it_stops():
    shares = np.array([0.5, 0.3, 0.2])
    counts = np.array([[1, 0, 0, 0]])
    spend, _ = programme_spend(counts, [np.full((1, 1), 10.0)] * 4, [np.full((1, 1), 1)] * 4, shares)
    np.testing.assert_allclose(spend[0], [5.0, 0.0, 0.0, 0.0])


def test_poisson_inversion_has_the_poisson_mean_and_variance():
    u = np.random.default_rng(3).random(200_000)
    k = poisson_from_uniform(u, np.array(7.5), poisson_bound(7.5))
    assert abs(k.mean() - 7.5) < 0.05 and abs(k.var() - 7.5) < 0.15


def test_intake_changes_the_count_not_the_other_draws():
    prog = ProjectProgramme("p", 5.0, 1.0, 0.5, 0.1)
    a = draw_programme(np.random.default_rng(1), prog, 50, [30] * 4, 3)
    b = draw_programme(np.random.default_rng(1), prog, 50, [30] * 4, 3)
    lo, hi = poisson_from_uniform(a.count_u, np.array(5.0), 30), poisson_from_uniform(b.count_u, np.array(10.0), 30)
    assert (hi >= lo).all() and (hi > lo).any()  # monotone in the intake: the same uniform, a larger mean
    for x, y in zip(a.size, b.size):
        np.testing.assert_array_equal(x, y)
