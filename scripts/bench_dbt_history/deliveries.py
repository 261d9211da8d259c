"""The deliveries cut from the true history: the history's, written straight into raw and the ledger
as `csc ingest` and the gate leave them, and a new week's, written as files for the door.

Each delivery holds the records open on or after 1 April of the year before its extract date (the
data contract's window), with a record ending after the extract date shown open.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import psycopg
from psycopg import sql

from .queries import query, scratch_table
from .true_history import FIRST_EXTRACT

GENERATED_BY = "bench-generated"  # checked_by_run of the generated versions, as a gate run id would be

FILE_COLUMNS = {
    "episodes.csv": (
        *("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC"),
        *("REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"),
    ),
    "header.csv": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "cp_plans.csv": (
        *("LAchildID", "PersonBirthDate", "Sex", "Ethnicity", "CPPstartDate", "CPPendDate"),
        *("InitialCategoryOfAbuse", "LatestCategoryOfAbuse", "NumberOfPreviousCPP"),
    ),
}
FILE_TABLES = {"episodes.csv": "ssda903_episodes", "header.csv": "ssda903_header", "cp_plans.csv": "cin_cp_plans"}
ROWS_QUERY = {"episodes.csv": "episode_rows", "header.csv": "header_rows", "cp_plans.csv": "plan_rows"}


def raw_columns(file_name: str) -> list[str]:
    return [column.lower() for column in FILE_COLUMNS[file_name]]


def rows_of(file_name: str, deliveries: str) -> sql.Composed:
    """The rows query of a file over the deliveries of the sql/ file named `deliveries`."""
    return query(ROWS_QUERY[file_name]).format(deliveries=query(deliveries))


def generate_history(conn: psycopg.Connection, *, weeks: int, landing: Path, say: Callable[[str], None]) -> None:
    """The ledger rows, then each week's deliveries' raw rows, week by week as they would have arrived."""
    conn.execute("set synchronous_commit = off")  # nothing here needs to survive a crash
    conn.execute(query("versions"), {"landing": str(landing), "generated_by": GENERATED_BY, "weeks": weeks})
    started = time.monotonic()
    for week in range(weeks):
        for file_name, table in FILE_TABLES.items():
            insert = query("insert_raw_rows").format(
                table=sql.Identifier(table),
                columns=sql.SQL(", ").join(map(sql.Identifier, raw_columns(file_name))),
                rows=rows_of(file_name, "deliveries_of_week"),
            )
            conn.execute(insert, {"week": week, "file": file_name})
        if (week + 1) % 10 == 0 or week + 1 == weeks:
            say(f"  week {week + 1}/{weeks} written ({time.monotonic() - started:.0f}s)")
    counts = sql.SQL(" union all ").join(
        sql.SQL(
            "select delivery_version_id, {file_name} as file_name, count(*) as row_count"
            " from {table} group by delivery_version_id"
        ).format(file_name=file_name, table=sql.Identifier("raw", table))
        for file_name, table in FILE_TABLES.items()
    )
    conn.execute(sql.SQL("create table {} as {}").format(scratch_table("file_rows"), counts))
    conn.execute(query("delivery_files"), {"file_names": list(FILE_TABLES), "table_names": list(FILE_TABLES.values())})
    conn.execute(query("rows_loaded"))


def vacuum(conn: psycopg.Connection) -> None:
    """As autovacuum would have done over a year of deliveries: hint bits set and statistics there, so
    that the full refresh does not pay for them."""
    tables = [sql.Identifier("raw", table) for table in FILE_TABLES.values()]
    tables += [sql.Identifier("ledger", "delivery_versions"), sql.Identifier("ledger", "delivery_files")]
    conn.execute(sql.SQL("vacuum (analyze) {}").format(sql.SQL(", ").join(tables)))


def write_delivery(conn: psycopg.Connection, landing: Path, la_code: str, week: int) -> Path:
    """An authority's delivery of the week after the history, as files in the landing area, cut from
    the same true history as the generated ones."""
    extract_date = FIRST_EXTRACT + timedelta(weeks=week)
    folder = landing / la_code / extract_date.isoformat()
    folder.mkdir(parents=True)
    for file_name in FILE_TABLES:
        columns = sql.SQL(", ").join(
            sql.SQL("{} as {}").format(sql.Identifier(raw), sql.Identifier(name))
            for raw, name in zip(raw_columns(file_name), FILE_COLUMNS[file_name], strict=True)
        )
        statement = query("copy_delivery_file").format(columns=columns, rows=rows_of(file_name, "new_delivery"))
        # COPY takes no server-side parameters: the client interpolates them (the connection's ClientCursor).
        copy_statement = conn.cursor().mogrify(statement, {"la_code": la_code, "week": week})
        with (folder / file_name).open("wb") as file, conn.cursor().copy(copy_statement) as copy:
            for block in copy:
                file.write(block)
    return folder
