"""Shared fixtures: a real PostgreSQL and a real SMTP server, never mocks.

The tests start their own embedded PostgreSQL (or use CSC_TEST_WAREHOUSE_URL, a database they may
empty) and their own mail sink, with all local state under one temporary folder, so they never
touch a developer's `.local/` or a warehouse named by CSC_WAREHOUSE_URL.
"""

from __future__ import annotations

import atexit
import email
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from email import policy
from pathlib import Path

import psycopg
import pytest

TEST_STATE = Path(tempfile.mkdtemp(prefix="csc-tests-"))
# Gone when the process ends (each xdist worker has its own): its server's data is a test's, not anyone's.
atexit.register(shutil.rmtree, TEST_STATE, ignore_errors=True)
# Before anything reads settings: every default now points into the test folder.
os.environ["CSC_STATE_DIR"] = str(TEST_STATE)
os.environ["CSC_LANDING_DIR"] = str(TEST_STATE / "landing")
os.environ["AIRFLOW_HOME"] = str(TEST_STATE / "airflow")
for inherited in (
    "CSC_WAREHOUSE_URL",
    "AIRFLOW_CONN_SMTP_DEFAULT",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
    "AIRFLOW_CONN_CSC_WAREHOUSE",
):
    os.environ.pop(inherited, None)

from csc_warehouse import mailsink, settings, warehouse  # noqa: E402
from csc_warehouse.embedded import EmbeddedWarehouse, free_port  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CSC = str(Path(sys.executable).parent / "csc")

RAW_AND_LEDGER_TABLES = "ledger.delivery_versions"  # the ledger and dq.acceptances cascade from it


@pytest.fixture(scope="session")
def warehouse_url() -> str:
    """A migrated PostgreSQL for the whole session; CSC_WAREHOUSE_URL points at it."""
    external = os.environ.get("CSC_TEST_WAREHOUSE_URL")
    server = None
    if external:
        url = external
    else:
        server = EmbeddedWarehouse(TEST_STATE)
        url = server.start()
    os.environ["CSC_WAREHOUSE_URL"] = url
    warehouse.migrate(url)
    yield url
    if server is not None:
        server.stop(keep_data=False)


def empty_warehouse(url: str) -> None:
    with psycopg.connect(url) as conn:
        # raw has no foreign key to the ledger (migration 008): its tables are emptied by name.
        raw_tables = [
            f"raw.{name}"
            for (name,) in conn.execute("select quote_ident(tablename) from pg_tables where schemaname = 'raw'")
        ]
        conn.execute(f"truncate {', '.join([RAW_AND_LEDGER_TABLES, *raw_tables])} cascade")
        conn.execute("truncate dq.validations, dq.runs, dq.publications, dq.dbt_results, dq.return_checks cascade")
        # dbt's history belongs to the versions just removed (its tables exist once dbt has built them).
        history_tables = [
            f"history.{name}"
            for (name,) in conn.execute("select quote_ident(tablename) from pg_tables where schemaname = 'history'")
        ]
        if history_tables:
            conn.execute(f"truncate {', '.join(history_tables)}")


def drop_published_tables(url: str) -> None:
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "select format('%I.%I', schemaname, tablename) from pg_tables"
            " where schemaname in ('reporting', 'reporting_previous')"
        ).fetchall()
        for (table,) in tables:
            conn.execute(f"drop table {table}")


@pytest.fixture
def fresh_warehouse(warehouse_url) -> str:
    """The session's warehouse with raw, ledger and dq emptied: for tests that count rows."""
    empty_warehouse(warehouse_url)
    return warehouse_url


class MailSink:
    """A real SMTP server on 127.0.0.1 keeping each message as an .eml file."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.controller = mailsink.serve(folder, self.port)

    def connection_json(self) -> str:
        return json.dumps(
            {
                "conn_type": "smtp",
                "host": "127.0.0.1",
                "port": self.port,
                "extra": {"disable_tls": True, "disable_ssl": True, "retry_limit": 1, "timeout": 10},
            }
        )

    def messages(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(self.folder.glob("*.eml"))
        ]

    def clear(self) -> None:
        for path in self.folder.glob("*.eml"):
            path.unlink()


@pytest.fixture(scope="session")
def mail_sink() -> MailSink:
    sink = MailSink(TEST_STATE / "mail")
    os.environ["AIRFLOW_CONN_SMTP_DEFAULT"] = sink.connection_json()
    yield sink
    sink.controller.stop()


def body_text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def run_csc(*args: str, timeout: int = 600, **environment: str) -> subprocess.CompletedProcess:
    """`csc` as a person runs it, in a child process with this session's environment (plus any given)."""
    return subprocess.run(
        [CSC, *args], capture_output=True, text=True, timeout=timeout, env={**os.environ, **environment}
    )


def scenario_database(base_url: str, name: str) -> str:
    """A new, migrated database on the test server, so that end-to-end scenarios never meet."""
    parts = settings.PostgresParts.from_url(base_url)
    with psycopg.connect(parts.url("postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        conn.execute(f'create database "{name}"')
    url = parts.url(name)
    warehouse.migrate(url)
    return url


@pytest.fixture(scope="session")
def demo_weeks(warehouse_url, mail_sink, tmp_path_factory):
    """The demo deliveries run through the weekly DAG once, for every test that reads the result.

    Returns the generator's intended figures, the mail received per week and each run's output,
    and the URL of the scenario's own database.
    """
    from csc_warehouse import demo

    url = scenario_database(warehouse_url, "demo")
    landing = tmp_path_factory.mktemp("demo-landing")
    figures = demo.generate(landing)
    runs = {}
    for as_at in figures:
        before = len(mail_sink.messages())
        started = time.monotonic()
        result = run_csc("run-week", "--as-at", as_at.isoformat(), CSC_WAREHOUSE_URL=url, CSC_LANDING_DIR=str(landing))
        runs[as_at] = {
            "returncode": result.returncode,
            "output": result.stdout + result.stderr,
            "seconds": time.monotonic() - started,
            "emails": mail_sink.messages()[before:],
        }
    return {"figures": figures, "runs": runs, "landing": landing, "url": url}


def identifying_values(landing: Path) -> dict[str, set[str]]:
    """CHILD, DOB and UPN of every Header, HOME_POST and PL_POST of every Episodes file delivered."""
    import csv as csv_module

    found: dict[str, set[str]] = {"CHILD": set(), "DOB": set(), "UPN": set(), "HOME_POST": set(), "PL_POST": set()}
    for path in landing.rglob("*.csv"):
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for row in csv_module.DictReader(handle):
                for column in found:
                    value = (row.get(column) or "").strip()
                    if value:
                        found[column].add(value)
    return found


def assert_no_identifiers(messages, landing: Path) -> None:
    """No identifying value occurs in any part or attachment of any message: not as a whole word (an id,
    a UPN, a postcode: no letter or digit either side), nor a date of birth, as delivered or ISO, between
    non-digits."""
    from datetime import datetime

    values = identifying_values(landing)
    dobs = set()
    for dob in values.pop("DOB"):
        dobs.add(dob)
        dobs.add(datetime.strptime(dob, "%d/%m/%Y").date().isoformat())
    words = set().union(*values.values())
    for message in messages:
        for part in message.walk():
            if part.is_multipart():
                continue
            content = part.get_content()
            content = content.decode() if isinstance(content, bytes) else content
            for found in (_occurring(content, words, "0-9A-Za-z"), _occurring(content, dobs, "0-9")):
                assert found is None, f"{message['Subject']}: {found!r} occurs"


def _occurring(content: str, values: set[str], word_characters: str) -> str | None:
    """The first of `values` in `content` with no word character either side, else None. A lookup per
    place a word starts and length of value: one regular expression per value over an email with a
    return_errors.csv attached took minutes."""
    import re

    by_length: dict[int, set[str]] = {}
    for value in values:
        by_length.setdefault(len(value), set()).add(value)
    word_character = re.compile(f"[{word_characters}]")
    for start in re.finditer(f"(?<![{word_characters}])(?=[{word_characters}])", content):
        place = start.start()
        for length, of_length in by_length.items():
            candidate = content[place : place + length]
            end = place + length
            if candidate in of_length and not (end < len(content) and word_character.match(content, end)):
                return candidate
    return None


# `make test` runs the suite on two pytest-xdist workers (`--dist loadgroup`), each with its own
# PostgreSQL and mail sink, and each setting up the session and module fixtures of the tests it runs.
# Tests stay on one worker, one after another, in these groups: tests/scheduler/, whose Airflow
# components and dag.test() twin take 12 minutes, mostly waiting on heartbeats and task processes;
# and the modules sharing the demo weeks (the `demo_weeks` fixture) or dbt's project target/
# (transforming.build() writes it, and test_dbt_results lists it to show that a DAG's build leaves it
# alone). Any other module is a group of its own, so that its module fixtures are set up once.
AIRFLOW_GROUP = "scheduler"
SHARED_GROUP = "demo_weeks_and_dbt_project_target"
SHARED_GROUP_MODULES = {
    "test_weekly_run.py",  # demo_weeks
    "test_history.py",  # demo_weeks, transforming.build()
    "test_report.py",  # demo_weeks
    "test_demo_audits.py",  # demo_weeks
    "test_marts.py",  # transforming.build()
    "test_cp_marts.py",  # transforming.build()
    "test_audit_marts.py",  # transforming.build()
    "test_cin_marts.py",  # transforming.build()
    "test_retention.py",  # transforming.build()
    "test_dbt_results.py",  # lists target/
    "test_return_rules.py",  # transforming.build()
    "test_cin_return_rules.py",  # transforming.build()
}


def xdist_group(nodeid: str) -> str:
    """The group of a test, from its id (tests/<module path>::<name>)."""
    module = nodeid.split("::", 1)[0].removeprefix("tests/")
    if module.startswith("scheduler/"):
        return AIRFLOW_GROUP
    if module in SHARED_GROUP_MODULES:
        return SHARED_GROUP
    return module


def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist's loadgroup scheduling with the groups above. (Its own xdist_group marker does not
    group under pytest 9.2: xdist 3.8 renames the test's id to carry the group, and pytest 9.2's ids no
    longer take that.)"""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedFixtureScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_group(nodeid)

    return SharedFixtureScheduling(config, log)


def pytest_collection_modifyitems(items):
    """The Airflow group first, then the shared group, so that their waits overlap the rest of the
    suite from the start (with --no-loadscope-reorder, the first group goes to the first worker).

    The test that stops a shared set of Airflow components goes right after the last test using
    them, so that idle components do not share the CPU with the rest of the suite."""
    first = (AIRFLOW_GROUP, SHARED_GROUP)
    group = {item: xdist_group(item.nodeid) for item in items}
    items.sort(key=lambda item: first.index(group[item]) if group[item] in first else len(first))
    for marker, fixture in (("stops_airflow", "airflow"), ("stops_celery_airflow", "celery_airflow")):
        stopping = [item for item in items if item.get_closest_marker(marker)]
        others = [item for item in items if not item.get_closest_marker(marker)]
        users = [position for position, item in enumerate(others) if fixture in item.fixturenames]
        after = users[-1] + 1 if users else len(others)
        items[:] = others[:after] + stopping + others[after:]


def _components(warehouse_url, mail_sink, tmp_path_factory, name: str, **environment):
    """Airflow's components in a state folder and databases named after `name`, started for the
    session and stopped after its last test (also when starting failed half-way)."""
    from airflow_components import airflow_in, empty_database

    components = airflow_in(
        tmp_path_factory.mktemp(f"{name}-services"),
        scenario_database(warehouse_url, name),
        empty_database(warehouse_url, f"{name}_airflow"),
        mail_sink.connection_json(),
        **environment,
    )
    try:
        components.start()
        yield components
    finally:
        components.csc("airflow", "stop")


@pytest.fixture(scope="session")
def airflow(warehouse_url, mail_sink, tmp_path_factory):
    """Airflow's four real components, started once for the tests under tests/scheduler/."""
    yield from _components(warehouse_url, mail_sink, tmp_path_factory, "scheduler")


@pytest.fixture(scope="session")
def celery_airflow(warehouse_url, mail_sink, tmp_path_factory):
    """The same components with Airflow's CeleryExecutor: a Redis broker and two Celery workers beside
    them, started once for the celery tests under tests/scheduler/. A task whose worker was lost is
    failed (and retried) after 30 s without its heartbeat instead of 300, and retried 5 s later: the
    fault tests wait for that."""
    yield from _components(
        warehouse_url,
        mail_sink,
        tmp_path_factory,
        "celery_scheduler",
        CSC_AIRFLOW_EXECUTOR="celery",
        CSC_CELERY_WORKERS="2",
        CSC_TASK_RETRY_DELAY_SECONDS="5",
        AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT="30",
    )


@pytest.fixture(scope="session")
def uninterrupted_twin(warehouse_url, mail_sink, tmp_path_factory):
    """Two demo weeks through dag.test(), started in the background when first asked for (beside a
    scheduler's runs of the same weeks), shared by the tests of both executors."""
    from airflow_components import TwinRun

    return TwinRun(
        tmp_path_factory.mktemp("twin"), scenario_database(warehouse_url, "scheduler_twin"), mail_sink.connection_json()
    )


@pytest.fixture(scope="session")
def scheduled_demo_week(airflow) -> dict:
    """The first demo week, triggered through the REST API and run by the scheduler: its final run."""
    from airflow_components import DEMO_WEEK

    return airflow.run_week(DEMO_WEEK)
