"""The history's SQL, one file per statement in sql/ beside this module.

The files take psycopg parameters (%(name)s); those that name a table, a column list or a subquery
take them as {name} placeholders, filled with psycopg.sql identifiers or other files' SQL.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from psycopg import sql

SQL_FOLDER = Path(__file__).parent / "sql"
SCRATCH = "bench_gen"  # the schema of the true history the deliveries are cut from, named in every file


@cache
def query(name: str) -> sql.SQL:
    return sql.SQL((SQL_FOLDER / f"{name}.sql").read_text())


def scratch_table(name: str) -> sql.Identifier:
    return sql.Identifier(SCRATCH, name)
