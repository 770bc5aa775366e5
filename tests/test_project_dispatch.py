"""项目调度表 (attain run --ytd-projects): located errors, the reported counts, and a run that never unreports them."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from model.cli import main
from model.data import default_data_dir
from model.engine import run_blocks
from model.errors import DataError
from model.project_dispatch import load_project_dispatch
from model.ytd_update import compare_runs, prepare_projects

from tests._shared import context

SHIPPED = default_data_dir() / "monthly" / "2014-06-projects.csv"
HEAD = "项目编号,项目名称,总投资,年初至报告期完成投资,形象进度,开工日期,竣工日期,投产日期,报告期,单位,数据类型"


def _write(tmp_path, lines, name="p.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEAD] + lines) + "\n", encoding="utf-8")
    return path


def test_the_shipped_table_is_illustrative_and_counts_its_own_dates():
    d = load_project_dispatch(SHIPPED, year=2014)
    raw = pd.read_csv(SHIPPED, dtype=str).fillna("")
    assert d.illustrative and (d.year, d.month) == (2014, 6) and len(d.rows) == len(raw)
    # counted straight from the file: 2014 开工 and 投产 dates (all up to June)
    assert d.starts == int(raw["开工日期"].str.startswith("2014-").sum()) > 0
    assert d.completions == int(raw["投产日期"].str.startswith("2014-").sum()) > 0
    assert (raw["报告期"] == "2014-06").all() and set(raw["数据类型"]) == {"synthetic"}
    # 万元 in the file, 亿元 inside
    assert d.summary()["invest_ytd"] == pytest.approx(raw["年初至报告期完成投资"].astype(float).sum() / 1e4)


def test_every_problem_is_located(tmp_path):
    path = _write(tmp_path, [
        "P1,甲项目,200000,50000,在建,2014-05,2014-03,,2014-06,万元,synthetic",    # row 2: 竣工 before 开工 (and 在建 with a 竣工 date)
        "P2,乙项目,200000,50000,在建,2014-08-01,,,2014-06,万元,synthetic",        # row 3: 开工 after the report month
        "P3,丙项目,200000,-5,在建,2014-02,,,2014-06,万元,synthetic",                # row 4: negative investment
        "P4,丁项目,200000,300000,在建,2014-02,,,2014-06,万元,synthetic",            # row 5: more than 总投资
        "P5,戊项目,200000,0,快完了,2013-02,,,2014-06,万元,synthetic",               # row 6: unknown status word
        "P1,己项目,200000,0,前期,,,,2014-06,万元,synthetic",                        # row 7: 项目编号 P1 again
        "P7,甲项目,200000,0,前期,,,,2014-06,万元,synthetic",                        # row 8: 项目名称 甲项目 again
        "P8,庚项目,200000,0,投产,2013-01,2014-01,,2014-06,万元,synthetic",          # row 9: 投产 without its date
        "P9,辛项目,200000,0,前期,,,,2014-05,万元,synthetic",                        # row 10: another report month
        "P10,壬项目,200000,0,在建,2014-13,,,2014-06,万元,synthetic",                # row 11: not a date
    ])
    with pytest.raises(DataError) as err:
        load_project_dispatch(path, year=2014)
    text = str(err.value)
    f = str(path)
    for where in (f"{f}, row 2, column '竣工日期': got '2014-03'",
                  f"{f}, row 3, column '开工日期': got '2014-08-01'; expected a date up to the report month 2014-06",
                  f"{f}, row 4, column '年初至报告期完成投资': got '-5'",
                  f"{f}, row 5, column '年初至报告期完成投资': got '300000'; expected at most the project's 总投资",
                  f"{f}, row 6, column '形象进度': got '快完了'",
                  f"{f}, row 7, column '项目编号': got 'P1'; expected one row per project: row 2",
                  f"{f}, row 8, column '项目名称': got '甲项目'; expected one row per project: row 2",
                  f"{f}, row 9, column '投产日期': got ''",
                  f"{f}, row 10, column '报告期': got '2014-05'",
                  f"{f}, row 11, column '开工日期': got '2014-13'"):
        assert where in text, where
    assert "开工 → 竣工 → 投产" in text and "在建" in text  # the expectation is spelled out, and the accepted words listed


def test_a_table_of_another_year_is_refused(tmp_path):
    path = _write(tmp_path, ["P1,甲项目,200000,0,前期,,,,2015-06,万元,synthetic"])
    with pytest.raises(DataError, match=r"row 2, column '报告期': got '2015-06'; expected a month of 2014"):
        load_project_dispatch(path, year=2014)


def test_small_and_earlier_producing_projects_are_flagged_not_counted(tmp_path):
    path = _write(tmp_path, ["P1,甲项目,50000,0,在建,2014-02,,,2014-06,万元,synthetic",
                             "P2,乙项目,200000,0,投产,2011-01,2013-05,2013-08,2014-06,万元,synthetic"])
    d = load_project_dispatch(path, year=2014)
    assert (d.starts, d.completions) == (1, 0)
    assert any("row 2" in f and "10亿" in f for f in d.flags) and any("row 3" in f and "before 2014" in f for f in d.flags)


def _done_table(tmp_path, n_done: int):
    """``n_done`` projects reported producing by June 2014 (started in 2012: no 2014 start)."""
    lines = [f"D{k},项目{k},200000,1000,投产,2012-03,2014-0{1 + k % 5},2014-0{1 + k % 5}-20,2014-06,万元,synthetic" for k in range(n_done)]
    return _write(tmp_path, lines, "done.csv")


def test_a_project_reported_complete_is_never_simulated_as_incomplete(tmp_path):
    ctx = context("baseline")
    projects = prepare_projects(ctx, _done_table(tmp_path, 50))
    cond = projects.condition()
    assert (cond.starts, cond.completions) == (0, 50) and sorted(cond.producing_months)[:2] == [19.5 / 31, 19.5 / 31]
    before = run_blocks(ctx, 125, 11)
    after = run_blocks(dataclasses.replace(ctx, ytd_projects=cond), 125, 11)
    done_b, done_a = before.stack("values", "JX-MAJOR-DONE-2014"), after.stack("values", "JX-MAJOR-DONE-2014")
    # every path has at least the 50 reported completions: the target (≥ 50) is certain
    assert (done_a >= 50).all() and (done_b < 50).mean() > 0.9
    # they are the path's own projects, brought forward, not 50 on top of the simulated year: the rest of the year
    # adds only what lies beyond the 50 most advanced (the old floor gave a median of 63)
    assert np.median(done_a) <= 52
    # and they do not produce again: the next year's list completes far fewer
    done15_b, done15_a = before.stack("values", "JX-MAJOR-DONE-2015"), after.stack("values", "JX-MAJOR-DONE-2015")
    assert np.median(done15_a) < 0.5 * np.median(done15_b)
    rows = {r["id"]: r for r in compare_runs(before, after, None, projects)["targets"]}
    assert rows["JX-MAJOR-DONE-2014"]["p_after"] == 1.0 and rows["JX-MAJOR-DONE-2014"]["reported"] == {"conditioned": True, "what": "completions", "reported": 50, "month": 6}
    assert not rows["JX-MAJOR-DONE-2015"]["reported"]["conditioned"] and not rows["GZ-1YI-DONE-2014"]["reported"]["conditioned"]


def test_cli_run_with_the_project_table(capsys, tmp_path):
    res = tmp_path / "res"
    assert main(["run", "baseline", "--ytd-projects", str(SHIPPED), "--paths", "100", "--no-structural", "--no-progress", "--json", "-", "-o", str(res)]) == 0
    out = json.loads(capsys.readouterr().out)
    inputs = json.loads((res / "manifest.json").read_text(encoding="utf-8"))["ytd_inputs"]
    assert [(f["role"], f["path"]) for f in inputs] == [("ytd_projects", str(SHIPPED))] and len(inputs[0]["sha256"]) == 64
    pr = out["ytd"]["projects"]
    assert pr["illustrative"] and pr["month"] == 6 and out["ytd"]["nowcast"] is None
    start = next(r for r in out["ytd"]["targets"] if r["id"] == "JX-MAJOR-START-2014")
    assert start["reported"]["reported"] == pr["starts"] and start["reported"]["conditioned"]
    assert main(["run", "baseline", "--ytd-projects", str(SHIPPED), "--paths", "100", "--no-structural", "--no-progress", "--lang", "en"]) == 0
    text = capsys.readouterr().out
    assert "conditioned:" in text and "not conditioned:" in text and "gz_1yi" in text
    bad = _write(tmp_path, ["P1,甲项目,200000,0,在建,2014-09,,,2014-06,万元,synthetic"])
    assert main(["run", "baseline", "--ytd-projects", str(bad), "--paths", "100", "--no-progress"]) == 2
    assert "row 2, column '开工日期'" in capsys.readouterr().err
