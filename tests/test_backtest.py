"""Backtest scoring: CRPS known answers and the coverage table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _shared import panel
from scipy import stats

from model.backtest import LEVELS, coverage_table, crps_sample, rolling_origin


def _crps_normal(y: float, sigma: float = 1.0) -> float:
    z = y / sigma
    return sigma * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi))


def test_degenerate_sample_at_the_actual_scores_zero():
    assert crps_sample(np.full((50, 3), 2.5), np.full(3, 2.5)) == pytest.approx(np.zeros(3), abs=1e-12)


def test_degenerate_sample_scores_the_absolute_error():
    np.testing.assert_allclose(crps_sample(np.full((10, 2), 1.0), np.array([3.0, -1.0])), [2.0, 2.0])


def test_two_point_sample():
    # X uniform on {0, 1}, y = 0: E|X - y| = 1/2, E|X - X'| / 2 = 1/4
    assert crps_sample(np.array([[0.0], [1.0]]), np.array([0.0]))[0] == pytest.approx(0.25)


def test_large_normal_sample_matches_the_closed_form():
    x = np.random.default_rng(0).standard_normal((100_000, 1))
    assert _crps_normal(0.0) == pytest.approx(0.2337, abs=1e-4)
    got = crps_sample(np.hstack([x, x, 2 * x]), np.array([0.0, 1.0, 1.0]))
    np.testing.assert_allclose(got, [_crps_normal(0.0), _crps_normal(1.0), _crps_normal(1.0, 2.0)], rtol=0.01)


def test_coverage_table_on_known_scores():
    scores = pd.DataFrame({
        "origin": 2012, "horizon": [1, 1, 1, 1, 2, 2], "kind": ["aggregate"] * 4 + ["enterprise"] * 2,
        "entity": list("abcdef"), "actual": 1.0, "pit": [0.5, 0.6, 0.95, 0.99, 0.1, 0.5],
        "crps_rel": [0.1, 0.2, 0.3, 0.4, 0.5, 0.7],
    })
    for level in LEVELS:
        scores[f"in{int(level * 100)}"] = (scores["pit"] >= (1 - level) / 2) & (scores["pit"] <= (1 + level) / 2)
    table = coverage_table(scores)
    assert list(table.columns) == ["kind", "horizon", "in50", "in80", "in95", "pit", "crps_rel", "n"]
    agg = table[table["kind"] == "aggregate"].iloc[0]
    assert (agg["in50"], agg["in80"], agg["in95"], agg["n"]) == (0.5, 0.5, 0.75, 4)
    assert agg["crps_rel"] == pytest.approx(0.25)
    ent = table[table["kind"] == "enterprise"].iloc[0]
    assert ent["horizon"] == 2 and ent["pit"] == pytest.approx(0.3)


def test_rolling_origin_scores_one_origin():
    scores = rolling_origin(panel(), origins=(2012,), n_paths=200, seed=1)
    assert set(scores["kind"]) == {"aggregate", "enterprise"}
    assert (scores["horizon"] == 1).all() and (scores["origin"] == 2012).all()
    assert scores["pit"].between(0, 1).all()
    assert (scores["crps_rel"] >= 0).all()
    # nested intervals: inside the 50 % interval implies inside the 80 % and 95 % ones
    assert (scores["in80"] >= scores["in50"]).all() and (scores["in95"] >= scores["in80"]).all()
    table = coverage_table(scores)
    assert list(table.columns) == ["kind", "horizon", "in50", "in80", "in95", "pit", "crps_rel", "n"]
    assert table["n"].sum() == len(scores)
