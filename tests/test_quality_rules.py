"""The SSDA903 delivery checks on the public validator's fake data: for each DfE rule code, the
number of flagged episodes equals a count worked out here, in Python, from the CSV files."""

import csv
import shutil
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from loading_fixtures import VALIDATOR_903 as FAKE_DATA

from csc_warehouse import landing, loading, quality

EXTRACT_DATE = date(2018, 4, 1)


def parse(text):
    return datetime.strptime(text, "%d/%m/%Y").date() if text else None


def read_episodes():
    with (FAKE_DATA / "episodes.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    episodes = []
    for line, row in enumerate(rows, start=2):
        episodes.append(
            {
                "line": line,
                "child": row["CHILD"].strip(),
                "decom": parse(row["DECOM"]),
                "dec": parse(row["DEC"]),
                "ls": row["LS"],
                "rne": row["RNE"],
                "rec": row["REC"],
            }
        )
    return episodes


def by_child_in_order(episodes):
    children = defaultdict(list)
    for episode in episodes:
        children[episode["child"]].append(episode)
    for child_episodes in children.values():
        child_episodes.sort(key=lambda e: (e["decom"], e["line"]))
    return children


def episodes_in_long_chains(episodes, legal_status, limit_days):
    """Consecutive episodes of one legal status (each starting when the previous ended) lasting > limit."""
    flagged = 0
    for child_episodes in by_child_in_order(episodes).values():
        chains = []
        for previous, episode in zip([None, *child_episodes], child_episodes, strict=False):
            continues = previous is not None and previous["ls"] == episode["ls"] and previous["dec"] == episode["decom"]
            if continues:
                chains[-1].append(episode)
            else:
                chains.append([episode])
        for chain in chains:
            if chain[0]["ls"] != legal_status:
                continue
            end = chain[-1]["dec"] or EXTRACT_DATE
            if (end - chain[0]["decom"]).days > limit_days:
                flagged += len(chain)
    return flagged


def expected_counts():
    episodes = read_episodes()
    ordered = by_child_in_order(episodes)
    with (FAKE_DATA / "header.csv").open(newline="") as handle:
        birth = {row["CHILD"].strip(): parse(row["DOB"]) for row in csv.DictReader(handle)}
    starts = {(e["child"], e["decom"]) for e in episodes}

    def eighteenth_birthday(born):
        try:
            return born.replace(year=born.year + 18)
        except ValueError:  # 29 February
            return born.replace(year=born.year + 18, day=28) + timedelta(days=1)

    return {
        "356": sum(1 for e in episodes if e["dec"] and e["dec"] < e["decom"]),
        "355": sum(1 for e in episodes if e["dec"] == e["decom"]),
        "361": episodes_in_long_chains(episodes, "L1", 3),
        "362": episodes_in_long_chains(episodes, "L2", 21),
        "363": episodes_in_long_chains(episodes, "L3", 7),
        "501": sum(
            1
            for eps in ordered.values()
            for prev, e in zip(eps, eps[1:], strict=False)
            if prev["dec"] and e["decom"] < prev["dec"]
        ),
        "142": sum(
            1 for eps in ordered.values() for e, _following in zip(eps, eps[1:], strict=False) if e["dec"] is None
        ),
        "388": sum(1 for e in episodes if e["rec"] == "X1" and e["dec"] and (e["child"], e["dec"]) not in starts),
        "352": sum(1 for e in episodes if e["rne"] == "S" and e["decom"] >= eighteenth_birthday(birth[e["child"]])),
    }


@pytest.fixture(scope="module")
def fake_data_checked(warehouse_url, tmp_path_factory):
    from conftest import empty_warehouse

    empty_warehouse(warehouse_url)
    folder = tmp_path_factory.mktemp("landing") / "309" / EXTRACT_DATE.isoformat()
    folder.mkdir(parents=True)
    for name in ("header.csv", "episodes.csv"):
        shutil.copy(FAKE_DATA / name, folder / name)
    [outcome] = loading.ingest_deliveries([landing.delivery_at(folder)], url=warehouse_url)
    assert outcome.status == "loaded", outcome.reason
    verdict = quality.check_deliveries("fake-data-rules", url=warehouse_url)
    with psycopg.connect(warehouse_url) as conn:
        flagged = dict(
            conn.execute(
                "select rule_code, unexpected_count from dq.validations"
                " where run_id = 'fake-data-rules' and rule_code is not null"
            ).fetchall()
        )
    return verdict, flagged


@pytest.mark.parametrize("rule", ["356", "355", "361", "362", "363", "501", "142", "388", "352"])
def test_each_rule_flags_the_episodes_worked_out_independently(fake_data_checked, rule):
    _verdict, flagged = fake_data_checked
    assert flagged[rule] == expected_counts()[rule]


def test_the_fake_data_breaks_rules_that_the_checks_then_flag(fake_data_checked):
    _verdict, flagged = fake_data_checked
    expected = expected_counts()
    # The validator's fake data is random: several rules are broken, so the checks are not vacuous.
    assert sum(1 for rule in expected if expected[rule] > 0) >= 5
    assert all(flagged[rule] > 0 for rule in expected if expected[rule] > 0)


def test_flagged_records_carry_no_child_id_or_postcode(fake_data_checked, warehouse_url):
    with psycopg.connect(warehouse_url) as conn:
        records = [
            row[0]
            for row in conn.execute(
                "select record::text from dq.flagged_records join dq.validations using (validation_id)"
                " where run_id = 'fake-data-rules'"
            )
        ]
        children = {row[0] for row in conn.execute("select child from raw.ssda903_episodes")}
        postcodes = {
            row[0] for row in conn.execute("select home_post from raw.ssda903_episodes where home_post is not null")
        }
    assert records
    text = "\n".join(records)
    assert not any(f'"{child}"' in text for child in children)
    assert not any(postcode in text for postcode in postcodes)


def test_the_gate_builds_data_docs_once_at_its_end_with_one_validation_per_suite(fake_data_checked):
    # No checkpoint rebuilds the Data Docs (that cost 23.5 s for 60 checkpoints); the gate does, once,
    # with one validation per suite over every version it checked.
    verdict, _flagged = fake_data_checked
    index = Path(verdict.data_docs)
    assert index.name == "index.html" and index.exists()
    pages = list((index.parent / "validations").rglob("*fake_data_rules*.html"))
    assert sorted(page.name for page in pages) == [
        "warehouse-ssda903_episodes_fake_data_rules.html",
        "warehouse-ssda903_header_fake_data_rules.html",
    ]
