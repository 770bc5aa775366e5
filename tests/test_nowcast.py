"""Nowcast from year-to-date figures: known answers, narrowing with months, coherence, backtest coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model.data import default_data_dir
from model.dispatch import Dispatch, load_dispatch
from model.nowcast import build_nowcast, nowcast_table
from model.nowcast_backtest import backtest_nowcast
from model.seasonality import estimate_pattern


@pytest.fixture(scope="module")
def history(embedded_panel) -> Dispatch:
    return load_dispatch(default_data_dir() / "monthly" / "history.csv", embedded_panel)


@pytest.fixture(scope="module")
def pattern(history, embedded_panel):
    return estimate_pattern(history, embedded_panel)


def _current(entity: str, kind: str, cums: list[float]) -> Dispatch:
    rows = pd.DataFrame({"entity": entity, "kind": kind, "year": 2014, "month": range(1, len(cums) + 1), "cum": cums,
                         "month_value": np.nan, "yoy": np.nan, "provenance": "synthetic", "row": range(2, len(cums) + 2), "file": "t.csv"})
    return Dispatch(rows, "t.csv")


def test_average_pattern_nowcasts_the_true_total(pattern, embedded_panel):
    truth = 123.0
    shares = np.exp(pattern.kinds["enterprise"].mean)  # a year exactly on the historical average
    for month in (1, 6, 11):
        nc = build_nowcast(_current("E.JCC", "enterprise", list(truth * shares[:month])), pattern, embedded_panel, 2014)
        assert np.exp(nc.log_centre()[0]) == pytest.approx(truth, rel=1e-12)
        assert nowcast_table(nc, n=20000)["median"][0] == pytest.approx(truth, rel=0.005)


def test_more_months_narrow_the_nowcast(pattern, embedded_panel):
    shares = np.exp(pattern.kinds["enterprise"].mean)
    widths = []
    for month in range(1, 13):
        t = nowcast_table(build_nowcast(_current("E.JCC", "enterprise", list(100 * shares[:month])), pattern, embedded_panel, 2014), n=20000)
        widths.append(float(np.log(t["p90"][0] / t["p10"][0])))
    assert all(b < a for a, b in zip(widths, widths[1:])), widths
    assert widths[-1] == pytest.approx(0.0, abs=1e-9)  # December's cumulative figure is the year


def test_pattern_comes_from_the_history(pattern, history):
    e = pattern.kinds["enterprise"]
    assert pattern.years == (2010, 2011, 2012, 2013) and "illustrative monthly history" in pattern.source
    assert e.mean[-1] == 0.0 and e.sd_year[-1] == 0.0 and np.all(np.diff(e.mean) > 0)
    # December-to-date share is 1; the June share of the generator's weights (sum of the first six) is near 0.47
    assert np.exp(e.mean[5]) == pytest.approx(0.467, abs=0.01)


def test_park_nowcast_is_members_plus_remainder(history, pattern, embedded_panel):
    current = load_dispatch(default_data_dir() / "monthly" / "2014-06.csv", embedded_panel, year=2014, history=history)
    nc = build_nowcast(current, pattern, embedded_panel, 2014)
    park = next(u for u in nc.units if u.kind == "remainder" and u.members)
    draws = nc.draw(np.random.default_rng(1), 500)
    cols = {u.entity if u.kind == "enterprise" else f"{u.entity}#rest": k for k, u in enumerate(nc.units)}
    table = nowcast_table(nc, n=500, seed=0)
    total = draws[:, cols[f"{park.entity}#rest"]] + draws[:, [cols[m] for m in park.members]].sum(axis=1)
    ytd = current.ytd(2014).set_index("entity")["cum"]
    assert table.set_index("entity").at[park.entity, "ytd"] == pytest.approx(ytd[park.entity])
    assert np.all(total > draws[:, cols[f"{park.entity}#rest"]])


def test_backtest_reports_interval_coverage(history, embedded_panel):
    report = backtest_nowcast(history, embedded_panel, months=(3, 6, 9))
    assert report["years"] == [2010, 2011, 2012, 2013] and report["illustrative"]
    errs = [report["by_month"][m]["mean_abs_log_error"] for m in (3, 6, 9)]
    assert errs[0] > errs[1] > errs[2]  # more months, smaller errors
    for m in (3, 6, 9):
        cover = report["by_month"][m]
        # measured 0.85-0.86 / 0.99-1.00 (conservative: 3 training years give the year effect a t law with 2 df)
        assert 0.75 <= cover["cover80"] <= 0.95 and 0.90 <= cover["cover95"] <= 1.0, cover
