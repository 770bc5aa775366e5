"""Terminal tables: widths, evaluable rows, and not-evaluable targets grouped by reason."""

from __future__ import annotations

from model.display import _id_list, pad, run_table, width


def _target(tid: str, evaluable: bool, why: str = "", p: float = 0.5, se: float = 0.01) -> dict:
    return {"id": tid, "title_zh": "标题", "title_en": "title", "year": int(tid[-4:]), "at_least": 10.0,
            "evaluable": evaluable, "why_not": why, "probability": p, "se": se,
            "quantiles": {"q10": 5.0, "q50": 9.0, "q90": 14.0}}


def _summary(targets: list[dict]) -> dict:
    return {"scenario": "s", "description": "描述", "description_en": "d", "n_paths": 100, "seed": 1,
            "years": [2014, 2025], "calibration": "stored", "illustrative_data": True, "targets": targets, "fiscal": []}


def test_width_counts_cjk_double_and_pad_truncates():
    assert width("赣州ab") == 6
    assert pad("赣州市规模以上工业", 9) == "赣州市规…"
    assert width(pad("ab", 5)) == 5


def test_yearly_series_collapse_and_others_stay():
    ids = ["GZ-T-2014", "GZ-T-2015", "GZ-T-2016", "GZ-T-2018", "JX-A-2015", "NOYEAR"]
    assert _id_list(ids) == "GZ-T-2014…2016, GZ-T-2018, JX-A-2015, NOYEAR"


def test_not_evaluable_targets_are_grouped_by_reason_after_the_evaluable_ones():
    text = run_table(_summary([
        _target("A-2015", False, "no data"), _target("B-2015", True), _target("C-2016", False, "no data"),
        _target("D-2015", False, "a designation"),
    ]))
    lines = text.splitlines()
    assert any(line.startswith("B-2015") and "0.500 ± 0.010" in line for line in lines)
    assert "  A-2015, C-2016: no data" in lines
    assert "  D-2015: a designation" in lines
    assert lines.index("  A-2015, C-2016: no data") > next(i for i, line in enumerate(lines) if line.startswith("B-2015"))
    assert "无法评估的目标 3 项" in text and "示意性数据" in text


def test_tiny_monte_carlo_errors_keep_a_significant_digit():
    line = next(x for x in run_table(_summary([_target("A-2015", True, p=0.0005, se=0.0005 - 1e-9)])).splitlines() if x.startswith("A-2015"))
    assert "0.0005 ± 0.0005" in line


def test_the_provincial_list_is_shown_year_by_year():
    s = _summary([_target("X-2015", True)])
    s["pipeline"] = {"enabled": True, "provincial_list": {"programme": "jx_major", "length": 100, "years": [2014, 2015],
                     "mean": {"listed": [100.0, 99.5], "added": [1.0, 0.5], "new": [24.0, 23.0], "continuing": [50.0, 51.0],
                              "completing": [27.0, 26.0], "starts": [20.0, 19.5], "completions": [27.0, 26.0]}}}
    zh, en = run_table(s).splitlines(), run_table(s, "en").splitlines()
    assert any("百项" in line and "100" in line for line in zh)
    row = next(line for line in en if line.startswith("2015"))
    assert row.split() == ["2015", "99.5", "0.5", "23.0", "51.0", "26.0", "19.5", "26.0"]
    assert not any("百项" in line for line in run_table(_summary([_target("X-2015", True)])).splitlines())
