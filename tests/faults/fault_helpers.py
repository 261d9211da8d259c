"""Helpers for the fault corpus: big deliveries, `csc` as a process that can be killed, and what the
server says it is doing, so that a fault strikes at a known moment rather than after a sleep."""

from __future__ import annotations

import ctypes
import os
import subprocess
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import psycopg
from conftest import CSC

from csc_warehouse import warehouse

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"


def write_big_delivery(root: Path, la_code: str, day: str, children: int) -> tuple[Path, int]:
    """A correct SSDA903 delivery of `children` children with four episodes each; returns the folder
    and the number of rows it holds. Episodes sort first, so loading starts with the big COPY."""
    folder = root / la_code / day
    folder.mkdir(parents=True, exist_ok=True)
    first = date(2014, 4, 1)
    with (folder / "header.csv").open("w") as header, (folder / "episodes.csv").open("w") as episodes:
        header.write(HEADER)
        episodes.write(EPISODES)
        for number in range(children):
            child = 700000 + number
            header.write(f"{child},{1 + number % 2},{first - timedelta(days=number % 6000):%d/%m/%Y},WBRI,,,\n")
            start = first + timedelta(days=number % 900)
            for episode in range(4):
                end = start + timedelta(days=30)
                ended = episode < 3
                episodes.write(
                    f"{child},{start:%d/%m/%Y},{'S' if episode == 0 else 'P'},C2,N1,U1,PR1,"
                    f"{f'{end:%d/%m/%Y}' if ended else ''},{'X1' if ended else ''},,,,\n"
                )
                start = end
    return folder, children * 5


def start_csc(*args: str, drop_file_access: bool = False, **environment: str) -> subprocess.Popen:
    """`csc` as a separate process, to be killed or raced. With drop_file_access it runs without the
    root powers that read any file whatever its permissions, as a deployment's airflow user would."""
    return subprocess.Popen(
        [CSC, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **environment},
        preexec_fn=_without_file_access_override if drop_file_access else None,
    )


def _without_file_access_override() -> None:
    if os.geteuid() != 0:
        return  # file permissions bind this user already
    libc = ctypes.CDLL(None, use_errno=True)
    capability_bounding_set_drop, dac_override, dac_read_search = 24, 1, 2
    for capability in (dac_override, dac_read_search):
        if libc.prctl(capability_bounding_set_drop, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "cannot drop the capability to read any file")


def run_csc_without_file_access(*args: str, **environment: str) -> subprocess.CompletedProcess:
    process = start_csc(*args, drop_file_access=True, **environment)
    stdout, stderr = process.communicate(timeout=300)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def wait_for(condition: Callable[[], object], what: str, timeout: float = 60) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.005)
    raise AssertionError(f"timed out waiting for {what}")


class ServerWatch:
    """One open connection asking the server what the warehouse's sessions in its database are doing:
    quick enough to catch a COPY that lasts a fraction of a second."""

    def __init__(self, url: str):
        self.conn = psycopg.connect(url, autocommit=True)

    def __enter__(self) -> ServerWatch:
        return self

    def __exit__(self, *_exc) -> None:
        self.conn.close()

    def _says(self, statement: str) -> bool:
        return bool(self.conn.execute(statement).fetchone()[0])

    def copy_is_streaming(self) -> bool:
        """A COPY of the warehouse's loading is under way and has taken rows."""
        return self._says(
            "select exists (select from pg_stat_progress_copy p join pg_stat_activity a using (pid)"
            " where a.datname = current_database() and a.application_name = 'csc-warehouse'"
            " and p.tuples_processed > 0)"
        )

    def ingests_waiting_for(self, lock: DeliveryLock) -> set[int]:
        """The process ids of the warehouse sessions queued on the delivery's lock."""
        return {
            pid
            for (pid,) in self.conn.execute(
                "select l.pid from pg_locks l join pg_stat_activity a using (pid)"
                " where l.locktype = 'advisory' and not l.granted and l.database = a.datid"
                " and a.datname = current_database() and a.application_name = 'csc-warehouse'"
                " and l.classid = %s and l.objid = %s and l.objsubid = 1",
                lock.lock_tag(),
            )
        }

    def no_loading_session_left(self) -> bool:
        """The server has noticed the client is gone and rolled its transaction back."""
        return self._says(
            "select not exists (select from pg_stat_activity where datname = current_database()"
            " and application_name = 'csc-warehouse')"
        )


class DeliveryLock:
    """The advisory lock two ingests of the same delivery queue on, held by the test itself: while
    it holds it, every ingest of that delivery waits, however slowly the machine runs. The key is
    the loading's own (`warehouse.delivery_lock_name`)."""

    def __init__(self, url: str, la_code: str, extract_date: date):
        self.conn = psycopg.connect(url, autocommit=True)
        name = warehouse.delivery_lock_name(la_code, extract_date)
        self.key = self.conn.execute("select hashtext(%s)::bigint", [name]).fetchone()[0]

    def __enter__(self) -> DeliveryLock:
        self.conn.execute("select pg_advisory_lock(%s)", [self.key])
        return self

    def release(self) -> None:
        self.conn.execute("select pg_advisory_unlock(%s)", [self.key])

    def __exit__(self, *_exc) -> None:
        self.conn.close()  # lets go of the lock too, if the test failed before releasing it

    def lock_tag(self) -> tuple[int, int]:
        """pg_locks names a one-key advisory lock by its high and low 32 bits (classid, objid)."""
        unsigned = self.key & 0xFFFF_FFFF_FFFF_FFFF
        return unsigned >> 32, unsigned & 0xFFFF_FFFF


def versions_of(url: str, la_code: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select delivery_version_id, status, rows_loaded from ledger.delivery_versions"
            " where la_code = %s order by delivery_version_id",
            [la_code],
        ).fetchall()


def raw_rows_of(url: str, la_code: str | None = None, *, version: int | None = None) -> int:
    """Records in every raw table, of one authority or of one delivery version: the rows of the delivered
    files (those with a source_row, as the ledger's rows_loaded counts them), not a CIN census kept whole
    besides (raw.cin_census_files), which the ledger does not count."""
    column, value = ("la_code", la_code) if version is None else ("delivery_version_id", version)
    with psycopg.connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "select table_name from information_schema.columns join information_schema.tables as tables"
                " using (table_schema, table_name) where table_schema = 'raw' and column_name = %s"
                " and table_type = 'BASE TABLE' and exists (select from information_schema.columns c"
                " where c.table_schema = 'raw' and c.table_name = tables.table_name and c.column_name = 'source_row')",
                [column],
            )
        ]
        return sum(
            conn.execute(f'select count(*) from raw."{table}" where {column} = %s', [value]).fetchone()[0]
            for table in tables
        )
