"""Reward schedules: steps are paid once, the first year revenue exceeds them."""

import numpy as np
import pytest

from model.catalogue import load_fiscal_schedules
from model.fiscal import CompiledSchedule, cumulative_table, paid, reward_due, yearly_cost


@pytest.fixture(scope="module")
def enterprise_schedule():
    return next(s for s in load_fiscal_schedules() if s.id == "GZ-REWARD-ENTERPRISE")


def test_cumulative_table_matches_the_decree(enterprise_schedule):
    # 5万 at 5亿, 10万 at 10亿, then 10万 for every further 10亿.
    at, cum = cumulative_table(enterprise_schedule)
    assert list(at[:4]) == [5.0, 10.0, 20.0, 30.0]
    assert list(cum[:4]) == [5.0, 15.0, 25.0, 35.0]
    assert paid((at, cum), np.array([4.9, 5.0, 19.99, 25.0])).tolist() == [0.0, 5.0, 15.0, 25.0]


def test_yearly_cost_pays_each_step_once(enterprise_schedule):
    # One firm, peak 8亿 in history; path: 25, 18 (fall: nothing), 31 (only the 30 step is new).
    c = CompiledSchedule(enterprise_schedule, "enterprise", np.array([0]), np.array([8.0]))
    cost = yearly_cost(c, np.array([[[25.0, 18.0, 31.0]]]))
    assert cost.tolist() == [[20.0, 0.0, 10.0]]


def test_yearly_cost_agrees_with_reward_due_on_random_paths(enterprise_schedule):
    rng = np.random.default_rng(3)
    values = rng.lognormal(2.5, 0.6, size=(50, 7, 5))
    peak = rng.uniform(0, 15, size=7)
    c = CompiledSchedule(enterprise_schedule, "enterprise", np.arange(7), peak)
    cost = yearly_cost(c, values)
    expected = np.zeros((50, 5))
    for p in range(50):
        for e in range(7):
            prev = peak[e]
            for t in range(5):
                expected[p, t] += reward_due(enterprise_schedule, prev, values[p, e, t])
                prev = max(prev, values[p, e, t])
    np.testing.assert_allclose(cost, expected)


def test_schedules_not_evaluable_in_the_catalogue_are_not_costed():
    """The catalogue's own evaluable flag decides; compile_schedules keeps its why_not."""
    from _shared import hierarchy, panel

    from model.fiscal import compile_schedules

    catalogue = {s.id: s for s in load_fiscal_schedules()}
    compiled = {c.schedule.id: c for c in compile_schedules(panel(), hierarchy())}
    assert set(compiled) == set(catalogue)
    for sid, c in compiled.items():
        assert c.evaluable == catalogue[sid].evaluable, sid
        if c.evaluable:
            assert len(c.index) > 0 and c.why_not == "", sid
        else:
            assert len(c.index) == 0 and c.why_not == catalogue[sid].why_not, sid
    assert not compiled["GZ-REWARD-COUNTY"].evaluable
