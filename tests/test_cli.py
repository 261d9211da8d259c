"""`csc` answers a bad argument, a missing path, an unknown authority or an unreachable warehouse
with one line naming the command and the problem, and a non-zero exit; `--verbose` adds the traceback.

The commands are called in this process (`cli.main`); nothing here starts Airflow or dbt.
"""

from __future__ import annotations

import pytest

from csc_warehouse import cli
from csc_warehouse.embedded import free_port


def one_line_failure(capsys, argv: list[str]) -> str:
    """Run `csc argv`; it must fail with exit 2 and say so in exactly one line on stderr."""
    assert cli.main(argv) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


# -- bad arguments: refused before anything runs ---------------------------------------------------

BAD_ARGUMENTS = {
    "run-week": (["run-week", "--as-at", "2014-13-01"], "argument --as-at: not a date (YYYY-MM-DD): 2014-13-01"),
    "run-week --landing": (
        ["run-week", "--as-at", "2014-01-06", "--landing", "/no/such/landing"],
        "argument --landing: no such file or folder: /no/such/landing",
    ),
    "run-audits": (["run-audits", "--landing", "/no/such/landing"], "no such file or folder: /no/such/landing"),
    "catch-up --since": (["catch-up", "--since", "2014-02-30"], "not a date (YYYY-MM-DD): 2014-02-30"),
    "catch-up --until": (["catch-up", "--until", "last monday"], "not a date (YYYY-MM-DD): last monday"),
    "ingest": (["ingest", "/no/such/delivery"], "argument path: no such file or folder: /no/such/delivery"),
    "accept": (
        ["accept", "--delivery", "309-2014-02-10", "--reason", "reviewed", "--by", "me"],
        "not a delivery (LA/YYYY-MM-DD, e.g. 309/2014-02-10): 309-2014-02-10",
    ),
    "accept date": (
        ["accept", "--delivery", "309/2014-02-31", "--reason", "reviewed", "--by", "me"],
        "not a date (YYYY-MM-DD): 2014-02-31",
    ),
    "report --la": (
        ["report", "--la", "9999", "--as-at", "2014-02-10"],
        "argument --la: not a three-digit authority code: 9999",
    ),
    "report --as-at": (["report", "--la", "309", "--as-at", "10/02/2014"], "not a date (YYYY-MM-DD): 10/02/2014"),
    "grant-analyst": (["grant-analyst", "someone", "--la", "30"], "not a three-digit authority code: 30"),
    "erase": (["erase", "--la", "Haringey", "--child", "1001"], "not a three-digit authority code: Haringey"),
    "purge": (["purge", "--older-than-days", "ninety"], "argument --older-than-days: not a whole number: ninety"),
    "purge negative": (["purge", "--older-than-days", "-1"], "must not be negative: -1"),
    "reveal": (["reveal", "abc123"], "the following arguments are required: --reason"),
    "sql": (["sql"], "the following arguments are required: query"),
    "services": (["services", "restart"], "argument action: invalid choice: 'restart'"),
    "migrate": (["migrate", "--now"], "unrecognized arguments: --now"),
    "dbt-parse": (["dbt-parse", "extra"], "unrecognized arguments: extra"),
    "ledger": (["ledger", "extra"], "unrecognized arguments: extra"),
    "rollback": (["rollback", "extra"], "unrecognized arguments: extra"),
    "demo": (["demo", "--weeks", "3"], "unrecognized arguments: --weeks 3"),
}


@pytest.mark.parametrize("argv, problem", BAD_ARGUMENTS.values(), ids=BAD_ARGUMENTS.keys())
def test_a_bad_argument_gets_one_line_naming_the_command_and_the_problem(capsys, argv, problem):
    line = one_line_failure(capsys, argv)
    assert line.startswith(f"csc {argv[0]}: ")
    assert problem in line


def test_an_unknown_command_is_named(capsys):
    assert "invalid choice: 'frobnicate'" in one_line_failure(capsys, ["frobnicate"])


def test_help_still_works(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["run-week", "--help"])
    assert exit_.value.code == 0
    assert "--as-at" in capsys.readouterr().out


# -- no warehouse to reach --------------------------------------------------------------------------

NEEDS_THE_WAREHOUSE = {
    "migrate": ["migrate"],
    "run-week": ["run-week", "--as-at", "2014-01-06"],
    "run-audits": ["run-audits"],
    "catch-up": ["catch-up"],
    "ingest": ["ingest", "."],
    "ledger": ["ledger"],
    "accept": ["accept", "--delivery", "309/2014-02-10", "--reason", "reviewed", "--by", "me"],
    "rollback": ["rollback"],
    "report": ["report", "--la", "309", "--as-at", "2014-02-10"],
    "grant-analyst": ["grant-analyst", "someone", "--la", "309"],
    "reveal": ["reveal", "abc123", "--reason", "a court order"],
    "purge": ["purge"],
    "erase": ["erase", "--la", "309", "--child", "1001", "--by", "me"],
    "sql": ["sql", "select 1"],
}


@pytest.fixture
def closed_port_warehouse(monkeypatch) -> str:
    """CSC_WAREHOUSE_URL names a port nothing listens on."""
    url = f"postgresql://csc:secret@127.0.0.1:{free_port()}/csc"
    monkeypatch.setenv("CSC_WAREHOUSE_URL", url)
    return url


@pytest.mark.parametrize("argv", NEEDS_THE_WAREHOUSE.values(), ids=NEEDS_THE_WAREHOUSE.keys())
def test_an_unreachable_warehouse_gets_one_line(capsys, closed_port_warehouse, argv):
    line = one_line_failure(capsys, argv)
    assert line.startswith(f"csc {argv[0]}: cannot reach postgresql://csc:***@127.0.0.1:")
    assert "secret" not in line


def test_the_demo_names_its_log_and_the_reason_it_stopped(capfd, closed_port_warehouse, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", '{"conn_type": "smtp", "host": "127.0.0.1", "port": 1}')
    monkeypatch.delenv("CSC_VERBOSE", raising=False)
    assert cli.main(["demo"]) == 2
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err
    log_path = out.splitlines()[0].split("full logs: ")[1].split()[0]
    assert f"the full log: {log_path}" in out
    assert err.splitlines() == [err.splitlines()[0]] and err.startswith("csc demo: cannot reach")


@pytest.mark.parametrize(
    "argv", [["--verbose", "sql", "select 1"], ["sql", "select 1", "--verbose"], ["-v", "ledger"]], ids=str
)
def test_verbose_shows_the_traceback_before_the_line(capsys, closed_port_warehouse, argv):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert "psycopg.OperationalError" in err
    assert err.splitlines()[-1].startswith(f"csc {argv[1] if argv[0].startswith('-') else argv[0]}: cannot reach")


# -- an authority or delivery the warehouse does not know --------------------------------------------


def test_a_report_for_an_authority_with_nothing_published_fails_with_a_sentence(capsys, warehouse_url, tmp_path):
    line = one_line_failure(capsys, ["report", "--la", "999", "--as-at", "2014-02-10", "--out", str(tmp_path)])
    assert line.startswith("csc report: nothing is published for authority 999 up to 2014-02-10")
    assert not any(tmp_path.iterdir())


def test_accepting_a_delivery_the_ledger_does_not_hold_fails_with_a_sentence(capsys, warehouse_url):
    argv = ["accept", "--delivery", "999/2014-02-10", "--reason", "reviewed", "--by", "me"]
    assert one_line_failure(capsys, argv) == (
        "csc accept: 999/2014-02-10 has no rejected version to accept (see `csc ledger`)"
    )


def test_a_bad_query_is_one_line_from_the_database(capsys, warehouse_url):
    line = one_line_failure(capsys, ["sql", "select * from reporting.no_such_table"])
    assert line.startswith("csc sql: ") and "no_such_table" in line and "does not exist" in line


def test_output_cut_short_by_its_reader_is_not_an_error(warehouse_url):
    """`csc sql ... | head -1`: the reader goes after one line; csc ends quietly, as `seq | head` does."""
    import subprocess

    from conftest import CSC

    producer = subprocess.Popen(
        [CSC, "sql", "select n from generate_series(1, 200000) as n"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert producer.stdout.readline() == b"n\n"
    producer.stdout.close()  # the reader has gone
    stderr = producer.stderr.read().decode()
    assert producer.wait(timeout=120) == 0, stderr
    assert stderr == ""
