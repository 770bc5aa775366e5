"""Loading and validation: the good fixture loads exactly; every bad fixture fails with a located message."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from model.data import load_dataset, load_revenue_table
from model.errors import DataError

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# case -> (file named in the message, substrings the message must contain).
# Substrings name the row, the column, the bad value and the expectation.
DATASET_CASES: dict[str, tuple[str, list[str]]] = {
    "missing_id": ("regions.csv", ["row 3", "column 'id'", "got ''", "expected a non-empty id"]),
    "duplicate_id": ("parks.csv", ["row 2", "column 'id'", "got 'P1'", "expected a unique id (already used in parks row 1)"]),
    "duplicate_id_across_tables": ("clusters.csv", ["row 2", "column 'id'", "got 'P2'", "expected a unique id (already used in parks)"]),
    "unknown_region_parent": ("regions.csv", ["row 3", "column 'parent'", "got 'JS.Z'", "expected a region id that exists", "'JS.B'"]),
    "unknown_park_region": ("parks.csv", ["row 2", "column 'region'", "got 'JS.Q'", "expected a region id that exists", "'P2'"]),
    "unknown_enterprise_park": ("enterprises.csv", ["row 3", "column 'park'", "got 'P9'", "expected a park id that exists", "'E3'"]),
    "unknown_enterprise_cluster": ("enterprises.csv", ["row 2", "column 'cluster'", "got 'C7'", "expected a cluster id that exists", "'E2'"]),
    "unknown_cluster_parent": ("clusters.csv", ["row 2", "column 'parent'", "got 'C9'", "expected a cluster id that exists", "'C2'"]),
    "unknown_cluster_host": ("clusters.csv", ["row 1", "column 'hosts'", "got 'P9'", "expected a park or region id that exists", "cluster 'C1'"]),
    "host_shares_not_summing_to_one": ("clusters.csv", ["row 1", "column 'hosts'", "got 'P1=0.5;P2=0.3'", "expected shares summing to 1 (they sum to 0.8; host of cluster 'C1')"]),
    "enterprise_region_mismatch": ("enterprises.csv", ["row 2", "column 'region'", "got 'JS.B'", "expected the region of park 'P1' ('JS.A.X')"]),
    "region_cycle": ("regions.csv", ["row 1", "column 'parent'", "got 'JS.A.X'", "expected a parent chain without cycles", "JS -> JS.A.X -> JS.A -> JS"]),
    "cluster_cycle": ("clusters.csv", ["row 1", "column 'parent'", "got 'C2'", "expected a parent chain without cycles", "C1 -> C2 -> C1"]),
    "bad_level": ("regions.csv", ["row 4", "column 'level'", "got 'township'", "expected one of ['province', 'city', 'board', 'county']"]),
    "enterprise_two_parks": ("enterprises.csv", ["row 5", "column 'park'", "got 'P1'", "expected one park per enterprise", "'E3' is already in 'P2' (row 3)"]),
    "negative_revenue": ("revenue.csv", ["row 5", "column 'value'", "got '-6'", "expected a non-negative finite revenue"]),
    "non_numeric_revenue": ("revenue.csv", ["row 6", "column 'value'", "got '七'", "expected a number"]),
    "missing_revenue_value": ("revenue.csv", ["row 7", "column 'value'", "got ''", "expected a revenue value"]),
    "year_gap": ("revenue.csv", ["row 8", "column 'year'", "got 2013", "expected consecutive years for 'E3' from 2011 to 2013; missing [2012]"]),
    "undeclared_unit": ("revenue.csv", ["row 12", "column 'unit'", "got ''", "expected a declared unit", "'万元'", "--unit"]),
    "unknown_unit": ("revenue.csv", ["row 10", "column 'unit'", "got '千元'", "expected one of ['亿元', '亿', '万元', '万']"]),
    "year_outside_range": ("revenue.csv", ["row 6", "column 'year'", "got 2014", "expected a year within the declared range 2011-2013"]),
    "fractional_year": ("revenue.csv", ["row 5", "column 'year'", "got '2012.5'", "expected a year as a whole number"]),
    "bad_year": ("revenue.csv", ["row 5", "column 'year'", "got '2012年'", "expected a year as a whole number"]),
    "duplicate_revenue_row": ("revenue.csv", ["row 37", "column 'year'", "got 2012", "expected one value per entity and year ('E2' already has 2012 at row 5)"]),
    "members_exceed_park": ("revenue.csv", ["row 17", "column 'value'", "entity 'P2' year 2012", "got aggregate 5.0000", "members' sum 9.0000", "expected members"]),
    "members_exceed_cluster": ("revenue.csv", ["row 21", "column 'value'", "entity 'C2' year 2013", "got aggregate 12.0000", "members' sum 12.3456", "expected members"]),
    "unknown_entity_id": ("revenue.csv", ["row 4", "column 'entity'", "got 'E9'", "expected an entity id defined in regions, parks, clusters or enterprises"]),
    "unknown_entity_name": ("revenue.csv", ["row 9", "column 'name'", "got '丙公司'", "expected an enterprise name defined in enterprises"]),
    "ambiguous_name": ("revenue.csv", ["row 9", "column 'name'", "got '乙机电公司'", "expected a unique name (matches ['E3', 'E4']; use 主体代码)"]),
    "published_without_source": ("revenue.csv", ["row 3", "column 'source'", "got ''", "expected a source", "published value"]),
    "bad_provenance": ("revenue.csv", ["row 12", "column 'provenance'", "got '估计'", "expected one of ['published', 'derived', 'synthetic']"]),
    "empty_file": ("parks.csv", ["the file is empty", "expected a header row with columns ['id', 'name', 'region']"]),
    "no_revenue_rows": ("revenue.csv", ["no data rows", "expected at least one revenue value"]),
    "unknown_column": ("parks.csv", ["column '面积'", "got ['面积']", "expected only known columns ['id', 'name', 'region']", "园区代码"]),
    "missing_column": ("parks.csv", ["missing required column 'region'", "所属地区", "found ['园区代码', '园区名称']"]),
    "two_headers_one_field": ("parks.csv", ["column '编码'", "got ['园区代码', '编码']", "expected one column for 'id'"]),
    "missing_table": ("", ["no table 'clusters.csv' or 'clusters.xlsx'", "expected the five tables"]),
    "malformed_toml": ("dataset.toml", ["not valid TOML", "line 4"]),
    "toml_missing_key": ("dataset.toml", ["missing key 'last_year'", "expected name, first_year, last_year"]),
    "toml_year_not_integer": ("dataset.toml", ["key 'first_year' = '2011'", "expected an integer year"]),
}

# Single revenue tables, checked with load_revenue_table against the good panel.
TABLE_CASES: dict[str, tuple[str, dict, list[str]]] = {
    "wrong_sheet": ("revenue.xlsx", {"sheet": "月调度"}, ["no sheet named '月调度'", "expected one of ['Sheet1']"]),
    "table_members_exceed": ("revenue.csv", {}, ["entity 'P2' year 2013", "got aggregate 14.0000", "members' sum 20.0000", "expected members"]),
    "table_unknown_entity": ("revenue.csv", {"unit": "万元"}, ["row 2", "column 'name'", "got '丁公司'", "expected an enterprise name defined in enterprises"]),
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
    assert folders == set(DATASET_CASES) | set(TABLE_CASES)
    assert len(folders) >= 18


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
        differ = [
            name
            for name in ("regions.csv", "parks.csv", "clusters.csv", "enterprises.csv", "revenue.csv", "dataset.toml")
            if not (bad_dir / case / name).exists() or (bad_dir / case / name).read_bytes() != (good_dir / name).read_bytes()
        ]
        assert len(differ) == 1, (case, differ)


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
    """The good panel with huge JS.A and JS totals, so any value of E4 (directly under JS.A) fits."""
    from dataclasses import replace

    rev = panel.revenue.copy()
    rev.loc["JS.A"] = 1e10
    rev.loc["JS"] = 2e10
    return replace(panel, revenue=rev)


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
    for part in (str(path), "row 1", "column 'unit'", "got ''", "expected a declared unit", "or pass --unit"):
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
