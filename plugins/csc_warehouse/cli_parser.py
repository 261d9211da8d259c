"""The `csc` command line: every command, its arguments and the types that check them."""

from __future__ import annotations

import argparse
from pathlib import Path

from csc_warehouse import cli
from csc_warehouse.arguments import (
    OneLineParser,
    UsageError,
    delivery_label,
    existing_folder,
    existing_path,
    iso_date,
    la_code,
    non_negative_int,
)

LANDING_HELP = "landing root (default: CSC_LANDING_DIR)"


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="csc", description="Children's services reporting warehouse")
    parser.add_argument("-v", "--verbose", action="store_true", help="show the traceback of a failure")
    # --verbose is accepted after the command too; SUPPRESS keeps a subcommand from resetting it.
    verbose = OneLineParser(add_help=False)
    verbose.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")

    def command(name: str, func, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, parents=[verbose])
        sub.set_defaults(func=func)
        return sub

    command("services", cli.cmd_services, "start or stop the embedded warehouse and mail sink").add_argument(
        "action", choices=["start", "stop"]
    )
    command(
        "airflow",
        cli.cmd_airflow,
        "start, stop or show the scheduler, the UI and the REST API (make airflow); pools: create the DAGs' pools",
    ).add_argument("action", choices=["start", "stop", "status", "pools"])
    command("migrate", cli.cmd_migrate, "apply the warehouse migrations")
    command("dbt-parse", cli.cmd_dbt_parse, "parse the dbt project: what each dbt build task starts from")

    run = command("run-week", cli.cmd_run_week, "run the weekly DAG for one as_at through Airflow")
    run.add_argument(
        "--as-at", required=True, type=iso_date, help="YYYY-MM-DD: takes deliveries dated as_at - 6 .. as_at"
    )
    run.add_argument("--landing", type=existing_folder, help=LANDING_HELP)
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild dbt's history from raw, not just add this week (after changing a definition)",
    )

    audits = command(
        "run-audits", cli.cmd_run_audits, "run the audit_returns DAG now for the audit returns that arrived"
    )
    audits.add_argument("--landing", type=existing_folder, help=LANDING_HELP)

    catch_up = command("catch-up", cli.cmd_catch_up, "run every missed week since the last successful run, in order")
    catch_up.add_argument("--since", type=iso_date, help="YYYY-MM-DD (default: the week after the last successful run)")
    catch_up.add_argument("--until", type=iso_date, help="YYYY-MM-DD (default: the last Monday whose 06:00 has passed)")
    catch_up.add_argument("--landing", type=existing_folder, help=LANDING_HELP)

    ingest = command("ingest", cli.cmd_ingest, "load deliveries: one folder, an authority's, or the landing root")
    ingest.add_argument("path", type=existing_path)

    command("ledger", cli.cmd_ledger, "print the load ledger as CSV")

    accept = command("accept", cli.cmd_accept, "accept a rejected delivery version after review")
    accept.add_argument("--delivery", required=True, type=delivery_label, help="LA/DATE, e.g. 309/2014-02-10")
    accept.add_argument("--reason", required=True, help="why the version may be published despite the gate")
    accept.add_argument("--by", required=True, help="who reviewed it")

    command("rollback", cli.cmd_rollback, "put the previous published tables back")

    report = command("report", cli.cmd_report, "draft the committee report's data section from reporting")
    report.add_argument("--la", required=True, type=la_code, help="the authority's three-digit code")
    report.add_argument("--as-at", required=True, type=iso_date, help="YYYY-MM-DD")
    report.add_argument("--out", type=Path, help="folder for the report (default: CSC_REPORT_DIR)")

    grant = command(
        "grant-analyst", cli.cmd_grant_analyst, "create or map an analyst login to the authorities it reads"
    )
    grant.add_argument("login")
    grant.add_argument(
        "--la", action="append", required=True, type=la_code, help="a three-digit authority code; repeat for more"
    )
    grant.add_argument("--revealer", action="store_true", help="may also reveal its authorities' child ids")
    grant.add_argument("--replace", action="store_true", help="the authorities given become the whole mapping")
    grant.add_argument("--password-stdin", action="store_true", help="read the login's password from stdin")

    reveal = command("reveal", cli.cmd_reveal, "the authority's own child id behind a child key (audited)")
    reveal.add_argument("key")
    reveal.add_argument("--reason", required=True, help="why the id is needed: recorded with who and when")
    reveal.add_argument("--role", help="act as this login (it needs csc_revealer)")

    purge = command("purge", cli.cmd_purge, "remove the raw rows of superseded and rejected delivery versions")
    purge.add_argument("--older-than-days", type=non_negative_int, help="default: CSC_RETENTION_DAYS (90)")

    erase = command("erase", cli.cmd_erase, "remove one child's rows from the warehouse, recorded")
    erase.add_argument("--la", required=True, type=la_code, help="the authority's three-digit code")
    erase.add_argument("--child", required=True, help="the child's id as the authority's extracts hold it")
    erase.add_argument("--by", help="who asked for the erasure (default: your user name)")
    erase.add_argument("--reason", help="e.g. the request's reference")

    query = command("sql", cli.cmd_sql, "run one query on the warehouse and print CSV")
    query.add_argument("--role", help="run as this role, e.g. csc_analyst")
    query.add_argument("query")

    command("demo", cli.cmd_demo, "what `make run` does: services, demo deliveries, weekly runs")
    return parser


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The arguments of one command line; UsageError, naming the command, when they do not fit."""
    args, unknown = build_parser().parse_known_args(argv)
    if unknown:
        # argparse reports these from the top-level parser; the command they were given to is the useful name.
        prog = f"csc {args.command}"
        raise UsageError(f"{prog}: unrecognized arguments: {' '.join(unknown)} (see {prog} --help)")
    return args
