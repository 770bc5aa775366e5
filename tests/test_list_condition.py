"""A project dispatch table's state imposed on the simulated 百项 list (model/list_condition.py)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import lognorm

from model.pipeline.list_condition import condition_list
from model.pipeline import MILESTONES, Destinations, ListCondition, PipelineParams, provincial_list, simulate_pipeline

inf = np.inf


def _project(signed, *later):
    t = [signed, *later]
    return t + [inf] * (len(MILESTONES) - len(t))


# months since the start of the first year; milestones 0..10, 7 = 开工, 8 = 竣工, 9 = 投产
ROWS = {
    "A": _project(-40, -38, -37, -30, -29, -27, -26, -25, -2, 5, 20),    # producing in month 5 (June)
    "H": _project(-50, -48, -47, -40, -39, -37, -36, -20, 6, 9, 30),     # producing in September
    "C": _project(-15, -12, -11, -6, -5, -3, 2, 4, 40, 43, 60),          # funded in March, starts in May
    "B": _project(-30, -28, -27, -20, -19, -17, -16, -10, 30, 33, 50),   # producing in the third year
    "J": _project(-20, -18, -17, -10, -9, -7, -6, 10, 40, 43, 60),       # funded, starts in November
    "G": _project(2, 3, 3.5, 4, 4.5, 5, 6, 8, 40, 43, 60),               # signed after the selection, added in September
}
NAMES = list(ROWS)
LAWS = {"start_prep": (2.0, 0.5), "commissioning": (3.0, 0.5)}


def _late(elapsed, drawn, law):
    """The duration's own quantile, rescaled to [0, 1), read in its tail beyond ``elapsed`` (scipy's lognormal)."""
    dist = lognorm(s=law[1], scale=law[0])
    return dist.ppf(dist.cdf(elapsed) + dist.cdf(drawn) / dist.cdf(elapsed) * dist.sf(elapsed))


def test_late_durations_follow_the_truncated_law():
    """Draws that ended before ``elapsed`` become draws of the lognormal beyond it (quantiles match scipy)."""
    from model.pipeline.list_condition import _pending

    law, elapsed = LAWS["commissioning"], 4.0
    dist = lognorm(s=law[1], scale=law[0])
    drawn = dist.ppf(np.random.default_rng(3).random(200_000) * dist.cdf(elapsed))  # every draw ends before 4 months
    late = _pending(np.full_like(drawn, elapsed), drawn, law)
    for q in (0.1, 0.5, 0.9):
        assert np.quantile(late, q) == pytest.approx(dist.ppf(dist.cdf(elapsed) + q * dist.sf(elapsed)), rel=0.01), q
    assert _pending(np.array([elapsed]), np.array([6.0]), law)[0] == pytest.approx(6.0, rel=1e-9)  # a draw already beyond stands


def _run(cond: ListCondition | None, years: int = 3):
    times = np.array(list(ROWS.values()), float)[None]
    abandon, stage = np.full((1, len(ROWS)), inf), np.full((1, len(ROWS)), -1, np.int8)
    valid = np.ones((1, len(ROWS)), bool)
    con = np.nan_to_num(times[..., 8] - times[..., 7], nan=30.0)
    if cond is None:
        return times, provincial_list(times, abandon, valid, con, years, 10, 0.0)
    M, at, con2, rep = condition_list(times, abandon, stage, con, valid, con, 10, 0.0, inf, cond, LAWS)
    return M, provincial_list(M, at, valid, con2, years, 10, 0.0, reported=rep)


def _counts(out, y=0):
    return {k: int(v[0, y]) for k, v in out.items()}


def test_reported_completions_are_the_most_advanced_projects_at_the_reported_dates():
    plain_t, plain = _run(None)
    assert (_counts(plain)["starts"], _counts(plain)["completions"], _counts(plain, 2)["completions"]) == (3, 2, 1)
    # three 投产 by June: A and H (due this year) and B (due in year 3), the most advanced, at the reported dates
    M, out = _run(ListCondition(0, 6, producing_months=(4.5, 1.5, 3.5)))
    t9 = dict(zip(NAMES, M[0, :, 9]))
    assert (t9["A"], t9["H"], t9["B"]) == (1.5, 3.5, 4.5)
    # the whole construction chain moves: construction, commissioning and ramp-up last as long as before,
    # except where the start would come before the signing (B: signed at −30, its start moved from −10 to −38.5)
    np.testing.assert_array_equal(np.diff(M[0, :, 7:11], axis=-1)[[0, 1]], np.diff(plain_t[0, :, 7:11], axis=-1)[[0, 1]])
    b = NAMES.index("B")
    assert M[0, b, 7] == -30.0 and M[0, b, 8] == 30 - 28.5 and M[0, b, 10] - M[0, b, 8] == 20
    c = _counts(out)
    # no double counting: 3 reported, no other listed project due in the rest of the year; C's start (May) was not reported
    assert c["completions"] == 3 and c["completing"] == 3
    # C's start (May) is late: funded at 2, its preparation (drawn 2 months) lasts beyond June's end, 4 months
    c7 = 2 + _late(4.0, 2.0, LAWS["start_prep"])
    assert M[0, NAMES.index("C"), 7] == pytest.approx(c7, rel=1e-9) and 6 < c7 < 12 and t9["C"] == pytest.approx(43 + c7 - 4, rel=1e-9)
    assert c["starts"] == 3  # C after June, G and J as simulated
    # B produced in year 1, so it does not produce again in year 3
    assert _counts(out, 2)["completions"] == 0
    assert c["new"] + c["continuing"] + c["completing"] == c["listed"] + c["added"]


def test_a_project_the_table_does_not_report_producing_is_late():
    plain_t, _ = _run(None)
    M, out = _run(ListCondition(0, 6, start_months=(3.5,)))
    # A was due in month 5 (built at −2, commissioning drawn 7 months): nothing is reported producing by June,
    # so its commissioning lasts beyond 8 months; its construction does not move, its ramp-up follows
    a = NAMES.index("A")
    a9 = -2 + _late(8.0, 7.0, LAWS["commissioning"])
    assert M[0, a, 9] == pytest.approx(a9, rel=1e-9) and M[0, a, 10] == pytest.approx(a9 + 15, rel=1e-9)
    np.testing.assert_array_equal(M[0, a, :9], plain_t[0, a, :9])
    assert 12 < a9 < 24  # in the lognormal's tail beyond 8 months A's high draw lands in the next year
    assert _counts(out)["completions"] == 1  # H only
    assert _counts(out, 1)["completions"] >= 1  # A produces in the next year


def test_a_reported_start_is_a_listed_project_that_does_not_start_again():
    # two 开工 by June: C (May) and the next start due, J (November), brought forward to the latest reported date
    M, out = _run(ListCondition(0, 6, start_months=(2.0, 5.0)))
    t7 = dict(zip(NAMES, M[0, :, 7]))
    assert (t7["C"], t7["J"], t7["G"]) == (4.0, 5.0, 8.0)
    # the year's starts are C, J (once, in May) and G: 3 as without the table, not 2 reported + J + G
    assert _counts(out)["starts"] == 3
    # more starts reported than the list has projects left to start: counted as reported, with no simulated project
    M, out = _run(ListCondition(0, 6, start_months=(0.5, 1.5, 2.5, 3.5, 4.5)))
    assert _counts(out)["starts"] == 5 + 1  # C, J and three unmatched by June; G in September


def test_the_condition_rejects_dates_outside_the_reported_months():
    with pytest.raises(ValueError, match="month 1-12"):
        ListCondition(0, 13)
    with pytest.raises(ValueError, match=r"\[0, month\)"):
        ListCondition(0, 6, producing_months=(6.5,))
    assert ListCondition(0, 6, (1.0, 2.0), (3.0,)).starts == 2


def test_a_simulated_pipeline_holds_the_reported_state_and_depletes_the_stock():
    p = PipelineParams.from_levers({})
    d = Destinations.synthetic()
    done = tuple(np.linspace(0.1, 5.9, 50))
    started = tuple(np.linspace(0.2, 5.8, 25))
    plain = simulate_pipeline(p, d, 30, 3, 5, keep_timeline=True)
    cond = simulate_pipeline(p, d, 30, 3, 5, keep_timeline=True, list_condition=ListCondition(0, 6, started, done))
    a, b = plain.provincial_list["jx_major"], cond.provincial_list["jx_major"]
    assert cond.states_ok
    # every path has the 50 reported completions, and each is one of the programme's own (no count on top of the stock)
    assert (b["completions"][:, 0] >= 50).all()
    assert (b["completions"][:, 0] <= cond.completions["jx_major"][:, 0]).all()
    # every start counted is a listed project's one start (a listed project starting in the year is new or completing)
    assert (b["starts"][:, 0] >= 25).all() and (b["starts"][:, 0] <= b["new"][:, 0] + b["completing"][:, 0]).all()
    # the projects brought forward are missing later: next year's completions fall, over the years no project is gained or lost
    assert b["completions"][:, 1].sum() < 0.5 * a["completions"][:, 1].sum()
    Mp, Mc = plain.timeline.times, cond.timeline.times
    np.testing.assert_array_equal(np.isfinite(Mp[..., 9]), np.isfinite(Mc[..., 9]))
    assert ((Mc[..., 9] >= 0) & (Mc[..., 9] < 6)).sum(1).min() >= 50
    # the producing projects' revenue moves with them; the other programme's does not
    assert not np.array_equal(plain.revenue_to_existing, cond.revenue_to_existing)
    np.testing.assert_array_equal(plain.completions["gz_1yi"], cond.completions["gz_1yi"])
