"""The CIN census XML: its child protection plans as CP plans rows, one per plan, with the child's
identifiers; the file's LEA handed to loading (the folder's la_code wins)."""

import pytest
from loading_fixtures import VALIDATOR_CIN as CIN_SAMPLES

from csc_warehouse import tables
from csc_warehouse.readers import ReaderError, cin_xml, read_file

COLUMNS = list(tables.CIN_CP_PLANS.columns)


def plans(path):
    [source] = read_file(path)
    return source, [dict(zip(COLUMNS, values, strict=True)) | {"row": row} for row, values in source.rows()]


def write(tmp_path, text, name="cin.xml"):
    path = tmp_path / name
    path.write_text(text)
    return path


CENSUS = """<Message>
  <Header><CollectionDetails><Collection>CIN</Collection></CollectionDetails><Source><LEA>201</LEA></Source></Header>
  <Children>
    <Child>
      <ChildIdentifiers><LAchildID>A1</LAchildID><PersonBirthDate>2015-03-27</PersonBirthDate>
        <GenderCurrent>1</GenderCurrent></ChildIdentifiers>
      <ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics>
      <CINdetails><CINreferralDate>2022-10-06</CINreferralDate>
        <ChildProtectionPlans><CPPstartDate>2022-02-17</CPPstartDate><CPPendDate>2023-03-14</CPPendDate>
          <InitialCategoryOfAbuse>PHY</InitialCategoryOfAbuse><LatestCategoryOfAbuse>EMO</LatestCategoryOfAbuse>
          <NumberOfPreviousCPP>0</NumberOfPreviousCPP></ChildProtectionPlans>
      </CINdetails>
      <CINdetails><CINreferralDate>2023-06-01</CINreferralDate>
        <ChildProtectionPlans><CPPstartDate>2023-07-01</CPPstartDate>
          <InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse><LatestCategoryOfAbuse>NEG</LatestCategoryOfAbuse>
          <NumberOfPreviousCPP>1</NumberOfPreviousCPP></ChildProtectionPlans>
      </CINdetails>
    </Child>
    <Child>
      <ChildIdentifiers><LAchildID>B2</LAchildID><Sex>F</Sex></ChildIdentifiers>
      <ChildCharacteristics><Ethnicity>MWBC</Ethnicity></ChildCharacteristics>
      <CINdetails><CINreferralDate>2023-01-01</CINreferralDate></CINdetails>
    </Child>
  </Children>
</Message>"""


def test_every_plan_is_a_row_with_its_childs_identifiers(tmp_path):
    source, rows = plans(write(tmp_path, CENSUS))
    assert source.table is tables.CIN_CP_PLANS and source.sheet == "CP plans"
    assert rows == [
        {
            "LACHILDID": "A1",
            "PERSONBIRTHDATE": "2015-03-27",
            "SEX": "1",
            "ETHNICITY": "WBRI",
            "CPPSTARTDATE": "2022-02-17",
            "CPPENDDATE": "2023-03-14",
            "INITIALCATEGORYOFABUSE": "PHY",
            "LATESTCATEGORYOFABUSE": "EMO",
            "NUMBEROFPREVIOUSCPP": "0",
            "row": 1,
        },
        {
            "LACHILDID": "A1",
            "PERSONBIRTHDATE": "2015-03-27",
            "SEX": "1",
            "ETHNICITY": "WBRI",
            "CPPSTARTDATE": "2023-07-01",
            "CPPENDDATE": None,
            "INITIALCATEGORYOFABUSE": "NEG",
            "LATESTCATEGORYOFABUSE": "NEG",
            "NUMBEROFPREVIOUSCPP": "1",
            "row": 1,
        },
    ]  # B2 has no plan: no row


def test_the_files_lea_is_passed_on_for_the_folder_to_overrule(tmp_path):
    source, _ = plans(write(tmp_path, CENSUS))
    assert source.la_code_in_file == "201"


def test_a_census_with_no_plan_still_says_so(tmp_path):
    source, rows = plans(CIN_SAMPLES / "fake_CIN_data.xml")  # 332 children, none on a plan
    assert source.table is tables.CIN_CP_PLANS and rows == [] and source.la_code_in_file == "975"


@pytest.mark.parametrize(
    ("name", "plans_in_file"),
    [
        # Counted by hand: each file's <ChildProtectionPlans> elements.
        ("CIN_Census_2021.xml", 1),
        ("CIN_Census_2021_copy.xml", 1),
        ("CIN_Census_2021_no_assessment_factors.xml", 1),
        ("CIN_Census_2024.xml", 1),  # and a second child with no plan
        ("CIN_Census_2026.xml", 1),  # and a second child with no plan, and pre-proceedings
        ("CIN2rows.xml", 2),  # the same plan twice
    ],
)
def test_the_validators_samples_give_their_plans(name, plans_in_file):
    _source, rows = plans(CIN_SAMPLES / name)
    assert len(rows) == plans_in_file
    assert {row["CPPSTARTDATE"] for row in rows} <= {"1970-02-17", "2022-02-17"}
    assert all(row["LACHILDID"] == "DfEX0000001" and row["LATESTCATEGORYOFABUSE"] == "PHY" for row in rows)


def test_stray_text_between_elements_is_not_a_value():
    # The samples have "PersonBirthDate" as loose text inside ChildIdentifiers.
    _source, [row] = plans(CIN_SAMPLES / "CIN_Census_2024.xml")
    assert row["PERSONBIRTHDATE"] == "2015-03-27" and row["SEX"] == "1"


def test_a_message_that_is_not_a_cin_census_is_ignored(tmp_path):
    [source] = read_file(write(tmp_path, "<Message><Header/><Children/></Message>"))
    assert source.table is None and "<Message>" in source.warnings[0]


def test_a_census_that_is_not_well_formed_cannot_be_read(tmp_path):
    with pytest.raises(ReaderError) as raised:
        read_file(write(tmp_path, CENSUS[:600]))
    assert raised.value.problem.rule == "unreadable-file"


# -- the census the door keeps whole, and an erasure from it -------------------------------------


def test_the_census_is_marked_to_be_kept_whole(tmp_path):
    source, _rows = plans(write(tmp_path, CENSUS))
    assert source.keep_file_whole


def test_a_census_without_a_child_keeps_every_other_child_and_the_rest_of_the_document():
    census = ('<?xml version="1.0" encoding="UTF-8"?>\n' + CENSUS).encode()
    rewritten, removed = cin_xml.without_children(census, {"A1"})
    first_child = CENSUS[CENSUS.index("<Child>") : CENSUS.index("</Child>") + len("</Child>\n    ")]
    assert removed == 1
    assert rewritten.decode() == "<?xml version='1.0' encoding='UTF-8'?>\n" + CENSUS.replace(first_child, "")
    assert cin_xml.child_ids(rewritten) == ["B2"]


def test_a_census_without_the_child_comes_back_as_it_was():
    assert cin_xml.without_children(CENSUS.encode(), {"Z9"}) == (CENSUS.encode(), 0)


def test_the_last_child_removed_leaves_the_document_indented_as_before():
    rewritten, _ = cin_xml.without_children(CENSUS.encode(), {"B2"})
    assert rewritten.decode().endswith("</Child>\n  </Children>\n</Message>")
    assert cin_xml.child_ids(rewritten) == ["A1"]
