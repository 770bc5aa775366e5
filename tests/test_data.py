"""Loading and validation: the good fixture loads exactly; every bad fixture fails with a located message."""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from model.data import load_dataset, load_revenue_table
from model.errors import DataError, ErrorLocation, raise_all

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# case -> (file named in the message, substrings the message must contain).
# Substrings name the row, the column, the bad value and the expectation.
DATASET_CASES: dict[str, tuple[str, list[str]]] = {
    "missing_id": ("regions.csv", ["row 4", "column 'id'", "got ''", "expected a non-empty id"]),
    "duplicate_id": ("parks.csv", ["row 3", "column 'id'", "got 'P1'", "expected a unique id (already used in parks row 2)"]),
    "duplicate_id_across_tables": ("clusters.csv", ["row 3", "column 'id'", "got 'P2'", "expected a unique id (already used in parks)"]),
    "unknown_region_parent": ("regions.csv", ["row 4", "column 'parent'", "got 'JS.Z'", "expected a region id that exists", "'JS.B'"]),
    "unknown_park_region": ("parks.csv", ["row 3", "column 'region'", "got 'JS.Q'", "expected a region id that exists", "'P2'"]),
    "unknown_enterprise_park": ("enterprises.csv", ["row 4", "column 'park'", "got 'P9'", "expected a park id that exists", "'E3'"]),
    "unknown_enterprise_cluster": ("enterprises.csv", ["row 3", "column 'cluster'", "got 'C7'", "expected a cluster id that exists", "'E2'"]),
    "unknown_cluster_parent": ("clusters.csv", ["row 3", "column 'parent'", "got 'C9'", "expected a cluster id that exists", "'C2'"]),
    "unknown_cluster_host": ("clusters.csv", ["row 2", "column 'hosts'", "got 'P9'", "expected a park or region id that exists", "cluster 'C1'"]),
    "host_shares_not_summing_to_one": ("clusters.csv", ["row 2", "column 'hosts'", "got 'P1=0.5;P2=0.3'", "expected shares summing to 1 (they sum to 0.8; host of cluster 'C1')"]),
    "enterprise_region_mismatch": ("enterprises.csv", ["row 3", "column 'region'", "got 'JS.B'", "expected the region of park 'P1' ('JS.A.X')"]),
    "region_cycle": ("regions.csv", ["row 2", "column 'parent'", "got 'JS.A.X'", "expected a parent chain without cycles", "JS -> JS.A.X -> JS.A -> JS"]),
    "cluster_cycle": ("clusters.csv", ["row 2", "column 'parent'", "got 'C2'", "expected a parent chain without cycles", "C1 -> C2 -> C1"]),
    "bad_level": ("regions.csv", ["row 5", "column 'level'", "got 'township'", "expected one of ['province', 'city', 'board', 'county']"]),
    "enterprise_two_parks": ("enterprises.csv", ["row 6", "column 'park'", "got 'P1'", "expected one park per enterprise", "'E3' is already in 'P2' (row 4)"]),
    "negative_revenue": ("revenue.csv", ["row 6", "column 'value'", "got '-6'", "expected a non-negative finite revenue"]),
    "non_numeric_revenue": ("revenue.csv", ["row 7", "column 'value'", "got '七'", "expected a number"]),
    "missing_revenue_value": ("revenue.csv", ["row 8", "column 'value'", "got ''", "expected a revenue value"]),
    "year_gap": ("revenue.csv", ["row 9", "column 'year'", "got 2013", "expected consecutive years for 'E3' from 2011 to 2013; missing [2012]"]),
    "undeclared_unit": ("revenue.csv", ["row 13", "column 'unit'", "got ''", "expected a declared unit", "'万元'", "--unit"]),
    "unknown_unit": ("revenue.csv", ["row 11", "column 'unit'", "got '千元'", "expected one of ['亿元', '亿', '万元', '万']"]),
    "year_outside_range": ("revenue.csv", ["row 7", "column 'year'", "got 2014", "expected a year within 2011-2013 (first_year-last_year in dataset.toml)"]),
    "fractional_year": ("revenue.csv", ["row 6", "column 'year'", "got '2012.5'", "expected a year as a whole number"]),
    "bad_year": ("revenue.csv", ["row 6", "column 'year'", "got '2012年'", "expected a year as a whole number"]),
    "duplicate_revenue_row": ("revenue.csv", ["row 38", "column 'year'", "got 2012", "expected one value per entity and year ('E2' already has 2012 at row 6)"]),
    "members_exceed_park": ("revenue.csv", ["row 18", "column 'value'", "entity 'P2' year 2012", "got aggregate 5.0000", "members' sum 9.0000", "expected members"]),
    "members_exceed_cluster": ("revenue.csv", ["row 22", "column 'value'", "entity 'C2' year 2013", "got aggregate 12.0000", "members' sum 12.3456", "expected members"]),
    "unknown_entity_id": ("revenue.csv", ["row 5", "column 'entity'", "got 'E9'", "expected an entity id defined in regions, parks, clusters or enterprises"]),
    "unknown_entity_name": ("revenue.csv", ["row 10", "column 'name'", "got '丙公司'", "expected an enterprise name defined in enterprises"]),
    "ambiguous_name": ("revenue.csv", ["row 10", "column 'name'", "got '乙机电公司'", "expected a unique name (matches ['E3', 'E4']; use 主体代码)"]),
    "published_without_source": ("revenue.csv", ["row 4", "column 'source'", "got ''", "expected a source", "published value"]),
    "bad_provenance": ("revenue.csv", ["row 13", "column 'provenance'", "got '估计'", "expected one of ['published', 'derived', 'synthetic']"]),
    "empty_file": ("parks.csv", ["the file is empty", "expected a header row with columns ['id', 'name', 'region']"]),
    "no_revenue_rows": ("revenue.csv", ["no data rows", "expected at least one revenue value"]),
    "unknown_column": ("parks.csv", ["column '面积'", "got ['面积']", "expected only known columns ['id', 'name', 'region']", "园区代码"]),
    "missing_column": ("parks.csv", ["missing required column 'region'", "所属地区", "found ['园区代码', '园区名称']"]),
    "two_headers_one_field": ("parks.csv", ["column '编码'", "got ['园区代码', '编码']", "expected one column for 'id'"]),
    "missing_table": ("", ["no table 'clusters.csv' or 'clusters.xlsx'", "expected the five tables"]),
    "malformed_toml": ("dataset.toml", ["not valid TOML", "line 4"]),
    "toml_missing_key": ("dataset.toml", ["missing key 'last_year'", "expected name, first_year, last_year"]),
    "toml_year_not_integer": ("dataset.toml", ["key 'first_year' = '2011'", "expected an integer year"]),
    # P2: start values and aggregate totals
    "enterprise_missing_last_year": ("revenue.csv", ["enterprise 'E2' (甲材料公司,", "enterprises.csv row 3)", "has no value for 2013 (last_year in dataset.toml; its values end in 2012)", "expected a row 'E2,2013,…'"]),
    "enterprise_without_rows": ("revenue.csv", ["enterprise 'E4' (甲食品公司,", "enterprises.csv row 5)", "has no revenue rows", "expected its values up to 2013 (last_year in dataset.toml)"]),
    "aggregate_without_totals": ("revenue.csv", ["cluster 'C2' (甲县稀土产业集群,", "clusters.csv row 3)", "has no revenue rows but 1 member(s) (E1)", "expected its own totals for 2011-2013", "total − members"]),
    "aggregate_missing_last_year": ("revenue.csv", ["region 'JS' (测试省,", "regions.csv row 2)", "has no value for 2013", "its values end in 2012", "expected its total for 2013"]),
    # P3: not UTF-8
    "non_utf8_table": ("parks.csv", ["not UTF-8 (byte 0xB6 at line 1)", "it may be GBK/GB18030, but read that way its header holds no known column name", "expected a UTF-8 file", "CSV UTF-8 (逗号分隔)"]),
    "toml_not_utf8": ("dataset.toml", ["not valid UTF-8 (byte 0xE9 at line 3)", "the rest of the file is UTF-8, so that byte is probably damaged", "expected UTF-8 throughout", "CSV UTF-8 (逗号分隔)"]),
    # P5: aggregates against their members
    "aggregate_late_start": ("revenue.csv", ["entity 'P2' year 2011", "got no value for the aggregate, but its members sum to 8.0000 亿元", "largest: E3 8.0000 (row 8)", "expected a total for 2011 as well"]),
    "unit_slip": ("revenue.csv", ["row 17", "column 'value'", "entity 'P2' year 2011", "got aggregate 12.0000 亿元 < members' sum 80000.0000", "(largest: E3 80000.0000 (row 8))", "a 万元 value labelled 亿元"]),
    # P6: physical lines, after a two-line quoted field and a blank line
    "row_after_blank_and_multiline": ("revenue.csv", ["row 8", "column 'value'", "got '-6'", "expected a non-negative finite revenue"]),
    # P7: more fields than the header
    "thousands_unquoted": ("revenue.csv", ["line 4: 8 fields but the header has 7 (a trailing comma, or an unquoted thousands separator such as 4,048,710?)", 'quote such numbers ("4,048,710")']),
    # P8: year inf
    "year_inf": ("revenue.csv", ["row 6", "column 'year'", "got 'inf'", "expected a year as a whole number"]),
    # Issue 11 class 1: plausibility (bounds in model/plausibility.py)
    "plaus_province_wan_as_yi": ("revenue.csv", ["row 37", "column 'value'", "got 620,000 亿元 for 'JS' (测试省) in 2013", "11,071× the sum of its 2 tracked member(s)", "looks like 万元 read as 亿元", 'confirmed_values = ["JS 2013"]']),
    "plaus_cluster_wan_as_yi": ("revenue.csv", ["row 25", "got 240,000 亿元 for 'C1'", "the sum of its 2 tracked member(s) (21 亿元)", "looks like 万元 read as 亿元"]),
    "plaus_history_yi_as_wan": ("revenue.csv", ["row 6", "got 0.0006 亿元 for 'E2' (甲材料公司) in 2012", "the median of its years (5 亿元)", "looks like 亿元 read as 万元"]),
    "plaus_wan_table_empty_unit": ("revenue.csv", ["8 of 8 implausible values: looks like 万元 read as 亿元", "row 2, column 'value': got 100,000 亿元 for 'E1'", "above 50,000 亿元", "its 单位 is empty, so unit = '亿元' of dataset.toml was applied"]),
    "plaus_value_1e30": ("revenue.csv", ["row 13", "column 'value'", "got '1e30'", "expected a revenue in 亿元 or 万元 (below 1e+12 亿元", "no revenue in any unit"]),
    "plaus_published_region": ("revenue.csv", ["row 30", "got 34 亿元 for 'JS.A' (赣州市) in 2012", "the published figure 2,091 亿元 (calibration/sources/published_history.csv"]),
    "plaus_published_enterprise": ("revenue.csv", ["row 4", "got 12.3456 亿元 for 'E1' (江西铜业集团) in 2013", "the published figure 1,945 亿元"]),
    "plaus_confirmed_unknown": ("dataset.toml", ["confirmed_values entry 'E9 2012': 'E9' is not an entity id of this dataset"]),
    "plaus_confirmed_not_a_list": ("dataset.toml", ["key 'confirmed_values' = 'JS 2013'; expected a list of texts"]),
    # Issue 11 class 2: an empty 上级
    "region_blank_parent": ("regions.csv", ["row 4", "column 'parent'", "got ''", "expected the id of the region above 'JS.B' (乙市, city)", "leave the province", 'standalone = ["JS.B"]']),
    "county_blank_parent": ("regions.csv", ["row 5", "column 'parent'", "'JS.A.X' (甲县, county)", 'standalone = ["JS.A.X"]']),
    "standalone_unknown": ("dataset.toml", ["key 'standalone' names 'JS.Q'; expected ids of regions"]),
    "standalone_with_parent": ("dataset.toml", ["key 'standalone' names 'JS.B', which has the parent 'JS'"]),
    "standalone_province": ("dataset.toml", ["key 'standalone' names 'JS', which is the province"]),
    # P10: one province; years with data; known keys
    "two_provinces": ("regions.csv", ["row 4", "column 'level'", "got 'province'", "expected exactly one region with level 'province' ('JS' at row 2 already is; make 'JS.B' a city, board or county)"]),
    "toml_years_swapped": ("dataset.toml", ["first_year = 2014 is after last_year = 2013", "expected first_year <= last_year"]),
    "toml_last_year_without_data": ("dataset.toml", ["first_year-last_year = 2011-2014", "revenue.csv has values for 2011-2013", "expected first_year and last_year to be the first and last years with data"]),
    "toml_unknown_key": ("dataset.toml", ["unknown key 'unti' (did you mean 'unit'?)", "expected only ['name', 'first_year', 'last_year', 'unit',", "'tracking_threshold', 'standalone', 'confirmed_values']"]),
    # P12: two revenue tables
    "csv_and_xlsx": ("", ["got both revenue.csv and revenue.xlsx", "expected one revenue table"]),
    # P14: no default provenance
    "blank_provenance": ("revenue.csv", ["row 13", "column 'provenance'", "got ''", "expected one of ['published', 'derived', 'synthetic']", "数据类型 is required"]),
    # P15: separators and units in headers
    "semicolon_separated": ("parks.csv", ["row 1", "column '园区代码;园区名称;所属地区'", "the header looks ';'-separated; expected commas"]),
    "header_with_unit": ("revenue.csv", ["row 1", "column '主营业务收入（万元）'", "carries a unit in its header, which is not read: rename it '主营业务收入'", "单位 column (or pass --unit 万元)"]),
}

# Single revenue tables, checked with load_revenue_table against the good panel.
TABLE_CASES: dict[str, tuple[str, dict, list[str]]] = {
    "wrong_sheet": ("revenue.xlsx", {"sheet": "月调度"}, ["no sheet named '月调度'", "expected one of ['Sheet1']"]),
    "table_members_exceed": ("revenue.csv", {}, ["entity 'P2' year 2013", "got aggregate 14.0000", "members' sum 20.0000", "expected members"]),
    "table_unknown_entity": ("revenue.csv", {"unit": "万元"}, ["row 3", "column 'name'", "got '丁公司'", "expected an enterprise name defined in enterprises"]),
    "table_id_name_disagree": ("revenue.csv", {}, ["row 2", "column 'name'", "got '甲材料公司'", "expected the name of 'E1' ('甲稀土公司'): 主体代码 and 企业名称 disagree"]),
    "table_wrong_park": ("revenue.csv", {}, ["row 2", "column 'park'", "got 'P2'", "expected the park of 'E1' (甲稀土公司) in", "enterprises.csv: 'P1'"]),
    "table_cell_overflow": (
        "revenue.csv", {},
        ["after merging", "good/revenue.csv, row 16, column 'value': entity 'P1' year 2013", "cluster remainders allocated to it (C1, C2) exceed its untracked remainder",
         "they need 20.6544 亿元 (share × cluster remainder: C1 1 × 19.0000, C2 1 × 1.6544), but its untracked remainder is 6.6544 (total 26.0000 − members 19.3456)",
         "changed these values involved: C1 2013 (row 3): 40.0000 亿元, was 24.0000"],
    ),
    "table_unit_slip": ("revenue.csv", {}, ["3 problem(s)", "entity 'C2' year 2013: got aggregate 14.0000 亿元 < members' sum 123456.0000", "a 万元 value labelled 亿元",
                                             "E1 2013 (row 2): 123456.0000 亿元, was 12.3456 — 10,000× the old value: looks like 万元 read as 亿元"]),
    "table_fake_xlsx": ("revenue.xlsx", {}, ["cannot be read as an Excel workbook (BadZipFile: File is not a zip file)", "expected an .xlsx file saved by Excel"]),
}


def _message(excinfo: pytest.ExceptionInfo) -> str:
    return str(excinfo.value)


@pytest.mark.parametrize("case", sorted(DATASET_CASES), ids=sorted(DATASET_CASES))
def test_bad_dataset_is_rejected_with_a_located_message(bad_dir, case):
    file, parts = DATASET_CASES[case]
    folder = bad_dir / case
    with pytest.raises(DataError) as excinfo:
        load_dataset(folder)
    msg = _message(excinfo)
    assert str(folder / file) in msg  # names the file (full path)
    for part in parts:
        assert part in msg, f"{part!r} not in {msg!r}"


@pytest.mark.parametrize("case", sorted(TABLE_CASES), ids=sorted(TABLE_CASES))
def test_bad_revenue_table_is_rejected_with_a_located_message(bad_dir, good_panel, case):
    file, kwargs, parts = TABLE_CASES[case]
    path = bad_dir / case / file
    with pytest.raises(DataError) as excinfo:
        load_revenue_table(path, good_panel, **kwargs)
    msg = _message(excinfo)
    assert str(path) in msg
    for part in parts:
        assert part in msg, f"{part!r} not in {msg!r}"


def test_every_bad_fixture_has_a_case_and_there_are_enough(bad_dir):
    folders = {p.name for p in bad_dir.iterdir() if p.is_dir()}
    spec = importlib.util.spec_from_file_location("make_bad", FIXTURES / "make_bad.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert folders == set(DATASET_CASES) | set(TABLE_CASES) | set(module.EXTRA_CASES) | set(module.BAD30_CASES)  # the last two: tests/test_bad_inputs.py
    assert len(folders) >= 69


def test_bad_fixtures_match_their_builder(tmp_path, bad_dir):
    """The committed fixtures are exactly the good dataset with the documented edit (CSV and TOML files)."""
    spec = importlib.util.spec_from_file_location("make_bad", FIXTURES / "make_bad.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(tmp_path / "bad")
    built = sorted(p.relative_to(tmp_path / "bad") for p in (tmp_path / "bad").rglob("*") if p.is_file())
    committed = sorted(p.relative_to(bad_dir) for p in bad_dir.rglob("*") if p.is_file())
    assert built == committed
    for rel in built:
        if rel.suffix != ".xlsx":  # openpyxl output is not byte-stable
            assert (tmp_path / "bad" / rel).read_bytes() == (bad_dir / rel).read_bytes(), rel


def test_each_dataset_case_differs_from_good_in_one_file(bad_dir, good_dir):
    for case in DATASET_CASES:
        names = {p.name for p in (bad_dir / case).iterdir()} | {p.name for p in good_dir.iterdir()}
        differ = [
            name
            for name in sorted(names)
            if not (bad_dir / case / name).exists() or not (good_dir / name).exists() or (bad_dir / case / name).read_bytes() != (good_dir / name).read_bytes()
        ]
        # The unit slip of plaus_wan_table_empty_unit is the pair: 万元 rows without 单位, and unit = "亿元".
        assert len(differ) == (2 if case == "plaus_wan_table_empty_unit" else 1), (case, differ)


# --------------------------------------------------------------------------- the good dataset


def test_good_dataset_loads_with_chinese_headers(good_panel):
    p = good_panel
    assert list(p.regions.index) == ["JS", "JS.A", "JS.B", "JS.A.X"]
    assert list(p.parks.index) == ["P1", "P2"]  # parks.csv has Chinese headers
    assert p.parks.at["P1", "region"] == "JS.A.X"
    assert list(p.enterprises.index) == ["E1", "E2", "E3", "E4"]  # enterprises.csv too
    assert p.enterprises.at["E1", "cluster"] == "C2" and p.enterprises.at["E4", "park"] == ""
    assert list(p.clusters.index) == ["C1", "C2"] and p.clusters.at["C2", "parent"] == "C1"
    assert list(p.years) == [2011, 2012, 2013]
    assert p.revenue.shape == (12, 3) and not p.revenue.isna().to_numpy().any()


def test_wan_yuan_converts_to_yi_yuan_exactly(good_panel):
    rev = good_panel.revenue
    assert rev.at["E1", 2013] == 12.3456  # 123456 万元, exactly (not 12.345600000000001)
    assert rev.at["E4", 2011] == 3.0 and rev.at["E4", 2012] == 3.5  # 30000, 35000 万元
    assert rev.at["E3", 2013] == 10.0  # 100000 万元, row named by 企业名称
    assert rev.at["E4", 2013] == 4.0  # 亿元 unchanged


def test_every_integer_wan_yuan_value_converts_exactly(tmp_path, good_panel):
    roomy = _roomy(good_panel)
    for v in (1, 3, 7, 99999, 123456, 35000, 12345678, 987654321):
        (tmp_path / "t.csv").write_text(f"主体代码,年份,主营业务收入,单位,数据类型,来源\nE4,2013,{v},万,derived,t\n", encoding="utf-8")
        got = load_revenue_table(tmp_path / "t.csv", roomy).revenue.at["E4", 2013]
        assert got == float(f"{v}e-4"), v  # the double nearest to v/10000


def _roomy(panel):
    """The good panel with huge JS.A and JS totals, so any value of E4 (directly under JS.A) fits.

    The values are confirmed (``confirmed_values``), as a planner would confirm them, so
    the plausibility checks let the conversion tests through.
    """
    rev = panel.revenue.copy()
    rev.loc["JS.A"] = 1e6
    rev.loc["JS"] = 1.4e6
    return replace(panel, revenue=rev, meta=dict(panel.meta, confirmed_values=["E4", "JS.A", "JS"]))


def test_good_provenance_and_sources(good_panel):
    p = good_panel
    assert p.provenance.at["E1", 2013] == "published" and p.source.at["E1", 2013] == "测试年报 2013"
    assert p.provenance.at["C1", 2013] == "derived"
    assert p.provenance.at["E2", 2011] == "synthetic" and p.illustrative
    assert set(np.unique(p.provenance.to_numpy())) == {"published", "derived", "synthetic"}


def test_good_dataset_from_xlsx_equals_csv(tmp_path, good_dir, good_panel):
    folder = tmp_path / "xlsx"
    shutil.copytree(good_dir, folder)
    for name in ("enterprises", "revenue"):
        frame = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        with pd.ExcelWriter(folder / f"{name}.xlsx", engine="openpyxl") as writer:
            pd.DataFrame({"说明": ["first sheet is not the table"]}).to_excel(writer, sheet_name="说明", index=False)
            frame.to_excel(writer, sheet_name=name, index=False)
        (folder / f"{name}.csv").unlink()
    panel = load_dataset(folder)
    pd.testing.assert_frame_equal(panel.revenue, good_panel.revenue)
    pd.testing.assert_frame_equal(panel.provenance, good_panel.provenance)
    pd.testing.assert_frame_equal(panel.enterprises, good_panel.enterprises)


def test_dataset_toml_unit_fills_empty_unit_cells(tmp_path, good_dir, good_panel):
    folder = tmp_path / "d"
    shutil.copytree(good_dir, folder)
    (folder / "dataset.toml").write_text((good_dir / "dataset.toml").read_text(encoding="utf-8") + 'unit = "亿元"\n', encoding="utf-8")
    text = (good_dir / "revenue.csv").read_text(encoding="utf-8")
    (folder / "revenue.csv").write_text(text.replace("E4,,2013,4,亿元,", "E4,,2013,4,,"), encoding="utf-8")
    pd.testing.assert_frame_equal(load_dataset(folder).revenue, good_panel.revenue)
    (folder / "dataset.toml").write_text((good_dir / "dataset.toml").read_text(encoding="utf-8") + 'unit = "千元"\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"dataset\.toml: key 'unit' = '千元'; expected one of \['亿元', '亿', '万元', '万'\]"):
        load_dataset(folder)


# --------------------------------------------------------------------------- load_revenue_table


def _monthly(tmp_path: Path) -> Path:
    path = tmp_path / "月调度.csv"
    path.write_text("主体代码,年份,主营业务收入,数据类型,来源\nE2,2013,80000,derived,月调度 2013-12\n", encoding="utf-8")
    return path


def test_revenue_table_without_unit_column_with_unit_option(tmp_path, good_panel):
    out = load_revenue_table(_monthly(tmp_path), good_panel, unit="万元")
    assert out.revenue.at["E2", 2013] == 8.0
    assert out.provenance.at["E2", 2013] == "derived" and out.source.at["E2", 2013] == "月调度 2013-12"
    # Values the table does not touch keep their value, provenance and source.
    assert out.revenue.at["E2", 2012] == 6.0
    assert out.provenance.at["E2", 2012] == "synthetic" and out.source.at["E2", 2012] == "fixture"
    untouched = out.revenue.drop(index="E2")
    pd.testing.assert_frame_equal(untouched, good_panel.revenue.drop(index="E2"), check_like=True)
    pd.testing.assert_frame_equal(out.provenance.drop(index="E2"), good_panel.provenance.drop(index="E2"), check_like=True)


def test_revenue_table_without_unit_column_and_no_option_fails(tmp_path, good_panel):
    path = _monthly(tmp_path)
    with pytest.raises(DataError) as excinfo:
        load_revenue_table(path, good_panel)
    msg = str(excinfo.value)
    for part in (str(path), "row 2", "column 'unit'", "got ''", "expected a declared unit", "or pass --unit"):
        assert part in msg, part


def test_revenue_table_unknown_unit_option(tmp_path, good_panel):
    with pytest.raises(DataError, match=r"--unit '千元' is unknown; expected one of \['亿元', '亿', '万元', '万'\]"):
        load_revenue_table(_monthly(tmp_path), good_panel, unit="千元")


def test_revenue_table_unit_column_wins_over_option(tmp_path, good_panel):
    path = tmp_path / "t.csv"
    path.write_text("主体代码,年份,主营业务收入,单位,数据类型,来源\nE2,2013,7.5,亿元,derived,月报\nE1,2013,130000,,derived,月报\n", encoding="utf-8")
    out = load_revenue_table(path, good_panel, unit="万元")
    assert out.revenue.at["E2", 2013] == 7.5 and out.revenue.at["E1", 2013] == 13.0


def test_revenue_table_from_xlsx_sheet(tmp_path, good_panel):
    path = tmp_path / "m.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "封面"
    sheet = book.create_sheet("月调度")
    sheet.append(["企业名称", "年份", "主营业务收入", "单位", "数据类型", "来源"])
    sheet.append(["甲材料公司", 2013, 75000, "万元", "derived", "月调度 2013-12"])
    book.save(path)
    out = load_revenue_table(path, good_panel, sheet="月调度")
    assert out.revenue.at["E2", 2013] == 7.5


def test_embedded_dataset_loads(embedded_panel):
    p = embedded_panel
    assert list(p.years) == list(range(2008, 2014))
    assert p.meta["illustrative"] is True and p.illustrative
    assert set(p.revenue.index) <= p.ids()


# --------------------------------------------------------------------------- numbers and years (NFKC, hints)


def _table(tmp_path: Path, rows: str, head: str = "主体代码,年份,主营业务收入,单位,数据类型,来源") -> Path:
    path = tmp_path / "t.csv"
    path.write_text(f"{head}\n{rows}\n", encoding="utf-8")
    return path


def test_full_width_digits_read_the_same_in_values_and_years(tmp_path, good_panel):
    out = load_revenue_table(_table(tmp_path, "E4,２０１３,４．５,亿元,derived,月报"), _roomy(good_panel))
    assert out.revenue.at["E4", 2013] == 4.5


@pytest.mark.parametrize(
    "value, expected",
    [
        ("4_048_710", "expected a number (主营业务收入), e.g. 4048710 or 4,048,710"),
        ("4.5亿", "expected a number without its unit (put '亿' in the 单位 column)"),
        ("4,5", "expected a number (主营业务收入); a comma is read only as a thousands separator (4,048,710), use '.' for decimals"),
        ("nan", "expected a number (主营业务收入)"),
    ],
)
def test_values_that_are_not_plain_numbers(tmp_path, good_panel, value, expected):
    path = _table(tmp_path, f'E4,2013,"{value}",亿元,derived,月报')
    with pytest.raises(DataError) as excinfo:
        load_revenue_table(path, good_panel)
    assert f"{path}, row 2, column 'value': got '{value}'; {expected}" in str(excinfo.value)


def test_quoted_thousands_separators_are_accepted(tmp_path, good_panel):
    out = load_revenue_table(_table(tmp_path, 'E4,2013,"45,000",万元,derived,月报'), _roomy(good_panel))
    assert out.revenue.at["E4", 2013] == 4.5


def test_year_outside_the_panel_says_it_cannot_be_merged(tmp_path, good_panel):
    path = _table(tmp_path, "E4,2014,4,亿元,derived,月报")
    with pytest.raises(DataError, match=r"row 2, column 'year': got 2014; expected a year within 2011-2013 \(the years of the data this table is merged into; other years cannot be added\)"):
        load_revenue_table(path, good_panel)


# --------------------------------------------------------------------------- what a table did, and coverage notes


def test_table_note_counts_rows_read_and_values_replaced(tmp_path, good_panel):
    path = _table(tmp_path, "E4,2013,4.5,亿元,derived,月报\nE4,2012,3.5,亿元,derived,月报")
    out = load_revenue_table(path, _roomy(good_panel))
    assert any(n.startswith(f"{path}: read 2 row(s); merged, they replace 2 value(s) of the dataset and add 0 (in memory only") for n in out.notes)
    assert out.where("E4", 2013) == ErrorLocation(str(path), 2, "value")
    assert out.where("E1", 2011) == ErrorLocation(str(FIXTURES / "good" / "revenue.csv"), 2, "value")


def test_merging_must_not_leave_a_gap(tmp_path, good_panel):
    rev = good_panel.revenue.copy()
    rev.loc["E4", [2011, 2012]] = np.nan  # E4 reported from 2013 only
    panel = replace(good_panel, revenue=rev)
    path = _table(tmp_path, "E4,2011,3,亿元,derived,月报")
    with pytest.raises(DataError, match=rf"{path}: entity 'E4' would have no value for \[2012\] after merging this table; expected consecutive years"):
        load_revenue_table(path, panel)


def test_aggregate_without_members_or_totals_is_a_coverage_note(tmp_path, good_dir):
    folder = tmp_path / "d"
    shutil.copytree(good_dir, folder)
    with (folder / "regions.csv").open("a", encoding="utf-8") as f:
        f.write("JS.C,丙市,city,JS\n")  # a registered city with no parks, firms or totals yet
    panel = load_dataset(folder)
    assert panel.notes == ("coverage: 1 aggregate(s) without totals, and without members, so nothing is simulated for them: JS.C (丙市, region, no members)",)
    assert load_dataset(good_dir).notes == ()


def test_embedded_dataset_notes_name_its_aggregate_without_totals(embedded_panel):
    assert embedded_panel.notes == ("coverage: 1 aggregate(s) without totals, and without members, so nothing is simulated for them: GD.XY (信宜市(广东), region, no members)",)


# --------------------------------------------------------------------------- dataset.toml


def _with_toml(tmp_path: Path, good_dir: Path, extra: str = "", data: bytes | None = None) -> Path:
    folder = tmp_path / "d"
    shutil.copytree(good_dir, folder, dirs_exist_ok=True)
    text = (good_dir / "dataset.toml").read_text(encoding="utf-8") + extra
    (folder / "dataset.toml").write_bytes(data if data is not None else text.encode("utf-8"))
    return folder


def test_gbk_dataset_toml_is_read_with_a_note(tmp_path, good_dir, good_panel):
    folder = _with_toml(tmp_path, good_dir, data=(good_dir / "dataset.toml").read_text(encoding="utf-8").encode("gbk"))
    panel = load_dataset(folder)
    pd.testing.assert_frame_equal(panel.revenue, good_panel.revenue)
    assert panel.notes[0].startswith(f"{folder / 'dataset.toml'}: read as GBK/GB18030")


@pytest.mark.parametrize(
    "extra, expected",
    [
        ('illustrative = "yes"\n', "key 'illustrative' = 'yes'; expected true or false"),
        ("tracking_threshold = { JS = -1 }\n", "key 'tracking_threshold.JS' = -1; expected a non-negative number (亿元)"),
        ("tracking_threshold = { JX = 10.0 }\n", "key 'tracking_threshold' names 'JX'; expected region ids of regions"),
        ("seed = true\n", "key 'seed' = True; expected an integer"),
    ],
)
def test_dataset_toml_values_are_checked(tmp_path, good_dir, extra, expected):
    folder = _with_toml(tmp_path, good_dir, extra)
    with pytest.raises(DataError) as excinfo:
        load_dataset(folder)
    assert f"{folder / 'dataset.toml'}: {expected}" in str(excinfo.value)


def test_province_must_be_the_root(tmp_path, good_dir):
    folder = tmp_path / "d"
    shutil.copytree(good_dir, folder)
    text = (folder / "regions.csv").read_text(encoding="utf-8")
    (folder / "regions.csv").write_text(text.replace("JS,测试省,province,\n", "JS,测试省,province,JS.B\nJS.Q,江南,province,\n").replace("JS.B,乙市,city,JS", "JS.B,乙市,city,JS.Q"), encoding="utf-8")
    with pytest.raises(DataError) as excinfo:
        load_dataset(folder)
    msg = str(excinfo.value)
    assert "regions.csv, row 3, column 'level': got 'province'; expected exactly one region with level 'province' ('JS' at row 2 already is" in msg
    assert "regions.csv, row 2, column 'parent': got 'JS.B'; expected no parent for the province 'JS' (it is the root)" in msg


# --------------------------------------------------------------------------- the error header


def test_error_header_counts_every_problem_even_when_the_list_is_cut():
    with pytest.raises(DataError) as excinfo:
        raise_all([f"f.csv, row {i}: bad" for i in range(2, 62)], hint="fix the unit")
    err = excinfo.value
    text = str(err)
    assert err.total == 60 and text.startswith("60 problem(s) in the input data:\n")
    assert text.endswith("... and 10 more problem(s)\nhint: fix the unit")
    assert len(err.problems) == 51
