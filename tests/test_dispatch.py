"""Monthly dispatch tables (月调度表): located errors, units, revisions flagged."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from model.dispatch import load_dispatch
from model.errors import DataError

HEADER = "企业名称,园区,年份,月份,本月主营业务收入,累计主营业务收入,同比增长,单位,数据类型"


@pytest.fixture(scope="module")
def firm(embedded_panel):
    """A firm of the embedded panel with a park, and the park's name."""
    ents = embedded_panel.enterprises
    eid = ents.index[(ents["park"] != "") & ~ents["name"].duplicated(keep=False)][0]
    return ents.at[eid, "name"], embedded_panel.parks.at[ents.at[eid, "park"], "name"], eid


def _table(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "dispatch.csv"
    path.write_text("\n".join([HEADER] + rows) + "\n", encoding="utf-8")
    return path


def _rows(name, park, cums, months=None, unit="万元"):
    months = months or list(range(1, len(cums) + 1))
    prev = dict(zip(months, [0] + cums[:-1]))
    return [f"{name},{park},2014,{m},{c - prev[m]},{c},,{unit},synthetic" for m, c in zip(months, cums)]


def test_good_table_converts_wan_to_yi(tmp_path, embedded_panel, firm):
    name, park, eid = firm
    d = load_dispatch(_table(tmp_path, _rows(name, park, [10000, 25000, 40000])), embedded_panel, year=2014)
    assert d.last_month(2014) == 3 and d.cum(eid, 2014, 3) == pytest.approx(4.0) and d.flags == ()
    assert list(d.ytd(2014)["cum"]) == [4.0]


def test_falling_cumulative_is_rejected_and_named(tmp_path, embedded_panel, firm):
    name, park, eid = firm
    path = _table(tmp_path, [f"{name},{park},2014,{m},,{c},,万元,synthetic" for m, c in ((1, 10000), (2, 25000), (3, 24000))])
    with pytest.raises(DataError) as exc:
        load_dispatch(path, embedded_panel, year=2014)
    msg = str(exc.value)
    assert f"{path}, row 4, column '累计主营业务收入': got 2.4" in msg
    assert "does not fall" in msg and eid in msg and "row 3" in msg


def test_month_missing_and_out_of_order(tmp_path, embedded_panel, firm):
    name, park, _ = firm
    with pytest.raises(DataError, match=r"row 3, column '月份'.*missing month\(s\) \[2\]"):
        load_dispatch(_table(tmp_path, _rows(name, park, [10000, 30000], months=[1, 3])), embedded_panel, year=2014)
    rows = _rows(name, park, [10000, 20000, 30000])
    with pytest.raises(DataError, match=r"row 4, column '月份': got 2; expected months in order"):
        load_dispatch(_table(tmp_path, [rows[0], rows[2], rows[1]]), embedded_panel, year=2014)


def test_second_row_for_a_month_is_a_revision_refused(tmp_path, embedded_panel, firm):
    name, park, _ = firm
    rows = _rows(name, park, [10000, 20000]) + [f"{name},{park},2014,2,10500,20500,,万元,synthetic"]
    with pytest.raises(DataError, match=r"row 4, column '月份'.*row 3 already gives 2.0000 亿元: a revision of month 2"):
        load_dispatch(_table(tmp_path, rows), embedded_panel, year=2014)


def test_revision_inside_the_cumulative_is_flagged(tmp_path, embedded_panel, firm):
    name, park, _ = firm
    rows = [f"{name},{park},2014,1,10000,10000,,万元,synthetic", f"{name},{park},2014,2,10000,21000,,万元,synthetic"]
    d = load_dispatch(_table(tmp_path, rows), embedded_panel, year=2014)
    assert len(d.flags) == 1 and "row 3" in d.flags[0] and "revised by +0.1000" in d.flags[0]
    assert d.cum(d.rows["entity"][0], 2014, 2) == pytest.approx(2.1)  # the latest 累计 is used


def test_unknown_entity_cluster_row_and_wrong_year(tmp_path, embedded_panel, firm):
    name, park, _ = firm
    cluster = embedded_panel.clusters["name"].iloc[0]
    rows = ["不存在的企业,,2014,1,1,1,,万元,synthetic", f"{cluster},,2014,1,1,1,,万元,synthetic", f"{name},{park},2013,1,1,1,,万元,synthetic"]
    with pytest.raises(DataError) as exc:
        load_dispatch(_table(tmp_path, rows), embedded_panel, year=2014)
    msg = str(exc.value)
    assert "row 2, column '企业名称': got '不存在的企业'" in msg
    assert "row 3, column '企业名称'" in msg and "an enterprise or a park" in msg
    assert "row 4, column '年份': got 2013; expected a year within 2014-2014" in msg


def test_yoy_checked_against_the_history(tmp_path, embedded_panel):
    from model.data import default_data_dir

    history = load_dispatch(default_data_dir() / "monthly" / "history.csv", embedded_panel)
    eid = "E.JCC"
    before = history.cum(eid, 2013, 1)
    now = round(before * 1.10 * 1e4)
    header = "主体代码,年份,月份,累计主营业务收入,同比增长,单位,数据类型"
    ok = tmp_path / "ok.csv"
    ok.write_text(f"{header}\n{eid},2014,1,{now},10.0,万元,synthetic\n", encoding="utf-8")
    assert load_dispatch(ok, embedded_panel, year=2014, history=history).rows["yoy"][0] == 10.0
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{header}\n{eid},2014,1,{now},15.0,万元,synthetic\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad.csv, row 2, column '同比增长': got 15.0; expected the growth over 2013's January-month 1 figure of 'E.JCC'.*10.0 %"):
        load_dispatch(bad, embedded_panel, year=2014, history=history)


def test_xlsx_reads_like_csv(tmp_path, embedded_panel, firm):
    openpyxl = pytest.importorskip("openpyxl")
    name, park, eid = firm
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "月调度表"
    for line in [HEADER] + _rows(name, park, [10000, 25000]):
        sheet.append([int(c) if c.isdigit() else c for c in line.split(",")])
    book.save(tmp_path / "t.xlsx")
    d = load_dispatch(tmp_path / "t.xlsx", embedded_panel, year=2014)
    assert d.cum(eid, 2014, 2) == pytest.approx(2.5) and "[sheet 月调度表]" in d.label


def test_embedded_tables_are_valid_and_illustrative(embedded_panel):
    from model.data import default_data_dir

    folder = default_data_dir() / "monthly"
    history = load_dispatch(folder / "history.csv", embedded_panel)
    current = load_dispatch(folder / "2014-06.csv", embedded_panel, year=2014, history=history)
    assert history.years == [2010, 2011, 2012, 2013] and current.last_month(2014) == 6
    assert history.illustrative and current.illustrative and current.flags == ()
    # December's figure is the annual value of revenue.csv
    dec = history.rows[history.rows["month"] == 12]
    annual = np.array([embedded_panel.revenue.at[e, y] for e, y in zip(dec["entity"], dec["year"])])
    assert np.allclose(dec["cum"], annual, rtol=1e-9)
