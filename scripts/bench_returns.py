"""Seconds per delivery of the DfE SSDA903 and CIN return rules (csc_warehouse.returns), as the weekly run spends them.

A benchmark, kept out of CI and `make test`; it asserts nothing. It starts an embedded PostgreSQL in a
temporary folder (stopped and removed at the end), loads three deliveries through the door: the 903
validator's own fake return (all twelve tables, 5,050 episodes; extract date 31/03/2025, so its own
year's ruleset, lac2024_25), the CIN validator's own fake census (332 children, as authority 975; extract
date 31/03/2025, cin2024_25) and the last demo week of authority 309 (2013/14: the earliest ruleset).
Then, --rounds times each, it runs `python -m csc_warehouse.returns.run VERSION_ID` with the validators'
interpreter (CSC_VALIDATORS_PYTHON), as the weekly DAG's mapped task does, and prints the wall seconds,
that process's CPU seconds (user + system, read from the children's rusage), the check's own seconds
(dq.return_checks.seconds: reading raw, the rules, writing dq), the findings and the rules that flagged, for
each return the delivery held. Last, with the versions accepted, it times the weekly DAG's
`build_return_readiness` (a dbt build of the models tagged return_readiness), first counting the three
versions' findings, then with nothing new.

--national-sample N (`make bench-returns-national`) estimates a national week instead: it makes the
national true history as `make bench-dbt` and `make bench-scheduler` do (scripts/bench_dbt_history,
--episodes, default 5,000,000, over --authorities, default 150, and --weeks weekly deliveries each), cuts
N authorities' deliveries of the week after it as files (each as big as at 150 authorities), loads them
through the door, and runs each one's return check as the DAG's task does, printing its wall and CPU
seconds. The history's own deliveries are not written into raw: a check reads only its own version.
Then national_cpu_seconds_estimate (the mean CPU seconds of a delivery x --authorities),
national_wall_seconds_estimate_with_<slots>_slot(s) (CSC_RETURN_CHECK_SLOTS checks at a time, as the
scheduler's pool runs them: the mean wall seconds x the rounds of checks) and last
national_wall_seconds_estimate_on_<cores>_cores (as many checks at a time as this machine has cores).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FAKE_903 = REPO / "tests" / "fixtures" / "peer_samples" / "csc-validator-be-903" / "tests" / "fake_data"
FAKE_CIN = REPO / "tests" / "fixtures" / "peer_samples" / "csc-validator-be-cin" / "fake_data" / "fake_CIN_data.xml"
FAKE_TABLES = [
    "header.csv",
    "episodes.csv",
    "uasc.csv",
    "reviews.csv",
    "missing.csv",
    "oc2.csv",
    "oc3.csv",
    "ad1.csv",
    "placed_for_adoption.csv",
    "previous_permanence.csv",
    "sw_episodes.csv",
    "DoLo.csv",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--national-sample", type=int, metavar="N", help="estimate a national week from N deliveries")
    parser.add_argument("--episodes", type=int, default=5_000_000, help="episodes in the national history")
    parser.add_argument("--authorities", type=int, default=150, help="authorities delivering the national week")
    parser.add_argument("--weeks", type=int, default=52, help="weekly deliveries per authority in the history")
    args = parser.parse_args()
    if args.national_sample is not None and not 1 <= args.national_sample <= args.authorities:
        parser.error("--national-sample must be between 1 and --authorities")
    state = Path(tempfile.mkdtemp(prefix="bench-returns-"))
    os.environ["CSC_STATE_DIR"] = str(state)
    from csc_warehouse import warehouse
    from csc_warehouse.embedded import EmbeddedWarehouse

    server = EmbeddedWarehouse(state)
    url = server.start()
    try:
        warehouse.migrate(url)
        if args.national_sample is not None:
            national_sample(url, state, args)
        else:
            fake_and_demo(url, state, args.rounds)
    finally:
        server.stop()
        shutil.rmtree(state, ignore_errors=True)


def time_check(url: str, version: int) -> tuple[float, float, list[dict]]:
    """`python -m csc_warehouse.returns.run VERSION` in the validators' interpreter, as the DAG's task runs
    the check: wall seconds, that process's CPU seconds (user + system) and the checks it printed, one per
    return the version delivered."""
    from csc_warehouse import settings

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [str(settings.validators_python()), "-m", "csc_warehouse.returns.run", str(version)],
        env={**os.environ, "CSC_WAREHOUSE_URL": url},
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(done.stderr[-3000:])
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    checks = [check for check in map(json.loads, done.stdout.splitlines()) if check["checked"]]
    return wall, cpu, checks


def said(checks: list[dict]) -> str:
    return " ".join(
        f"{check['return_type']}: check_seconds={check['seconds']} findings={check['findings']}"
        f" rules_flagged={len(check['rules_flagged'])} ruleset={check['ruleset']}"
        for check in checks
    )


def fake_and_demo(url: str, state: Path, rounds: int) -> None:
    from csc_warehouse import demo, loading, return_gate, settings, transforming

    fake = state / "landing" / "309" / "2025-03-31"
    fake.mkdir(parents=True)
    for name in FAKE_TABLES:
        shutil.copyfile(FAKE_903 / name, fake / name)
    census = state / "landing" / "975" / "2025-03-31"
    census.mkdir(parents=True)
    shutil.copyfile(FAKE_CIN, census / FAKE_CIN.name)
    demo.generate(state / "demo")
    last_week = sorted((state / "demo" / "309").iterdir())[-1]
    deliveries = {
        "validator's fake return (12 tables)": fake,
        "validator's fake CIN census (332 children)": census,
        f"demo week {last_week.name}": last_week,
    }
    for label, folder in deliveries.items():
        [outcome] = loading.ingest_path(folder, url=url)
        for _ in range(rounds):
            wall, cpu, checks = time_check(url, outcome.delivery_version_id)
            print(f"{label}: wall={wall:.1f}s cpu={cpu:.1f}s {said(checks)}", flush=True)
    time_return_readiness(url, settings, transforming, return_gate.READINESS_SELECTION, rounds)


def national_sample(url: str, state: Path, args: argparse.Namespace) -> None:
    """N authorities' deliveries of the week after a national history, each checked as the DAG checks it."""
    import psycopg
    from bench_dbt_history.deliveries import write_delivery
    from bench_dbt_history.true_history import FIRST_LA_CODE, make_true_history

    from csc_warehouse import loading, settings
    from csc_warehouse import warehouse as warehouse_module

    print(
        f"national history: {args.episodes:,} episodes over {args.authorities} authorities x {args.weeks} weeks;"
        f" checking {args.national_sample} authorities' deliveries of the week after it",
        flush=True,
    )
    started = time.monotonic()
    landing = state / "landing"
    # Spread over the authorities: their sizes differ as the history draws them.
    step = args.authorities / args.national_sample
    sample = [str(FIRST_LA_CODE + int(number * step)) for number in range(args.national_sample)]
    with psycopg.connect(
        url, autocommit=True, options=warehouse_module.SESSION_OPTIONS, cursor_factory=psycopg.ClientCursor
    ) as conn:
        make_true_history(conn, authorities=args.authorities, weeks=args.weeks, later_weeks=1, episodes=args.episodes)
        folders = [write_delivery(conn, landing, la_code, args.weeks) for la_code in sample]
    print(f"true history made and {len(folders)} deliveries written: {time.monotonic() - started:.1f}s", flush=True)
    walls, cpus = [], []
    for la_code, folder in zip(sample, folders, strict=True):
        [outcome] = loading.ingest_path(folder, url=url)
        with psycopg.connect(url) as conn:
            episodes = conn.execute(
                "select count(*) from raw.ssda903_episodes where delivery_version_id = %s",
                [outcome.delivery_version_id],
            ).fetchone()[0]
        wall, cpu, checks = time_check(url, outcome.delivery_version_id)
        walls.append(wall)
        cpus.append(cpu)
        print(f"authority {la_code} {folder.name}: episodes={episodes} wall={wall:.1f}s cpu={cpu:.1f}s {said(checks)}")
    mean_wall, mean_cpu = sum(walls) / len(walls), sum(cpus) / len(cpus)
    slots, cores = settings.return_check_slots(), os.cpu_count() or 1
    print(f"mean_wall_seconds_per_delivery={mean_wall:.1f}")
    print(f"mean_cpu_seconds_per_delivery={mean_cpu:.1f}")
    print(f"national_cpu_seconds_estimate={mean_cpu * args.authorities:.0f}")
    slot_words = f"{slots}_slot{'s' if slots != 1 else ''}"
    print(f"national_wall_seconds_estimate_with_{slot_words}={mean_wall * math.ceil(args.authorities / slots):.0f}")
    print(f"national_wall_seconds_estimate_on_{cores}_cores={mean_wall * math.ceil(args.authorities / cores):.0f}")


def time_return_readiness(url, settings, transforming, selection: list[str], rounds: int) -> None:
    """The weekly DAG's build_return_readiness in this process, as the task runs it: wall and CPU seconds."""
    import psycopg

    os.environ["CSC_WAREHOUSE_URL"] = url
    os.environ.update(settings.dbt_environment())
    with psycopg.connect(url) as conn:
        conn.execute("update ledger.delivery_versions set status = 'accepted'")
    transforming.build(" ".join(f"+{selected}" for selected in selection))  # the staging views build_marts makes
    with psycopg.connect(url) as conn:
        conn.execute("truncate history.return_figures")
    for label in ["counting the versions' findings", *["nothing new"] * rounds]:
        before, started = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        transforming.build(" ".join(selection))
        wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        print(f"build_return_readiness, {label}: wall={wall:.1f}s cpu={cpu:.1f}s", flush=True)


if __name__ == "__main__":
    main()
