"""Ingestion against a real PostgreSQL: real files in, what raw and the ledger then hold.

The peer samples (other people's files) show the readers meet the world; the broken corpus
(tests/fixtures/broken, one file per way a file can be wrong) shows the door says what is wrong,
where, and lets nothing of a bad delivery into raw.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest
from loading_fixtures import (
    BROKEN,
    GOOD_EPISODES,
    GOOD_HEADER,
    LIIA_PIPELINE,
    LIIA_TOOLS,
    VALIDATOR_903,
    csc,
    deliver,
    ingest,
    query,
    raw_counts,
)

from csc_warehouse.readers.ssda903_xml import read_ssda903_xml
from csc_warehouse.tables import TABLES

NOTHING_LOADED = {table.name: 0 for table in TABLES}


def csv_rows(path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))


# -- the validator's fake SSDA903 return ------------------------------------------------------


def test_the_validators_header_and_episodes_load_as_one_delivery(fresh_warehouse, tmp_path):
    folder = deliver(
        tmp_path,
        "309",
        "2018-03-31",
        {"header.csv": VALIDATOR_903 / "header.csv", "episodes.csv": VALIDATOR_903 / "episodes.csv"},
    )
    outcome, _ = ingest(fresh_warehouse, folder)
    assert outcome.status == "loaded", outcome.findings[:5]
    counts = raw_counts(fresh_warehouse)
    assert counts["ssda903_episodes"] == 5050
    assert counts["ssda903_header"] == 2675
    [(children, first)] = query(
        fresh_warehouse, "select count(distinct child), min(decom) from raw.ssda903_episodes_typed"
    )
    assert children == 2123
    assert first.year == 2015  # DD/MM/YYYY read day first, as dates


def test_every_other_fake_csv_loads_as_its_table(fresh_warehouse, tmp_path):
    tables = {
        "uasc.csv": "ssda903_uasc",
        "reviews.csv": "ssda903_reviews",
        "missing.csv": "ssda903_missing",
        "oc2.csv": "ssda903_oc2",
        "oc3.csv": "ssda903_oc3",
        "ad1.csv": "ssda903_ad1",
        "placed_for_adoption.csv": "ssda903_placed_adoption",
        "previous_permanence.csv": "ssda903_prev_perm",
        "sw_episodes.csv": "ssda903_sw_episodes",
        "DoLo.csv": "ssda903_dolo",
    }
    files = {name: VALIDATOR_903 / name for name in [*tables, "header.csv", "episodes.csv"]}
    outcome, _ = ingest(fresh_warehouse, deliver(tmp_path, "309", "2018-03-31", files))
    assert outcome.status == "loaded", outcome.findings[:5]
    counts = raw_counts(fresh_warehouse)
    assert {table: counts[table] for table in tables.values()} == {
        table: csv_rows(VALIDATOR_903 / name) for name, table in tables.items()
    }


def test_a_csv_with_a_byte_order_mark_and_crlf_line_ends_loads(fresh_warehouse, tmp_path):
    assert (VALIDATOR_903 / "sw_episodes.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    outcome, _ = ingest(
        fresh_warehouse, deliver(tmp_path, "309", "2024-03-31", {**GOOD, "sw.csv": VALIDATOR_903 / "sw_episodes.csv"})
    )
    assert outcome.status == "loaded"
    sw_episodes = query(
        fresh_warehouse,
        "select child, sw_id, sw_decom, raw.parse_date(sw_decom), sw_reason from raw.ssda903_sw_episodes",
    )
    assert sw_episodes == [("CHILD10", "SW999", "01/01/2020", date(2020, 1, 1), "SWLAZY")]


def test_a_csv_with_a_carriage_return_alone_for_its_line_breaks_loads(fresh_warehouse, tmp_path):
    episodes = GOOD_EPISODES.replace("\n", "\r")  # Excel for Mac's "CSV (Macintosh)"
    outcome, _ = ingest(
        fresh_warehouse, deliver(tmp_path, "309", "2016-03-31", {**WITH_HEADER, "episodes.csv": episodes})
    )
    assert outcome.status == "loaded", outcome.findings
    assert query(fresh_warehouse, "select source_row, child, decom from raw.ssda903_episodes order by source_row") == [
        (2, "1001", "01/04/2015"),
        (3, "1001", "01/06/2015"),
        (4, "1002", "10/01/2016"),
        (5, "1003", "05/05/2016"),
    ]


def test_a_workbook_with_a_megabyte_in_a_header_cell_is_read_without_matching_it_to_annex_a(fresh_warehouse, tmp_path):
    # Found by make fuzz: the Annex A header patterns (".*date.*birth.*") ran past its 60 s a case over a 1 MB cell.
    path = BROKEN / "audits_megabyte_header_cell.xlsx"
    outcome, _ = ingest(fresh_warehouse, deliver(tmp_path, "309", "2016-03-31", {path.name: path}))
    assert (outcome.status, outcome.findings) == ("loaded", [])  # a question 1 MB long is no door rule


def test_the_validators_xml_loads_every_table_it_holds(fresh_warehouse, tmp_path):
    outcome, lines = ingest(
        fresh_warehouse, deliver(tmp_path, "309", "2018-03-31", {"fake_903.xml": VALIDATOR_903 / "fake_903.xml"})
    )
    assert outcome.status == "loaded", outcome.findings[:5]
    # Counted independently of the reader: elements in the file, by the CLA.xsd structure.
    text = (VALIDATOR_903 / "fake_903.xml").read_text()
    expected = {
        "ssda903_header": text.count("<CHILD>"),
        "ssda903_episodes": text.count("<EPISODE>"),
        "ssda903_reviews": text.count("<AREVIEW>"),
        "ssda903_missing": text.count("<AMISSING>"),
        "ssda903_uasc": text.count("<DUC>"),
        "ssda903_oc3": text.count("<IN_TOUCH>"),
        "ssda903_ad1": text.count("<DATE_INT>"),
        "ssda903_placed_adoption": text.count("<AD_PLACED>"),
        "ssda903_prev_perm": text.count("<PERMANENCE>"),
        "ssda903_oc2": text.count("<OC2>"),
    }
    assert expected["ssda903_header"] == 253 and expected["ssda903_episodes"] == 459
    assert {table: raw_counts(fresh_warehouse)[table] for table in expected} == expected
    assert len([line for line in lines if "fake_903.xml[" in line]) == len(expected)


def test_the_xml_is_not_a_twin_of_the_csvs_it_is_another_fake_return():
    """The real difference: fake_903.xml is its own synthetic return (253 children, 459 episodes), not
    the XML form of header.csv/episodes.csv (2,675 children, 5,050 episodes): no child is in both."""
    xml_children = {row[1][0] for row in read_ssda903_xml(VALIDATOR_903 / "fake_903.xml")[0].rows()}
    with (VALIDATOR_903 / "header.csv").open() as handle:
        csv_children = {row["CHILD"] for row in csv.DictReader(handle)}
    assert len(xml_children) == 253 and len(csv_children) == 2675
    assert not xml_children & csv_children


def test_xml_columns_are_named_as_in_the_csv(fresh_warehouse, tmp_path):
    ingest(fresh_warehouse, deliver(tmp_path, "309", "2018-03-31", {"fake_903.xml": VALIDATOR_903 / "fake_903.xml"}))
    first_episode = query(
        fresh_warehouse,
        "select child, decom, place, rec from raw.ssda903_episodes_typed order by source_row, decom limit 1",
    )
    assert first_episode == [("907440", date(2017, 1, 6), "R5", "X1")]  # CHILDID is CHILD, PL is PLACE


def test_workbooks_that_hold_no_ssda903_table_are_recorded_as_ignored(fresh_warehouse, tmp_path):
    workbooks = [
        "ch_fake.xlsx",
        "combined_scp_ch_fake.xlsx",
        "scp_ch_2025_fake.xlsx",
        "scp_fake.xlsx",
        "scpch_assisted.xlsx",
    ]
    files = {name: VALIDATOR_903 / name for name in workbooks}
    outcome, _ = ingest(
        fresh_warehouse,
        deliver(tmp_path, "309", "2018-03-31", {**files, "header.csv": GOOD_HEADER, "episodes.csv": GOOD_EPISODES}),
    )
    assert outcome.status == "loaded"
    ignored = query(
        fresh_warehouse, "select file_name, sheet from ledger.delivery_files where status = 'ignored' order by 1, 2"
    )
    assert {name for name, _ in ignored} == set(workbooks)
    assert ("scp_fake.xlsx", "Providers closed in 2022-23") in ignored  # every sheet, by name


def test_an_ssda903_workbook_loads_one_table_per_sheet(fresh_warehouse, tmp_path):
    """What Excel does to a return: ids become floats, dates become date cells, columns trail off."""
    workbook = openpyxl.Workbook()
    header = workbook.active
    header.title = "Header"
    header.append(["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB", None, None])
    header.append([1001.0, 1, date(2010, 5, 1), "WBRI", None, None, None])
    header.append([1002.0, 2, date(2012, 9, 15), "MWBC"])
    header.append([None] * 9)  # a formatted but empty row at the bottom
    episodes = workbook.create_sheet("Episodes")
    episodes.append(["Episodes extract, 31 March 2016"])  # a title above the header row
    episodes.append(["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC"])
    episodes.append([1001.0, date(2015, 4, 1), "S", "C2", "N1", "U4", "PR1", date(2015, 6, 1), "X1"])
    episodes.append([1002, "10/01/2016", "s", " v2", "N4", "Z11", "PR1", None, None])
    workbook.create_sheet("Notes").append(["Anything the team keeps beside the data"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    folder = deliver(tmp_path, "309", "2016-03-31", {"return.xlsx": buffer.getvalue()})
    outcome, _ = ingest(fresh_warehouse, folder)
    assert outcome.status == "loaded", outcome.findings
    assert query(fresh_warehouse, "select child, dob from raw.ssda903_header_typed order by child") == [
        ("1001", date(2010, 5, 1)),
        ("1002", date(2012, 9, 15)),
    ]
    assert query(
        fresh_warehouse, "select child, decom, rne, ls, source_row from raw.ssda903_episodes_typed order by source_row"
    ) == [("1001", date(2015, 4, 1), "S", "C2", 3), ("1002", date(2016, 1, 10), "S", "V2", 4)]
    # raw keeps the cells as a CSV export would hold them; staging types them.
    assert query(fresh_warehouse, "select child, decom, rne, ls from raw.ssda903_episodes order by source_row") == [
        ("1001", "2015-04-01", "S", "C2"),
        ("1002", "10/01/2016", "s", " v2"),
    ]
    assert query(fresh_warehouse, "select sheet, status from ledger.delivery_files order by sheet") == [
        ("Episodes", "accepted"),
        ("Header", "accepted"),
        ("Notes", "ignored"),
    ]


# -- the LIIA samples -----------------------------------------------------------------------------


def test_liia_episodes_with_iso_dates_and_extra_columns_load(fresh_warehouse, tmp_path):
    """ISO dates, CRLF, and two columns (LA, YEAR) that are not SSDA903 columns."""
    sample = LIIA_TOOLS / "SSDA903_episodes_for_testing_fixes_INPUT.csv"
    children = sorted({row["CHILD"] for row in csv.DictReader(sample.open())})
    header = "CHILD,SEX,DOB,ETHNIC\n" + "".join(f"{child},1,01/01/2010,WBRI\n" for child in children)
    outcome, _ = ingest(
        fresh_warehouse, deliver(tmp_path, "309", "2022-03-31", {"header.csv": header, "episodes.csv": sample})
    )
    assert outcome.status == "loaded", outcome.findings
    assert raw_counts(fresh_warehouse)["ssda903_episodes"] == csv_rows(sample) == 23
    assert query(fresh_warehouse, "select min(decom) from raw.ssda903_episodes_typed") == [(date(2015, 6, 19),)]
    [(reason,)] = query(fresh_warehouse, "select reason from ledger.delivery_files where file_name = 'episodes.csv'")
    assert "LA, YEAR" in reason


def test_liia_2020_episodes_load_with_a_header(fresh_warehouse, tmp_path):
    header = "CHILD,SEX,DOB,ETHNIC\n689661,1,11/07/2015,WBRI\n249901,2,07/01/2013,WBRI\n"
    outcome, _ = ingest(
        fresh_warehouse,
        deliver(
            tmp_path,
            "309",
            "2020-03-31",
            {"header.csv": header, "episodes.csv": LIIA_TOOLS / "SSDA903_2020_episodes.csv"},
        ),
    )
    assert outcome.status == "loaded", outcome.findings
    assert raw_counts(fresh_warehouse)["ssda903_episodes"] == 5


def test_the_liia_pipeline_samples_are_quarantined_for_the_errors_put_in_them(fresh_warehouse, tmp_path):
    """Its header gives children 689661 and 249901 several rows; its episodes a blank LS and RNE *DUMMY*."""
    outcome, _ = ingest(
        fresh_warehouse,
        deliver(
            tmp_path,
            "309",
            "2020-03-31",
            {
                "header.csv": LIIA_PIPELINE / "SSDA903_2020_header.csv",
                "episodes.csv": LIIA_PIPELINE / "SSDA903_2020_episodes.csv",
            },
        ),
    )
    assert outcome.status == "quarantined"
    found = {(f.file_name, f.rule, f.row_number, f.column_name, f.value) for f in outcome.findings}
    assert ("header.csv", "duplicate-child", 3, "CHILD", "689661") in found
    assert ("header.csv", "duplicate-child", 6, "CHILD", "249901") in found
    assert ("episodes.csv", "blank-value", 3, "LS", None) in found
    assert ("episodes.csv", "unknown-code", 6, "RNE", "*DUMMY*") in found
    assert raw_counts(fresh_warehouse) == NOTHING_LOADED


# -- the broken corpus ---------------------------------------------------------------------------

# file -> (the files delivered with it, the finding it must produce: rule, row, column, value)
GOOD = {"header.csv": GOOD_HEADER, "episodes.csv": GOOD_EPISODES}
WITH_HEADER = {"header.csv": GOOD_HEADER}
WITH_EPISODES = {"episodes.csv": GOOD_EPISODES}
BROKEN_CORPUS = {
    "episodes_missing_decom_column.csv": (WITH_HEADER, ("required-column", 1, "DECOM", None)),
    "episodes_date_backwards.csv": (WITH_HEADER, ("date-format", 2, "DECOM", "2015/04/01")),
    "episodes_two_digit_year.csv": (WITH_HEADER, ("two-digit-year", 2, "DEC", "01/06/15")),
    "episodes_31_february.csv": (WITH_HEADER, ("impossible-date", 5, "DECOM", "31/02/2016")),
    "episodes_unknown_placement_code.csv": (WITH_HEADER, ("unknown-code", 4, "PLACE", "Q9")),
    "episodes_blank_child.csv": (WITH_HEADER, ("blank-value", 4, "CHILD", " ")),
    "episodes_ragged_row.csv": (WITH_HEADER, ("ragged-row", 4, "DEC", None)),
    "episodes_extra_value.csv": (WITH_HEADER, ("ragged-row", 5, None, None)),
    "episodes_duplicate_column.csv": (WITH_HEADER, ("duplicate-column", 1, "LS", None)),
    "episodes_unterminated_quote.csv": (WITH_HEADER, ("unreadable-row", 6, None, None)),
    "episodes_neither_utf8_nor_windows1252.csv": (WITH_HEADER, ("encoding", 2, None, None)),
    "episodes_header_only_no_header_table.csv": ({}, ("required-table", None, None, None)),
    "episodes_not_really.xlsx": (WITH_HEADER, ("unreadable-file", None, None, None)),
    "header_duplicate_child.csv": (WITH_EPISODES, ("duplicate-child", 5, "CHILD", "1002")),
    "header_unknown_sex_code.csv": (WITH_EPISODES, ("unknown-code", 3, "SEX", "X")),
    "header_blank_dob.csv": (WITH_EPISODES, ("blank-value", 4, "DOB", None)),
    "uasc_impossible_date.csv": (GOOD, ("impossible-date", 2, "DUC", "30/02/2030")),
    "truncated_903.xml": ({}, ("unreadable-file", 4, "32", None)),
    # XML with a DTD: line and column where the parser stopped, at the <!DOCTYPE (readers/xml_safety.py).
    "billion_laughs_903.xml": ({}, ("xml-dtd", 2, "22", None)),
    "external_entity_cin.xml": ({}, ("xml-dtd", 2, "19", None)),
    # Found by make fuzz: UTF-16 by its byte-order mark, us-ascii by its declaration. Expat gives up on
    # it, libxml2 reads it: its DTD was refused with no line. Now at the root element's line.
    "dtd_behind_a_mislabelled_encoding_903.xml": ({}, ("xml-dtd", 2, "1", None)),
    # Found by the fuzz (tests/fuzz): a sheet's XML damaged inside an intact zip crashed the run.
    "audits_damaged_sheet_xml.xlsx": ({}, ("unreadable-file", None, None, None)),
    "audits_empty_content_types.xlsx": ({}, ("unreadable-file", None, None, None)),  # lxml's error, not openpyxl's
    "audits_unknown_compression_method.xlsx": (
        {},
        ("unreadable-file", None, None, None),
    ),  # zipfile's NotImplementedError
    "empty_903.xml": ({}, ("unreadable-file", 1, "1", None)),  # found at line 0 (no line) before
    # A CR alone in the header line crashed the run (the csv module refused the line).
    "episodes_carriage_return_in_header.csv": (WITH_HEADER, ("unreadable-row", 2, None, None)),
    # A first line with a value over the csv module's 128 KB limit crashed the run: now no known table.
    "episodes_first_line_over_the_csv_field_limit.csv": (WITH_HEADER, ("required-table", None, None, None)),
    # A record inside another lost the outer one's rows before it in silence: now refused at its line.
    "nested_child_903.xml": ({}, ("nested-record", 8, None, None)),
    "nested_child_cin.xml": ({}, ("nested-record", 11, None, None)),
}


# Files the fuzz found crashing or hanging the run that, once fixed, load: each has a test of its own.
LOADED_ONCE_FIXED = {"audits_megabyte_header_cell.xlsx"}


def test_every_file_of_the_broken_corpus_says_what_it_breaks():
    assert sorted(path.name for path in BROKEN.iterdir()) == sorted([*BROKEN_CORPUS, *LOADED_ONCE_FIXED])


@pytest.mark.parametrize("name", sorted(BROKEN_CORPUS))
def test_a_broken_file_quarantines_its_delivery_with_its_own_finding(name, fresh_warehouse, tmp_path):
    companions, (rule, row, column, value) = BROKEN_CORPUS[name]
    before = raw_counts(fresh_warehouse)
    folder = deliver(tmp_path, "309", "2016-03-31", {**companions, name: BROKEN / name})
    outcome, lines = ingest(fresh_warehouse, folder)

    assert outcome.status == "quarantined"
    found = {(f.rule, f.row_number, f.column_name, f.value) for f in outcome.findings}
    assert (rule, row, column, value) in found
    assert raw_counts(fresh_warehouse) == before
    ledger = query(
        fresh_warehouse,
        "select v.status, f.rule, f.row_number, f.column_name, f.value"
        " from ledger.delivery_versions v join ledger.door_findings f"
        " using (delivery_version_id)",
    )
    assert ("quarantined", rule, row, column, value) in ledger
    if rule != "required-table":
        assert any(line.startswith(f"309/2016-03-31 {name}") for line in lines)
        assert query(fresh_warehouse, "select status from ledger.delivery_files where file_name = %s", [name]) == [
            ("quarantined",)
        ]


def test_a_finding_names_file_row_column_value_and_rule(fresh_warehouse, tmp_path):
    folder = deliver(
        tmp_path, "309", "2016-03-31", {**WITH_HEADER, "episodes.csv": BROKEN / "episodes_31_february.csv"}
    )
    outcome, _ = ingest(fresh_warehouse, folder)
    assert str(outcome.findings[0]) == (
        "episodes.csv row 5 column DECOM: DECOM '31/02/2016' is not a date in the calendar (CHILD 1003)"
        " [impossible-date]"
    )


def test_two_files_of_the_same_table_quarantine_the_delivery(fresh_warehouse, tmp_path):
    outcome, _ = ingest(
        fresh_warehouse, deliver(tmp_path, "309", "2016-03-31", {**GOOD, "episodes_again.csv": GOOD_EPISODES})
    )
    assert outcome.status == "quarantined"
    assert [f.rule for f in outcome.findings] == ["duplicate-table"]


def test_every_failing_value_is_reported_not_just_the_first(fresh_warehouse, tmp_path):
    episodes = GOOD_EPISODES.replace("01/04/2015", "1/4/15").replace("Z11", "ZZ").replace("K3", "K9")
    outcome, _ = ingest(
        fresh_warehouse, deliver(tmp_path, "309", "2016-03-31", {**WITH_HEADER, "episodes.csv": episodes})
    )
    assert sorted((f.rule, f.row_number) for f in outcome.findings) == [
        ("two-digit-year", 2),
        ("unknown-code", 3),
        ("unknown-code", 4),
    ]


# -- what real files do, accepted -----------------------------------------------------------------


def test_codes_of_every_collection_year_and_untidy_spellings_are_accepted(fresh_warehouse, tmp_path):
    header = "child, sex ,DOB,Ethnic\n1001,1,01/05/2010,WBRI\n1002,F,15/09/2012,MWBC\n1003, u ,3/3/2008,BAFR"
    episodes = GOOD_EPISODES.replace(",K3,", ", k3 ,").replace(",Z11,", ",z11,").replace(",PR4,", ",pr4 ,")
    outcome, _ = ingest(
        fresh_warehouse, deliver(tmp_path, "309", "2016-03-31", {"header.csv": header, "episodes.csv": episodes})
    )
    assert outcome.status == "loaded", outcome.findings
    assert query(fresh_warehouse, "select sex, dob from raw.ssda903_header_typed order by child") == [
        ("1", date(2010, 5, 1)),
        ("F", date(2012, 9, 15)),
        ("U", date(2008, 3, 3)),
    ]
    placements = query(
        fresh_warehouse, "select place, place_provider from raw.ssda903_episodes_typed order by source_row"
    )
    assert placements == [("U4", "PR1"), ("K3", "PR4"), ("Z11", "PR1"), ("U1", "PR1")]
    as_delivered = query(fresh_warehouse, "select place, place_provider from raw.ssda903_episodes order by source_row")
    assert as_delivered == [("U4", "PR1"), (" k3 ", "pr4 "), ("z11", "PR1"), ("U1", "PR1")]
    assert query(fresh_warehouse, "select sex, dob from raw.ssda903_header where child = '1003'") == [
        (" u ", "3/3/2008")
    ]


def test_windows_1252_trailing_empty_columns_and_rows_and_excel_ids(fresh_warehouse, tmp_path):
    header = (
        "CHILD,SEX,DOB,ETHNIC,UPN,,\r\n"
        "1001.0,1,01/05/2010,WBRI,Zo\u00eb,,\r\n"
        "1002,2,15/09/2012,MWBC,,,\r\n"
        "1003,1,03/03/2008,BAFR,,,\r\n"
        ",,,,,,\r\n,,,,,,\r\n\r\n"
    ).encode("cp1252")
    outcome, _ = ingest(
        fresh_warehouse, deliver(tmp_path, "309", "2016-03-31", {"header.csv": header, "episodes.csv": GOOD_EPISODES})
    )
    assert outcome.status == "loaded", outcome.findings
    assert query(fresh_warehouse, "select child, upn from raw.ssda903_header_typed order by child") == [
        ("1001", "Zo\u00eb"),
        ("1002", None),
        ("1003", None),
    ]
    assert query(fresh_warehouse, "select child from raw.ssda903_header order by source_row") == [
        ("1001.0",),
        ("1002",),
        ("1003",),
    ]  # as delivered: staging drops Excel's .0
    counted = query(
        fresh_warehouse, "select rows_read, rows_loaded from ledger.delivery_files where file_name = 'header.csv'"
    )
    assert counted == [(5, 3)]  # the two rows of commas are read, and are not rows


def test_a_blank_file_and_an_unknown_file_are_ignored_and_recorded(fresh_warehouse, tmp_path):
    outcome, lines = ingest(
        fresh_warehouse,
        deliver(
            tmp_path,
            "309",
            "2016-03-31",
            {
                **GOOD,
                "empty.csv": b"",
                "blank.csv": b"\r\n\r\n",
                "notes.pdf": b"%PDF-1.4",
                "list.csv": "Name,Team\nA,B\n",
            },
        ),
    )
    assert outcome.status == "loaded"
    assert dict(
        query(fresh_warehouse, "select file_name, reason from ledger.delivery_files where status = 'ignored'")
    ) == {
        "empty.csv": "empty file",
        "blank.csv": "empty file",
        "notes.pdf": "not a format the warehouse reads (.csv, .txt, .xlsm, .xlsx, .xml)",
        "list.csv": "not a table the warehouse knows (its header row matches no table)",
    }
    assert sum("ignored" in line for line in lines) == 4


def test_a_semicolon_separated_export_loads(fresh_warehouse, tmp_path):
    outcome, _ = ingest(
        fresh_warehouse,
        deliver(
            tmp_path, "309", "2016-03-31", {"header.csv": GOOD_HEADER.replace(",", ";"), "episodes.csv": GOOD_EPISODES}
        ),
    )
    assert outcome.status == "loaded", outcome.findings
    assert raw_counts(fresh_warehouse)["ssda903_header"] == 3


# -- versions ------------------------------------------------------------------------------------


def test_the_same_delivery_twice_changes_nothing(fresh_warehouse, tmp_path):
    folder = deliver(tmp_path, "309", "2016-03-31", GOOD)
    first, _ = ingest(fresh_warehouse, folder)
    counts = raw_counts(fresh_warehouse)
    again, lines = ingest(fresh_warehouse, folder)
    assert again.already_loaded and again.delivery_version_id == first.delivery_version_id
    assert raw_counts(fresh_warehouse) == counts
    assert query(fresh_warehouse, "select count(*) from ledger.delivery_versions") == [(1,)]
    assert "loaded before" in lines[0]


def test_a_correction_is_a_new_version_and_both_stay_in_raw(fresh_warehouse, tmp_path):
    folder = deliver(tmp_path, "309", "2016-03-31", GOOD)
    first, _ = ingest(fresh_warehouse, folder)
    corrected = GOOD_EPISODES.replace("1003,05/05/2016,", "1003,06/05/2016,")
    (folder / "episodes.csv").write_text(corrected)
    second, _ = ingest(fresh_warehouse, folder)
    assert second.status == "loaded" and second.delivery_version_id != first.delivery_version_id
    per_version = query(
        fresh_warehouse, "select delivery_version_id, max(decom) from raw.ssda903_episodes_typed group by 1 order by 1"
    )
    assert per_version == [
        (first.delivery_version_id, date(2016, 5, 5)),
        (second.delivery_version_id, date(2016, 5, 6)),
    ]
    # The ledger orders them as int_versions_reported does: the newest is reported from then on.
    newest = query(
        fresh_warehouse,
        "select delivery_version_id from ledger.delivery_versions"
        " where la_code = '309' and extract_date = '2016-03-31'"
        " order by received_at desc, delivery_version_id desc limit 1",
    )
    assert newest == [(second.delivery_version_id,)]


def test_a_quarantined_delivery_sent_again_unchanged_stays_quarantined(fresh_warehouse, tmp_path):
    folder = deliver(
        tmp_path, "309", "2016-03-31", {**WITH_HEADER, "episodes.csv": BROKEN / "episodes_31_february.csv"}
    )
    ingest(fresh_warehouse, folder)
    again, _ = ingest(fresh_warehouse, folder)
    assert again.already_loaded and again.status == "quarantined"
    assert query(fresh_warehouse, "select count(*) from ledger.delivery_versions") == [(1,)]


# -- the door's fast path reads dates exactly as the strict rules do -------------------------------

TRICKY_DATES = [
    "01/02/2015",
    "1/2/2015",
    " 01/02/2015",
    "01/02/2015 ",
    "2015-02-01",
    "29/02/2016",
    "29/02/2015",
    "31/04/2015",
    "00/01/2015",
    "01/02/15",
    "01/02/2O15",
    "01/02/1e03",
    "1 /02/2015",
    "+1/02/2015",
    "2015-2-1",
    "2015/02/01",
    "01.02.2015",
    "J2451187",
    "2015-02-01 00:00:00",
    "12/31/2015",
]


@pytest.mark.parametrize("value", TRICKY_DATES)
def test_a_date_is_accepted_exactly_when_raw_parse_date_reads_it(value, fresh_warehouse, tmp_path):
    [(strict,)] = query(fresh_warehouse, "select raw.parse_date(%s)", [value])
    episodes = GOOD_EPISODES.replace("01/04/2015", f'"{value}"', 1)
    outcome, _ = ingest(
        fresh_warehouse, deliver(tmp_path, "309", "2016-03-31", {**WITH_HEADER, "episodes.csv": episodes})
    )
    assert outcome.status == ("loaded" if strict else "quarantined"), outcome.findings
    if strict:
        loaded = query(fresh_warehouse, "select decom from raw.ssda903_episodes_typed where source_row = 2")
        assert loaded == [(strict,)]


# -- the command line ----------------------------------------------------------------------------


def test_csc_ingest_prints_a_line_per_file_and_fails_when_anything_is_quarantined(fresh_warehouse, tmp_path):
    deliver(tmp_path, "309", "2016-03-31", GOOD)
    deliver(tmp_path, "309", "2016-04-07", {**WITH_HEADER, "episodes.csv": BROKEN / "episodes_two_digit_year.csv"})
    result = csc("ingest", str(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "309/2016-03-31 episodes.csv: Episodes, 4 rows read, 4 loaded" in result.stdout
    assert "309/2016-03-31 header.csv: Header, 3 rows read, 3 loaded" in result.stdout
    assert "QUARANTINED 309/2016-04-07" in result.stdout
    assert "episodes.csv row 2 column DEC: DEC '01/06/15' has a two-digit year" in result.stdout

    ledger = csc("ledger")
    assert ledger.returncode == 0, ledger.stderr
    assert "2016-04-07" in ledger.stdout and "two-digit-year" in ledger.stdout


def test_csc_ingest_succeeds_when_nothing_is_quarantined(fresh_warehouse, tmp_path):
    result = csc("ingest", str(deliver(tmp_path, "310", "2016-03-31", GOOD)))
    assert result.returncode == 0, result.stdout + result.stderr
