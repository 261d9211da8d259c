"""`make bench-scheduler`: the weekly run under the real Airflow scheduler, one authority against 150.

A benchmark, kept out of CI and `make test`; it asserts nothing. Airflow's four components are started
by `csc airflow start`, as a deployment starts them, in a temporary state folder with their own
AIRFLOW_HOME, CSC_STATE_DIR, CSC_LANDING_DIR, warehouse database and Airflow metadata database (as
tests/scheduler/test_airflow_services.py does); the weekly DAG is triggered through the REST API with
a token from /auth/token, its run polled until it ends, and everything stopped with `csc airflow stop`
at the end, also on error. Two runs, each under components started for it alone:
  - ONE_LA: the demo authority's first demo week (as the scheduler test triggers it), on a new warehouse;
  - NATIONAL: --authorities authorities (default 150) delivering the same week, with a national
    history behind them: --episodes SSDA903 episodes (default 5,000,000) over 52 weekly deliveries
    each, made as `make bench-dbt` makes them (scripts/bench_dbt_history, written straight into raw
    and the ledger, then one untimed dbt full refresh and publication in this process), then one new
    delivery per authority for the week after, written as files into the landing folder: those go
    through the door and the gate for real, in the timed run.
Each run's seconds are its duration as the REST API reports it (from the moment the run started to
its end); its published seconds, from the run's start to the end of its `publish` task (the figures
analysts read are out; the DfE return checks may still be running). It prints each run's task
instances (each map index of the mapped ingest counted) and what they took, then
one_la_published_seconds, national_published_seconds, `published_national_vs_one_la=<ratio>`,
one_la_seconds, national_seconds and last `national_vs_one_la=<ratio>` (whole runs).

--dag-test also times the ONE_LA week through `csc run-week` (Airflow's dag.test(), one process) on
a new warehouse, for comparison with the scheduler (one_la_dag_test_seconds, by wall clock).

Uses CSC_WAREHOUSE_URL's server when set (its own databases there, dropped first and afterwards);
otherwise an embedded PostgreSQL in the temporary folder. CSC_INGEST_BATCH_SIZE and
AIRFLOW__CORE__PARALLELISM, when set, reach the components. --keep keeps the folder and databases.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

import psycopg
from bench_dbt_history.deliveries import generate_history, vacuum, write_delivery
from bench_dbt_history.true_history import FIRST_EXTRACT, FIRST_LA_CODE, make_true_history
from bench_scheduler_airflow import CSC, FinishedRun, ScheduledAirflow, components_environment
from psycopg import sql

from csc_warehouse import airflow_settings, settings

DATABASES = ("bench_sched_one_la", "bench_sched_national", "bench_sched_dag_test")


def say(message: str) -> None:
    print(message, flush=True)


# -- databases ----------------------------------------------------------------------------------


def new_database(server_url: str, name: str) -> str:
    """An empty database of that name on the server (dropped first); its URL."""
    parts = settings.PostgresParts.from_url(server_url)
    with psycopg.connect(parts.url("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    return parts.url(name)


def drop_databases(server_url: str, names: Iterable[str]) -> None:
    parts = settings.PostgresParts.from_url(server_url)
    with psycopg.connect(parts.url("postgres"), autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


def metadata_database(server_url: str, name: str) -> str:
    """Airflow's metadata database, in the URL form Airflow's SQLAlchemy takes."""
    url = new_database(server_url, name)
    return settings.PostgresParts.from_url(url).url(driver="postgresql+psycopg2")


def connect(url: str) -> psycopg.Connection:
    """As bench_dbt connects: the warehouse's session options, parameters interpolated by the client."""
    from csc_warehouse import warehouse

    return psycopg.connect(url, autocommit=True, options=warehouse.SESSION_OPTIONS, cursor_factory=psycopg.ClientCursor)


# -- runs ---------------------------------------------------------------------------------------


def print_run(name: str, run: FinishedRun) -> None:
    """The run's task instances, grouped by task: how many, their seconds summed, the longest, and
    the span from the first one's start to the last one's end (what the run waited for them)."""
    say(f"  {name}: run {run.run_id} ended {run.state} in {run.seconds:.1f} s, {len(run.tasks)} task instances")
    by_task: dict[str, list] = defaultdict(list)
    for instance in run.tasks:
        by_task[instance.task_id].append(instance)
    say(f"    {'task':<24}{'instances':>10}{'task s':>9}{'longest':>9}{'span s':>9}  states")
    ordered = sorted(
        by_task.items(), key=lambda item: min((i.started for i in item[1] if i.started), default=None) or 0
    )
    for task_id, instances in ordered:
        starts = [i.started for i in instances if i.started]
        ends = [i.ended for i in instances if i.ended]
        span = (max(ends) - min(starts)).total_seconds() if starts and ends else 0.0
        states = ",".join(sorted({i.state for i in instances}))
        total = sum(i.seconds for i in instances)
        longest = max(i.seconds for i in instances)
        say(f"    {task_id:<24}{len(instances):>10}{total:>9.1f}{longest:>9.1f}{span:>9.1f}  {states}")
    say(f"    task seconds in all: {sum(i.seconds for i in run.tasks):.1f}")


def under_scheduler(environment: dict[str, str], as_at, run_id: str) -> FinishedRun:
    """Start the components, run the week, stop them (also on error)."""
    airflow = ScheduledAirflow(environment, say)
    try:
        say(f"  csc airflow start: ready in {airflow.start():.1f} s at {airflow.url}")
        triggered, load_before = time.monotonic(), os.getloadavg()[0]
        run = airflow.run_week(as_at, run_id)
        say(f"  triggered to ended, by wall clock: {time.monotonic() - triggered:.1f} s")
        # The machine may be shared: its load says how far these seconds are this project's own.
        say(f"  load average (1 min) at the trigger {load_before:.1f}, at the end {os.getloadavg()[0]:.1f}")
        return run
    finally:
        airflow.stop()
        say("  csc airflow stop: done")


def demo_week_environment(server_url: str, work: Path, smtp: str, name: str) -> tuple[dict, date]:
    """A new warehouse and Airflow metadata database named after `name`, the demo deliveries in the
    state folder's landing area, and the components' environment for them; with the first demo week."""
    from csc_warehouse import demo, warehouse

    state = work / name
    url = new_database(server_url, f"bench_sched_{name}")
    warehouse.migrate(url)
    demo.generate(state / "landing")
    metadata = metadata_database(server_url, f"bench_sched_{name}_airflow")
    return components_environment(state, url, metadata, smtp), demo.DEMO_WEEKS[0]


def one_la(server_url: str, work: Path, smtp: str) -> FinishedRun:
    from csc_warehouse import demo

    environment, week = demo_week_environment(server_url, work, smtp, "one_la")
    say(f"ONE_LA: authority {demo.DEMO_LA_CODE}'s demo week of {week} under the scheduler")
    run = under_scheduler(environment, week, f"bench_one_la_{week}")
    print_run("ONE_LA", run)
    return run


def one_la_dag_test(server_url: str, work: Path, smtp: str) -> float:
    """The same demo week through `csc run-week` (dag.test()) on a new warehouse: wall seconds."""
    environment, week = demo_week_environment(server_url, work, smtp, "dag_test")
    say(f"DAG_TEST: the same week through csc run-week --as-at {week}")
    started = time.monotonic()
    done = subprocess.run(
        [CSC, "run-week", "--as-at", week.isoformat()], capture_output=True, text=True, env=environment
    )
    seconds = time.monotonic() - started
    say(f"  exit {done.returncode} in {seconds:.1f} s: {(done.stdout.strip().splitlines() or [''])[-1]}")
    return seconds


def isolate(state: Path, url: str) -> None:
    """This process's own csc settings for the national history: its warehouse and folders only."""
    os.environ.update(settings.QUIET_ENVIRONMENT)
    os.environ.update(
        {
            "CSC_WAREHOUSE_URL": url,
            "CSC_STATE_DIR": str(state),
            "CSC_LANDING_DIR": str(state / "landing"),
            "CSC_OUTPUT_DIR": str(state / "outputs"),
            "AIRFLOW_HOME": str(state / "airflow"),
        }
    )
    os.environ.update(settings.dbt_environment())


def national(server_url: str, work: Path, smtp: str, args: argparse.Namespace) -> FinishedRun:
    from csc_warehouse import publishing, transforming, warehouse

    state = work / "national"
    landing = state / "landing"
    landing.mkdir(parents=True)
    url = new_database(server_url, "bench_sched_national")
    isolate(state, url)
    warehouse.migrate(url)
    week = FIRST_EXTRACT + timedelta(weeks=args.weeks)
    say(
        f"NATIONAL: {args.authorities} authorities delivering the week of {week}, behind them {args.episodes:,}"
        f" episodes over {args.weeks} weekly deliveries each"
    )
    with connect(url) as conn:
        started = time.monotonic()
        make_true_history(conn, authorities=args.authorities, weeks=args.weeks, later_weeks=1, episodes=args.episodes)
        generate_history(conn, weeks=args.weeks, landing=landing, say=say)
        vacuum(conn)
        say(f"  history generated: {time.monotonic() - started:.1f} s")
        started = time.monotonic()
        transforming.ensure_manifest()
        transforming.build_for_run("bench_full_refresh", settings.WEEKLY_DAG_ID, full_refresh=True)
        publishing.publish("bench_full_refresh", url=url)
        seconds = time.monotonic() - started
        say(f"  dbt full refresh and publication of the history (in this process, not timed): {seconds:.1f} s")
        started = time.monotonic()
        for number in range(args.authorities):
            write_delivery(conn, landing, str(FIRST_LA_CODE + number), args.weeks)
        say(f"  {args.authorities} new deliveries written into {landing}: {time.monotonic() - started:.1f} s")
    environment = components_environment(
        state, url, metadata_database(server_url, "bench_sched_national_airflow"), smtp
    )
    run = under_scheduler(environment, week, f"bench_national_{week}")
    print_run("NATIONAL", run)
    return run


# -- the benchmark ------------------------------------------------------------------------------


def _seconds(seconds: float | None) -> str:
    return "n/a (its publish task did not end)" if seconds is None else f"{seconds:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=5_000_000, help="episodes in the national history")
    parser.add_argument("--authorities", type=int, default=150, help="authorities delivering the national week")
    parser.add_argument("--weeks", type=int, default=52, help="weekly deliveries per authority in the history")
    parser.add_argument("--dag-test", action="store_true", help="also time the ONE_LA week through csc run-week")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and the databases")
    parser.add_argument(
        "--executor",
        choices=[executor.value for executor in airflow_settings.Executor],
        default=airflow_settings.airflow_executor().value,
        help="how the components run tasks (CSC_AIRFLOW_EXECUTOR; celery: Redis and CSC_CELERY_WORKERS workers)",
    )
    args = parser.parse_args()
    os.environ["CSC_AIRFLOW_EXECUTOR"] = args.executor  # the components keep it (bench_scheduler_airflow.TUNING)
    if not 1 <= args.authorities <= 998 - FIRST_LA_CODE:
        parser.error(f"--authorities must be between 1 and {998 - FIRST_LA_CODE}")
    if args.episodes < args.authorities * args.weeks:
        parser.error("--episodes must be at least one per delivery (--authorities x --weeks)")
    logging.basicConfig(level=logging.WARNING, format="    %(name)s: %(message)s")
    from csc_warehouse import mailsink
    from csc_warehouse.embedded import EmbeddedWarehouse, free_port

    work = Path(tempfile.mkdtemp(prefix="csc-bench-scheduler-"))
    server = None
    server_url = os.environ.get("CSC_WAREHOUSE_URL")
    port = free_port()
    sink = mailsink.serve(work / "mail", port)
    plain_smtp = {"disable_tls": True, "disable_ssl": True}
    smtp = json.dumps({"conn_type": "smtp", "host": "127.0.0.1", "port": port, "extra": plain_smtp})
    try:
        if not server_url:
            server = EmbeddedWarehouse(work / "server")
            server_url = server.start()
        say(f"work folder {work}; mail sink on port {port}; executor {args.executor}")
        if args.dag_test:
            dag_test_seconds = one_la_dag_test(server_url, work, smtp)
        one = one_la(server_url, work, smtp)
        nation = national(server_url, work, smtp, args)
    finally:
        sink.stop()
        if not args.keep:
            drop_databases(server_url, [*DATABASES, *(f"{name}_airflow" for name in DATABASES)])
        if server is not None:
            server.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            say(f"kept: {work}")
    if args.dag_test:
        say(f"one_la_dag_test_seconds={dag_test_seconds:.1f}")
    say(f"one_la_task_instances={len(one.tasks)}")
    say(f"national_task_instances={len(nation.tasks)}")
    say(f"one_la_state={one.state}")
    say(f"national_state={nation.state}")
    one_published, national_published = one.seconds_until_done("publish"), nation.seconds_until_done("publish")
    say(f"one_la_published_seconds={_seconds(one_published)}")
    say(f"national_published_seconds={_seconds(national_published)}")
    if one_published and national_published:
        say(f"published_national_vs_one_la={national_published / one_published:.2f}")
    else:
        say("published_national_vs_one_la=n/a (a run's publish task did not end)")
    say(f"one_la_seconds={one.seconds:.1f}")
    say(f"national_seconds={nation.seconds:.1f}")
    say(f"national_vs_one_la={nation.seconds / one.seconds:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
