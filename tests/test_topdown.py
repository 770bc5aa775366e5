"""Top-down check: bottom-up region totals against forecasts of each region's own history."""

from __future__ import annotations

import pytest

from _shared import context, run
from model.topdown import REPORT_YEARS, topdown_check


@pytest.fixture(scope="module")
def check():
    return topdown_check(run("baseline")).set_index(["region", "year"])


def test_every_region_with_history_is_checked(check):
    panel = context("baseline").panel
    with_history = [r for r in panel.regions.index if r in panel.revenue.index]
    assert set(check.index.get_level_values("region")) == set(with_history)
    assert set(check.index.get_level_values("year")) == set(REPORT_YEARS)


def test_province_stays_near_its_own_trend(check):
    # Leaf shares move inside the macro path; existing firms keep the share of the trend's growth
    # that history left them, and the projects add theirs. Not equal by construction any more:
    # in 2015-2016 the damped boom trend still grows faster than the steady project stream adds.
    ratio = check.loc["JX", "ratio"]
    assert ratio.loc[[2015, 2016]].between(0.93, 1.05).all(), ratio


def test_ganzhou_is_not_credited_twice_with_its_own_projects(check):
    # Before the organic adjustment was made city by city, Ganzhou's >1亿 programme was taken
    # out of the province trend only, and Ganzhou's 2016 bottom-up median was 1.34x its top-down one.
    ratio = check.loc["JX.GZ", "ratio"]
    assert ratio.loc[[2015, 2016, 2020]].between(0.9, 1.12).all(), ratio


def test_intervals_are_ordered(check):
    for side in ("bottom_up", "top_down"):
        assert (check[f"{side}_q10"] <= check[f"{side}_median"]).all()
        assert (check[f"{side}_median"] <= check[f"{side}_q90"]).all()
    assert check["inside"].dtype == bool
