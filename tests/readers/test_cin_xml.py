"""The CIN census XML: its child protection plans as CP plans rows, one per plan, with the child's
identifiers; its referrals, assessments, CIN plans and section 47 enquiries as rows of their own
tables, each with its child and referral; the file's LEA handed to loading (the folder's la_code wins)."""

import pytest
from loading_fixtures import VALIDATOR_CIN as CIN_SAMPLES

from csc_warehouse import tables
from csc_warehouse.readers import ReaderError, cin_xml, read_file


def rows_of(path, table):
    """The source of one table in the census, and its rows as dicts with their row numbers."""
    [source] = [source for source in read_file(path) if source.table is table]
    return source, [dict(zip(table.columns, values, strict=True)) | {"row": row} for row, values in source.rows()]


def plans(path):
    return rows_of(path, tables.CIN_CP_PLANS)


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
      <CINdetails><CINreferralDate>2022-10-06</CINreferralDate><ReferralSource>3A</ReferralSource>
        <PrimaryNeedCode>N1</PrimaryNeedCode><CINclosureDate>2023-04-01</CINclosureDate>
        <ReasonForClosure>RC7</ReasonForClosure>
        <Assessments><AssessmentActualStartDate>2022-10-07</AssessmentActualStartDate>
          <AssessmentAuthorisationDate>2022-11-30</AssessmentAuthorisationDate>
          <FactorsIdentifiedAtAssessment><AssessmentFactors>3A</AssessmentFactors>
            <AssessmentFactors>4B</AssessmentFactors></FactorsIdentifiedAtAssessment></Assessments>
        <Assessments><AssessmentActualStartDate>2023-01-09</AssessmentActualStartDate></Assessments>
        <Section47><S47ActualStartDate>2022-10-10</S47ActualStartDate><InitialCPCtarget>2022-10-31</InitialCPCtarget>
          <DateOfInitialCPC>2022-10-28</DateOfInitialCPC><ICPCnotRequired>0</ICPCnotRequired></Section47>
        <ReferralNFA>0</ReferralNFA>
        <ChildProtectionPlans><CPPstartDate>2022-02-17</CPPstartDate><CPPendDate>2023-03-14</CPPendDate>
          <InitialCategoryOfAbuse>PHY</InitialCategoryOfAbuse><LatestCategoryOfAbuse>EMO</LatestCategoryOfAbuse>
          <NumberOfPreviousCPP>0</NumberOfPreviousCPP></ChildProtectionPlans>
        <PreProceedingsandFGDM><PPStartDate>2023-01-02</PPStartDate></PreProceedingsandFGDM>
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
      <CINdetails><CINreferralDate>2023-01-01</CINreferralDate><ReferralSource>6</ReferralSource>
        <CINPlanDates><CINPlanStartDate>2023-02-01</CINPlanStartDate></CINPlanDates>
        <ReferralNFA>false</ReferralNFA></CINdetails>
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


def test_every_referral_is_a_row_with_its_child(tmp_path):
    source, rows = rows_of(write(tmp_path, CENSUS), tables.CIN_REFERRALS)
    assert source.sheet == "Referrals" and source.row_label == "<CINdetails> in Child element"
    assert [(r["row"], r["LACHILDID"], r["CINREFERRALDATE"], r["REFERRALSOURCE"], r["REFERRALNFA"]) for r in rows] == [
        (1, "A1", "2022-10-06", "3A", "0"),
        (1, "A1", "2023-06-01", None, None),
        (2, "B2", "2023-01-01", "6", "false"),
    ]
    assert rows[0] | {"row": 1} == {
        "LACHILDID": "A1",
        "CINREFERRALDATE": "2022-10-06",
        "REFERRALSOURCE": "3A",
        "PRIMARYNEEDCODE": "N1",
        "CINCLOSUREDATE": "2023-04-01",
        "REASONFORCLOSURE": "RC7",
        "REFERRALNFA": "0",
        "row": 1,
    }


def test_an_assessment_carries_its_child_its_referral_and_its_factors_joined(tmp_path):
    source, rows = rows_of(write(tmp_path, CENSUS), tables.CIN_ASSESSMENTS)
    assert source.row_label == "<Assessments> in Child element"
    assert rows == [
        {
            "LACHILDID": "A1",
            "CINREFERRALDATE": "2022-10-06",
            "ASSESSMENTACTUALSTARTDATE": "2022-10-07",
            "ASSESSMENTINTERNALREVIEWDATE": None,
            "ASSESSMENTAUTHORISATIONDATE": "2022-11-30",
            "ASSESSMENTFACTORS": "3A,4B",
            "row": 1,
        },
        {
            "LACHILDID": "A1",
            "CINREFERRALDATE": "2022-10-06",
            "ASSESSMENTACTUALSTARTDATE": "2023-01-09",
            "ASSESSMENTINTERNALREVIEWDATE": None,
            "ASSESSMENTAUTHORISATIONDATE": None,
            "ASSESSMENTFACTORS": None,
            "row": 1,
        },
    ]


def test_section_47_enquiries_and_cin_plans_carry_their_child_and_referral(tmp_path):
    _source, enquiries = rows_of(write(tmp_path, CENSUS), tables.CIN_SECTION47)
    assert enquiries == [
        {
            "LACHILDID": "A1",
            "CINREFERRALDATE": "2022-10-06",
            "S47ACTUALSTARTDATE": "2022-10-10",
            "INITIALCPCTARGET": "2022-10-31",
            "DATEOFINITIALCPC": "2022-10-28",
            "ICPCNOTREQUIRED": "0",
            "row": 1,
        }
    ]
    _source, cin_plans = rows_of(write(tmp_path, CENSUS), tables.CIN_PLANS)
    assert cin_plans == [
        {
            "LACHILDID": "B2",
            "CINREFERRALDATE": "2023-01-01",
            "CINPLANSTARTDATE": "2023-02-01",
            "CINPLANENDDATE": None,
            "row": 2,
        }
    ]


def test_every_table_has_a_source_even_with_no_row_and_says_so():
    sources = {source.table.name: source for source in read_file(CIN_SAMPLES / "fake_CIN_data.xml")}
    assert list(sources) == ["cin_cp_plans", "cin_referrals", "cin_assessments", "cin_plans", "cin_section47"]
    assert sources["cin_section47"].warnings[0] == (
        "the census has no <Section47>, so no Section 47 enquiries rows: it says there are none"
    )
    assert not any("has no" in warning for warning in sources["cin_referrals"].warnings)


def test_the_elements_no_table_reads_are_named(tmp_path):
    for source in read_file(write(tmp_path, CENSUS)):
        assert source.warnings[-1] == "elements not read: PreProceedingsandFGDM (in CINdetails)"


def test_the_files_lea_is_passed_on_for_the_folder_to_overrule(tmp_path):
    assert {source.la_code_in_file for source in read_file(write(tmp_path, CENSUS))} == {"201"}


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
