"""Issue 11 fixtures (tests/fixtures/bad/, built by tests/fixtures/make_bad.py): workbooks, Excel layouts,
scenarios and output paths. One message asserted per case; the dataset-level cases are in tests/test_data.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from model.cli import main
from model.data import load_dataset, load_revenue_table
from model.errors import DataError, ScenarioError
from model.scenario import load_scenario

BAD = Path(__file__).resolve().parent / "fixtures" / "bad"

# case -> (file in the case folder, keyword arguments of load_revenue_table, text the message must contain)
TABLE_ERRORS: dict[str, tuple[str, dict, str]] = {
    # class 4: every sheet is read or named
    "book_year_sheets_one_bad": ("revenue.xlsx", {}, "revenue.xlsx [sheet 2013], row 3, column 'value': got '七'"),
    "book_second_table_sheet": ("revenue.xlsx", {}, "sheets ['revenue (2)'] also hold a revenue table beside the sheet 'revenue', and would not be read"),
    "book_no_header_anywhere": ("revenue.xlsx", {}, "hint: read the sheet '说明'; the workbook also has ['数据']: choose one with --sheet NAME"),
    # class 5: the real cause of common Excel layouts
    "xl_title_row_unit": ("revenue.xlsx", {}, "row 1: got '单位:万元'; expected the header row (columns such as ['year', 'value', 'provenance']) as the first row; row 1 is a title row (the header is in row 2): delete the rows above the header; the unit in the title ('单位:万元') is not read: put '万元' in a 单位 column or pass --unit 万元"),
    "xl_title_row_two_cells": ("revenue.xlsx", {}, "row 1: got '2013年12月月调度表 单位：万元'; expected the header row"),
    "xl_merged_names": ("revenue.xlsx", {}, "row 3, column 'name': got ''; expected a value in every row: this cell lies in the merged range A2:A4, and Excel keeps a merged range's value only in its top cell (A2)"),
    "xl_formula_uncached": ("revenue.xlsx", {}, "row 3, column 'value': got '=E2+1'; expected a number, but the cell holds the formula '=E2+1' with no saved result"),
    "xl_yuan_sign": ("revenue.csv", {}, "row 2, column 'value': got '￥4,048,710.00'; expected a number without a currency sign: '￥' marks an amount in 元 (yuan), but revenue is given in 万元 or 亿元 (4,048,710.00 元 = 404.8710 万元)"),
    "xl_yuan_sign_xlsx": ("revenue.xlsx", {}, "got '¥7.00'; expected a number without a currency sign"),
}


@pytest.mark.parametrize("case", sorted(TABLE_ERRORS))
def test_bad_table_names_the_real_cause(case, good_panel):
    file, kwargs, text = TABLE_ERRORS[case]
    with pytest.raises(DataError) as excinfo:
        load_revenue_table(BAD / case / file, good_panel, **kwargs)
    message = str(excinfo.value)
    assert str(BAD / case / file) in message and text in message, message


def test_a_dataset_workbook_hint_does_not_suggest_the_refused_sheet_flag():
    with pytest.raises(DataError) as excinfo:
        load_dataset(BAD / "dataset_book_no_sheet_flag")
    assert "--sheet" not in str(excinfo.value)
    assert excinfo.value.hint == "read the sheet 'Sheet2'; the workbook also has ['Sheet1']: name the sheet holding the table 'revenue'"


@pytest.mark.parametrize("case, entity, value", [
    ("table_notes_first_sheet", "E2", 8.0),  # the notes sheet is named in a note, the 月调度表 sheet read
    ("xl_park_by_name", "P1", 27.0),  # a park's own row given by its registered name
    ("xl_park_column_by_name", "E2", 7.5),  # 所属园区 given by the park's name, not its id
])
def test_layouts_that_are_read(case, entity, value, good_panel):
    out = load_revenue_table(BAD / case / "revenue.xlsx", good_panel)
    assert out.revenue.at[entity, 2013] == value
    if case == "table_notes_first_sheet":
        assert f"{BAD / case / 'revenue.xlsx'}: read sheet(s) ['月调度表']; not read: ['说明'] (they hold no revenue header)" in out.notes


# --------------------------------------------------------------------------- class 6: scenarios


def test_scenario_saved_with_a_bom_is_read():
    scen = load_scenario(BAD / "scen_bom" / "scenario.toml")
    assert scen.levers["signed_per_year_jx_major"] == 60 and scen.get("scenario", "description") == "记事本保存的情景"


def test_a_bom_does_not_hide_the_line_of_a_real_error():
    with pytest.raises(ScenarioError, match=r"not valid TOML \(.*line 7"):
        load_scenario(BAD / "scen_bom_broken" / "scenario.toml")


def test_dataset_toml_passed_as_a_scenario():
    with pytest.raises(ScenarioError, match=r"dataset.toml: is a dataset description \(dataset.toml: name, first_year, last_year\), not a scenario; give a dataset folder with --data FOLDER"):
        load_scenario(BAD / "scen_dataset_toml" / "dataset.toml")


def test_levers_that_cannot_act_are_noted():
    scen = load_scenario(BAD / "scen_idle_levers" / "scenario.toml")
    assert any("[pipeline] enabled = false" in n and "cannot act: green_channel_approval_multiplier, signed_per_year_jx_major" in n for n in scen.notes)


def test_a_scenario_without_its_own_description_says_it_inherits():
    scen = load_scenario(BAD / "scen_no_description" / "scenario.toml")
    assert scen.get("scenario", "description") == "(无自己的描述;继承自 baseline)"
    assert scen.get("scenario", "description_en") == "(no description of its own; inherits from baseline)"


def test_organic_only_inherits_levers_without_a_note():
    # Its pipeline is off, but the levers it inherits were set in baseline.toml, before the switch.
    assert not [n for n in load_scenario("organic_only").notes if "cannot act" in n]


# --------------------------------------------------------------------------- class 3: output flags


@pytest.mark.parametrize("case, argv, text", [
    ("out_json_onto_scenario", ["run", "baseline", "--paths", "100", "--json", "{}/mine.toml"], "--json {}/mine.toml: the file exists and was not written by attain"),
    ("out_topdown_onto_notes", ["topdown", "--paths", "100", "--write", "{}/notes.md"], "--write {}/notes.md: the file exists and was not written by attain"),
    ("out_figures_onto_planner_png", ["calibrate", "--check", "--figures", "{}/figs"], "--figures {}/figs/growth_distribution.png: the file exists and was not written by attain"),
    ("out_bench_json_onto_csv", ["bench", "m4", "--sample", "10", "--json", "{}/data.csv"], "--json {}/data.csv: the file exists and was not written by attain"),
    ("out_data_check_into_dataset", ["data", "check", "{}/table.csv", "--data", "{}/mine", "-o", "{}/mine"], "-o {}/mine: the folder is not empty"),
])
def test_output_flags_never_replace_a_planners_file(case, argv, text, tmp_path, capsys):
    folder = tmp_path / case
    shutil.copytree(BAD / case, folder)
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert main([a.format(folder) for a in argv]) == 2
    assert text.format(folder) in capsys.readouterr().err
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before


def test_own_json_output_is_replaced_and_marked(tmp_path, capsys):
    js = tmp_path / "r.json"
    for _ in range(2):
        assert main(["run", "organic_only", "--paths", "100", "--no-progress", "--json", str(js)]) == 0
        assert capsys.readouterr().out.endswith(f"\nJSON written to {js}\n")  # where the file went, as -o says
    assert js.read_text(encoding="utf-8").startswith('{\n "tool": "attain"')


def test_a_checked_table_is_written_as_a_new_dataset_and_runs(tmp_path, capsys):
    folder = tmp_path / "case"
    shutil.copytree(BAD / "out_data_check_into_dataset", folder)
    new = tmp_path / "merged"
    assert main(["data", "check", str(folder / "table.csv"), "--data", str(folder / "mine"), "-o", str(new)]) == 0
    out = capsys.readouterr().out
    assert f"checked against: the dataset {folder / 'mine'}" in out and f"attain run baseline --data {new}" in out
    assert load_dataset(new).revenue.at["E2", 2013] == 7.5
    assert load_dataset(folder / "mine").revenue.at["E2", 2013] == 7.0  # the planner's dataset is untouched


# --------------------------------------------------------------------------- 30 more bad inputs (issue 11, "Done when")

BAD30_TABLES: dict[str, tuple[str, str]] = {
    "tbl_years_as_columns": ("revenue.csv", "row 1: got the years ['2011', '2012', '2013'] as columns (a wide table); expected one row per entity and year"),
    "tbl_monthly_given_as_annual": ("revenue.csv", "is that of a 月调度表 (月份, 累计主营业务收入); expected an annual revenue table (年份, 主营业务收入) — use this file with `attain nowcast TABLE` or `--ytd TABLE`"),
    "xl_year_date_formatted": ("revenue.xlsx", "row 2, column 'year': got '1905-07-05 00:00:00'; expected a year as a whole number, e.g. 2013; the cell is formatted as a date, so Excel shows the number 2013 as the date 1905-07-05"),
}


@pytest.mark.parametrize("case", sorted(BAD30_TABLES))
def test_annual_tables_of_another_layout_say_which(case, good_panel):
    file, text = BAD30_TABLES[case]
    with pytest.raises(DataError) as excinfo:
        load_revenue_table(BAD / case / file, good_panel)
    assert str(BAD / case / file) in str(excinfo.value) and text in str(excinfo.value), str(excinfo.value)


def test_monthly_table_in_yuan_labelled_wan_is_refused(good_panel):
    from model.dispatch import load_dispatch

    path = BAD / "ytd_yuan_as_wan" / "2014-03.csv"
    with pytest.raises(DataError) as excinfo:
        load_dispatch(path, good_panel, year=2014)
    assert (f"{path}, row 4, column '累计主营业务收入': got 17,400 亿元 for 'E2' in 2014-01 to 2014-03 (单位 万元): 9,943× 3/12 of its 2013 revenue (7 亿元 in the dataset)"
            in str(excinfo.value)), str(excinfo.value)
    assert "looks like 元 given as 万元 (10,000× too large)" in str(excinfo.value)


def test_monthly_table_blank_unit_is_named_once_per_row(good_panel):
    from model.dispatch import load_dispatch

    with pytest.raises(DataError) as excinfo:
        load_dispatch(BAD / "ytd_blank_unit" / "2014-03.csv", good_panel, year=2014)
    assert excinfo.value.total == 3 and [p.split(", column")[0].rsplit(", ", 1)[1] for p in excinfo.value.problems] == ["row 2", "row 3", "row 4"]


def test_project_table_given_as_the_monthly_table(good_panel):
    from model.dispatch import load_dispatch

    with pytest.raises(DataError, match=r"is that of a 项目调度表 \(项目名称, 形象进度, 报告期\); expected a 月调度表 \(月份, 累计主营业务收入\) — use this file with `--ytd-projects TABLE`"):
        load_dispatch(BAD / "ytd_projects_given_as_monthly" / "2014-06.csv", good_panel, year=2014)


@pytest.mark.parametrize("case, text", [
    ("prj_region_outside", "row 3, column '所属地区': got '上海市'; expected a region of the province whose 百项 list this is, by name or id (e.g. 乙市, 甲市) or empty"),
    ("prj_period_one_row_differs", "row 2, column '报告期': got '2014-07'; expected one report month for the whole table: 3 of 4 rows say 2014-06 (first: row 3)"),
    ("prj_serial_date", "row 2, column '开工日期': got '41071'; expected a date such as 2014-03, 2014-03-15, 2014年3月 or 2014年3月15日; 41071 looks like an Excel date serial number (2012-06-11)"),
])
def test_project_table_slips(case, text, good_panel):
    from model.project_dispatch import load_project_dispatch

    path = BAD / case / "projects.csv"
    with pytest.raises(DataError) as excinfo:
        load_project_dispatch(path, year=2014, regions=good_panel.regions)
    assert excinfo.value.total == 1 and f"{path}, {text}" in str(excinfo.value), str(excinfo.value)


def test_scenario_with_a_key_given_twice():
    with pytest.raises(ScenarioError, match=r"not valid TOML \(Cannot overwrite a value \(at line 8.*a key or a \[section\] is given twice"):
        load_scenario(BAD / "scen_duplicate_key" / "scenario.toml")


@pytest.mark.parametrize("tol", ["0", "-1"])
def test_goalseek_tolerance_that_never_ends_is_refused(tol, capsys):
    argv = ["goalseek", "baseline", "--target", "JX-PARK100-2015", "--prob", "0.5", "--lever", "green_channel_approval_multiplier", "--tol", tol]
    assert main(argv) == 2
    assert f"--tol {float(tol)}: expected a positive width of the final bracket" in capsys.readouterr().err


def test_seek_refuses_a_bracket_width_of_zero():
    import numpy as np

    from model.goalseek import seek

    with pytest.raises(ValueError, match="expected a positive bracket width"):
        seek(lambda x: (np.arange(100) / 100 < x).astype(float), 0.0, 1.0, 0.5, tol=0.0)


def test_sheet_flag_on_a_csv_is_not_ignored(good_panel):
    path = BAD / "out_data_check_into_dataset" / "table.csv"
    with pytest.raises(DataError, match=r"table.csv: --sheet 月调度表: a CSV file has no sheets; expected the workbook \(.xlsx\) the sheet belongs to, or no --sheet"):
        load_revenue_table(path, good_panel, sheet="月调度表")


def test_rows_hidden_by_an_excel_filter_are_read_and_named(good_panel):
    path = BAD / "xl_hidden_rows" / "revenue.xlsx"
    out = load_revenue_table(path, good_panel)
    assert out.revenue.at["E4", 2013] == 4.5
    assert f"{path} [sheet revenue]: row(s) 3 are hidden in Excel (筛选 or 隐藏) and were read like every other row; delete them if they must not count" in out.notes


@pytest.mark.parametrize("make, text", [
    (lambda p: None, "no such folder"),
    (lambda p: p.write_text("x", encoding="utf-8"), "a file, not a folder"),
    (lambda p: p.mkdir(), "not a result folder (no manifest.json)"),
])
def test_report_from_names_what_is_wrong_with_the_folder(make, text, tmp_path, capsys):
    folder = tmp_path / "res"
    make(folder)
    assert main(["report", "--from", str(folder), "--no-progress"]) == 2
    assert f"--from {folder}: {text}; expected a folder written by 'attain run -o DIR'" in capsys.readouterr().err
