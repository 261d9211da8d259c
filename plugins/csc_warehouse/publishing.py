"""Publication (write-audit-publish): swap the checked marts into `reporting` in one transaction.

For each mart, a new table is made beside the published one from the build schema's rows —
except for authorities whose data the gate refused this run, whose published rows are copied
across unchanged — its grants are given, the old table moves to `reporting_previous` (kept for
`csc rollback`) and the new one takes its name, all before the transaction commits. A reader sees
the old table or the new, never an error: a query waiting on the old table re-resolves the name
when the swap commits and reads the new one.
"""

from __future__ import annotations

import json
import logging

from psycopg import sql

from csc_warehouse import access, settings, transforming, warehouse

log = logging.getLogger(__name__)


def published_tables() -> list[str]:
    """The marts: every dbt model under models/marts, read from the manifest."""
    manifest = json.loads(transforming.ensure_manifest().read_text())
    return sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1:2] == ["marts"]
    )


def _columns(conn, schema: str, table: str) -> list[str]:
    return [
        row[0]
        for row in conn.execute(
            "select column_name from information_schema.columns where table_schema = %s and table_name = %s"
            " order by ordinal_position",
            [schema, table],
        )
    ]


def _new_table_rows(conn, table: str, build: str, kept_la_codes: list[str]) -> sql.Composable:
    """The rows of the new published table: the build's, but the old rows of kept authorities."""
    build_rows = sql.SQL("select * from {}.{}").format(sql.Identifier(build), sql.Identifier(table))
    if not kept_la_codes:
        return build_rows
    old_columns = _columns(conn, "reporting", table)
    new_columns = _columns(conn, build, table)
    if not old_columns:
        return build_rows  # never published: there is nothing to keep
    if "la_code" not in new_columns:
        raise RuntimeError(f"{table} has no la_code: cannot keep some authorities' rows")
    picked = sql.SQL(", ").join(
        sql.Identifier(c)
        if c in old_columns
        else sql.SQL("null::{}").format(
            sql.SQL(
                conn.execute(
                    "select format_type(atttypid, atttypmod) from pg_attribute"
                    " where attrelid = %s::regclass and attname = %s",
                    [f"{build}.{table}", c],
                ).fetchone()[0]
            )
        )
        for c in new_columns
    )
    return sql.SQL(
        "select * from {b}.{t} where la_code <> all({kept})"
        " union all select {picked} from reporting.{t} where la_code = any({kept})"
    ).format(b=sql.Identifier(build), t=sql.Identifier(table), kept=sql.Literal(kept_la_codes), picked=picked)


def publish(
    run_id: str, tables: list[str] | None = None, *, kept_la_codes: list[str] | None = None, url: str | None = None
) -> list[str]:
    tables = tables if tables is not None else published_tables()
    kept = sorted(set(kept_la_codes or []))
    build = settings.build_schema()
    with warehouse.connect(url) as conn, conn.transaction():
        warehouse.lock_publication(conn)
        for table in tables:
            name, incoming = sql.Identifier(table), sql.Identifier(f"{table}__incoming")
            conn.execute(sql.SQL("drop table if exists reporting.{}").format(incoming))
            conn.execute(
                sql.SQL("create table reporting.{} as {}").format(incoming, _new_table_rows(conn, table, build, kept))
            )
            conn.execute(
                sql.SQL("grant select on reporting.{} to {}").format(incoming, sql.Identifier(access.ANALYST_ROLE))
            )
            conn.execute(
                sql.SQL("comment on table reporting.{} is {}").format(
                    incoming,
                    sql.Literal(f"Published by run {run_id}. Definitions: the dbt docs and the data contract."),
                )
            )
            conn.execute(sql.SQL("drop table if exists reporting_previous.{}").format(name))
            if warehouse.published_tables(conn, [table]):
                conn.execute(sql.SQL("alter table reporting.{} set schema reporting_previous").format(name))
            conn.execute(sql.SQL("alter table reporting.{} rename to {}").format(incoming, name))
        access.apply_row_security(conn)  # the new tables' per-authority policies, before the swap commits
        conn.execute(
            "insert into dq.publications (run_id, tables, kept_la_codes) values (%s, %s, %s)", [run_id, tables, kept]
        )
    log.info(
        "published %s to reporting%s",
        ", ".join(tables),
        f", keeping the published rows of {', '.join(kept)}" if kept else "",
    )
    return tables


def rollback(run_id: str = "rollback", *, url: str | None = None) -> list[str]:
    """Put the previous published version of every mart back, keeping the current one aside."""
    with warehouse.connect(url) as conn, conn.transaction():
        warehouse.lock_publication(conn)
        tables = [
            row[0]
            for row in conn.execute(
                "select tablename from pg_tables where schemaname = 'reporting_previous' order by tablename"
            )
        ]
        for table in tables:
            name, swapping = sql.Identifier(table), sql.Identifier(f"{table}__rolling_back")
            conn.execute(sql.SQL("alter table reporting_previous.{} rename to {}").format(name, swapping))
            if warehouse.published_tables(conn, [table]):
                conn.execute(sql.SQL("alter table reporting.{} set schema reporting_previous").format(name))
            conn.execute(sql.SQL("alter table reporting_previous.{} set schema reporting").format(swapping))
            conn.execute(sql.SQL("alter table reporting.{} rename to {}").format(swapping, name))
        access.apply_row_security(conn)  # tables published before the policies existed get them too
        conn.execute(
            "insert into dq.publications (run_id, tables, action) values (%s, %s, 'rollback')", [run_id, tables]
        )
    log.info("rolled back %s", ", ".join(tables) or "nothing (no previous version)")
    return tables
