"""`csc`: the command people, scripts and the DAG's tasks share. A thin shell over the modules."""

from __future__ import annotations

import argparse
import csv
import importlib.util
import logging
import subprocess
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path

from csc_warehouse import settings

log = logging.getLogger("csc")


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    for noisy in ("great_expectations", "urllib3", "asyncio", "mail.log"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _print(message: str) -> None:
    print(message, flush=True)


# -- services and setup ------------------------------------------------------------------------


def cmd_services(args) -> int:
    from csc_warehouse import services

    if args.action == "start":
        for name, where in services.start().items():
            _print(f"{name}: {where}")
    else:
        services.stop()
        _print("stopped the embedded warehouse and mail sink (if they were running)")
    return 0


def cmd_migrate(args) -> int:
    from csc_warehouse import warehouse

    applied = warehouse.migrate()
    _print("applied: " + (", ".join(applied) if applied else "nothing (up to date)"))
    return 0


def cmd_dbt_parse(args) -> int:
    from csc_warehouse import transforming

    _print(f"manifest: {transforming.parse_project()}")
    return 0


def prepare_airflow() -> None:
    """Environment for Airflow, and its metadata database migrated once per database URL."""
    settings.apply_environment(settings.airflow_environment())
    home = settings.airflow_home()
    home.mkdir(parents=True, exist_ok=True)
    import hashlib

    marker = home / f".migrated-{hashlib.sha256(settings.airflow_metadata_url().encode()).hexdigest()[:12]}"
    if not marker.exists():
        log.info("migrating the Airflow metadata database")
        subprocess.run(
            [str(Path(sys.executable).parent / "airflow"), "db", "migrate"], check=True, stdout=subprocess.DEVNULL
        )
        marker.touch()


def load_dag(dag_id: str = settings.WEEKLY_DAG_ID):
    path = settings.dags_dir() / f"{dag_id}.py"
    spec = importlib.util.spec_from_file_location(f"csc_dags_{dag_id}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return _dag_in(module, dag_id)


def _dag_in(module, dag_id: str):
    from airflow.sdk import DAG

    for value in vars(module).values():
        if isinstance(value, DAG) and value.dag_id == dag_id:
            return value
    raise RuntimeError(f"no DAG {dag_id} in {module.__file__}")


def run_week(as_at: date, landing: Path | None = None, *, full_refresh: bool = False) -> bool:
    """Run the weekly DAG for as_at through Airflow (dag.test()); True when the run succeeded.
    full_refresh rebuilds dbt's history from raw instead of adding to it (after a definition changed)."""
    from csc_warehouse import transforming, warehouse
    from csc_warehouse.runs import LONDON

    warehouse.migrate()
    transforming.ensure_manifest()
    prepare_airflow()
    dag = load_dag()
    logical_date = datetime.combine(as_at, time(6, 0), tzinfo=LONDON)
    conf = {"as_at": as_at.isoformat(), "landing": str(landing) if landing else None, "full_refresh": full_refresh}
    dag_run = dag.test(logical_date=logical_date, run_conf=conf)
    state = str(getattr(dag_run, "state", "failed"))
    _print(f"{dag.dag_id} for as_at {as_at}: {state}")
    return state.endswith("success")


def cmd_run_week(args) -> int:
    landing = Path(args.landing) if args.landing else None
    return 0 if run_week(date.fromisoformat(args.as_at), landing, full_refresh=args.full_refresh) else 1


def run_audits(landing: Path | None = None) -> bool:
    """Run the audit_returns DAG now through Airflow (dag.test()) for the audit returns that have
    arrived; True when the run succeeded."""
    from csc_warehouse import audit_returns, transforming, warehouse
    from csc_warehouse.runs import LONDON

    warehouse.migrate()
    transforming.ensure_manifest()
    prepare_airflow()
    dag = load_dag(audit_returns.DAG_ID)
    now = datetime.now(LONDON)
    dag_run = dag.test(run_after=now, logical_date=now, run_conf={"landing": str(landing) if landing else None})
    state = str(getattr(dag_run, "state", "failed"))
    _print(f"{dag.dag_id} at {now:%Y-%m-%d %H:%M}: {state}")
    return state.endswith("success")


def cmd_run_audits(args) -> int:
    return 0 if run_audits(Path(args.landing) if args.landing else None) else 1


def weeks_to_catch_up(since: date | None, until: date | None) -> list[date]:
    """The Mondays whose weekly run is due and has not succeeded: from `since`, else the week after
    the last successful run, else CSC_WEEKLY_START_DATE; up to `until`, else the last Monday whose
    06:00 London has passed."""
    from csc_warehouse import warehouse
    from csc_warehouse.runs import LONDON

    if since is None:
        with warehouse.connect() as conn:
            last = conn.execute(
                "select max(as_at) from dq.runs where dag_id = %s and state = 'success'", [settings.WEEKLY_DAG_ID]
            ).fetchone()[0]
        since = last + timedelta(days=1) if last else settings.weekly_start_date()
        if since is None:
            raise settings.SettingMissing("no weekly run has succeeded yet: give --since, or set CSC_WEEKLY_START_DATE")
    if until is None:
        now = datetime.now(LONDON)
        until = now.date() - timedelta(days=now.weekday())
        if until == now.date() and now.time() < time(6, 0):
            until -= timedelta(days=7)
    first = since + timedelta(days=(7 - since.weekday()) % 7)
    return [first + timedelta(weeks=week) for week in range(max(0, (until - first).days // 7 + 1))]


def cmd_catch_up(args) -> int:
    """Every missed week, oldest first, each through the weekly DAG as the scheduler would run it."""
    since = date.fromisoformat(args.since) if args.since else None
    until = date.fromisoformat(args.until) if args.until else None
    weeks = weeks_to_catch_up(since, until)
    if not weeks:
        _print("nothing to catch up: every due week has run")
        return 0
    _print(f"catching up {len(weeks)} week(s): {', '.join(map(str, weeks))}")
    landing = Path(args.landing) if args.landing else None
    # Like the scheduler (max_active_runs=1): a failed week is reported and the next still runs.
    failed = [as_at for as_at in weeks if not run_week(as_at, landing)]
    if failed:
        _print(f"FAILED weeks: {', '.join(map(str, failed))}")
    return 1 if failed else 0


# -- loading -----------------------------------------------------------------------------------


def cmd_ingest(args) -> int:
    from csc_warehouse import loading, warehouse
    from csc_warehouse.statuses import VersionStatus

    warehouse.migrate()
    outcomes = loading.ingest_path(Path(args.path), progress=_print)
    quarantined = [o for o in outcomes if o.status == VersionStatus.QUARANTINED]
    for outcome in quarantined:
        _print(f"QUARANTINED {outcome.label} (version {outcome.delivery_version_id}):")
        for finding in outcome.findings[:20]:
            _print(f"  {finding}")
        if len(outcome.findings) > 20:
            _print(f"  ... and {len(outcome.findings) - 20} more: csc ledger lists every one")
    loaded = sum(1 for o in outcomes if o.status == VersionStatus.LOADED and not o.already_loaded)
    before = sum(1 for o in outcomes if o.already_loaded)
    _print(
        f"{len(outcomes)} delivery version(s): {loaded} loaded (the quality gate decides acceptance),"
        f" {before} loaded before, {len(quarantined)} quarantined"
    )
    return 1 if quarantined else 0


def cmd_ledger(args) -> int:
    """Every delivery version, file by file, then every door finding: two CSV tables, oldest first."""
    _query(
        "select v.delivery_version_id as version, v.la_code, v.extract_date, v.status, v.received_at,"
        " left(v.sha256, 12) as sha256, f.file_name, f.sheet, f.table_name, f.status as file_status,"
        " f.rows_read, f.rows_loaded, f.seconds, coalesce(f.reason, v.reason) as reason"
        " from ledger.delivery_versions v left join ledger.delivery_files f using (delivery_version_id)"
        " order by v.delivery_version_id, f.file_name, f.sheet",
        None,
    )
    _print("")
    return _query(
        "select delivery_version_id as version, file_name, sheet, row_number, column_name, value, rule,"
        " message from ledger.door_findings"
        " order by delivery_version_id, file_name, sheet, row_number nulls first",
        None,
    )


# -- the gate and publication -------------------------------------------------------------------


def cmd_accept(args) -> int:
    from csc_warehouse import gatekeeping

    version = gatekeeping.accept(args.delivery, reason=args.reason, accepted_by=args.by)
    _print(f"accepted delivery version {version} of {args.delivery}; the next run publishes it")
    return 0


def cmd_rollback(args) -> int:
    from csc_warehouse import publishing

    tables = publishing.rollback()
    _print("rolled back: " + (", ".join(tables) if tables else "nothing (no previous published version)"))
    return 0


# -- access and retention ----------------------------------------------------------------------


def _refused(error: Exception) -> int:
    print(f"csc: {error}", file=sys.stderr)
    return 2


def cmd_grant_analyst(args) -> int:
    from csc_warehouse import access

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    try:
        grant = access.grant_analyst(
            args.login, args.la, password=password, revealer=args.revealer, replace=args.replace
        )
    except access.AccessError as error:
        return _refused(error)
    _print(
        f"{'created' if grant.created else 'updated'} analyst login {grant.login}: reads authorities "
        f"{', '.join(grant.la_codes)} in reporting and dq" + ("; may reveal child ids" if grant.revealer else "")
    )
    return 0


def cmd_reveal(args) -> int:
    import psycopg

    from csc_warehouse import access

    try:
        revealed = access.reveal(args.key, args.reason, role=args.role)
    except access.AccessError as error:
        return _refused(error)
    except psycopg.errors.InsufficientPrivilege as error:
        return _refused(
            f"not allowed to reveal child ids (the csc_revealer role is needed): {error.diag.message_primary}"
        )
    if not revealed.found:
        print(
            f"csc: no child of an authority you may see has that key (recorded as reveal request "
            f"{revealed.request_id})",
            file=sys.stderr,
        )
        return 1
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerows([["la_code", "child_id"], [revealed.la_code, revealed.child_id]])
    return 0


def cmd_purge(args) -> int:
    from csc_warehouse import retention

    try:
        purged = retention.purge(args.older_than_days, progress=_print)
    except retention.RetentionError as error:
        return _refused(error)
    days = settings.retention_days() if args.older_than_days is None else args.older_than_days
    _print(
        f"purged {len(purged)} delivery version(s) older than {days} days, "
        f"{sum(p.rows_deleted for p in purged):,} rows; every version the published figures use is kept"
    )
    return 0


def cmd_erase(args) -> int:
    import getpass

    from csc_warehouse import retention

    try:
        erasure = retention.erase(args.la, args.child, requested_by=args.by or getpass.getuser(), reason=args.reason)
    except retention.RetentionError as error:
        return _refused(error)
    for table, rows in erasure.rows_deleted.items():
        _print(f"  {table}: {rows:,}")
    _print(
        f"erasure {erasure.erasure_id}: child key {erasure.child_key} of {erasure.la_code}, "
        f"{erasure.total:,} rows removed (ledger.erasures keeps the record, not the id)"
        + ("" if erasure.total else "; the warehouse held nothing of that child")
    )
    return 0


# -- the committee report --------------------------------------------------------------------


def cmd_report(args) -> int:
    from csc_warehouse.report import write_report

    written = write_report(args.la, date.fromisoformat(args.as_at), out_dir=Path(args.out) if args.out else None)
    _print(written.text)
    _print("")
    _print(f"report: {written.markdown}")
    _print(f"        {written.html}")
    for chart in written.charts:
        _print(f"chart:  {chart}")
    return 0


# -- queries -----------------------------------------------------------------------------------


def _query(statement: str, role: str | None) -> int:
    from csc_warehouse import warehouse

    with warehouse.connect(role=role) as conn:
        cursor = conn.execute(statement)
        writer = csv.writer(sys.stdout, lineterminator="\n")
        if cursor.description:
            writer.writerow([column.name for column in cursor.description])
            writer.writerows(cursor)
        conn.commit()
    return 0


def cmd_sql(args) -> int:
    return _query(args.query, args.role)


# -- the demo ----------------------------------------------------------------------------------


def cmd_demo(args) -> int:
    from csc_warehouse import demo_data, services, transforming, warehouse

    for name, where in services.start().items():
        _print(f"{name}: {where}")
    warehouse.migrate()
    landing = settings.landing_dir()
    figures = demo_data.generate(landing)
    _print(f"demo deliveries for authority {demo_data.DEMO_LA_CODE}: {landing}")
    failed = [as_at for as_at in figures if not run_week(as_at)]
    docs = transforming.generate_docs()
    from csc_warehouse.quality import data_docs_index
    from csc_warehouse.report import write_report

    report = write_report(demo_data.DEMO_LA_CODE, max(figures))
    _print("")
    _print("Where to look:")
    _print(f"  warehouse: {settings.redacted(settings.warehouse_url())}")
    _print('  tables:    .venv/bin/csc sql "select * from reporting.lac_weekly order by as_at"')
    _print(f"  emails:    {settings.mail_dir()}  (one .eml file per message)")
    _print('  summaries: .venv/bin/csc sql "select run_id, state, summary from dq.runs order by finished_at"')
    _print(f"  dbt docs:  {docs}")
    _print(f"  checks:    {data_docs_index()}  (Great Expectations Data Docs)")
    _print(f"  report:    {report.markdown}  (and report.html, charts beside it)")
    if failed:
        _print(f"FAILED weeks: {', '.join(map(str, failed))}")
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="csc", description="Children's services reporting warehouse")
    parser.add_argument("-v", "--verbose", action="store_true")
    commands = parser.add_subparsers(dest="command", required=True)

    services = commands.add_parser("services", help="start or stop the embedded warehouse and mail sink")
    services.add_argument("action", choices=["start", "stop"])
    services.set_defaults(func=cmd_services)

    commands.add_parser("migrate", help="apply the warehouse migrations").set_defaults(func=cmd_migrate)
    commands.add_parser("dbt-parse", help="write the dbt manifest the DAG renders from").set_defaults(
        func=cmd_dbt_parse
    )

    run = commands.add_parser("run-week", help="run the weekly DAG for one as_at through Airflow")
    run.add_argument("--as-at", required=True, help="YYYY-MM-DD: takes deliveries dated as_at - 6 .. as_at")
    run.add_argument("--landing", help="landing root (default: CSC_LANDING_DIR)")
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild dbt's history from raw, not just add this week (after changing a definition)",
    )
    run.set_defaults(func=cmd_run_week)

    audits = commands.add_parser("run-audits", help="run the audit_returns DAG now for the audit returns that arrived")
    audits.add_argument("--landing", help="landing root (default: CSC_LANDING_DIR)")
    audits.set_defaults(func=cmd_run_audits)

    ingest = commands.add_parser("ingest", help="load deliveries: one folder, an authority's, or the landing root")
    ingest.add_argument("path")
    ingest.set_defaults(func=cmd_ingest)

    commands.add_parser("ledger", help="print the load ledger as CSV").set_defaults(func=cmd_ledger)

    accept = commands.add_parser("accept", help="accept a rejected delivery version after review")
    accept.add_argument("--delivery", required=True, help="LA/DATE, e.g. 309/2014-02-10")
    accept.add_argument("--reason", required=True, help="why the version may be published despite the gate")
    accept.add_argument("--by", required=True, help="who reviewed it")
    accept.set_defaults(func=cmd_accept)

    commands.add_parser("rollback", help="put the previous published tables back").set_defaults(func=cmd_rollback)

    report = commands.add_parser("report", help="draft the committee report's data section from reporting")
    report.add_argument("--la", required=True, help="the authority's three-digit code")
    report.add_argument("--as-at", required=True, help="YYYY-MM-DD")
    report.add_argument("--out", help="folder for the report (default: CSC_REPORT_DIR)")
    report.set_defaults(func=cmd_report)

    catch_up = commands.add_parser("catch-up", help="run every missed week since the last successful run, in order")
    catch_up.add_argument("--since", help="YYYY-MM-DD (default: the week after the last successful run)")
    catch_up.add_argument("--until", help="YYYY-MM-DD (default: the last Monday whose 06:00 has passed)")
    catch_up.add_argument("--landing", help="landing root (default: CSC_LANDING_DIR)")
    catch_up.set_defaults(func=cmd_catch_up)

    grant = commands.add_parser("grant-analyst", help="create or map an analyst login to the authorities it reads")
    grant.add_argument("login")
    grant.add_argument("--la", action="append", required=True, help="a three-digit authority code; repeat for more")
    grant.add_argument("--revealer", action="store_true", help="may also reveal its authorities' child ids")
    grant.add_argument("--replace", action="store_true", help="the authorities given become the whole mapping")
    grant.add_argument("--password-stdin", action="store_true", help="read the login's password from stdin")
    grant.set_defaults(func=cmd_grant_analyst)

    reveal = commands.add_parser("reveal", help="the authority's own child id behind a child key (audited)")
    reveal.add_argument("key")
    reveal.add_argument("--reason", required=True, help="why the id is needed: recorded with who and when")
    reveal.add_argument("--role", help="act as this login (it needs csc_revealer)")
    reveal.set_defaults(func=cmd_reveal)

    purge = commands.add_parser("purge", help="remove the raw rows of superseded and rejected delivery versions")
    purge.add_argument("--older-than-days", type=int, help="default: CSC_RETENTION_DAYS (90)")
    purge.set_defaults(func=cmd_purge)

    erase = commands.add_parser("erase", help="remove one child's rows from the warehouse, recorded")
    erase.add_argument("--la", required=True, help="the authority's three-digit code")
    erase.add_argument("--child", required=True, help="the child's id as the authority's extracts hold it")
    erase.add_argument("--by", help="who asked for the erasure (default: your user name)")
    erase.add_argument("--reason", help="e.g. the request's reference")
    erase.set_defaults(func=cmd_erase)

    query = commands.add_parser("sql", help="run one query on the warehouse and print CSV")
    query.add_argument("--role", help="run as this role, e.g. csc_analyst")
    query.add_argument("query")
    query.set_defaults(func=cmd_sql)

    commands.add_parser("demo", help="what `make run` does: services, demo deliveries, weekly runs").set_defaults(
        func=cmd_demo
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(args.verbose)
    settings.apply_environment(settings.QUIET_ENVIRONMENT)
    from csc_warehouse.gatekeeping import AcceptError
    from csc_warehouse.landing import LandingError

    try:
        return args.func(args)
    except (settings.SettingMissing, AcceptError, LandingError) as error:
        print(f"csc: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
