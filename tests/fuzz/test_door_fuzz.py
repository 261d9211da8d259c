"""Mutation fuzzing of the door: thousands of broken deliveries, and the door's promise kept for each.

The promise (issue 20): every delivery either loads whole or is quarantined whole with findings
that say where; nothing crashes the run. Each case is a real sample delivery with a file mutated
(tests/fuzz/mutations.py), ingested through the real door (loading.ingest_delivery) into the
session's real PostgreSQL, in a database of its own and a transaction per case, rolled back after
the case is checked. A case counts as
- a crash: an exception escaped ingest_delivery, or it ran longer than CASE_SECONDS;
- a partial load: raw holds rows of a quarantined version, or other rows than its files loaded
  of a loaded one (every raw table counted, the census kept whole too);
- a finding without location: a finding lacking what its rule must name (LOCATED_BY below).

`make test` runs FUZZ_CASES cases (a fixed sequence); `make fuzz N=10000` runs N, new ones each
time. Every failing case's files are kept under CSC_FUZZ_FAILURES (else .local/fuzz-failures)
to be turned into a fixed bug and a file in tests/fixtures/broken/. The last line printed (and
written to CSC_FUZZ_REPORT, when set) is `cases=<n> crashes=0 partial_loads=0 findings_without_location=0`.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
import traceback
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from conftest import scenario_database
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from mutations import Seed, mutations_for, seeds

from csc_warehouse import landing, warehouse
from csc_warehouse.loading import ingest_delivery
from csc_warehouse.statuses import VersionStatus
from csc_warehouse.tables import TABLES

CASES = int(os.environ.get("CSC_FUZZ_CASES", "300"))
# A fixed sequence in `make test`; `make fuzz` sets CSC_FUZZ_RANDOM=1 for new cases each run.
FIXED_SEQUENCE = os.environ.get("CSC_FUZZ_RANDOM", "") != "1"
PROGRESS_EVERY = 1000
CASE_SECONDS = int(os.environ.get("CSC_FUZZ_CASE_SECONDS", "60"))
# Not under the test state folder, which goes when the test process ends.
FAILURES = Path(os.environ.get("CSC_FUZZ_FAILURES", Path(__file__).parents[2] / ".local" / "fuzz-failures"))

# What a finding must name besides its file and rule, by rule. A delivery's findings are about the
# folder ("(delivery)"); a file that cannot be opened is placed by line where its format has lines
# (XML) and by nothing where it has none (a workbook that is no zip); a row's problem by its row;
# every other finding is about a value, and names its row and column.
DELIVERY_RULES = {"required-table", "duplicate-table"}
FILE_RULES = {"unreadable-file"}
ROW_RULES = {"ragged-row", "unreadable-row", "encoding", "no-questions", "nested-record"}
RAW_TABLES = [table.name for table in TABLES] + ["cin_census_files"]


def is_located(finding) -> bool:
    if not finding.rule:
        return False
    if finding.rule in DELIVERY_RULES:
        return finding.file_name == "(delivery)"
    if not finding.file_name or finding.file_name == "(delivery)":
        return False
    if finding.rule in FILE_RULES:
        return finding.row_number is not None or not finding.file_name.lower().endswith(".xml")
    if finding.rule in ROW_RULES:
        return finding.row_number is not None
    return finding.row_number is not None and bool(finding.column_name)


class Tally:
    """What the cases came to, and where each failing case's files were kept."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.outcomes: Counter[str] = Counter()
        self.failures: list[str] = []
        self.slowest = (0.0, "")

    def fail(self, kind: str, case: int, seed: Seed, steps: list[str], folder: Path, detail: str) -> None:
        self.counts[kind] += 1
        kept = FAILURES / f"{kind}-{case:05d}"
        shutil.copytree(folder, kept, dirs_exist_ok=True)
        (kept / "CASE.txt").write_text(f"seed: {seed.name}\nmutations: {', '.join(steps)}\n\n{detail}\n")
        self.failures.append(
            f"{kind} (case {case}, {seed.name}: {', '.join(steps)}): {detail.splitlines()[-1]} [{kept}]"
        )

    def line(self) -> str:
        counts = self.counts
        return (
            f"cases={counts['cases']} crashes={counts['crash']} partial_loads={counts['partial_load']} "
            f"findings_without_location={counts['finding_without_location']}"
        )


class CaseTookTooLong(Exception):
    pass


def _too_long(_signum, _frame):
    raise CaseTookTooLong(f"the case ran longer than {CASE_SECONDS} s")


def raw_rows(conn: psycopg.Connection) -> dict[str, int]:
    counts = " union all ".join(f"select '{name}', count(*) from raw.{name}" for name in RAW_TABLES)
    return {name: count for name, count in conn.execute(counts).fetchall() if count}


def expected_rows(outcome) -> dict[str, int]:
    """What raw must hold after the case: nothing of a quarantined version, every row of a loaded one."""
    if outcome.status != VersionStatus.LOADED:
        return {}
    expected: Counter[str] = Counter()
    for file in outcome.files:
        if file.table_name and file.rows_loaded:
            expected[file.table_name] += file.rows_loaded
    censuses = {
        f.file_name for f in outcome.files if (f.table_name or "").startswith("cin_") and f.file_name.endswith(".xml")
    }
    if censuses:
        expected["cin_census_files"] = len(censuses)  # a CIN census XML is also kept whole (an Annex A workbook is not)
    return dict(expected)


def broken_promises(conn: psycopg.Connection, folder: Path) -> tuple[str, list[tuple[str, str]]]:
    """Ingest the case's delivery through the door, in a transaction rolled back afterwards: its
    outcome, and (kind, detail) for each way it broke the promise. Raises what the door raised."""
    broken = []
    with conn.transaction(force_rollback=True):
        signal.alarm(CASE_SECONDS)
        try:
            outcome = ingest_delivery(conn, landing.delivery_at(folder), progress=lambda _line: None)
        finally:
            signal.alarm(0)
        held, expected = raw_rows(conn), expected_rows(outcome)
        if held != expected or outcome.status not in (VersionStatus.LOADED, VersionStatus.QUARANTINED):
            broken.append(("partial_load", f"{outcome.status}: raw holds {held}, expected {expected}"))
        unlocated = [str(finding) for finding in outcome.findings if not is_located(finding)]
        if unlocated:
            broken.append(("finding_without_location", "\n".join(unlocated[:5])))
    return str(outcome.status), broken


def write_case(folder: Path, files: dict[str, bytes]) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return folder


@pytest.fixture(scope="module")
def fuzz_database(warehouse_url):
    return scenario_database(warehouse_url, "fuzz")


def test_every_mutated_delivery_loads_whole_or_is_quarantined_with_located_findings(fuzz_database, tmp_path_factory):
    all_seeds = seeds(tmp_path_factory.mktemp("fuzz-seeds"))
    case_folder = tmp_path_factory.mktemp("fuzz-cases") / "309" / "2016-03-31"
    tally = Tally()
    conn = warehouse.connect(fuzz_database)
    previous_alarm = signal.signal(signal.SIGALRM, _too_long)

    @settings(
        max_examples=CASES,
        deadline=None,
        database=None,
        derandomize=FIXED_SEQUENCE,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def case(data):
        nonlocal conn
        seed = data.draw(st.sampled_from(all_seeds), label="seed")
        content, steps = seed.files[seed.target], []
        for _ in range(data.draw(st.integers(1, 3), label="mutations")):
            mutation = data.draw(st.sampled_from(mutations_for(seed.target)), label="mutation")
            content = mutation(content, data.draw)
            steps.append(mutation.__name__)
        # Counted once drawn: hypothesis abandons a few draws part-way (its own limits) and draws again.
        number = tally.counts["cases"]
        tally.counts["cases"] += 1
        folder = write_case(case_folder, {**seed.files, seed.target: content})
        started = time.monotonic()
        try:
            status, broken = broken_promises(conn, folder)
            tally.outcomes[status] += 1
        except Exception:  # noqa: BLE001 - any exception escaping the door is what this test counts
            broken = [("crash", traceback.format_exc())]
            conn.close()  # whatever state the exception left it in
            conn = warehouse.connect(fuzz_database)
        for kind, detail in broken:
            tally.fail(kind, number, seed, steps, folder, detail)
        seconds = time.monotonic() - started
        if seconds > tally.slowest[0]:
            tally.slowest = (seconds, f"{seed.name}: {', '.join(steps)}")
        if tally.counts["cases"] % PROGRESS_EVERY == 0:
            print(f"{time.strftime('%H:%M:%S')} {tally.line()}", flush=True)  # seen with -s (make fuzz)

    try:
        case()
    finally:
        signal.signal(signal.SIGALRM, previous_alarm)
        conn.close()
    outcomes = ", ".join(f"{status} {count}" for status, count in sorted(tally.outcomes.items()))
    print(f"\n{outcomes}; slowest case {tally.slowest[0]:.2f} s ({tally.slowest[1]})")
    print(tally.line())
    if os.environ.get("CSC_FUZZ_REPORT"):
        Path(os.environ["CSC_FUZZ_REPORT"]).write_text(tally.line() + "\n")
    assert not tally.failures, "\n".join([tally.line(), *tally.failures[:20]])
    assert tally.outcomes["loaded"] and tally.outcomes["quarantined"]  # the cases reach both ends of the door
