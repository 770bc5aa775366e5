"""Xinyi's investment and innovation model: the panel's anchor, bad inputs located, levers from the policy start, reproducibility."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.data import default_data_dir
from model.errors import DataError
from model.spend_curves import load_spend_curves
from model.xinyi import LEVER_NAMES, prepare_xinyi, simulate_xinyi
from model.xinyi_panel import load_xinyi_panel

KEYS = ("investment", "park_investment", "rd_share", "rd_unit_share", "upgrade_investment", "upgrading_firms>0", "upgrading_firms>0.5")
YEARS = np.arange(2014, 2026)
DEFAULT = {k: v for k, v in zip(LEVER_NAMES, (1.0, 0.0, 1.0))}


def _model(levers=DEFAULT, policy_year=2014):
    return prepare_xinyi(default_data_dir(), YEARS, levers, policy_year, KEYS)


def test_panel_is_anchored_on_the_documents_068_percent():
    panel = load_xinyi_panel(default_data_dir())
    assert panel.illustrative and "P.GD.XY.01" in panel.parks
    assert abs(100 * panel.rd_spend.sum() / panel.revenue[:, 1].sum() - 0.68) < 1e-3


def test_same_seed_same_values_and_2014_rd_share_is_the_panels():
    a, b = simulate_xinyi(_model(), 0, 40, 5), simulate_xinyi(_model(), 0, 40, 5)
    for k in KEYS:
        np.testing.assert_array_equal(a[k], b[k])
    np.testing.assert_allclose(a["rd_share"][:, 0], 0.68, atol=1e-3)
    assert np.isfinite(a["investment"]).all() and (a["investment"] > 0).all()


def test_levers_act_from_the_policy_start_only():
    base = simulate_xinyi(_model(policy_year=2016), 0, 60, 9)
    push = simulate_xinyi(_model({"tech_upgrade_support": 2.0, "rd_incentive_drift": 0.1, "xinyi_project_intake": 2.0}, policy_year=2016), 0, 60, 9)
    for k in KEYS:
        np.testing.assert_array_equal(base[k][:, :2], push[k][:, :2])
    assert (push["investment"][:, 3] > base["investment"][:, 3]).mean() > 0.9
    assert (push["rd_share"][:, 3] > base["rd_share"][:, 3]).all()
    assert (push["upgrading_firms>0"][:, 2:4] >= base["upgrading_firms>0"][:, 2:4]).all()


def _copy_panel(tmp_path: Path) -> Path:
    shutil.copytree(Path(default_data_dir()) / "xinyi", tmp_path / "xinyi")
    return tmp_path / "xinyi" / "firms.csv"


def _edit_cell(path: Path, row: int, column: str, value: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[row - 1].split(",")
    cells[header.index(column)] = value
    lines[row - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("column, value, expected", [
    ("rd_spend_2014", "99", "R&D spending at most the firm's revenue"),
    ("rd_spend_2014", "-0.1", "R&D spending in 亿元, a number ≥ 0"),
    ("revenue_2014", "-3", "revenue in 亿元, a number > 0"),
    ("rd_unit_2014", "2", "0 (no R&D unit) or 1 (an R&D unit)"),
])
def test_bad_panel_cells_are_located(tmp_path, column, value, expected):
    firms = _copy_panel(tmp_path)
    _edit_cell(firms, 4, column, value)
    with pytest.raises(DataError) as exc:
        load_xinyi_panel(tmp_path)
    assert f"{firms}, row 4, column '{column}': got '{value}'; expected {expected}" in str(exc.value)


@pytest.mark.parametrize("rows, expected", [
    (["xy,1,-10", "xy,2,110"], ["row 2, column 'share_pct': got '-10'; expected a share of the investment in % between 0 and 100 (spend cannot be negative)",
                               "row 3, column 'share_pct': got '110'"]),
    (["xy,1,60", "xy,2,30"], ["row 3, column 'share_pct': got 'sum 90'; expected the shares of 'xy' adding up to 100"]),
])
def test_bad_spend_curves_are_located(tmp_path, rows, expected):
    path = tmp_path / "spend_curves.csv"
    path.write_text("programme,build_year,share_pct\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_spend_curves(path)
    for text in expected:
        assert f"{path}, {text}" in str(exc.value)


def test_a_dataset_without_the_panel_has_no_xinyi_model(tmp_path):
    assert load_xinyi_panel(tmp_path) is None
    assert prepare_xinyi(tmp_path, YEARS, DEFAULT, 2014, KEYS) is None


@settings(max_examples=8, deadline=None)
@given(up=st.floats(0.0, 3.0), rd=st.floats(0.0, 0.3), intake=st.floats(0.0, 3.0), start=st.integers(2014, 2017))
def test_any_lever_values_leave_the_years_before_the_policy_start_bit_identical(up, rd, intake, start):
    base = simulate_xinyi(_model(policy_year=start), 1, 8, 3)
    other = simulate_xinyi(_model({"tech_upgrade_support": up, "rd_incentive_drift": rd, "xinyi_project_intake": intake}, policy_year=start), 1, 8, 3)
    before = start - int(YEARS[0])
    for k in KEYS:
        np.testing.assert_array_equal(base[k][:, :before], other[k][:, :before])
    # from 2015 on R&D shares carry the incentive (the base year's are the panel's)
    if rd > 1e-6 and start <= 2017:
        assert (other["rd_share"][:, max(before, 1):] > base["rd_share"][:, max(before, 1):]).all()


def test_sensitivity_and_goal_seek_contexts_carry_the_xinyi_levers():
    from model.design_points import context_at

    from tests._shared import context

    ctx = context("baseline")
    assert ctx.xinyi is not None and ctx.xinyi.levers["tech_upgrade_support"] == 1.0
    moved = context_at(ctx, {"tech_upgrade_support": 2.0, "xinyi_project_intake": 0.5})
    assert moved.xinyi.levers == {"tech_upgrade_support": 2.0, "rd_incentive_drift": 0.0, "xinyi_project_intake": 0.5}
    assert moved.xinyi.policy_year == 2015 and moved.xinyi.panel is ctx.xinyi.panel  # document 004: from 2015


def test_no_lever_acts_on_2014_the_year_before_document_004():
    """A scenario whose policy starts in 2014 still leaves Xinyi's 2014 alone: the plan dates from 2015."""
    assert _model(policy_year=2014).policy_year == 2015
    base = simulate_xinyi(_model(policy_year=2014), 0, 40, 5)
    push = simulate_xinyi(_model({"tech_upgrade_support": 2.0, "rd_incentive_drift": 0.1, "xinyi_project_intake": 2.0}, policy_year=2014), 0, 40, 5)
    for k in KEYS:
        np.testing.assert_array_equal(base[k][:, 0], push[k][:, 0])
    assert (push["investment"][:, 1] > base["investment"][:, 1]).mean() > 0.9


def test_the_assumed_start_scales_the_2014_levels_and_every_target_says_what_it_rests_on():
    from model.xinyi import ASSUMED_PLAN_GROWTH, basis, with_level_factor

    m = _model()
    base = simulate_xinyi(m, 0, 400, 11)
    high = simulate_xinyi(with_level_factor(m, ASSUMED_PLAN_GROWTH), 0, 400, 11)
    # projects' spend is linear in the intake: 2014 investment at the 2015 plan (105) rather than 105 / 1.15
    assert high["investment"][:, 0].mean() == pytest.approx(105.0, rel=0.08)
    assert base["investment"][:, 0].mean() == pytest.approx(105.0 / ASSUMED_PLAN_GROWTH, rel=0.08)
    assert basis("investment").startswith("no data") and basis("rd_share").startswith("anchored")
