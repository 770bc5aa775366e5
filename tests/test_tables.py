"""Reading one table (CSV or .xlsx) into canonical columns, and the schema's header mapping."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from model.errors import DataError
from model.schema import TABLES, UNITS, canonical_columns
from model.tables import FILE_COL, MERGED_COL, ROW_COL, read_table


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
    assert list(table.columns) == ["id", "name", "region", "park", "cluster", "industry", ROW_COL, FILE_COL, MERGED_COL]
    assert set(table[FILE_COL]) == {str(good_dir / "enterprises.csv")}
    assert list(table[ROW_COL]) == [2, 3, 4, 5]  # as an editor or Excel numbers them: the header is row 1
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
    with pytest.raises(DataError, match=r"parks\.csv: no such file or folder; expected a parks table"):
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
    path = _xlsx(tmp_path / "m.xlsx", {"月调度": [["主体代码", "年份", "主营业务收入", "单位", "数据类型"], ["E1", 2013, 123456, "万元", "derived"], ["E2", 2013, 7.5, "亿元", "derived"]]})
    table = read_table(path, TABLES["revenue"])
    assert table[["entity", "year", "value", "unit"]].values.tolist() == [["E1", "2013", "123456", "万元"], ["E2", "2013", "7.5", "亿元"]]
    assert list(table[ROW_COL]) == [2, 3]  # Excel's row numbers


def test_xlsx_wrong_sheet(tmp_path):
    path = _xlsx(tmp_path / "m.xlsx", {"Sheet1": [["主体代码", "年份", "主营业务收入"]]})
    with pytest.raises(DataError) as excinfo:
        read_table(path, TABLES["revenue"], sheet="月调度")
    assert f"{path}: no sheet named '月调度'; expected one of ['Sheet1']" in str(excinfo.value)


def test_xlsx_empty_sheet(tmp_path):
    path = _xlsx(tmp_path / "parks.xlsx", {"parks": []})
    with pytest.raises(DataError, match=r"parks\.xlsx \[sheet parks\]: the sheet is empty; expected a header row"):
        read_table(path, TABLES["parks"])


# --------------------------------------------------------------------------- row numbers (header = row 1, blank lines count)


def test_row_numbers_are_physical_lines_after_blank_lines_and_multiline_fields(tmp_path):
    text = 'id,name,region\n\nP1,"甲\n园",JS\n\n\nP2,乙园,JS\n'
    table = read_table(_write(tmp_path / "parks.csv", text), TABLES["parks"])
    assert list(table[ROW_COL]) == [3, 7]  # P1 starts on line 3 (its name spans lines 3-4), P2 is on line 7
    assert table.attrs["notes"] == [f"{tmp_path / 'parks.csv'}: skipped 3 blank row(s) (2, 5, 6)"]


def test_xlsx_blank_rows_are_skipped_and_rows_keep_excel_numbers(tmp_path):
    rows = [["园区代码", "园区名称", "所属地区"], ["P1", "甲园", "JS"], [None, None, None], ["P2", "乙园", "JS"], [None, None, None], [None, None, None]]
    path = _xlsx(tmp_path / "parks.xlsx", {"parks": rows})
    table = read_table(path, TABLES["parks"])
    assert list(table[ROW_COL]) == [2, 4]
    assert table.attrs["label"] == f"{path} [sheet parks]"
    assert table.attrs["notes"] == [f"{path} [sheet parks]: skipped 1 blank row(s) (3)"]  # trailing blank rows are not worth a note


# --------------------------------------------------------------------------- more fields than the header


def test_a_row_with_more_fields_than_the_header_is_named_by_line(tmp_path):
    path = _write(tmp_path / "revenue.csv", "主体代码,年份,主营业务收入,数据类型\nE1,2013,5,derived\n\nE2,2013,4,048,710,derived\n")
    with pytest.raises(DataError) as excinfo:
        read_table(path, TABLES["revenue"])
    assert str(excinfo.value) == (
        f"{path}, line 4: 6 fields but the header has 4 (a trailing comma, or an unquoted thousands separator such as 4,048,710?); "
        'expected 4 comma-separated fields — quote such numbers ("4,048,710") or write 4048710'
    )


@pytest.mark.parametrize("text", ["id,name,region,\nP1,甲园,JS,\n", "id,name,region\nP1,甲园,JS,\nP2,乙园,JS\n"], ids=["header-too", "some-rows"])
def test_empty_trailing_fields_are_ignored(tmp_path, text):
    table = read_table(_write(tmp_path / "parks.csv", text), TABLES["parks"])
    assert table.loc[0, ["id", "name", "region"]].tolist() == ["P1", "甲园", "JS"]


def test_a_value_in_a_column_without_header_is_an_error(tmp_path):
    path = _write(tmp_path / "parks.csv", "id,name,,region\nP1,甲园,,JS\nP2,乙园,x,JS\n")
    with pytest.raises(DataError) as excinfo:
        read_table(path, TABLES["parks"])
    assert f"{path}, row 3, column 'C (no header)': got 'x'; expected values only in columns with a header (row 1 has none in column C)" in str(excinfo.value)


def test_xlsx_title_row_and_two_row_header_are_named(tmp_path):
    title = _xlsx(tmp_path / "t.xlsx", {"parks": [["江西省园区名录"], ["园区代码", "园区名称", "所属地区"], ["P1", "甲园", "JS"]]})
    with pytest.raises(DataError, match=r"t\.xlsx \[sheet parks\], row 1: got '江西省园区名录'; expected the header row .* row 1 is a title row \(the header is in row 2\): delete the rows above the header"):
        read_table(title, TABLES["parks"])
    two = _xlsx(tmp_path / "h.xlsx", {"parks": [["园区代码", "园区名称", "所属地区", None], [None, None, "省", "市"], ["P1", "甲园", "JS", "A"]]})
    with pytest.raises(DataError) as excinfo:
        read_table(two, TABLES["parks"])
    assert "row 2, column 'D (no header)': got '市'" in str(excinfo.value) and "a header over two rows?" in str(excinfo.value)


# --------------------------------------------------------------------------- encodings

_PARKS_CN = "园区代码,园区名称,所属地区\nP1,甲县工业园区,JS\n"


def test_gbk_with_chinese_headers_is_read_with_a_note(tmp_path):
    path = tmp_path / "parks.csv"
    path.write_bytes(_PARKS_CN.encode("gbk"))  # Excel's "CSV (逗号分隔)" on Chinese Windows
    table = read_table(path, TABLES["parks"])
    assert table.loc[0, "name"] == "甲县工业园区"
    assert table.attrs["notes"] == [f'{path}: read as GBK/GB18030 (Excel\'s \'CSV (逗号分隔)\' on Chinese Windows), not UTF-8; to avoid the guess, in Excel use 另存为 → "CSV UTF-8 (逗号分隔) (*.csv)"']


def test_gbk_with_english_headers_is_read_when_every_character_is_common(tmp_path):
    path = tmp_path / "parks.csv"
    path.write_bytes("id,name,region\nP1,甲县工业园区,JS\n".encode("gbk"))
    assert read_table(path, TABLES["parks"]).loc[0, "name"] == "甲县工业园区"
    path.write_bytes("id,name,region\nP1,堃园区,JS\n".encode("gbk"))  # 堃 is GBK but not GB2312: no proof of the encoding
    with pytest.raises(DataError, match=r"not UTF-8 \(byte 0x88 at line 2\); it may be GBK/GB18030, but read that way it holds rare characters \(堃\)"):
        read_table(path, TABLES["parks"])


def test_utf16_with_bom_is_read_with_a_note(tmp_path):
    path = tmp_path / "parks.csv"
    path.write_bytes(_PARKS_CN.encode("utf-16"))
    table = read_table(path, TABLES["parks"])
    assert table.loc[0, "name"] == "甲县工业园区" and "read as UTF-16" in table.attrs["notes"][0]


@pytest.mark.parametrize(
    "data, message",
    [
        ("id,name,region\nP1,Parc du Café,JS\n".encode("latin-1"), r"not UTF-8 \(byte 0xE9 at line 2\), and not GBK/GB18030 either; expected a UTF-8 file"),
        (_PARKS_CN.encode("utf-16-le"), r"got a NUL byte at line 1; expected a UTF-8 text file \(is it UTF-16 without a byte-order mark"),
        (b"PK\x03\x04rest of a zip", r"got a zip file \(an Excel workbook\?\) named 'parks.csv'; expected a text file"),
    ],
    ids=["latin-1", "utf-16-no-bom", "xlsx-named-csv"],
)
def test_undecodable_files_are_named_with_line_and_hint(tmp_path, data, message):
    path = tmp_path / "parks.csv"
    path.write_bytes(data)
    with pytest.raises(DataError, match=message) as excinfo:
        read_table(path, TABLES["parks"])
    assert str(excinfo.value).startswith(str(path))


def test_old_xls_and_fake_xlsx(tmp_path):
    with pytest.raises(DataError, match=r"unsupported file type '\.xls' \(the Excel 97-2003 format\)"):
        read_table(_write(tmp_path / "m.xls", "x"), TABLES["revenue"])
    with pytest.raises(DataError, match=r"m\.xlsx: cannot be read as an Excel workbook \(BadZipFile"):
        read_table(_write(tmp_path / "m.xlsx", "主体代码,年份\n"), TABLES["revenue"])


def test_a_notes_sheet_is_named_and_the_table_sheet_read(tmp_path):
    path = _xlsx(tmp_path / "m.xlsx", {"说明": [["说明"]], "月调度表": [["主体代码", "年份", "主营业务收入", "数据类型"], ["E1", 2013, 5, "derived"]]})
    table = read_table(path, TABLES["revenue"])
    assert list(table[FILE_COL]) == [f"{path} [sheet 月调度表]"]
    assert table.attrs["notes"] == [f"{path}: read sheet(s) ['月调度表']; not read: ['说明'] (they hold no revenue header)"]


def test_one_sheet_per_year_is_read_whole(tmp_path):
    head = ["主体代码", "年份", "主营业务收入", "数据类型"]
    path = _xlsx(tmp_path / "m.xlsx", {str(y): [head, ["E1", y, 5, "derived"], ["E2", y, 6, "derived"]] for y in (2011, 2012, 2013)})
    table = read_table(path, TABLES["revenue"])
    assert list(table["year"]) == ["2011", "2011", "2012", "2012", "2013", "2013"]
    assert table.attrs["label"] == f"{path} [sheets 2011, 2012, 2013]"
    assert table[FILE_COL].iloc[-1] == f"{path} [sheet 2013]" and table[ROW_COL].iloc[-1] == 3


def test_a_second_sheet_holding_the_table_is_an_error_not_ignored(tmp_path):
    head = ["id", "name", "region"]
    path = _xlsx(tmp_path / "parks.xlsx", {"parks": [head, ["P1", "甲", "JS"]], "parks (2)": [head, ["P2", "乙", "JS"]]})
    with pytest.raises(DataError, match=r"sheets \['parks \(2\)'\] also hold a parks table beside the sheet 'parks', and would not be read"):
        read_table(path, TABLES["parks"])
    with pytest.raises(DataError, match=r"keep only the sheet 'parks' in this workbook"):
        read_table(path, TABLES["parks"], sheet_flag=False)  # a dataset folder: no --sheet to suggest


def test_no_sheet_with_the_header_names_the_other_sheets(tmp_path):
    path = _xlsx(tmp_path / "m.xlsx", {"说明": [["说明"]], "数据": [["代码", "收入"], ["E1", 5]]})
    with pytest.raises(DataError) as excinfo:
        read_table(path, TABLES["revenue"])
    assert excinfo.value.hint == "read the sheet '说明'; the workbook also has ['数据']: choose one with --sheet NAME, or name the sheet 'revenue'"
    with pytest.raises(DataError) as excinfo:
        read_table(path, TABLES["revenue"], sheet_flag=False)
    assert "--sheet" not in str(excinfo.value) and "name the sheet holding the table 'revenue'" in excinfo.value.hint


def test_provenance_column_is_required(tmp_path):
    path = _write(tmp_path / "r.csv", "主体代码,年份,主营业务收入\nE1,2013,5\n")
    with pytest.raises(DataError, match=r"missing required column 'provenance' \(or \['数据类型'\]\); found .*; every row needs published, derived or synthetic"):
        read_table(path, TABLES["revenue"])


def test_an_unreadable_file_is_named(tmp_path, monkeypatch):
    path = _write(tmp_path / "parks.csv", "id,name,region\n")

    def refuse(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(DataError, match=r"parks\.csv: cannot be read \(Permission denied\); expected a readable file"):
        read_table(path, TABLES["parks"])
