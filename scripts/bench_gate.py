"""The two gates of a national week, timed on a copy of a warehouse the weekly run has been through.

A benchmark, kept out of CI and `make test`; it asserts nothing. Give it a database that holds a
week already gated and built (e.g. a copy of the one `scripts/bench_scheduler.py --keep` keeps:
`create database gate_x template bench_sched_national`). It never touches the database it is not
given, but it changes the one it is given: each round sets the --versions newest delivery versions
back to `loaded` (their reason and checked_* cleared) and deletes the dq rows of earlier rounds,
then times, by wall clock and by this process's CPU seconds:
  - `quality.check_deliveries(run_id, url=...)`, which checks those versions again;
  - `quality.check_marts(run_id, as_at, url=...)` on the marts in the build schema.
It prints each round's figures and the median of each. To time another checkout's gates (main's,
before a change), run it with --plugins <checkout>/plugins and that checkout's interpreter.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the warehouse copy (it is changed: versions set back to loaded)")
    parser.add_argument("--versions", type=int, default=150, help="how many of the newest versions to check again")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--plugins", type=Path, help="the plugins folder to import csc_warehouse from")
    parser.add_argument("--only", choices=("deliveries", "marts"), help="time one gate only")
    arguments = parser.parse_args()
    if arguments.plugins:
        sys.path.insert(0, str(arguments.plugins.resolve()))
    logging.basicConfig(level=logging.ERROR)

    import psycopg

    from csc_warehouse import quality

    timings: dict[str, list[tuple[float, float]]] = {"check_deliveries": [], "check_marts": []}
    for round_number in range(1, arguments.rounds + 1):
        with psycopg.connect(arguments.url) as conn:
            conn.execute("delete from dq.validations where run_id like 'bench-gate-%'")
            versions = conn.execute(
                "update ledger.delivery_versions set status = 'loaded', reason = null, checked_at = null,"
                " checked_by_run = null where delivery_version_id in (select delivery_version_id"
                " from ledger.delivery_versions order by delivery_version_id desc limit %s)"
                " returning extract_date",
                [arguments.versions],
            ).fetchall()
            conn.execute(
                "delete from dq.validations where delivery_version_id in (select delivery_version_id"
                " from ledger.delivery_versions where status = 'loaded')"
            )
        as_at = max(extract_date for (extract_date,) in versions).isoformat()
        run_id = f"bench-gate-{round_number}"
        if arguments.only != "marts":
            wall, cpu = time.perf_counter(), time.process_time()
            verdict = quality.check_deliveries(run_id, url=arguments.url)
            timings["check_deliveries"].append((time.perf_counter() - wall, time.process_time() - cpu))
            statuses = [v.status for v in verdict.versions]
            print(
                f"round {round_number}: check_deliveries {timings['check_deliveries'][-1][0]:.1f} s wall,"
                f" {timings['check_deliveries'][-1][1]:.1f} s CPU; {len(statuses)} versions,"
                f" {statuses.count('rejected')} rejected, {len(verdict.results)} results",
                flush=True,
            )
        if arguments.only != "deliveries":
            wall, cpu = time.perf_counter(), time.process_time()
            marts = quality.check_marts(run_id, as_at, url=arguments.url)
            timings["check_marts"].append((time.perf_counter() - wall, time.process_time() - cpu))
            print(
                f"round {round_number}: check_marts {timings['check_marts'][-1][0]:.1f} s wall,"
                f" {timings['check_marts'][-1][1]:.1f} s CPU; {len(marts.results)} results,"
                f" {sum(not r.success for r in marts.results)} failed, kept {list(marts.kept_la_codes)}",
                flush=True,
            )
    for gate, figures in timings.items():
        if figures:
            print(
                f"{gate}_seconds={statistics.median(w for w, _c in figures):.1f}"
                f" {gate}_cpu_seconds={statistics.median(c for _w, c in figures):.1f}"
            )


if __name__ == "__main__":
    main()
