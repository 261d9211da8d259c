"""XLSX: one table per sheet, cells written as a CSV export would hold them."""

import zipfile
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
import pytest
from loading_fixtures import PEER_SAMPLES, VALIDATOR_903

from csc_warehouse.readers import ReaderError, read_file
from csc_warehouse.readers.xlsx import LARGEST_WHOLE_PART, cell_text


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        (123456.0, "123456"),
        (1001, "1001"),
        (2.5, "2.5"),
        ("PR1", "PR1"),
        (None, None),
        (datetime(2015, 4, 1), "2015-04-01"),
        (date(2015, 4, 1), "2015-04-01"),
        (datetime(2015, 4, 1, 9, 30), "2015-04-01 09:30:00"),
        (time(9, 30), "09:30:00"),
        (True, "TRUE"),
    ],
)
def test_a_cell_is_the_text_a_csv_export_holds(cell, text):
    assert cell_text(cell) == text


def workbook(tmp_path, sheets: dict[str, list[list]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = tmp_path / "return.xlsx"
    book.save(path)
    return path


def test_each_sheet_is_its_own_source_and_unknown_sheets_are_ignored(tmp_path):
    path = workbook(
        tmp_path,
        {
            "Header": [["CHILD", "SEX", "DOB", "ETHNIC", None, None], [1001.0, 1, datetime(2010, 5, 1), "WBRI"]],
            "Read me": [["This workbook holds the SSDA903 return"]],
            "Empty": [],
        },
    )
    header, read_me, empty = read_file(path)
    assert header.table.title == "Header" and header.header == ["CHILD", "SEX", "DOB", "ETHNIC"]
    assert list(header.rows()) == [(2, ["1001", "1", "2010-05-01", "WBRI"])]
    assert (read_me.table, read_me.sheet) == (None, "Read me")
    assert (empty.table, empty.warnings) == (None, ["empty sheet"])


def test_blank_rows_are_skipped_and_short_rows_padded(tmp_path):
    path = workbook(
        tmp_path,
        {
            "Episodes": [
                ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "DEC", "REC"],
                [1, "01/04/2015", "S", "C2", "N1", "U4"],
                [None, None, None],
                [2, "01/05/2015", "S", "C2", "N1", "U4", None, None],
            ]
        },
    )
    [source] = read_file(path)
    assert [row_number for row_number, _ in source.rows()] == [2, 4]
    assert all(len(values) == 8 for _, values in source.rows())


def test_a_value_right_of_the_named_columns_stops_the_sheet(tmp_path):
    path = workbook(tmp_path, {"UASC": [["CHILD", "SEX", "DOB", "DUC"], [1, 1, "01/01/2010", None, "note"]]})
    [source] = read_file(path)
    with pytest.raises(ReaderError) as raised:
        list(source.rows())
    assert (raised.value.problem.row, raised.value.problem.rule) == (2, "ragged-row")


def test_a_file_that_is_not_a_workbook_cannot_be_read(tmp_path):
    path = tmp_path / "episodes.xlsx"
    path.write_text("CHILD,DECOM\n")
    with pytest.raises(ReaderError) as raised:
        read_file(path)
    assert raised.value.problem.rule == "unreadable-file"


def zipped_again(path: Path, parts: dict[str, bytes]) -> Path:
    """The workbook with the parts given added or replaced."""
    rewritten = path.with_name("rewritten.xlsx")
    with zipfile.ZipFile(path) as original, zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in original.namelist():
            archive.writestr(name, parts.pop(name, None) or original.read(name))
        for name, data in parts.items():
            archive.writestr(name, data)
    return rewritten


def test_a_workbook_with_a_part_that_unzips_to_more_than_a_return_needs_is_refused_unread(tmp_path):
    # 100 MB of shared strings zipped into about 100 KB: openpyxl would hold them all in memory.
    sound = workbook(tmp_path, {"Header": [["CHILD", "SEX", "DOB"], ["1001", "1", "01/01/2010"]]})
    strings = b"<sst>" + b"<si><t>a</t></si>" * (LARGEST_WHOLE_PART // 17 + 1) + b"</sst>"
    bomb = zipped_again(sound, {"xl/sharedStrings.xml": strings})
    assert bomb.stat().st_size < 1 << 20
    with pytest.raises(ReaderError) as raised:
        read_file(bomb)
    assert raised.value.problem.rule == "unreadable-file" and "zip bomb" in raised.value.message


def test_a_worksheet_larger_than_a_whole_part_may_be_is_streamed_not_refused(tmp_path):
    sound = workbook(tmp_path, {"UASC": [["CHILD", "SEX", "DOB", "DUC"], ["1001", "1", "01/01/2010", "01/01/2028"]]})
    with zipfile.ZipFile(sound) as original:
        sheet = original.read("xl/worksheets/sheet1.xml")
    padded = sheet.replace(b"<sheetData>", b"<sheetData>" + b" " * LARGEST_WHOLE_PART, 1)
    [source] = read_file(zipped_again(sound, {"xl/worksheets/sheet1.xml": padded}))
    assert source.table.title == "UASC" and list(source.rows()) == [(2, ["1001", "1", "01/01/2010", "01/01/2028"])]


@pytest.mark.parametrize(
    "name",
    ["ch_fake.xlsx", "combined_scp_ch_fake.xlsx", "scp_ch_2025_fake.xlsx", "scp_fake.xlsx", "scpch_assisted.xlsx"],
)
def test_the_validators_provider_workbooks_hold_no_ssda903_table(name):
    sources = read_file(VALIDATOR_903 / name)
    assert sources and all(source.table is None and source.sheet for source in sources)


@pytest.mark.parametrize(
    "path",
    [
        "liia-tools/liiatools/spec/annex_a/samples/Annex_A.xlsx",
        "liia-tools-pipeline/liiatools/annex_a_pipeline/spec/samples/Annex_A_2024_Jan.xlsx",
    ],
)
def test_annex_a_workbooks_hold_no_ssda903_table(path):
    """Their List 8 is children in care, but in Annex A's own columns: not an SSDA903 table. (List 7 is
    read as CP plans by readers/annex_a.py: tests/readers/test_annex_a.py.)"""
    sources = read_file(PEER_SAMPLES / path)
    assert len(sources) == 11 and all(source.table is None or source.table.source != "ssda903" for source in sources)
