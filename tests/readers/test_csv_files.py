"""CSV files as systems and Excel write them, read without a database."""

import codecs

import pytest

from csc_warehouse.readers import read_file
from csc_warehouse.readers.csv_files import detect_encoding

EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC\n1,01/04/2015,S,C2,N1,U4,PR1,,\n"


def streamed(source) -> bytes:
    return b"".join(source.csv_chunks())


def read(tmp_path, content: bytes, name="file.csv"):
    path = tmp_path / name
    path.write_bytes(content)
    [source] = read_file(path)
    return source


def test_utf8_with_a_byte_order_mark_streams_without_it(tmp_path):
    source = read(tmp_path, codecs.BOM_UTF8 + EPISODES.encode())
    assert source.table.title == "Episodes" and source.csv_encoding == "UTF8"
    assert streamed(source) == EPISODES.encode()


def test_windows_1252_is_detected(tmp_path):
    path = tmp_path / "header.csv"
    path.write_bytes("CHILD,SEX,DOB,ETHNIC,UPN\n1,1,01/01/2010,WBRI,Zo\u00eb\n".encode("cp1252"))
    assert detect_encoding(path) == "WIN1252"
    assert read_file(path)[0].csv_encoding == "WIN1252"


def test_blank_lines_around_the_rows_are_not_streamed(tmp_path):
    source = read(tmp_path, b"\r\n\r\n" + EPISODES.replace("\n", "\r\n").encode() + b"\r\n \r\n\r\n")
    assert streamed(source) == EPISODES.replace("\n", "\r\n").encode()
    assert source.first_data_row == 4  # two blank lines, then the header on line 3


def test_a_file_with_a_carriage_return_alone_for_its_line_breaks_is_read(tmp_path):
    # Excel for Mac's "CSV (Macintosh)"; the csv module refused the header line whole (found by make fuzz).
    source = read(tmp_path, b"\r" + EPISODES.replace("\n", "\r").encode())
    assert source.table.title == "Episodes" and source.first_data_row == 3
    assert streamed(source) == EPISODES.replace("\n", "\r").encode()


@pytest.mark.parametrize("line_break", ["\n", "\r\n", "\r"])
def test_a_last_row_without_a_line_break_gets_one_in_the_files_style(tmp_path, line_break):
    content = EPISODES.replace("\n", line_break).rstrip("\r\n")
    assert streamed(read(tmp_path, content.encode())).endswith(b",," + line_break.encode())


def test_a_first_line_with_a_value_over_the_csv_modules_limit_is_no_known_table(tmp_path):
    # Found by make fuzz: the header row dropped, a 1 MB value's row came first and crashed the run.
    source = read(tmp_path, b"1001," + b"9" * (1 << 20) + b"\n" + EPISODES.encode())
    assert source.table is None and "matches no table" in source.warnings[0]


@pytest.mark.parametrize("content", [b"", b"\n\n", b"  \r\n\t\r\n"])
def test_a_blank_file_is_ignored(tmp_path, content):
    source = read(tmp_path, content)
    assert source.table is None and source.warnings == ["empty file"]


def test_a_semicolon_separated_file_is_read_with_its_delimiter(tmp_path):
    source = read(tmp_path, EPISODES.replace(",", ";").encode())
    assert source.table.title == "Episodes" and source.csv_delimiter == ";"


def test_columns_that_are_not_the_tables_are_named_in_a_warning(tmp_path):
    source = read(tmp_path, EPISODES.replace("REC\n", "REC,LA,YEAR\n").encode())
    assert source.mapped[-2:] == [None, None]
    assert source.warnings == ["columns not loaded (not Episodes columns): LA, YEAR"]


def test_a_duplicate_column_is_a_problem_at_row_1(tmp_path):
    source = read(tmp_path, EPISODES.replace("REC\n", "REC,LS\n").encode())
    assert [(p.row, p.column, p.rule) for p in source.problems] == [(1, "LS", "duplicate-column")]


def test_a_file_in_no_format_the_warehouse_reads_is_ignored(tmp_path):
    source = read(tmp_path, b"%PDF-1.4", name="notes.pdf")
    assert source.table is None and source.warnings[0].startswith("not a format the warehouse reads")


def test_an_office_lock_file_is_ignored(tmp_path):
    source = read(tmp_path, b"\x00\x01", name="~$episodes.xlsx")
    assert source.table is None and "lock file" in source.warnings[0]
