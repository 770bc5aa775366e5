"""Reading one table (CSV or .xlsx) into canonical columns, and the schema's header mapping."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from model.errors import DataError
from model.schema import TABLES, UNITS, canonical_columns
from model.tables import ROW_COL, read_table


def _write(path: Path, text: str, bom: bool = False) -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def _xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_canonical_columns_maps_english_and_chinese_and_leaves_out_unknown():
    spec = TABLES["enterprises"]
    got = canonical_columns(spec, ["企业代码", " 企业名称 ", "region", "所属园区", "备注"])
    assert got == {"企业代码": "id", " 企业名称 ": "name", "region": "region", "所属园区": "park"}


def test_units_convert_to_yi_yuan():
    assert UNITS["亿元"] == 1.0 and UNITS["万元"] == 1e-4 and "千元" not in UNITS


def test_chinese_headers_row_numbers_and_optional_columns(good_dir):
    table = read_table(good_dir / "enterprises.csv", TABLES["enterprises"])
    assert list(table.columns) == ["id", "name", "region", "park", "cluster", "industry", ROW_COL]
    assert list(table[ROW_COL]) == [1, 2, 3, 4]  # data rows, header excluded
    assert table.loc[3, "park"] == "" and table.loc[0, "cluster"] == "C2"
    regions = read_table(good_dir / "regions.csv", TABLES["regions"])
    assert regions.loc[0, "parent"] == ""  # empty cell is "", never NaN or 'nan'


def test_missing_optional_column_is_added_empty(tmp_path):
    table = read_table(_write(tmp_path / "e.csv", "id,name,region\nE1,甲,JS\n"), TABLES["enterprises"])
    assert table.loc[0, "park"] == "" and table.loc[0, "cluster"] == "" and table.loc[0, "industry"] == ""


def test_bom_and_whitespace_are_stripped(tmp_path):
    path = _write(tmp_path / "parks.csv", " 园区代码 ,园区名称,所属地区\n P1 , 甲园 ,JS\n", bom=True)
    table = read_table(path, TABLES["parks"])
    assert table.loc[0, ["id", "name", "region"]].tolist() == ["P1", "甲园", "JS"]


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"parks\.csv: file not found; expected a parks table"):
        read_table(tmp_path / "parks.csv", TABLES["parks"])


def test_unsupported_file_type(tmp_path):
    path = _write(tmp_path / "parks.json", "{}")
    with pytest.raises(DataError, match=r"parks\.json: unsupported file type '\.json'; expected \.csv or \.xlsx"):
        read_table(path, TABLES["parks"])


@pytest.mark.parametrize("text", ["", "\n", "\n\n"], ids=["zero-bytes", "newline", "blank-lines"])
def test_empty_csv(tmp_path, text):
    path = _write(tmp_path / "parks.csv", text)
    with pytest.raises(DataError) as excinfo:
        read_table(path, TABLES["parks"])
    assert f"{path}: the file is empty; expected a header row with columns ['id', 'name', 'region']" in str(excinfo.value)


def test_header_only_csv_has_no_rows(tmp_path):
    table = read_table(_write(tmp_path / "parks.csv", "id,name,region\n"), TABLES["parks"])
    assert len(table) == 0 and {"id", "name", "region"} <= set(table.columns)


def test_unknown_column_is_reported_with_known_alternatives(tmp_path):
    path = _write(tmp_path / "parks.csv", "id,name,region,面积\nP1,甲园,JS,5\n")
    with pytest.raises(DataError) as excinfo:
        read_table(path, TABLES["parks"])
    msg = str(excinfo.value)
    for part in (str(path), "column '面积'", "got ['面积']", "expected only known columns ['id', 'name', 'region']", "园区名称"):
        assert part in msg, part


def test_missing_required_column_names_aliases_and_found_headers(tmp_path):
    path = _write(tmp_path / "parks.csv", "园区代码,园区名称\nP1,甲园\n")
    with pytest.raises(DataError) as excinfo:
        read_table(path, TABLES["parks"])
    assert f"{path}: missing required column 'region' (or ['所属地区']); found ['园区代码', '园区名称']" in str(excinfo.value)


def test_revenue_needs_entity_or_name(tmp_path):
    path = _write(tmp_path / "revenue.csv", "年份,主营业务收入\n2013,5\n")
    with pytest.raises(DataError, match=r"missing column 'entity' \(主体代码\) or 'name' \(企业名称\); one is required"):
        read_table(path, TABLES["revenue"])


def test_two_headers_for_one_field_are_rejected(tmp_path):
    path = _write(tmp_path / "regions.csv", "id,编码,name,level\nA,A,甲,province\n")
    with pytest.raises(DataError) as excinfo:
        read_table(path, TABLES["regions"])
    msg = str(excinfo.value)
    for part in (str(path), "column '编码'", "got ['id', '编码']", "expected one column for 'id'"):
        assert part in msg, part


def test_several_problems_are_reported_at_once(tmp_path):
    path = _write(tmp_path / "parks.csv", "园区代码,面积\nP1,5\n")
    with pytest.raises(DataError) as excinfo:
        read_table(path, TABLES["parks"])
    assert len(excinfo.value.problems) == 3  # unknown 面积, missing name, missing region
    assert str(excinfo.value).startswith("3 problem(s) in the input data:")


def test_xlsx_prefers_the_sheet_named_after_the_table(tmp_path):
    path = _xlsx(tmp_path / "parks.xlsx", {"说明": [["说明"], ["not a table"]], "parks": [["园区代码", "园区名称", "所属地区"], ["P1", "甲园", "JS"]]})
    table = read_table(path, TABLES["parks"])
    assert table.loc[0, ["id", "name", "region"]].tolist() == ["P1", "甲园", "JS"]


def test_xlsx_defaults_to_the_first_sheet_and_reads_numbers_as_text(tmp_path):
    path = _xlsx(tmp_path / "m.xlsx", {"月调度": [["主体代码", "年份", "主营业务收入", "单位"], ["E1", 2013, 123456, "万元"], ["E2", 2013, 7.5, "亿元"]]})
    table = read_table(path, TABLES["revenue"])
    assert table[["entity", "year", "value", "unit"]].values.tolist() == [["E1", "2013", "123456", "万元"], ["E2", "2013", "7.5", "亿元"]]
    assert list(table[ROW_COL]) == [1, 2]


def test_xlsx_wrong_sheet(tmp_path):
    path = _xlsx(tmp_path / "m.xlsx", {"Sheet1": [["主体代码", "年份", "主营业务收入"]]})
    with pytest.raises(DataError) as excinfo:
        read_table(path, TABLES["revenue"], sheet="月调度")
    assert f"{path}: no sheet named '月调度'; expected one of ['Sheet1']" in str(excinfo.value)


def test_xlsx_empty_sheet(tmp_path):
    path = _xlsx(tmp_path / "parks.xlsx", {"parks": []})
    with pytest.raises(DataError, match="the file is empty"):
        read_table(path, TABLES["parks"])
