"""The DfE's CIN rules (issue 17, the CIN half): the door keeps each CIN census whole, and
csc_warehouse.returns runs the CIN ruleset of its collection year on it, in the validators' environment.

The integration tests deliver the CIN validator's own fake census (332 children) as one authority, let the
delivery gate check it, run the entry point with the validators' interpreter (CSC_VALIDATORS_PYTHON), as the
weekly DAG does, and hold what it wrote to dq, and return readiness, against the validator run on the same
file by its own reader. Erasure and purge are held on small hand-made censuses.
"""

from __future__ import annotations

import hashlib
import json

import psycopg
import pytest
from conftest import empty_warehouse
from loading_fixtures import VALIDATOR_CIN, deliver, ingest
from lxml import etree
from test_return_rules import accept, build_return_readiness, return_readiness
from validator_fixtures import cin_library_counts, validators_python

from csc_warehouse import quality, retention, return_gate

FAKE_CENSUS = VALIDATOR_CIN / "fake_CIN_data.xml"
LEA = "975"  # the fake census's own <LEA>
EXTRACT_DATE = "2023-03-31"  # collection 2022/23: ruleset cin2022_23


def query(url: str, statement: str, params=()) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(statement, params).fetchall()


def run_checks(url: str, version: int) -> dict[str, dict]:
    """The entry point on one version, as the weekly DAG's task runs it: its JSON line per return."""
    lines = validators_python("-m", "csc_warehouse.returns.run", str(version), url=url).splitlines()
    return {check["return_type"]: check for check in map(json.loads, lines)}


# -- the validator's fake census, through the door and back ---------------------------------------


@pytest.fixture(scope="module")
def fake_census_checked(warehouse_url, tmp_path_factory):
    """The fake census delivered as authority 975, judged by the delivery gate, and checked by the entry point
    on every version the weekly run would check: the versions, the JSON lines, and the validator's own counts."""
    empty_warehouse(warehouse_url)
    landing = tmp_path_factory.mktemp("landing")
    outcome, _ = ingest(warehouse_url, deliver(landing, LEA, EXTRACT_DATE, {"census.xml": FAKE_CENSUS}))
    assert outcome.status == "loaded", outcome.findings[:5]
    versions = return_gate.versions_to_check(quality.check_deliveries("a run", url=warehouse_url).to_xcom())
    checked = {version: run_checks(warehouse_url, version) for version in versions}
    library = cin_library_counts(FAKE_CENSUS, ruleset="cin2022_23")
    return outcome.delivery_version_id, checked, library


@pytest.mark.slow
def test_the_weekly_run_checks_a_version_that_delivered_only_a_cin_census(fake_census_checked):
    version, checked, _library = fake_census_checked
    assert list(checked) == [version]
    assert (checked[version]["SSDA903"]["checked"], checked[version]["CIN"]["checked"]) == (False, True)


@pytest.mark.slow
def test_the_records_per_cin_rule_equal_the_validators_own_count_on_the_same_file(fake_census_checked, warehouse_url):
    version, checked, library = fake_census_checked
    written = dict(
        query(warehouse_url, "select rule_code, count(*) from dq.return_errors where return_type = 'CIN' group by 1")
    )
    assert len(library) > 10  # the fake census breaks rules of the child, its referrals and the return
    assert written == library
    assert checked[version]["CIN"]["findings"] == sum(library.values())
    assert checked[version]["CIN"]["rules_flagged"] == sorted(library)


@pytest.mark.slow
def test_the_cin_check_records_its_years_ruleset(fake_census_checked, warehouse_url):
    [row] = query(
        warehouse_url,
        "select return_type, collection_year, ruleset, ruleset_note, local_authority, rules_run, rules_failed"
        " from dq.return_checks",
    )
    assert row == ("CIN", 2023, "cin2022_23", None, None, 105, [])


def child_ids_by_position(census: bytes) -> dict[int, str]:
    """Each <Child> of a census by its position in the file (1-based): its LAchildID."""
    children = etree.fromstring(census).iter("Child")
    return {position: child.findtext("ChildIdentifiers/LAchildID") for position, child in enumerate(children, 1)}


@pytest.mark.slow
def test_each_cin_finding_names_its_childs_place_in_the_file_and_its_key_not_its_id(fake_census_checked, warehouse_url):
    positions = child_ids_by_position(FAKE_CENSUS.read_bytes())
    findings = query(
        warehouse_url,
        "select table_name, row_number, child_key, source_file from dq.return_errors where return_type = 'CIN'",
    )
    by_child = [(row, key) for table, row, key, _file in findings if table not in ("Header", None)]
    assert by_child and all(row in positions for row, _key in by_child)
    with psycopg.connect(warehouse_url) as conn:
        keys = dict(
            conn.execute(
                "select position, keys.child_key(%s, raw.clean_id(child_id))"
                " from unnest(%s::int[], %s::text[]) as child (position, child_id)",
                [LEA, list(positions), list(positions.values())],
            ).fetchall()
        )
    assert all(key == keys[row] for row, key in by_child)
    assert not {key for _table, _row, key, _file in findings} & set(positions.values())
    # The census header and the return-level rule (2887Q: fewer than 8 disability codes) name no child.
    assert {(table, row, key) for table, row, key, _file in findings if table in ("Header", None)} == {
        ("Header", None, None),
        (None, None, None),
    }
    assert {source_file for *_rest, source_file in findings} == {"census.xml"}


@pytest.mark.slow
def test_cin_return_readiness_has_a_row_for_every_rule_the_library_flags_with_its_own_count(
    fake_census_checked, warehouse_url
):
    version, _checked, library = fake_census_checked
    accept(warehouse_url, version)  # whatever the gate said: return readiness reads accepted versions
    build_return_readiness()
    rows = return_readiness(warehouse_url)
    assert {row[3]: row[5] for row in rows} == library
    assert {(row[0], row[1], row[2]) for row in rows} == {(LEA, EXTRACT_DATE, "CIN")}
    assert all(row[4] for row in rows)  # every rule says what it means
    assert all(row[6] <= row[5] for row in rows)


# -- the census kept whole: loaded, erased from, purged -------------------------------------------


def census(*children: tuple[str, str]) -> str:
    """A small CIN census: each child (its LAchildID as the file holds it, a CP plan's start date)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Message>\n'
        "  <Header><CollectionDetails><Collection>CIN</Collection><Year>2024</Year>"
        "<ReferenceDate>2024-03-31</ReferenceDate></CollectionDetails><Source><LEA>309</LEA></Source></Header>\n"
        "  <Children>\n"
        + "".join(
            f"    <Child><ChildIdentifiers><LAchildID>{child_id}</LAchildID><PersonBirthDate>2015-03-27"
            "</PersonBirthDate><Sex>1</Sex></ChildIdentifiers><ChildCharacteristics><Ethnicity>WBRI</Ethnicity>"
            f"</ChildCharacteristics><CINdetails><CINreferralDate>2023-06-01</CINreferralDate><ChildProtectionPlans>"
            f"<CPPstartDate>{start}</CPPstartDate><InitialCategoryOfAbuse>PHY</InitialCategoryOfAbuse>"
            "<LatestCategoryOfAbuse>PHY</LatestCategoryOfAbuse><NumberOfPreviousCPP>0</NumberOfPreviousCPP>"
            "</ChildProtectionPlans></CINdetails></Child>\n"
            for child_id, start in children
        )
        + "  </Children>\n</Message>\n"
    )


THREE_CHILDREN = census(("C1", "2023-07-01"), (" c2 ", "2023-08-01"), ("C3", "2023-09-01"))


def kept_censuses(url: str) -> list[tuple]:
    return query(
        url,
        "select delivery_version_id, la_code, source_file, census, size_bytes, sha256 from raw.cin_census_files",
    )


def test_the_door_keeps_a_cin_census_as_delivered(fresh_warehouse, tmp_path):
    outcome, _ = ingest(fresh_warehouse, deliver(tmp_path, "309", "2024-03-31", {"cin.xml": THREE_CHILDREN}))
    delivered = THREE_CHILDREN.encode()
    assert outcome.status == "loaded", outcome.findings[:5]
    assert kept_censuses(fresh_warehouse) == [
        (
            outcome.delivery_version_id,
            "309",
            "cin.xml",
            delivered,
            len(delivered),
            hashlib.sha256(delivered).hexdigest(),
        )
    ]


def test_a_quarantined_delivery_keeps_no_census(fresh_warehouse, tmp_path):
    broken = census(("C1", "2023-07-01"), ("C2", "not a date"))
    outcome, _ = ingest(fresh_warehouse, deliver(tmp_path, "309", "2024-03-31", {"cin.xml": broken}))
    assert outcome.status == "quarantined"
    assert kept_censuses(fresh_warehouse) == []


def test_erasing_a_child_rewrites_the_kept_census_without_their_child_element(fresh_warehouse, tmp_path):
    ingest(fresh_warehouse, deliver(tmp_path, "309", "2024-03-31", {"cin.xml": THREE_CHILDREN}))
    ingest(fresh_warehouse, deliver(tmp_path, "310", "2024-03-31", {"cin.xml": THREE_CHILDREN}))
    # The id as another extract writes it: compared as the door cleans ids, as for every raw table.
    erasure = retention.erase("309", "C2.0", requested_by="DPO", url=fresh_warehouse)
    kept = {
        la_code: (census_bytes, size, sha256)
        for _v, la_code, _f, census_bytes, size, sha256 in kept_censuses(fresh_warehouse)
    }
    rewritten, size, sha256 = kept["309"]
    assert child_ids_by_position(rewritten) == {1: "C1", 2: "C3"}
    assert (size, sha256) == (len(rewritten), hashlib.sha256(rewritten).hexdigest())
    second_child = THREE_CHILDREN.splitlines()[5] + "\n"
    assert rewritten.decode().replace("'", '"') == THREE_CHILDREN.replace(second_child, "").rstrip("\n")
    assert kept["310"][0] == THREE_CHILDREN.encode(), "another authority's child of the same id stays"
    assert erasure.rows_deleted == {
        "raw.cin_cp_plans": 1,
        "raw.cin_referrals": 1,
        "raw.cin_census_files (<Child> elements removed)": 1,
    }


def test_erasing_a_child_no_census_holds_leaves_the_censuses_as_they_were(fresh_warehouse, tmp_path):
    ingest(fresh_warehouse, deliver(tmp_path, "309", "2024-03-31", {"cin.xml": THREE_CHILDREN}))
    erasure = retention.erase("309", "C9", requested_by="DPO", url=fresh_warehouse)
    assert [row[3] for row in kept_censuses(fresh_warehouse)] == [THREE_CHILDREN.encode()]
    assert erasure.rows_deleted == {}


def test_a_purged_version_takes_its_census_and_its_cin_findings_with_it(fresh_warehouse, tmp_path):
    outcome, _ = ingest(fresh_warehouse, deliver(tmp_path, "309", "2024-03-31", {"cin.xml": THREE_CHILDREN}))
    version = outcome.delivery_version_id
    with psycopg.connect(fresh_warehouse) as conn:
        conn.execute(
            "update ledger.delivery_versions set status = 'rejected', received_at = now() - interval '100 days'"
            " where delivery_version_id = %s",
            [version],
        )
        conn.execute(
            "insert into dq.return_checks (delivery_version_id, la_code, return_type, extract_date, collection_year,"
            " ruleset, rules_run, rules_skipped, findings) values (%s, '309', 'CIN', '2024-03-31', 2024,"
            " 'cin2023_24', 105, 0, 1)",
            [version],
        )
        conn.execute(
            "insert into dq.return_errors (delivery_version_id, la_code, return_type, ruleset, rule_code,"
            " table_name, row_number, child_key) values (%s, '309', 'CIN', 'cin2023_24', '8610', 'CINdetails', 2,"
            " keys.child_key('309', 'C2'))",
            [version],
        )
    [purged] = retention.purge(90, url=fresh_warehouse)
    # Its three CP plans and their three referrals, and the census kept whole.
    assert (purged.delivery_version_id, purged.why, purged.rows_deleted) == (version, "rejected", 3 + 3 + 1)
    assert kept_censuses(fresh_warehouse) == []
    assert query(fresh_warehouse, "select count(*) from dq.return_errors") == [(0,)]
