"""The whole CIN census through the door and the gate, against a real PostgreSQL (contract 1.4).

The peer samples load every referral, assessment, section 47 enquiry and CIN plan they hold, counted
here by plain ElementTree paths over the same files, independently of the reader. Then the door's
findings on hand-made censuses: each names the table, the element and the position of its <Child>
in the file, the column and the rule. Then the gate's CIN census rules on a hand-made census.
"""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from loading_fixtures import VALIDATOR_CIN as CIN_SAMPLES
from loading_fixtures import deliver, ingest, query

from csc_warehouse import quality

SAMPLES = ["CIN_Census_2024.xml", "CIN_Census_2026.xml", "fake_CIN_data.xml"]
# Each table, the census element that is one of its rows, and the child element holding its start
# date (which, with the child, identifies it in the sample files).
ELEMENTS = {
    "cin_referrals": ("CINdetails", "CINreferralDate", "cinreferraldate"),
    "cin_assessments": ("CINdetails/Assessments", "AssessmentActualStartDate", "assessmentactualstartdate"),
    "cin_section47": ("CINdetails/Section47", "S47ActualStartDate", "s47actualstartdate"),
    "cin_plans": ("CINdetails/CINPlanDates", "CINPlanStartDate", "cinplanstartdate"),
}


def in_the_file(path, element, start):
    """(child, start date) of every `element` of every <Child>, as ElementTree finds them."""
    children = ElementTree.parse(path).getroot().findall("./Children/Child")
    return sorted(
        (child.findtext("ChildIdentifiers/LAchildID"), found.findtext(start))
        for child in children
        for found in child.findall(element)
    )


@pytest.mark.parametrize("name", SAMPLES)
def test_every_referral_assessment_section_47_and_cin_plan_of_a_sample_is_loaded(fresh_warehouse, tmp_path, name):
    outcome, _ = ingest(fresh_warehouse, deliver(tmp_path, "309", "2024-03-31", {name: CIN_SAMPLES / name}))
    assert outcome.status == "loaded", outcome.findings
    loaded = dict(query(fresh_warehouse, "select table_name, rows_loaded from ledger.delivery_files"))
    for table, (element, start, column) in ELEMENTS.items():
        expected = in_the_file(CIN_SAMPLES / name, element, start)
        assert sorted(query(fresh_warehouse, f"select lachildid, {column} from raw.{table}")) == expected, table
        assert loaded[table] == len(expected), table


def test_the_samples_hold_what_the_counts_above_cover():
    """The counts are not vacuous: fake_CIN_data.xml has 402 referrals and nothing else, the other two
    samples one of each (and the 2024 and 2026 files a second referral with a second assessment)."""
    counts = {
        name: {table: len(in_the_file(CIN_SAMPLES / name, *ELEMENTS[table][:2])) for table in ELEMENTS}
        for name in SAMPLES
    }
    assert counts == {
        "CIN_Census_2024.xml": {"cin_referrals": 2, "cin_assessments": 2, "cin_section47": 1, "cin_plans": 1},
        "CIN_Census_2026.xml": {"cin_referrals": 2, "cin_assessments": 2, "cin_section47": 1, "cin_plans": 1},
        "fake_CIN_data.xml": {"cin_referrals": 402, "cin_assessments": 0, "cin_section47": 0, "cin_plans": 0},
    }


def test_a_census_with_no_section_47_records_that_it_holds_none(fresh_warehouse, tmp_path):
    name = "fake_CIN_data.xml"
    ingest(fresh_warehouse, deliver(tmp_path, "975", "2023-03-31", {name: CIN_SAMPLES / name}))
    [(status, rows, reason)] = query(
        fresh_warehouse,
        "select status, rows_loaded, reason from ledger.delivery_files where table_name = 'cin_section47'",
    )
    assert (status, rows) == ("accepted", 0)
    assert "the census has no <Section47>" in reason


# -- the door on the census, hand-made -----------------------------------------------------------


def census(*children: str) -> str:
    return (
        "<Message><Header><CollectionDetails><Collection>CIN</Collection></CollectionDetails></Header><Children>"
        + "".join(children)
        + "</Children></Message>"
    )


def child(child_id: str, *referrals: str) -> str:
    return (
        f"<Child><ChildIdentifiers><LAchildID>{child_id}</LAchildID><Sex>F</Sex></ChildIdentifiers>"
        "<ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics>" + "".join(referrals) + "</Child>"
    )


def referral(date: str, *inside: str, source: str = "2A", nfa: str = "0") -> str:
    return (
        f"<CINdetails><CINreferralDate>{date}</CINreferralDate><ReferralSource>{source}</ReferralSource>"
        + "".join(inside)
        + f"<ReferralNFA>{nfa}</ReferralNFA></CINdetails>"
    )


def findings_of(url, tmp_path, text):
    outcome, _ = ingest(url, deliver(tmp_path, "309", "2024-03-31", {"census.xml": text}))
    assert outcome.status == "quarantined"
    return outcome.findings


def test_a_bad_date_names_the_element_the_childs_position_the_column_and_the_rule(fresh_warehouse, tmp_path):
    bad_assessment = "<Assessments><AssessmentActualStartDate>2024-02-30</AssessmentActualStartDate></Assessments>"
    [finding] = findings_of(
        fresh_warehouse,
        tmp_path,
        census(child("A1", referral("2024-01-05")), child("B2", referral("2024-02-01", bad_assessment))),
    )
    assert (finding.sheet, finding.row_label, finding.row_number, finding.column_name, finding.rule) == (
        "Assessments",
        "<Assessments> in Child element",
        2,
        "ASSESSMENTACTUALSTARTDATE",
        "impossible-date",
    )
    assert str(finding).startswith("census.xml[Assessments] <Assessments> in Child element 2 column")


def test_a_bad_code_names_the_element_the_childs_position_the_column_and_the_rule(fresh_warehouse, tmp_path):
    [finding] = findings_of(fresh_warehouse, tmp_path, census(child("A1", referral("2024-01-05", source="11"))))
    assert (finding.row_label, finding.row_number, finding.column_name, finding.value, finding.rule) == (
        "<CINdetails> in Child element",
        1,
        "REFERRALSOURCE",
        "11",
        "unknown-code",
    )


def test_referral_nfa_and_icpc_not_required_may_be_true_false_or_1_0_in_any_case(fresh_warehouse, tmp_path):
    s47 = (
        "<Section47><S47ActualStartDate>2024-01-08</S47ActualStartDate>"
        "<ICPCnotRequired>{}</ICPCnotRequired></Section47>"
    )
    text = census(
        child("A1", referral("2024-01-05", s47.format("True"), nfa="false")),
        child("B2", referral("2024-01-06", s47.format("0"), nfa="1")),
    )
    outcome, _ = ingest(fresh_warehouse, deliver(tmp_path, "309", "2024-03-31", {"census.xml": text}))
    assert outcome.status == "loaded", outcome.findings
    [finding] = findings_of(
        fresh_warehouse,
        tmp_path / "again",
        census(child("A1", referral("2024-01-05", s47.format("yes")))),
    )
    assert (finding.sheet, finding.column_name, finding.value, finding.rule) == (
        "Section 47 enquiries",
        "ICPCNOTREQUIRED",
        "yes",
        "unknown-code",
    )


def test_two_rows_for_one_referral_name_both_childrens_positions(fresh_warehouse, tmp_path):
    [finding] = findings_of(
        fresh_warehouse,
        tmp_path,
        census(child("A1", referral("2024-01-05")), child("B2"), child("a1", referral("2024-01-05", source="6"))),
    )
    assert (finding.row_label, finding.row_number, finding.column_name, finding.value, finding.rule) == (
        "<CINdetails> in Child element",
        3,
        "LACHILDID, CINREFERRALDATE",
        "A1, 2024-01-05",
        "duplicate-referral",
    )
    assert "(<CINdetails> in Child elements 1, 3)" in finding.message
    assert "one row per referral" in finding.message


# -- the gate on the census, hand-made ----------------------------------------------------------------


def assessment(start: str, authorised: str) -> str:
    return (
        f"<Assessments><AssessmentActualStartDate>{start}</AssessmentActualStartDate>"
        f"<AssessmentAuthorisationDate>{authorised}</AssessmentAuthorisationDate></Assessments>"
    )


def section47(start: str, icpc: str) -> str:
    return (
        f"<Section47><S47ActualStartDate>{start}</S47ActualStartDate><DateOfInitialCPC>{icpc}</DateOfInitialCPC>"
        "<ICPCnotRequired>0</ICPCnotRequired></Section47>"
    )


def closed(date: str, closure: str, *inside: str) -> str:
    return referral(date, *inside).replace("<ReferralNFA>", f"<CINclosureDate>{closure}</CINclosureDate><ReferralNFA>")


RULE_BREAKERS = census(
    child("A1", closed("2024-01-10", "2024-01-09")),  # closed the day before it started: 8630 (block)
    child("B2", closed("2024-01-10", "2024-01-10")),  # closed the day it started: fine
    child("C3", referral("2024-01-05", assessment("2024-01-08", "2024-01-07"), assessment("2024-01-09", "2024-02-01"))),
    child("D4", referral("2024-01-05", section47("2024-01-08", "2024-01-05"), section47("2024-01-09", "2024-01-09"))),
)
# Worked out by hand from the census above: one referral, the first assessment of C3, the first
# section 47 of D4 (an ICPC on the day the enquiry starts is not before it).
FLAGGED = {"8630": 1, "8608": 1, "8615": 1}


def test_each_cin_rule_flags_the_records_counted_by_hand_and_only_a_closure_before_the_referral_blocks(
    fresh_warehouse, tmp_path
):
    outcome, _ = ingest(fresh_warehouse, deliver(tmp_path, "309", "2024-03-31", {"census.xml": RULE_BREAKERS}))
    assert outcome.status == "loaded", outcome.findings
    verdict = quality.check_deliveries("test-cin-rules", url=fresh_warehouse)
    [version] = verdict.versions
    assert version.status == "rejected" and "referral_closed_before_it_started (DfE rule 8630)" in version.reason
    results = query(
        fresh_warehouse,
        "select suite, rule_code, severity, unexpected_count from dq.validations"
        " where run_id = 'test-cin-rules' and suite like 'cin\\_%' and suite <> 'cin_cp_plans'",
    )
    assert sorted(results) == [
        ("cin_assessments", "8608", "warn", 1),
        ("cin_referrals", "8630", "block", 1),
        ("cin_section47", "8615", "warn", 1),
    ]
    records = [row[0] for row in query(fresh_warehouse, "select record::text from dq.flagged_records")]
    assert len(records) == sum(FLAGGED.values()) and not any('"A1"' in record or '"C3"' in record for record in records)
