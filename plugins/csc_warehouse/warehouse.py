"""Connections to the warehouse and its migrations.

Every connection sets DateStyle to ISO, DMY: a fresh PostgreSQL reads '02/08/2015' as 8 February
under its default MDY, silently. Dates are parsed by raw.parse_date anyway; this is a second belt.
"""

from __future__ import annotations

import logging
import os
from datetime import date
from importlib import resources

import psycopg
from psycopg import sql

from csc_warehouse import settings
from csc_warehouse.tables import TABLES, TableSpec

log = logging.getLogger(__name__)

SESSION_OPTIONS = "-c DateStyle=ISO,DMY -c TimeZone=Europe/London -c application_name=csc-warehouse"

# The HMAC key of the pseudonymous child keys, when the authority keeps it (any text of 16 bytes or
# more, used as its UTF-8 bytes). Unset, migration 004 makes a random key inside PostgreSQL.
PSEUDONYM_KEY_VARIABLE = "CSC_PSEUDONYM_KEY"
KEYS_MIGRATION = "004_pseudonymous_keys.sql"

# The advisory locks the warehouse's writers queue on, each named here once.
MIGRATE_LOCK = "csc_warehouse.migrate"  # one migrator at a time
PUBLISH_LOCK = "csc_warehouse.publish"  # publication, rollback and row-level security, one at a time


def connect(url: str | None = None, *, autocommit: bool = False, role: str | None = None) -> psycopg.Connection:
    conn = psycopg.connect(url or settings.warehouse_url(), autocommit=autocommit, options=SESSION_OPTIONS)
    if role:
        conn.execute(sql.SQL("set role {}").format(sql.Identifier(role)))
    return conn


def published_tables(conn: psycopg.Connection, names) -> set[str]:
    """Which of these reporting tables exist (a first run, or a mart not built yet, has none of them)."""
    return {
        name
        for (name,) in conn.execute(
            "select name from unnest(%s::text[]) as name where to_regclass('reporting.' || name) is not null",
            [list(names)],
        )
    }


def lock_publication(conn: psycopg.Connection) -> None:
    """Hold publication's lock until the transaction ends: one swap, rollback or securer at a time."""
    conn.execute("select pg_advisory_xact_lock(hashtext(%s))", [PUBLISH_LOCK])


def delivery_lock_name(la_code: str, extract_date: date) -> str:
    """The name whose hashtext keys one delivery's advisory lock (a test holds it to make two loads queue)."""
    return f"delivery:{la_code}/{extract_date.isoformat()}"


def lock_delivery(conn: psycopg.Connection, la_code: str, extract_date: date) -> None:
    """Hold one authority's extract date until the transaction ends: loading and purging it queue here."""
    conn.execute("select pg_advisory_xact_lock(hashtext(%s))", [delivery_lock_name(la_code, extract_date)])


def _migration_files() -> list[tuple[str, str]]:
    folder = resources.files("csc_warehouse") / "migrations"
    files = sorted(entry for entry in folder.iterdir() if entry.name.endswith(".sql"))
    return [(entry.name, entry.read_text()) for entry in files]


def migrate(url: str | None = None) -> list[str]:
    """Apply the migrations not yet applied, each in its own transaction; returns their names."""
    applied_now = []
    with connect(url) as conn:
        # One migrator at a time: two runs starting together must not both create the schemas.
        conn.execute("select pg_advisory_xact_lock(hashtext(%s))", [MIGRATE_LOCK])
        conn.execute("create schema if not exists ledger")
        conn.execute(
            "create table if not exists ledger.schema_migrations"
            " (name text primary key, applied_at timestamptz not null default now())"
        )
        done = {row[0] for row in conn.execute("select name from ledger.schema_migrations")}
        for name, text in _migration_files():
            if name in done:
                continue
            log.info("applying migration %s", name)
            conn.execute(text)
            conn.execute("insert into ledger.schema_migrations (name) values (%s)", [name])
            applied_now.append(name)
        # Only the missing ones: an index statement on an existing table would wait for any load in progress.
        existing = {name for (name,) in conn.execute("select tablename from pg_tables where schemaname = 'raw'")}
        for table in TABLES:
            if table.name not in existing:
                conn.execute(raw_table_ddl(table))
        _add_new_raw_columns(conn, existing)
        secret = os.environ.get(PSEUDONYM_KEY_VARIABLE)
        if secret and install_pseudonym_key(conn, secret) and KEYS_MIGRATION not in applied_now:
            log.warning("installed the pseudonym key from %s: every child key has changed", PSEUDONYM_KEY_VARIABLE)
    return applied_now


def install_pseudonym_key(conn: psycopg.Connection, secret: str) -> bool:
    """Install the HMAC key of the child keys (keys.install_key); True when it replaced another.

    Only the padded blocks derived from it are stored; the key itself is never logged or kept.
    """
    key = secret.encode("utf-8")
    if len(key) < 16:
        raise ValueError(f"{PSEUDONYM_KEY_VARIABLE} must be at least 16 bytes long")
    return conn.execute("select keys.install_key(%s)", [key]).fetchone()[0]


def _add_new_raw_columns(conn: psycopg.Connection, existing: set[str]) -> None:
    """A column a table gained after its raw table was made (the audit answers' agency) is added at
    the end, as text; COPY names its columns, so their order does not matter. Only when one is
    missing: the alter waits for any load in progress."""
    present = set(
        conn.execute("select table_name, column_name from information_schema.columns where table_schema = 'raw'")
    )
    for table in TABLES:
        missing = [
            c for c in table.columns if table.name in existing and (table.name, table.raw_column(c)) not in present
        ]
        for column in missing:
            conn.execute(
                sql.SQL("alter table raw.{} add column if not exists {} text").format(
                    sql.Identifier(table.name), sql.Identifier(table.raw_column(column))
                )
            )


def raw_table_ddl(table: TableSpec) -> sql.Composed:
    """raw.<table>: every column as delivered (text), named as the DfE names them (lower case), plus
    provenance, and no foreign key (migration 008 says why and converts older tables to this shape).

    The provenance columns default to what loading sets for its transaction (raw.loading_*), and
    source_row to an identity loading sets to the file's first data line: a COPY of the file's own
    columns fills every column, with no per-row work in Python.
    """
    columns = [sql.SQL("{} text").format(sql.Identifier(table.raw_column(column))) for column in table.columns]
    return sql.SQL(
        "create table if not exists raw.{name} ("
        " delivery_version_id bigint not null default raw.loading_delivery_version_id(),"
        " la_code text not null default raw.loading_la_code(),"
        " source_file text not null default raw.loading_source_file(),"
        " source_row bigint not null generated by default as identity (cache 1000),"
        " {columns});"
        " create index if not exists {index} on raw.{name} using brin (delivery_version_id)"
    ).format(
        name=sql.Identifier(table.name),
        columns=sql.SQL(", ").join(columns),
        index=sql.Identifier(f"{table.name}_version_brin"),
    )
