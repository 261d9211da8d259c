"""Publication: copy the checked marts from the build schema into `reporting` in one transaction.

Readers see the old tables or the new, never an error: the old table is moved aside to
`reporting_previous` (kept for rollback) and the new one created under the same name, grants
included, before the transaction commits. Queries waiting on the old table re-resolve the name
when it commits and read the new one.
"""

from __future__ import annotations

import json
import logging

from psycopg import sql

from csc_warehouse import settings, transforming, warehouse

log = logging.getLogger(__name__)

ANALYST_ROLE = "csc_analyst"


def published_tables() -> list[str]:
    """The marts: every dbt model under models/marts, read from the manifest."""
    manifest = json.loads(transforming.ensure_manifest().read_text())
    return sorted(
        node["name"] for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1:2] == ["marts"]
    )


def publish(run_id: str, tables: list[str] | None = None, *, url: str | None = None) -> list[str]:
    tables = tables if tables is not None else published_tables()
    build = settings.build_schema()
    with warehouse.connect(url) as conn, conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('csc_warehouse.publish'))")
        for table in tables:
            name = sql.Identifier(table)
            conn.execute(sql.SQL("drop table if exists reporting_previous.{}").format(name))
            exists = conn.execute("select to_regclass(%s) is not null", [f"reporting.{table}"]).fetchone()[0]
            if exists:
                conn.execute(sql.SQL("alter table reporting.{} set schema reporting_previous").format(name))
            conn.execute(sql.SQL("create table reporting.{} as select * from {}.{}").format(
                name, sql.Identifier(build), name))
            conn.execute(sql.SQL("grant select on reporting.{} to {}").format(name, sql.Identifier(ANALYST_ROLE)))
            conn.execute(sql.SQL("comment on table reporting.{} is {}").format(
                name, sql.Literal(f"Published by run {run_id}. Definitions: docs/ and the dbt docs.")))
        log.info("published %s to reporting", ", ".join(tables))
    return tables
