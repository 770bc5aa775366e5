"""Goal seek on curves with known probabilities: the root, its uncertainty, "not reachable", the reverse question."""

from __future__ import annotations

import math

import numpy as np
import pytest

from model.goalseek import ALREADY, NOT_REACHABLE, REACHED, reachable_level, seek

N = 4000
U = np.random.default_rng(2024).random(N)


def linear(x: float) -> np.ndarray:
    """Common random numbers: path i hits when u_i < F(x), with F(x) = x / 10 (so P(x) = x / 10 exactly)."""
    return U < x / 10


def test_finds_the_known_root_with_an_honest_uncertainty():
    res = seek(linear, 0.0, 10.0, 0.5, tol=0.01)
    assert res["status"] == REACHED and res["direction"] == "increase"
    # analytic: root 5; MC error of the root = sd of P over the slope = sqrt(0.25 / N) / 0.1
    se_true = math.sqrt(0.25 / N) / 0.1
    assert abs(res["value"] - 5.0) < 3 * se_true
    assert res["se_value"] == pytest.approx(se_true, rel=0.3)
    lo, hi = res["interval_90"]
    assert lo < 5.0 < hi
    assert res["p"] >= 0.5 and res["bracket"][1] - res["bracket"][0] <= 0.01
    assert res["bracket"][0] <= res["value"] <= res["bracket"][1] == res["checked_value"]
    assert res["monotone"]


def test_not_reachable_within_the_range_is_said():
    res = seek(linear, 0.0, 3.0, 0.5)  # P(3) = 0.3 at most
    assert res["status"] == NOT_REACHABLE and res["value"] is None
    assert res["best_value"] == 3.0 and res["p"] == pytest.approx(0.3, abs=0.03)
    assert res["share_not_reached"] == 1.0


def test_a_lever_that_lowers_the_probability_is_searched_downward():
    # F(x) = 1 - x/10: lower values are better; P >= 0.8 needs x <= 2
    res = seek(lambda x: U < 1 - x / 10, 0.0, 10.0, 0.8, tol=0.01)
    assert res["status"] == REACHED and res["direction"] == "decrease"
    assert abs(res["value"] - 2.0) < 3 * math.sqrt(0.16 / N) / 0.1


def test_already_reached_and_whole_number_levers():
    assert seek(linear, 6.0, 10.0, 0.5)["status"] == ALREADY
    # step curve: P(k) = k / 20 for whole k; P >= 0.3 first at k = 6
    res = seek(lambda k: U < k / 20, 0.0, 20.0, 0.3, integer=True)
    assert res["status"] == REACHED and res["checked_value"] in (6.0, 7.0)  # 6 unless MC error puts P(6) just below 0.3
    assert all(float(e["x"]).is_integer() for e in res["evaluations"])


def test_reverse_largest_level_reached_with_probability():
    x = np.arange(1.0, 101.0)  # 100 equally likely values
    r = reachable_level(x, 0.3)
    assert r["level"] == 71.0 and r["p"] == pytest.approx(0.30)  # 30 of 100 values are >= 71
    assert reachable_level(x, 0.95)["level"] == 6.0
    # normal values: the level is the (1 - p) quantile, mean + z sd
    y = np.random.default_rng(5).normal(100, 10, 20000)
    r = reachable_level(y, 0.8)
    assert abs(r["level"] - (100 - 0.8416 * 10)) < 3 * r["se_level"]
    with pytest.raises(ValueError):
        seek(linear, 0, 10, 1.0)
