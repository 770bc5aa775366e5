"""Known answers of the forecast scores (M4 metrics; the CRPS of a sample is tested in test_backtest)."""

from __future__ import annotations

import numpy as np
import pytest

from model import scores


def test_smape_known_answer():
    actual = np.array([100.0, 200.0])
    fc = np.array([110.0, 200.0])
    # 200*|100-110|/(100+110) = 9.5238..., second term 0 -> mean 4.7619...
    assert scores.smape(actual, fc) == pytest.approx((200.0 * 10.0 / 210.0) / 2.0)


def test_mase_known_answer():
    insample = np.array([1.0, 3.0, 2.0, 5.0])  # naive abs diffs 2, 1, 3 -> scale 2
    actual = np.array([6.0, 7.0])
    fc = np.array([5.0, 5.0])  # abs errors 1, 2 -> mean 1.5
    assert scores.mase(insample, actual, fc) == pytest.approx(0.75)


def test_msis_known_answer():
    insample = np.array([10.0, 12.0, 11.0])  # scale (2 + 1) / 2 = 1.5
    actual = np.array([5.0, 10.0, 20.0])
    lower = np.array([6.0, 8.0, 9.0])
    upper = np.array([9.0, 12.0, 18.0])
    # widths 3, 4, 9; penalties 2/0.05*(6-5)=40 and 2/0.05*(20-18)=80 -> (43 + 4 + 89)/3 = 45.333
    assert scores.msis(insample, actual, lower, upper, alpha=0.05) == pytest.approx((43.0 + 4.0 + 89.0) / 3.0 / 1.5)
    assert scores.coverage(actual, lower, upper) == pytest.approx(1.0 / 3.0)


def test_coverage_counts_bounds_as_inside():
    assert scores.coverage(np.array([1.0, 2.0]), np.array([1.0, 0.0]), np.array([1.0, 1.5])) == 0.5
