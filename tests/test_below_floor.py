"""Below-floor firms: the Pareto tail below the tracking floor, and firms crossing thresholds from below."""

from __future__ import annotations

import numpy as np
from _shared import panel

from model.below_floor import TailFirms, band_sizes, hill_alpha, simulate_tail, tail_firms
from model.hierarchy import build_hierarchy


def test_hill_estimator_recovers_a_known_exponent():
    alpha, floor, n = 1.5, 10.0, 100_000
    u = (np.arange(n) + 0.5) / n
    sizes = floor * u ** (-1 / alpha)  # exact Pareto quantiles
    est, se = hill_alpha(sizes, floor)
    assert abs(est - alpha) < 0.01 and np.isclose(se, est / np.sqrt(n))


def test_band_holds_the_pareto_count_and_stays_below_the_floor():
    # N(>s) = N(>floor) (s/floor)^-alpha, so [floor/2, floor) holds N (2^alpha - 1) firms.
    s = band_sizes(100, 5.0, 1.75, 0.5)
    assert s.size == round(100 * (2 ** 1.75 - 1))
    assert (s >= 2.5).all() and (s < 5.0).all() and (np.diff(s) < 0).all()


def test_embedded_data_tail_fits_inside_the_remainders():
    p = panel()
    h = build_hierarchy(p)
    tail = tail_firms(p, h, 0.5)
    level = h.history[:, -1]
    assert set(tail.scopes) == {"JX", "JX.GZ"}
    per_cell = np.bincount(tail.cell, weights=tail.size, minlength=level.size)
    assert (per_cell <= 0.5 * np.nan_to_num(level) + 1e-9).all()
    assert (h.leaves["kind"].to_numpy()[tail.cell] == "cell").all()
    gz = np.array([r.startswith("JX.GZ") for r in tail.region])
    assert (tail.size[gz] < 5.0).all() and (tail.size[~gz] < 10.0).all() and gz.any()


def test_a_below_floor_firm_can_cross_the_threshold_and_the_cell_keeps_its_total():
    # One cell of 100亿 growing 20 %/yr holding a 4.5亿 firm under a 5亿 floor.
    tail = TailFirms(np.array([0]), np.array([4.5]), np.array(["R"], object), {})
    n, H = 2000, 3
    cell = 100.0 * 1.2 ** np.arange(1, H + 1)
    paths = np.broadcast_to(cell, (n, 1, H)).copy()
    out = simulate_tail(tail, paths, np.full((n, 1), 100.0), 0.05, 0.22, 0.13, 2.65, np.random.default_rng(3))
    assert (out[:, 0, -1] > 10.0).any()          # crosses a 10亿 count threshold from below the 5亿 floor
    assert (out[:, 0, 0] < 4.5).any()            # and some shrink
    assert (out[:, 0, :] < paths[:, 0, :]).all()  # never more than its cell: the remainder keeps its total
    assert (out >= 0).all()
