"""A header row picks out its table, and only its table."""

import pytest

from csc_warehouse import tables

DFE_HEADERS = {
    "Header": "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB",
    "Episodes": "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN",
    "UASC": "CHILD,SEX,DOB,DUC",
    "Reviews": "CHILD,DOB,REVIEW,REVIEW_CODE",
    "Missing": "CHILD,DOB,MISSING,MIS_START,MIS_END",
    "OC2": "CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,"
    "HEALTH_ASSESSMENT,SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED",
    "OC3": "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM",
    "AD1": "CHILD,DOB,DATE_INT,DATE_MATCH,FOSTER_CARE,NB_ADOPTR,SEX_ADOPTR,LS_ADOPTR",
    "PlacedAdoption": "CHILD,DOB,DATE_PLACED,DATE_PLACED_CEASED,REASON_PLACED_CEASED",
    "PrevPerm": "CHILD,DOB,PREV_PERM,LA_PERM,DATE_PERM",
    "SWEpisodes": "CHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON",
    "DoLo": "CHILD,DOB,DOLO_START,DOLO_END",
}


def test_there_is_a_spec_for_every_ssda903_table():
    assert sorted(table.title for table in tables.TABLES if table.source == "ssda903") == sorted(DFE_HEADERS)


@pytest.mark.parametrize("title", sorted(DFE_HEADERS))
def test_each_dfe_header_row_is_its_table(title):
    assert tables.recognise(DFE_HEADERS[title].split(",")).title == title


@pytest.mark.parametrize("title", sorted(DFE_HEADERS))
def test_the_columns_of_each_spec_are_the_dfe_columns(title):
    table = next(table for table in tables.TABLES if table.title == title)
    assert ",".join(table.columns) == DFE_HEADERS[title]
    assert set(table.required) <= set(table.columns) and set(table.dates) <= set(table.columns)


def test_uasc_and_header_share_child_sex_dob_and_are_told_apart():
    assert tables.recognise(["CHILD", "SEX", "DOB", "DUC"]).title == "UASC"
    assert tables.recognise(["CHILD", "SEX", "DOB", "ETHNIC"]).title == "Header"
    assert tables.recognise(["CHILD", "SEX", "DOB"]) is None  # could be either


def test_case_spaces_and_a_byte_order_mark_do_not_matter():
    assert tables.recognise(["\ufeffchild ", " decom", "Rne", "LS"]).title == "Episodes"


def test_a_file_missing_a_required_column_is_still_recognised_so_the_door_can_name_it():
    header = ["CHILD", "RNE", "LS", "CIN", "PLACE", "DEC", "REC"]
    assert tables.recognise(header).title == "Episodes"


def test_other_lists_are_no_table():
    assert tables.recognise(["Child Unique ID", "Gender", "Ethnicity", "Date of Birth"]) is None
    assert tables.recognise(["Local Authority", "URN", "Provider Type"]) is None  # one Episodes column only
    assert tables.recognise([]) is None


def test_the_xml_names_are_aliases_of_the_csv_names():
    table = tables.recognise(["CHILDID", "DECOM", "RNE", "LS", "CIN", "PL", "DEC", "REC"])
    assert tables.map_header(table, ["CHILDID", "DECOM", "PL", "EXTRA"]) == ["CHILD", "DECOM", "PLACE", None]


def test_a_column_named_twice_is_a_duplicate():
    header = ["CHILD", "LS", "ls ", "CHILDID"]
    assert tables.duplicated_columns(tables.SSDA903_EPISODES, header) == ["CHILD", "LS"]


def test_codes_are_the_union_since_2013_14():
    assert {"1", "2", "M", "F", "U"} == tables.SEX_CODES
    assert {"K3", "Z11", "Z12", "Z13", "Z14", "Z1"} <= tables.PLACEMENT_CODES


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("audit_theme,audit_date,case_ref,auditor,question_id,question_text,answer,comment", "audit_answers"),
        ("audit_theme,audit_date,case_ref,auditor,question_id,question_text,answer,comment,agency", "audit_answers"),
        ("audit_theme,planned_month,sample_size,lead", "audit_programme"),
        ("audit_theme,audit_period,action_id,action,lead,due_date,status,done_date", "audit_actions"),
    ],
)
def test_each_audit_header_row_is_its_table(header, name):
    assert tables.recognise(header.split(",")).name == name
