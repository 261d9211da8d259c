"""`csc`: the command people, scripts and the DAG's tasks share. A thin shell over the modules:
it parses and checks arguments, calls one function, and prints what came of it."""

from __future__ import annotations

import csv
import getpass
import logging
import os
import sys
import traceback

from csc_warehouse import console, orchestration, settings
from csc_warehouse.arguments import UsageError

log = logging.getLogger("csc")
say = console.say


class CommandFailed(Exception):
    """A command that ran and could not do what was asked; the message says why."""


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    for noisy in ("great_expectations", "urllib3", "asyncio", "mail.log"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


# -- services and setup ------------------------------------------------------------------------


def cmd_services(args) -> int:
    from csc_warehouse import services

    if args.action == "start":
        for name, where in services.start().items():
            say(f"{name}: {where}")
    else:
        services.stop()
        say("stopped Airflow, the embedded warehouse and the mail sink (if they were running)")
    return 0


def cmd_airflow(args) -> int:
    """The scheduler, the UI and the REST API on this machine (not `dag.test()`): `make airflow`."""
    from csc_warehouse import airflow_services, services

    if args.action == "start":
        for name, where in services.start().items():
            say(f"{name}: {where}")
        started = airflow_services.start(progress=say)
        for line in started.status.lines():
            say(line)
        if started.new_password:
            say(f"password: {started.new_password}  (shown this once; kept in the password file)")
        for error in started.import_errors:
            say(f"IMPORT ERROR {error}")
        say(f"ready in {started.seconds:.1f} s; task logs: {airflow_services.task_logs_dir()}")
        return 1 if started.import_errors else 0
    if args.action == "pools":
        from csc_warehouse import airflow_pools

        for pool in airflow_pools.ensure():
            say(f"pool {pool.name}: {pool.slots} slot(s)")
        return 0
    if args.action == "stop":
        stopped = airflow_services.stop()
        say("stopped airflow " + (", ".join(stopped) if stopped else "(nothing was running)"))
        return 0
    for line in airflow_services.status().lines():
        say(line)
    return 0


def cmd_migrate(args) -> int:
    from csc_warehouse import warehouse

    applied = warehouse.migrate()
    say("applied: " + (", ".join(applied) if applied else "nothing (up to date)"))
    return 0


def cmd_dbt_parse(args) -> int:
    from csc_warehouse import transforming

    say(f"manifest: {transforming.parse_project()}")
    return 0


# -- runs ----------------------------------------------------------------------------------------


def cmd_run_week(args) -> int:
    result = orchestration.run_week(args.as_at, args.landing, full_refresh=args.full_refresh)
    say(orchestration.week_progress(args.as_at, result))  # each part of the week, the return checks among them
    say(f"{result.dag_id} for as_at {args.as_at}: {result.state}")  # last: scripts read the state from it
    return 0 if result.succeeded else 1


def cmd_run_audits(args) -> int:
    started, result = orchestration.run_audits(args.landing)
    say(f"{result.dag_id} at {started:%Y-%m-%d %H:%M}: {result.state}")
    return 0 if result.succeeded else 1


def cmd_catch_up(args) -> int:
    """Every missed week, oldest first, each through the weekly DAG as the scheduler would run it."""
    weeks = orchestration.weeks_to_catch_up(args.since, args.until)
    if not weeks:
        say("nothing to catch up: every due week has run")
        return 0
    say(f"catching up {len(weeks)} week(s): {', '.join(map(str, weeks))}")
    # Like the scheduler (max_active_runs=1): a failed week is reported and the next still runs.
    failed = []
    for as_at in weeks:
        result = orchestration.run_week(as_at, args.landing)
        say(f"{result.dag_id} for as_at {as_at}: {result.state}")
        if not result.succeeded:
            failed.append(as_at)
    if failed:
        say(f"FAILED weeks: {', '.join(map(str, failed))}")
    return 1 if failed else 0


def cmd_demo(args) -> int:
    """`make run`: quiet unless CSC_VERBOSE=1, with every log line in a file under the state folder."""
    from csc_warehouse import demo_run

    if console.verbose_requested():
        return demo_run.run_and_explain(say, log_path=None)
    log_path = console.new_log_path("demo")
    say(f"full logs: {log_path}  (CSC_VERBOSE=1 shows them here)")
    with console.logs_to(log_path) as to_terminal:
        return demo_run.run_and_explain(to_terminal, log_path=log_path)


# -- loading -----------------------------------------------------------------------------------


def cmd_ingest(args) -> int:
    from csc_warehouse import loading, warehouse
    from csc_warehouse.statuses import VersionStatus

    warehouse.migrate()
    outcomes = loading.ingest_path(args.path, progress=say)
    quarantined = [o for o in outcomes if o.status == VersionStatus.QUARANTINED]
    for outcome in quarantined:
        say(f"QUARANTINED {outcome.label} (version {outcome.delivery_version_id}):")
        for finding in outcome.findings[:20]:
            say(f"  {finding}")
        if len(outcome.findings) > 20:
            say(f"  ... and {len(outcome.findings) - 20} more: csc ledger lists every one")
    loaded = sum(1 for o in outcomes if o.status == VersionStatus.LOADED and not o.already_loaded)
    before = sum(1 for o in outcomes if o.already_loaded)
    say(
        f"{len(outcomes)} delivery version(s): {loaded} loaded (the quality gate decides acceptance),"
        f" {before} loaded before, {len(quarantined)} quarantined"
    )
    return 1 if quarantined else 0


def cmd_ledger(args) -> int:
    from csc_warehouse import queries

    queries.write_ledger(sys.stdout)
    return 0


# -- the gate and publication -------------------------------------------------------------------


def cmd_accept(args) -> int:
    from csc_warehouse import gatekeeping

    version = gatekeeping.accept(args.delivery, reason=args.reason, accepted_by=args.by)
    say(f"accepted delivery version {version} of {args.delivery}; the next run publishes it")
    return 0


def cmd_rollback(args) -> int:
    from csc_warehouse import publishing

    tables = publishing.rollback()
    say("rolled back: " + (", ".join(tables) if tables else "nothing (no previous published version)"))
    return 0


# -- access and retention ----------------------------------------------------------------------


def cmd_grant_analyst(args) -> int:
    from csc_warehouse import access

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    grant = access.grant_analyst(args.login, args.la, password=password, revealer=args.revealer, replace=args.replace)
    say(
        f"{'created' if grant.created else 'updated'} analyst login {grant.login}: reads authorities "
        f"{', '.join(grant.la_codes)} in reporting and dq" + ("; may reveal child ids" if grant.revealer else "")
    )
    return 0


def cmd_reveal(args) -> int:
    import psycopg

    from csc_warehouse import access

    try:
        revealed = access.reveal(args.key, args.reason, role=args.role)
    except psycopg.errors.InsufficientPrivilege as error:
        raise CommandFailed(
            f"not allowed to reveal child ids (the csc_revealer role is needed): {error.diag.message_primary}"
        ) from error
    if not revealed.found:
        print(
            f"csc reveal: no child of an authority you may see has that key (recorded as reveal request "
            f"{revealed.request_id})",
            file=sys.stderr,
        )
        return 1
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerows([["la_code", "child_id"], [revealed.la_code, revealed.child_id]])
    return 0


def cmd_purge(args) -> int:
    from csc_warehouse import retention

    purged = retention.purge(args.older_than_days, progress=say)
    days = settings.retention_days() if args.older_than_days is None else args.older_than_days
    say(
        f"purged {len(purged)} delivery version(s) older than {days} days, "
        f"{sum(p.rows_deleted for p in purged):,} rows; every version the published figures use is kept"
    )
    return 0


def cmd_erase(args) -> int:
    from csc_warehouse import retention

    erasure = retention.erase(args.la, args.child, requested_by=args.by or getpass.getuser(), reason=args.reason)
    for table, rows in erasure.rows_deleted.items():
        say(f"  {table}: {rows:,}")
    say(
        f"erasure {erasure.erasure_id}: child key {erasure.child_key} of {erasure.la_code}, "
        f"{erasure.total:,} rows removed (ledger.erasures keeps the record, not the id)"
        + ("" if erasure.total else "; the warehouse held nothing of that child")
    )
    return 0


# -- the committee report and queries ---------------------------------------------------------


def cmd_report(args) -> int:
    from csc_warehouse.report import write_report

    written = write_report(args.la, args.as_at, out_dir=args.out)
    say(written.text)
    say("")
    say(f"report: {written.markdown}")
    say(f"        {written.html}")
    for chart in written.charts:
        say(f"chart:  {chart}")
    return 0


def cmd_sql(args) -> int:
    from csc_warehouse import queries

    queries.write_csv(args.query, sys.stdout, role=args.role)
    return 0


# -- errors --------------------------------------------------------------------------------------


def _expected_failures() -> tuple[type[BaseException], ...]:
    """What a command may meet in ordinary use: said in one line, not a traceback (unless --verbose).
    Imported here, not at the top, so that `csc --help` stays quick."""
    import subprocess

    import psycopg

    from csc_warehouse.access import AccessError
    from csc_warehouse.airflow_api import ApiError
    from csc_warehouse.airflow_services import AirflowStartError
    from csc_warehouse.gatekeeping import AcceptError
    from csc_warehouse.landing import LandingError
    from csc_warehouse.report import NothingPublished
    from csc_warehouse.retention import RetentionError

    return (
        CommandFailed,
        settings.SettingMissing,
        AcceptError,
        AccessError,
        AirflowStartError,
        ApiError,
        LandingError,
        RetentionError,
        NothingPublished,
        psycopg.Error,
        subprocess.CalledProcessError,
        OSError,  # PermissionError, FileNotFoundError, a refused connection to the mail sink
        ValueError,
    )


def _one_line(error: BaseException) -> str:
    """The error's own words on one line; a refused or lost connection also names the warehouse."""
    import psycopg

    text = " ".join(part.strip() for part in str(error).splitlines() if part.strip()) or type(error).__name__
    if isinstance(error, psycopg.OperationalError):
        try:
            where = settings.redacted(settings.warehouse_url())
        except settings.SettingMissing:
            where = "the warehouse"
        return f"cannot reach {where}: {text}"
    return text


def main(argv: list[str] | None = None) -> int:
    from csc_warehouse import cli_parser

    try:
        args = cli_parser.parse(argv)
    except UsageError as error:
        print(error, file=sys.stderr)
        return 2
    _setup_logging(args.verbose)
    settings.apply_environment(settings.QUIET_ENVIRONMENT)
    try:
        return args.func(args)
    except BrokenPipeError:
        # Whoever read the output has stopped (`csc ledger | head`): not a failure, and nothing to say.
        # Python would otherwise report the pipe again when it flushes stdout on the way out.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except _expected_failures() as error:
        if args.verbose:
            traceback.print_exc()
        print(f"csc {args.command}: {_one_line(error)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
