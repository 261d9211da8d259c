"""`make bench-dbt`: a full dbt refresh of a national-scale history against the weekly path.

A benchmark, kept out of CI and `make test`; it asserts nothing. It generates the history of
--authorities authorities (default 150, codes 201 upwards), each with --weeks weekly deliveries
(default 52, Mondays from 1 April 2024 to 24 March 2025, all of collection year 2024/25), holding
--episodes SSDA903 episodes in total over all of those accepted deliveries (default 5,000,000:
about 640 per delivery; `make bench-dbt EPISODES=500000` for fewer) and child protection plans in
proportion (0.6 plan rows per episode row). Then it times, by wall clock:
  - FULL: the weekly DAG's dbt task with its full_refresh param, `transforming.build_for_run(...,
    full_refresh=True)` (one `dbt build`: seeds, models and data tests, unit tests left out, each
    node's result recorded in dq.dbt_results), then `publishing.publish()` of every mart; printed as
    full_refresh_seconds;
  - WEEKLY: one authority's next weekly delivery (extract date 31 March 2025, a week after its
    last) is written as CSV files (episodes.csv, header.csv, and cp_plans.csv with the Children in
    Need census names) into a landing folder, loaded by `loading.ingest_path` (the door) and checked
    by `quality.check_deliveries` (the delivery gate, which accepts it), none of which is timed;
    then the same dbt task without a full refresh and `publishing.publish()` are. This is done
    --weekly-runs times (default 3), each time for another authority, and the median is printed as
    weekly_seconds;
and ends with the line `weekly_vs_full=<weekly_seconds / full_refresh_seconds>`.

The history does not go through the door or the gate, which would take hours at this scale: it is
written straight into raw.ssda903_episodes, raw.ssda903_header and raw.cin_cp_plans (as text, the
dates DD/MM/YYYY, with the provenance columns loading fills: delivery_version_id, la_code,
source_file and source_row, the file line), with the ledger rows of deliveries that passed both
(ledger.delivery_versions 'accepted', ledger.delivery_files 'accepted' for each of the three
files), exactly as `csc ingest` and the gate leave them. Rows are made inside PostgreSQL from a
small "true history" per authority (children, their 1 to 3 episodes of care and their plans, from
deterministic hashes of their ids, so every run generates the same data): each delivery is the
snapshot of the records open on or after 1 April of the year before its extract date (the data
contract's window), with an episode or plan ending after the extract date shown open. The tables
are vacuumed and analysed afterwards, as autovacuum would have done over a year of deliveries.
Generation is timed and printed, and is not part of the ratio.

The data: children aged 0 to 17 at the start of care, whose episodes stop at their 18th birthday;
periods of care of consecutive episodes (REC X1, then RNE P, T, L or B), some ending with a return
home and a new period later; police protection (L1) periods of 0 to 3 days (a few longer), many
ending with a return home (E4A, E13, E4B), and episodes ending the day they start, so that
lac_brief_episodes has rows of every flag; short breaks (V3, V4). Plans of 2 weeks to 3 years under
NEG, EMO, PHY, SAB or MUL, some children with a repeat plan or one replacing another on the day.

Uses CSC_WAREHOUSE_URL when set: the benchmark then creates a database of its own there
(csc_bench_dbt, dropped first if it exists) and drops it afterwards. Otherwise it starts an
embedded warehouse in a temporary folder and removes it afterwards. --keep keeps either (and the
temporary folder) for a look. dbt runs on a copy of dbt_project/ made at the start, in the
temporary folder, so that tests or builds running on this checkout meanwhile neither disturb the
benchmark nor are disturbed by it. Each node's time is read back from dq.dbt_results, where the
dbt task records it, and the slowest nodes of the full refresh and of the first weekly run are
printed.

The history is made by the modules of scripts/bench_dbt_history/, its SQL in that folder's sql/.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from bench_dbt_history.deliveries import generate_history, vacuum, write_delivery
from bench_dbt_history.figures import sanity_figures
from bench_dbt_history.true_history import FIRST_EXTRACT, FIRST_LA_CODE, make_true_history
from psycopg import sql

BENCH_DATABASE = "csc_bench_dbt"
SLOWEST_NODES = 10


def say(message: str) -> None:
    print(message, flush=True)


# -- the warehouse ------------------------------------------------------------------------------


def with_database(url: str, database: str) -> str:
    """The same server, user and options, another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def recreate_database(server_url: str, database: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(database)))
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(database)))


def drop_database(server_url: str, database: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(database)))


def isolate(work: Path, url: str) -> None:
    """Point every setting at the benchmark's own warehouse and folders, and dbt at a copy of the project.

    Set, not defaulted: a CSC_DBT_DBNAME (or any other setting) inherited from the shell must not
    send the benchmark's builds to someone's warehouse.
    """
    from csc_warehouse import settings

    home = work / "home"
    home.mkdir()
    shutil.copytree(
        settings.dbt_project_dir(),
        home / "dbt_project",
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"),
    )
    for folder in (settings.expectations_dir(), settings.dags_dir()):
        (home / folder.name).symlink_to(folder, target_is_directory=True)
    os.environ.update(settings.QUIET_ENVIRONMENT)  # telemetry off: dbt, Great Expectations, Scarf
    # Temporary files of this process (Great Expectations' ephemeral docs sites among them) go with the rest.
    (work / "tmp").mkdir()
    os.environ["TMPDIR"] = tempfile.tempdir = str(work / "tmp")
    os.environ.update(
        {
            "CSC_HOME": str(home),
            "CSC_WAREHOUSE_URL": url,
            "CSC_STATE_DIR": str(work / "state"),
            "CSC_LANDING_DIR": str(work / "landing"),
            "CSC_DATA_DOCS_DIR": str(work / "data_docs"),
            "CSC_REPORT_DIR": str(work / "reports"),
            "AIRFLOW_HOME": str(work / "airflow"),
            "CSC_BUILD_SCHEMA": "build",
        }
    )
    os.environ.update(settings.dbt_environment())


def connect(url: str) -> psycopg.Connection:
    """Parameters interpolated by the client: most statements here are DDL, which takes no server-side ones."""
    from csc_warehouse import warehouse

    return psycopg.connect(url, autocommit=True, options=warehouse.SESSION_OPTIONS, cursor_factory=psycopg.ClientCursor)


# -- a new weekly delivery ----------------------------------------------------------------------


def load_and_check(url: str, folder: Path, run_id: str) -> int:
    """The door and the delivery gate, as the weekly run's ingest and check_deliveries tasks do."""
    from csc_warehouse import loading, quality

    outcomes = loading.ingest_path(folder, url=url, progress=lambda line: say(f"    {line}"))
    verdict = quality.check_deliveries(run_id, url=url)
    version = outcomes[0].delivery_version_id
    checked = {v.delivery_version_id: v for v in verdict.versions}.get(version)
    status, reason = (checked.status, checked.reason) if checked else (outcomes[0].status, None)
    if status != "accepted":
        raise RuntimeError(
            f"the new delivery {folder} was {status}, not accepted: {reason}"
            f" ({outcomes[0].reason or ''}); the weekly run would not use it"
        )
    return version


# -- timing -------------------------------------------------------------------------------------


def build_and_publish(run_id: str, url: str, *, full_refresh: bool) -> tuple[float, float]:
    """(dbt build seconds, publication seconds), by wall clock. The build is the weekly DAG's own
    build_marts task (transforming.build_for_run): the same `dbt build`, its results into dq.dbt_results."""
    from csc_warehouse import publishing, settings, transforming

    started = time.monotonic()
    transforming.build_for_run(run_id, settings.WEEKLY_DAG_ID, full_refresh=full_refresh)
    built = time.monotonic()
    publishing.publish(run_id, url=url)
    return built - started, time.monotonic() - built


def node_times(conn: psycopg.Connection, run_id: str) -> list[tuple[str, float]]:
    """Each node of the run's dbt build and its execution time (from dq.dbt_results), slowest first."""
    rows = conn.execute(
        "select unique_id, coalesce(execution_time, 0) from dq.dbt_results where run_id = %s"
        " order by execution_time desc nulls last",
        [run_id],
    ).fetchall()
    return [(unique_id, float(seconds)) for unique_id, seconds in rows]


def print_slowest_nodes(conn: psycopg.Connection, run_id: str, what: str) -> None:
    nodes = node_times(conn, run_id)
    by_kind: dict[str, list[float]] = {}
    for unique_id, seconds in nodes:
        by_kind.setdefault(unique_id.split(".")[0], []).append(seconds)
    kinds = ", ".join(f"{len(times)} {kind}s {sum(times):.1f}s" for kind, times in sorted(by_kind.items()))
    say(f"  dbt nodes of the {what}: {kinds} (run in threads, so their times overlap); the slowest:")
    for unique_id, seconds in nodes[:SLOWEST_NODES]:
        say(f"    {seconds:8.2f}s  {unique_id}")


# -- the benchmark ------------------------------------------------------------------------------


def run(url: str, work: Path, args: argparse.Namespace) -> tuple[float, float]:
    """Generate, then time the full refresh and the weekly runs: (full_refresh_seconds, weekly_seconds)."""
    from csc_warehouse import transforming, warehouse

    warehouse.migrate(url)
    say(f"parsing the dbt project (a copy, in {work / 'home' / 'dbt_project'})")
    transforming.ensure_manifest()
    landing = work / "landing"
    landing.mkdir()
    with connect(url) as conn:
        say(
            f"generating {args.episodes:,} episodes over {args.authorities} authorities x {args.weeks} weekly"
            f" deliveries ({FIRST_EXTRACT} to {FIRST_EXTRACT + timedelta(weeks=args.weeks - 1)})"
        )
        started = time.monotonic()
        make_true_history(conn, authorities=args.authorities, weeks=args.weeks, later_weeks=1, episodes=args.episodes)
        say(f"  true history made ({time.monotonic() - started:.1f}s)")
        generate_history(conn, weeks=args.weeks, landing=landing, say=say)
        written = time.monotonic()
        vacuum(conn)
        say(f"  vacuum analyze: {time.monotonic() - written:.1f}s")
        say(f"generation_seconds={time.monotonic() - started:.1f}")

        say("FULL: dbt build --full-refresh, then publication")
        built, published = build_and_publish("bench-full", url, full_refresh=True)
        full = built + published
        say(f"  dbt build {built:.1f}s, publication {published:.1f}s")
        print_slowest_nodes(conn, "bench-full", "full refresh")
        say(f"full_refresh_seconds={full:.2f}")

        codes = [str(FIRST_LA_CODE + n) for n in range(args.authorities)]
        weekly_times = []
        for number in range(args.weekly_runs):
            la_code = codes[number * len(codes) // args.weekly_runs]
            folder = write_delivery(conn, landing, la_code, args.weeks)
            say(
                f"WEEKLY {number + 1}/{args.weekly_runs}: authority {la_code}'s delivery of {folder.name}"
                " through the door and the gate (not timed)"
            )
            version = load_and_check(url, folder, f"bench-gate-{number + 1}")
            say(f"  version {version} accepted; dbt build, then publication")
            built, published = build_and_publish(f"bench-weekly-{number + 1}", url, full_refresh=False)
            weekly_times.append(built + published)
            say(f"  dbt build {built:.1f}s, publication {published:.1f}s: {weekly_times[-1]:.2f}s")
            if number == 0:
                print_slowest_nodes(conn, f"bench-weekly-{number + 1}", "first weekly run")
        weekly = statistics.median(weekly_times)
        if len(weekly_times) > 1:
            say(f"  weekly runs: {', '.join(f'{seconds:.2f}s' for seconds in weekly_times)}; their median:")
        say(f"weekly_seconds={weekly:.2f}")
        for line in sanity_figures(conn, FIRST_EXTRACT + timedelta(weeks=args.weeks - 1)):
            say(line)
    return full, weekly


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--episodes",
        type=int,
        default=5_000_000,
        help="episode rows over all the history's deliveries (default 5,000,000)",
    )
    parser.add_argument("--authorities", type=int, default=150, help="authorities, codes 201 upwards (default 150)")
    parser.add_argument("--weeks", type=int, default=52, help="weekly deliveries per authority (default 52)")
    parser.add_argument(
        "--weekly-runs",
        type=int,
        default=3,
        help="weekly runs after the full refresh, each for another authority; the median is reported",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the benchmark's database (or embedded warehouse) and temporary folder"
    )
    args = parser.parse_args()
    if not 1 <= args.authorities <= 998 - FIRST_LA_CODE:
        parser.error(f"--authorities must be between 1 and {998 - FIRST_LA_CODE} (codes {FIRST_LA_CODE} to 998)")
    if not 1 <= args.weeks <= 520:
        parser.error("--weeks must be between 1 and 520")
    if not 1 <= args.weekly_runs <= args.authorities:
        parser.error("--weekly-runs must be at least 1 and at most --authorities (one authority each)")
    if args.episodes < args.authorities * args.weeks:
        parser.error("--episodes must be at least one per delivery (--authorities x --weeks)")
    # Warnings and errors only; Great Expectations sets its own loggers to INFO, and says nothing we need.
    quiet = logging.StreamHandler()
    quiet.addFilter(lambda record: record.levelno >= logging.ERROR or not record.name.startswith("great_expectations"))
    logging.basicConfig(level=logging.WARNING, format="    %(name)s: %(message)s", handlers=[quiet])

    from csc_warehouse.embedded import EmbeddedWarehouse

    work = Path(tempfile.mkdtemp(prefix="csc-bench-dbt-"))
    server = None
    server_url = os.environ.get("CSC_WAREHOUSE_URL")
    try:
        if server_url:
            url = with_database(server_url, BENCH_DATABASE)
            recreate_database(server_url, BENCH_DATABASE)
            say(f"warehouse: database {BENCH_DATABASE} on the CSC_WAREHOUSE_URL server")
        else:
            server = EmbeddedWarehouse(work / "state")
            url = server.start()
            say(f"warehouse: embedded PostgreSQL in {work / 'state'}")
        isolate(work, url)
        full, weekly = run(url, work, args)
    finally:
        if args.keep:
            say(
                f"kept: {work}"
                + (
                    f" and database {BENCH_DATABASE}"
                    if server_url
                    else " (the embedded server is stopped; its data is in state/pgdata)"
                )
            )
        elif server_url:
            drop_database(server_url, BENCH_DATABASE)
        if server is not None:
            server.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    say(f"full refresh {full:.2f}s, weekly {weekly:.2f}s")
    say(f"weekly_vs_full={weekly / full:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
