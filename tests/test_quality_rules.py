"""The SSDA903 delivery checks on the public validator's fake data: for each DfE rule code, the
number of flagged episodes equals a count worked out here, in Python, from the CSV files, and the count
the DfE's own validator (lac_validator, in the validators' environment) gives on the same files: one
answer per rule, on the fake data and on held-out shapes made here."""

import csv
import shutil
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import yaml
from loading_fixtures import VALIDATOR_903 as FAKE_DATA
from validator_fixtures import library_counts

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


def endings_disagreeing_with_the_next_episode(ordered):
    """Rule 388, the DfE's three cases: an X1 ending whose next episode does not start on its DEC; another
    REC whose next episode starts on its DEC; a child's last episode ending X1."""
    flagged = 0
    for eps in ordered.values():
        for episode, following in zip(eps, [*eps[1:], None], strict=True):
            if episode["dec"] is None:
                continue
            if following is None:
                flagged += episode["rec"] == "X1"
            elif episode["rec"] == "X1":
                flagged += episode["dec"] != following["decom"]
            elif episode["rec"]:
                flagged += episode["dec"] == following["decom"]
    return flagged


def expected_counts():
    episodes = read_episodes()
    ordered = by_child_in_order(episodes)
    with (FAKE_DATA / "header.csv").open(newline="") as handle:
        birth = {row["CHILD"].strip(): parse(row["DOB"]) for row in csv.DictReader(handle)}

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
        "388": endings_disagreeing_with_the_next_episode(ordered),
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


def test_rule_388_flags_the_21_episodes_the_dfe_validator_flags_on_its_fake_data(fake_data_checked):
    _verdict, flagged = fake_data_checked
    assert flagged["388"] == 21


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


# -- one answer per rule: where the gate and the DfE's validator check the same rule code ----------

SHARED_RULES = ["142", "352", "355", "356", "361", "362", "363", "388", "501"]


def gate_rule_codes() -> set[str]:
    """The DfE rule codes of the gate's SSDA903 checks (expectations/ssda903_*.yml)."""
    return {
        str(check["rule"])
        for path in sorted((Path(__file__).resolve().parents[1] / "expectations").glob("ssda903_*.yml"))
        for check in yaml.safe_load(path.read_text())["expectations"]
        if check.get("rule")
    }


def test_every_dfe_rule_the_gate_checks_is_compared_with_the_validator():
    assert gate_rule_codes() == set(SHARED_RULES)


# The validator measures an open legal-status chain (361-363) to its collection's end, the gate to the
# extract date: each is compared at the collection end next to the extract date (31 March 2018 for the
# fake data's 1 April 2018, 31 March 2021 for the held-out shapes). Each rule runs alone in the validator
# (validator_fixtures.library_counts says why).
def validator_alone(folder: Path, year: str) -> dict[str, int]:
    return library_counts(
        folder,
        ["header.csv", "episodes.csv"],
        ruleset="lac2022_23",
        year=year,
        authority="E09000014",
        rules=SHARED_RULES,
    )


@pytest.fixture(scope="module")
def validator_on_the_fake_data():
    return validator_alone(FAKE_DATA, "2018")


@pytest.mark.slow
@pytest.mark.parametrize("rule", SHARED_RULES)
def test_the_gate_and_the_validator_flag_as_many_records_on_the_fake_data(
    fake_data_checked, validator_on_the_fake_data, rule
):
    _verdict, flagged = fake_data_checked
    assert flagged[rule] == validator_on_the_fake_data.get(rule, 0)


# Held-out shapes, one child each, for rule 388's three cases and the episodes it must leave alone:
# 2001 ends X1 with the next episode starting four days later (case 1); 2002 ends E11 and the next
# starts that day (case 2); 2003's last episode ends X1 (case 3); 2004 moves on X1 the same day, then
# leaves care (E4A); 2005 is still looked after; 2006 leaves (E4A) and comes back later. 388: 3.
HELD_OUT_HEADER = """CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB
2001,1,01/05/2010,WBRI,,,
2002,2,15/09/2012,WBRI,,,
2003,1,03/03/2008,WBRI,,,
2004,2,01/05/2010,WBRI,,,
2005,1,15/09/2012,WBRI,,,
2006,2,03/03/2008,WBRI,,,
"""
HELD_OUT_EPISODES = """\
CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN
2001,01/04/2020,S,C2,N1,U4,PR1,01/06/2020,X1,,,,
2001,05/06/2020,S,C2,N1,U4,PR1,,,,,,
2002,01/04/2020,S,C2,N1,U4,PR1,01/06/2020,E11,,,,
2002,01/06/2020,S,C2,N1,U4,PR1,,,,,,
2003,01/04/2020,S,C2,N1,U4,PR1,01/06/2020,X1,,,,
2004,01/04/2020,S,C2,N1,U4,PR1,01/06/2020,X1,,,,
2004,01/06/2020,P,C2,N1,U1,PR1,01/09/2020,E4A,CARPL,,,
2005,01/04/2020,S,C2,N1,U4,PR1,,,,,,
2006,01/04/2020,S,C2,N1,U4,PR1,01/06/2020,E4A,,,,
2006,01/10/2020,S,C2,N1,U4,PR1,,,,,,
"""


@pytest.fixture(scope="module")
def held_out_checked(warehouse_url, tmp_path_factory):
    """The held-out shapes through the gate (as authority 309, extract 31 March 2021) and the validator."""
    from conftest import empty_warehouse

    empty_warehouse(warehouse_url)
    folder = tmp_path_factory.mktemp("held-out") / "309" / "2021-03-31"
    folder.mkdir(parents=True)
    (folder / "header.csv").write_text(HELD_OUT_HEADER)
    (folder / "episodes.csv").write_text(HELD_OUT_EPISODES)
    [outcome] = loading.ingest_deliveries([landing.delivery_at(folder)], url=warehouse_url)
    assert outcome.status == "loaded", outcome.reason
    quality.check_deliveries("held-out-rules", url=warehouse_url)
    with psycopg.connect(warehouse_url) as conn:
        flagged = dict(
            conn.execute(
                "select rule_code, unexpected_count from dq.validations"
                " where run_id = 'held-out-rules' and rule_code is not null"
            ).fetchall()
        )
    return flagged, validator_alone(folder, "2021")


@pytest.mark.slow
def test_rule_388_flags_each_of_its_three_cases_in_the_held_out_shapes(held_out_checked):
    flagged, library = held_out_checked
    assert flagged["388"] == library.get("388", 0) == 3


@pytest.mark.slow
@pytest.mark.parametrize("rule", SHARED_RULES)
def test_the_gate_and_the_validator_flag_as_many_records_on_the_held_out_shapes(held_out_checked, rule):
    flagged, library = held_out_checked
    assert flagged[rule] == library.get(rule, 0)
