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
"""

from __future__ import annotations

import argparse
import json
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
FAKE_CIN = REPO / "tests" / "fixtures" / "peer_samples" / "csc-validator-be-cin" / "fake_data" / "fake_CIN_data.xml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="bench-returns-"))
    os.environ["CSC_STATE_DIR"] = str(state)
    from csc_warehouse import demo, loading, return_gate, settings, transforming, warehouse
    from csc_warehouse.embedded import EmbeddedWarehouse

    server = EmbeddedWarehouse(state)
    url = server.start()
    try:
        warehouse.migrate(url)
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
        environment = {**os.environ, "CSC_WAREHOUSE_URL": url}
        for label, folder in deliveries.items():
            [outcome] = loading.ingest_path(folder, url=url)
            for _ in range(args.rounds):
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                started = time.perf_counter()
                done = subprocess.run(
                    [str(settings.validators_python()), "-m", "csc_warehouse.returns.run"]
                    + [str(outcome.delivery_version_id)],
                    env=environment,
                    capture_output=True,
                    text=True,
                )
                wall = time.perf_counter() - started
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                if done.returncode != 0:
                    sys.exit(done.stderr[-3000:])
                checks = [check for check in map(json.loads, done.stdout.splitlines()) if check["checked"]]
                cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
                print(
                    f"{label}: wall={wall:.1f}s cpu={cpu:.1f}s "
                    + " ".join(
                        f"{check['return_type']}: check_seconds={check['seconds']} findings={check['findings']}"
                        f" rules_flagged={len(check['rules_flagged'])} ruleset={check['ruleset']}"
                        for check in checks
                    ),
                    flush=True,
                )
        time_return_readiness(url, settings, transforming, return_gate.READINESS_SELECTION, args.rounds)
    finally:
        server.stop()
        shutil.rmtree(state, ignore_errors=True)


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
    for label in ["counting 3 versions' findings", *["nothing new"] * rounds]:
        before, started = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        transforming.build(" ".join(selection))
        wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        print(f"build_return_readiness, {label}: wall={wall:.1f}s cpu={cpu:.1f}s", flush=True)


if __name__ == "__main__":
    main()
