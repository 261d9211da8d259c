"""The demo deliveries say what the scenario intends, recomputed from the files by the contract's rules.

Nothing here imports the generator's internals: the files are read back with the csv module and
ElementTree (the CIN census XML), and the figures worked out from the data contract's definitions
(open on d, the week of as_at, periods of care, the 18th birthday rule), so a generator that meant
one thing and wrote another would fail.
"""

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest

from csc_warehouse.demo import DEMO_LA_CODE, DEMO_WEEKS, generate, intended_figures

SHORT_BREAKS = {"V3", "V4"}
RETURNED_HOME = {"E4A", "E4B", "E13"}
DD_MM_YYYY = re.compile(r"\d{2}/\d{2}/\d{4}")
DATE_COLUMNS = {"DOB", "MC_DOB", "DECOM", "DEC"}
CENSUS = "cin_census.xml"


# --- reading a delivery back -----------------------------------------------------------------------


def parse_date(text: str) -> date | None:
    if not text:
        return None
    assert DD_MM_YYYY.fullmatch(text), f"not DD/MM/YYYY: {text!r}"
    return datetime.strptime(text, "%d/%m/%Y").date()


def census_date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def read_census_plans(path: Path) -> list[dict[str, str]]:
    """The census's CP plans, one dict per <ChildProtectionPlans> with its child's identifiers."""
    rows = []
    for child in ElementTree.parse(path).getroot().iter("Child"):
        about = {e.tag: e.text for e in [*child.find("ChildIdentifiers"), *child.find("ChildCharacteristics")]}
        for plan in child.iterfind("CINdetails/ChildProtectionPlans"):
            rows.append(about | {e.tag: e.text for e in plan})
    return rows


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


@dataclass
class Episode:
    child: str
    decom: date
    dec: date | None
    rne: str
    rec: str
    ls: str


@dataclass
class Plan:
    child: str
    start: date
    end: date | None


@dataclass
class Delivery:
    as_at: date
    header: list[dict[str, str]]
    episode_rows: list[dict[str, str]]
    plan_rows: list[dict[str, str]]

    @property
    def episodes(self) -> list[Episode]:
        return [
            Episode(r["CHILD"], parse_date(r["DECOM"]), parse_date(r["DEC"]), r["RNE"], r["REC"], r["LS"])
            for r in self.episode_rows
        ]

    @property
    def plans(self) -> list[Plan]:
        return [
            Plan(r["LAchildID"], census_date(r["CPPstartDate"]), census_date(r.get("CPPendDate")))
            for r in self.plan_rows
        ]

    @property
    def dobs(self) -> dict[str, date]:
        return {row["CHILD"]: parse_date(row["DOB"]) for row in self.header}


def read_delivery(landing: Path, as_at: date) -> Delivery:
    folder = landing / DEMO_LA_CODE / as_at.isoformat()
    return Delivery(
        as_at,
        read_csv(folder / "header.csv")[1],
        read_csv(folder / "episodes.csv")[1],
        read_census_plans(folder / CENSUS),
    )


# --- the contract's definitions, in plain Python ---------------------------------------------------


def is_open(start: date, end: date | None, day: date) -> bool:
    return start <= day and (end is None or end > day)


def in_week(day: date | None, as_at: date) -> bool:
    return day is not None and as_at - timedelta(days=6) <= day <= as_at


def looked_after_episodes(delivery: Delivery) -> list[Episode]:
    return [e for e in delivery.episodes if e.ls not in SHORT_BREAKS]


def children_looked_after(delivery: Delivery, as_at: date) -> set[str]:
    return {e.child for e in looked_after_episodes(delivery) if is_open(e.decom, e.dec, as_at)}


def lac_starts(delivery: Delivery, as_at: date) -> int:
    return sum(e.rne == "S" and in_week(e.decom, as_at) for e in looked_after_episodes(delivery))


def lac_ceased(delivery: Delivery, as_at: date) -> int:
    return sum(e.rec != "X1" and in_week(e.dec, as_at) for e in looked_after_episodes(delivery))


def periods_of_care(delivery: Delivery) -> list[list[Episode]]:
    """Runs of a child's non-short-break episodes where each starts by the previous one's end."""
    by_child = defaultdict(list)
    for episode in looked_after_episodes(delivery):
        by_child[episode.child].append(episode)
    periods = []
    for episodes in by_child.values():
        episodes.sort(key=lambda e: e.decom)
        current = [episodes[0]]
        for episode in episodes[1:]:
            previous_end = current[-1].dec
            if previous_end is None or episode.decom <= previous_end:
                current.append(episode)
            else:
                periods.append(current)
                current = [episode]
        periods.append(current)
    return periods


def brief_returned_home(delivery: Delivery, as_at: date) -> int:
    count = 0
    for period in periods_of_care(delivery):
        end = period[-1].dec
        if end is not None and (end - period[0].decom).days <= 3 and in_week(end, as_at):
            count += period[-1].rec in RETURNED_HOME
    return count


def l1_chain_lengths(delivery: Delivery, as_at: date) -> list[int]:
    lengths = []
    for period in periods_of_care(delivery):
        chain: list[Episode] = []
        for episode in [*period, None]:
            if episode is not None and episode.ls == "L1":
                chain.append(episode)
                continue
            if chain:
                lengths.append(((chain[-1].dec or as_at) - chain[0].decom).days)
            chain = []
    return lengths


def children_on_plan(delivery: Delivery, as_at: date) -> int:
    return len({p.child for p in delivery.plans if is_open(p.start, p.end, as_at)})


def eighteenth_birthday(dob: date) -> date:
    if (dob.month, dob.day) == (2, 29):
        return date(dob.year + 18, 3, 1)
    return dob.replace(year=dob.year + 18)


def end_of_fifth_month_after(as_at: date) -> date:
    month_index = as_at.month - 1 + 5 + 1  # the month after the fifth, whose first day is the day after
    first_of_next = date(as_at.year + month_index // 12, month_index % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def turning_18(delivery: Delivery, as_at: date, until: date) -> int:
    dobs = delivery.dobs
    return sum(as_at < eighteenth_birthday(dobs[c]) <= until for c in children_looked_after(delivery, as_at))


def figures_from_files(delivery: Delivery) -> dict[str, int]:
    as_at = delivery.as_at
    return {
        "children_looked_after": len(children_looked_after(delivery, as_at)),
        "lac_starts": lac_starts(delivery, as_at),
        "lac_ceased": lac_ceased(delivery, as_at),
        "children_on_plan": children_on_plan(delivery, as_at),
        "brief_returned_home": brief_returned_home(delivery, as_at),
        "plan_starts": sum(in_week(p.start, as_at) for p in delivery.plans),
        "plan_ends": sum(in_week(p.end, as_at) for p in delivery.plans),
        "turning_18": turning_18(delivery, as_at, end_of_fifth_month_after(as_at)),
    }


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("landing")
    generate(path)
    return path


@pytest.fixture(scope="module")
def deliveries(landing) -> dict[date, Delivery]:
    return {as_at: read_delivery(landing, as_at) for as_at in DEMO_WEEKS}


def all_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- the committee report's figures ----------------------------------------------------------------


@pytest.mark.parametrize("as_at", DEMO_WEEKS, ids=str)
def test_each_delivery_gives_the_intended_figures_by_the_contract_definitions(deliveries, as_at):
    intended = vars(intended_figures()[as_at]).copy()
    assert intended.pop("as_at") == as_at
    assert figures_from_files(deliveries[as_at]) == intended


def test_the_figures_of_the_committee_report(deliveries):
    def on_plan(day):
        return children_on_plan(deliveries[day], day)

    assert on_plan(date(2014, 1, 6)) == 164
    assert on_plan(date(2014, 1, 27)) == 184
    assert on_plan(date(2014, 2, 10)) == 192
    assert len(children_looked_after(deliveries[date(2014, 2, 10)], date(2014, 2, 10))) == 533


def test_the_children_on_a_plan_rise_every_week(deliveries):
    path = [children_on_plan(deliveries[day], day) for day in DEMO_WEEKS]
    assert path == [164, 170, 178, 184, 188, 192]


def test_forty_looked_after_children_turn_18_by_30_june_and_none_in_july(deliveries):
    last = deliveries[date(2014, 2, 10)]
    assert turning_18(last, last.as_at, date(2014, 6, 30)) == 40
    assert turning_18(last, last.as_at, date(2014, 7, 31)) == 40  # the contract's fifth month after February


def test_a_child_born_on_29_february_turns_18_on_1_march_and_is_counted(deliveries):
    last = deliveries[date(2014, 2, 10)]
    looked_after = children_looked_after(last, last.as_at)
    leap_born = [child for child, dob in last.dobs.items() if dob == date(1996, 2, 29)]
    assert leap_born and set(leap_born) <= looked_after
    assert eighteenth_birthday(date(1996, 2, 29)) == date(2014, 3, 1)


def test_generate_returns_the_intended_figures(tmp_path):
    assert generate(tmp_path) == intended_figures()


def test_restated_figures_from_the_newest_delivery_equal_those_reported(deliveries):
    newest = deliveries[DEMO_WEEKS[-1]]
    for as_at in DEMO_WEEKS:
        restated = Delivery(as_at, newest.header, newest.episode_rows, newest.plan_rows)
        assert figures_from_files(restated) == figures_from_files(deliveries[as_at])


# --- what the scenario must contain -----------------------------------------------------------------


def test_short_breaks_are_open_on_every_as_at_and_left_out(deliveries):
    for as_at, delivery in deliveries.items():
        breaks = [e for e in delivery.episodes if e.ls in SHORT_BREAKS and is_open(e.decom, e.dec, as_at)]
        assert {e.ls for e in breaks} == {"V3", "V4"}
        everyone = {e.child for e in delivery.episodes if is_open(e.decom, e.dec, as_at)}
        assert len(everyone) > len(children_looked_after(delivery, as_at))


def test_placement_changes_end_with_x1_and_the_next_episode_starts_the_same_day(deliveries):
    for as_at, delivery in deliveries.items():
        episodes = {(e.child, e.decom): e for e in delivery.episodes}
        moves = [e for e in delivery.episodes if e.rec == "X1" and in_week(e.dec, as_at)]
        assert any(episodes[(e.child, e.dec)].rne == "P" for e in moves)
        assert all((e.child, e.dec) in episodes for e in moves)


def test_brief_police_protection_returns_home_happen_every_week(deliveries):
    for as_at, delivery in deliveries.items():
        returns = [
            e
            for e in delivery.episodes
            if e.ls == "L1"
            and e.rne == "S"
            and in_week(e.dec, as_at)
            and e.rec in {"E4A", "E4B"}
            and e.dec == e.decom + timedelta(days=3)
        ]
        assert len(returns) >= 2


def test_the_only_l1_chain_over_72_hours_is_two_plus_two_days(deliveries):
    newest = deliveries[DEMO_WEEKS[-1]]
    assert [days for days in l1_chain_lengths(newest, newest.as_at) if days > 3] == [4]
    chained = [e for e in newest.episodes if e.ls == "L1" and e.rne == "L"]
    assert len(chained) == 1
    first = next(e for e in newest.episodes if e.child == chained[0].child and e.rne == "S")
    assert (first.dec - first.decom).days == 2 and first.rec == "X1" and first.dec == chained[0].decom
    assert (chained[0].dec - chained[0].decom).days == 2


def test_an_episode_ending_after_the_extract_date_is_open_then_ended_in_a_later_delivery(deliveries):
    for earlier, later in zip(DEMO_WEEKS, DEMO_WEEKS[1:], strict=False):
        open_then = {(e.child, e.decom) for e in deliveries[earlier].episodes if e.dec is None}
        ended_now = {(e.child, e.decom) for e in deliveries[later].episodes if e.dec and e.dec > earlier}
        assert open_then & ended_now
        plans_open = {(p.child, p.start) for p in deliveries[earlier].plans if p.end is None}
        plans_ended = {(p.child, p.start) for p in deliveries[later].plans if p.end and p.end > earlier}
        assert plans_open & plans_ended


def test_a_delivery_holds_nothing_after_its_extract_date_nor_ended_before_1_april(deliveries):
    for as_at, delivery in deliveries.items():
        window_start = date(as_at.year - 1, 4, 1)
        spans = [(e.decom, e.dec) for e in delivery.episodes] + [(p.start, p.end) for p in delivery.plans]
        for start, end in spans:
            assert start <= as_at
            assert end is None or window_start <= end <= as_at
        assert any(e.dec and e.dec < date(2013, 7, 1) for e in delivery.episodes)


# --- well-formed records -----------------------------------------------------------------------------


def test_the_files_have_exactly_the_ssda903_and_cin_census_columns(landing):
    for as_at in DEMO_WEEKS:
        folder = landing / DEMO_LA_CODE / as_at.isoformat()
        extracts = sorted(p.name for p in folder.iterdir() if not p.name.startswith("audit_"))
        assert extracts == [CENSUS, "episodes.csv", "header.csv"]
        assert read_csv(folder / "header.csv")[0] == [
            "CHILD",
            "SEX",
            "DOB",
            "ETHNIC",
            "UPN",
            "MOTHER",
            "MC_DOB",
        ]
        assert read_csv(folder / "episodes.csv")[0] == [
            "CHILD",
            "DECOM",
            "RNE",
            "LS",
            "CIN",
            "PLACE",
            "PLACE_PROVIDER",
            "DEC",
            "REC",
            "REASON_PLACE_CHANGE",
            "HOME_POST",
            "PL_POST",
            "URN",
        ]
        plan_elements = ["CPPstartDate", "CPPendDate", "InitialCategoryOfAbuse", "LatestCategoryOfAbuse"]
        plan_elements.append("NumberOfPreviousCPP")
        for plan in ElementTree.parse(folder / CENSUS).getroot().iter("ChildProtectionPlans"):
            tags = [element.tag for element in plan]  # in the census's order; an open plan has no end
            assert tags == [tag for tag in plan_elements if tag in tags]
            assert set(plan_elements) - set(tags) <= {"CPPendDate"}


def test_every_date_is_dd_mm_yyyy_in_the_csv_files_and_yyyy_mm_dd_in_the_census(landing, deliveries):
    for delivery in deliveries.values():
        for row in delivery.header + delivery.episode_rows:
            for column in DATE_COLUMNS & row.keys():
                assert row[column] == "" or DD_MM_YYYY.fullmatch(row[column]), (column, row[column])
                parse_date(row[column])
    for as_at in DEMO_WEEKS:
        census = ElementTree.parse(landing / DEMO_LA_CODE / as_at.isoformat() / CENSUS).getroot()
        for element in census.iter():
            if element.tag.endswith("Date") and element.tag != "ReferenceDate":
                assert date.fromisoformat(element.text) <= as_at, (element.tag, element.text)


def test_episodes_do_not_overlap_end_before_they_start_or_begin_after_18(deliveries):
    for delivery in deliveries.values():
        dobs = delivery.dobs
        by_child = defaultdict(list)
        for episode in delivery.episodes:
            assert episode.dec is None or episode.dec >= episode.decom
            assert episode.decom < eighteenth_birthday(dobs[episode.child])
            by_child[episode.child].append(episode)
        for episodes in by_child.values():
            episodes.sort(key=lambda e: e.decom)
            for previous, following in zip(episodes, episodes[1:], strict=False):
                assert previous.dec is not None and previous.dec <= following.decom
                if previous.rec == "X1":
                    assert following.decom == previous.dec and following.rne in {"P", "L"}


def test_one_header_row_for_each_child_with_an_episode(deliveries):
    for delivery in deliveries.values():
        children = [row["CHILD"] for row in delivery.header]
        assert len(children) == len(set(children))
        assert set(children) == {e.child for e in delivery.episodes}


def test_plans_of_a_child_do_not_overlap_and_end_after_they_start(deliveries):
    for delivery in deliveries.values():
        by_child = defaultdict(list)
        for plan in delivery.plans:
            assert plan.end is None or plan.end > plan.start
            by_child[plan.child].append(plan)
        for plans in by_child.values():
            plans.sort(key=lambda p: p.start)
            for previous, following in zip(plans, plans[1:], strict=False):
                assert previous.end is not None and previous.end < following.start


def test_codes_and_identifiers_look_like_a_2013_14_return(deliveries):
    delivery = deliveries[DEMO_WEEKS[-1]]
    for row in delivery.header:
        assert re.fullmatch(r"\d{6}", row["CHILD"])
        assert row["SEX"] in {"1", "2"}
        assert re.fullmatch(r"[A-Z]\d{12}|UN1", row["UPN"])
        assert re.fullmatch(r"[A-Z]{4}", row["ETHNIC"])
    postcode = re.compile(r"[A-Z]{1,2}\d{1,2} \d[A-Z]{2}")
    for row in delivery.episode_rows:
        assert re.fullmatch(r"N[1-8]", row["CIN"])
        assert row["PLACE_PROVIDER"] in {"PR0", "PR1", "PR2", "PR3", "PR4", "PR5"}
        assert row["PLACE_PROVIDER"] != "PR0" or row["PLACE"] == "P1"
        assert re.fullmatch(r"SC\d{6}|X{7}", row["URN"])
        if row["LS"] in SHORT_BREAKS:
            assert row["HOME_POST"] == row["PL_POST"] == ""
        else:
            assert postcode.fullmatch(row["HOME_POST"]) and postcode.fullmatch(row["PL_POST"])
    for row in delivery.plan_rows:
        assert row["InitialCategoryOfAbuse"] in {"NEG", "PHY", "SAB", "EMO", "MUL"}
        assert row["LatestCategoryOfAbuse"] in {"NEG", "PHY", "SAB", "EMO", "MUL"}
        assert row["NumberOfPreviousCPP"].isdigit()
        assert row["GenderCurrent"] in {"1", "2"}  # the 2013/14 census's name and codes


# --- determinism -------------------------------------------------------------------------------------


def test_the_same_seed_writes_byte_identical_files(tmp_path):
    generate(tmp_path / "first")
    generate(tmp_path / "second")
    first, second = all_files(tmp_path / "first"), all_files(tmp_path / "second")
    # three extracts a week; the programme, the action plan and January's audit once, February's two audits
    assert len(first) == 3 * len(DEMO_WEEKS) + 5
    assert first == second


def test_generating_again_overwrites_with_the_same_bytes(tmp_path):
    generate(tmp_path)
    before = all_files(tmp_path)
    generate(tmp_path)
    assert all_files(tmp_path) == before


def test_another_seed_gives_other_records_but_the_same_figures(tmp_path):
    assert generate(tmp_path / "other", seed=1) == intended_figures()
    generate(tmp_path / "default")
    assert all_files(tmp_path / "other") != all_files(tmp_path / "default")
    for as_at, figures in intended_figures().items():
        expected = {k: v for k, v in vars(figures).items() if k != "as_at"}
        assert figures_from_files(read_delivery(tmp_path / "other", as_at)) == expected


def test_the_audit_files_arrive_once_with_the_first_delivery_after_they_were_sent(landing):
    audits = sorted((path.parent.name, path.name) for path in landing.rglob("audit_*.csv"))
    assert audits == [
        ("2014-01-13", "audit_actions.csv"),
        ("2014-01-13", "audit_domestic_abuse_2014_01.csv"),
        ("2014-01-13", "audit_programme.csv"),
        ("2014-02-10", "audit_domestic_abuse.csv"),
        ("2014-02-10", "audit_section_47.csv"),
    ]
