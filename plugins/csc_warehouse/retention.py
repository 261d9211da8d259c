"""Retention: purging raw delivery versions nobody reports from any more, and erasing a child.

What `raw` keeps, and for how long (the README says the same to people):
- The version each authority's figures for an extract date are built from — for each table, its
  newest accepted version holding that table, as dbt's *_versions_reported models pick it — is kept
  while the figures are: dbt's history is rebuilt from `raw` by a full refresh, so purging it
  would silently drop that week.
- A version superseded by later accepted versions of the same authority and date, for every table
  it holds, is purged once it is older than CSC_RETENTION_DAYS and their figures have been published.
- A rejected version (its figures were never published) is purged once older than
  CSC_RETENTION_DAYS; until then a person may still review and accept it.
- A quarantined version never reached `raw`; its door findings, which quote the values that
  failed, are deleted once older than CSC_RETENTION_DAYS.
Purging keeps the ledger row (what arrived, when, its status) and records itself in ledger.purges.

`csc erase` removes one child from everything the warehouse holds under their id or key: every raw
table, the CIN census files raw keeps whole (rewritten without the child's <Child> element), the build
schema, published rows keyed by the child, flagged records, and the door findings that quote the id;
ledger.erasures records who, when, how many rows, and the child's key, not the id.

dbt's `history` schema holds counts per delivery version and date, which a purge or an erasure would
change if they were built again: both delete the rows concerned (a purged version's; an erased
child's authority's), and the next run computes them again from what raw now holds, so history stays
what a full refresh would build.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import psycopg
from psycopg import sql

from csc_warehouse import access, landing, settings, warehouse
from csc_warehouse.readers import cin_xml
from csc_warehouse.statuses import FileStatus, VersionStatus

log = logging.getLogger(__name__)

HISTORY_SCHEMA = "history"  # dbt_project.yml: models/history

# The purgeable versions: older than the retention age, and rejected, or quarantined, or superseded.
# Superseded is table by table, as dbt's int_versions_reported chooses (per table its figures are counted
# from): for each authority, extract date and table, the newest accepted version
# holding that table is the one reported from. An accepted version is superseded when, for every table it
# holds, a newer version is reported from, and that version's figures have been published: a publication
# since it was accepted that did not keep this authority's earlier rows.
PURGEABLE = """
with accepted_tables as (
    select v.delivery_version_id, v.la_code, v.extract_date, v.received_at, f.table_name,
           coalesce((select max(a.accepted_at) from dq.acceptances a
                     where a.delivery_version_id = v.delivery_version_id),
                    v.checked_at, v.received_at) as accepted_at
    from ledger.delivery_versions v
    join ledger.delivery_files f using (delivery_version_id)
    where v.status = %(accepted)s and f.status = %(file_accepted)s and f.table_name is not null
),
reported as (
    select distinct on (la_code, extract_date, table_name) delivery_version_id, la_code, extract_date, table_name,
           accepted_at
    from accepted_tables
    order by la_code, extract_date, table_name, received_at desc, delivery_version_id desc
),
replaced as (
    select held.delivery_version_id,
           reported.delivery_version_id <> held.delivery_version_id and exists (
               select from dq.publications p
               where p.action = 'publish' and p.published_at >= reported.accepted_at
                 and held.la_code <> all (p.kept_la_codes)) as by_a_published_version
    from accepted_tables held
    join reported using (la_code, extract_date, table_name)
),
superseded as (
    select delivery_version_id from replaced group by delivery_version_id having bool_and(by_a_published_version)
)
select v.delivery_version_id, v.la_code, v.extract_date,
       case when v.status = %(accepted)s then 'superseded' else v.status end as why
from ledger.delivery_versions v
where v.purged_at is null
  and v.received_at < now() - make_interval(days => %(days)s)
  and (v.status in (%(rejected)s, %(quarantined)s)
       or v.delivery_version_id in (select delivery_version_id from superseded))
order by v.delivery_version_id
"""


class RetentionError(ValueError):
    pass


@dataclass
class Purged:
    delivery_version_id: int
    la_code: str
    extract_date: date
    why: str  # superseded, rejected or quarantined
    rows_deleted: int


def _raw_tables(conn: psycopg.Connection) -> list[str]:
    """The raw tables holding delivery versions' rows (not the typed views over them)."""
    return [
        row[0]
        for row in conn.execute(
            "select c.table_name from information_schema.columns c"
            " join information_schema.tables t using (table_schema, table_name)"
            " where c.table_schema = 'raw' and c.column_name = 'delivery_version_id' and t.table_type = 'BASE TABLE'"
            " order by c.table_name"
        )
    ]


def purgeable(conn: psycopg.Connection, older_than_days: int) -> list[tuple[int, str, date, str]]:
    statuses = {
        "accepted": VersionStatus.ACCEPTED,
        "file_accepted": FileStatus.ACCEPTED,
        "rejected": VersionStatus.REJECTED,
        "quarantined": VersionStatus.QUARANTINED,
    }
    return conn.execute(PURGEABLE, {"days": older_than_days, **statuses}).fetchall()


def purge(
    older_than_days: int | None = None, *, url: str | None = None, progress: Callable[[str], None] = log.info
) -> list[Purged]:
    """Purge every purgeable version, one transaction each; returns what was purged."""
    days = settings.retention_days() if older_than_days is None else older_than_days
    if days < 0:
        raise RetentionError("a retention age is zero or more days")
    purged = []
    with warehouse.connect(url) as conn:
        raw_tables = _raw_tables(conn)
        for version, la_code, extract_date, why in purgeable(conn, days):
            with conn.transaction():
                # As ingestion locks a delivery: a correction loading now waits for the purge.
                warehouse.lock_delivery(conn, la_code, extract_date)
                still_there = conn.execute(
                    "select purged_at is null from ledger.delivery_versions where delivery_version_id = %s for update",
                    [version],
                ).fetchone()[0]
                if not still_there:
                    continue
                rows = _purge_version(conn, version, why, days, raw_tables)
            purged.append(Purged(version, la_code, extract_date, why, rows))
            progress(f"{la_code}/{extract_date} version {version} ({why}): purged {rows:,} rows")
    return purged


def _purge_version(conn: psycopg.Connection, version: int, why: str, days: int, raw_tables: list[str]) -> int:
    rows = 0
    if why == VersionStatus.QUARANTINED:
        rows = conn.execute("delete from ledger.door_findings where delivery_version_id = %s", [version]).rowcount
        conn.execute(
            "update ledger.delivery_versions set reason = split_part(reason, ';', 1) || %s"
            " where delivery_version_id = %s",
            [f"; their details were purged after {days} days", version],
        )
    else:
        for table in raw_tables:
            rows += conn.execute(
                sql.SQL("delete from raw.{} where delivery_version_id = %s").format(sql.Identifier(table)), [version]
            ).rowcount
        # The DfE return findings point at raw rows that are gone now (their errors cascade).
        conn.execute("delete from dq.return_checks where delivery_version_id = %s", [version])
    _forget_history(conn, "delivery_version_id = %s", version)
    conn.execute("update ledger.delivery_versions set purged_at = now() where delivery_version_id = %s", [version])
    conn.execute(
        "insert into ledger.purges (delivery_version_id, why, retention_days, rows_deleted) values (%s, %s, %s, %s)",
        [version, why, days, rows],
    )
    return rows


# -- erasure -----------------------------------------------------------------------------------


@dataclass
class Erasure:
    erasure_id: int
    la_code: str
    child_key: str | None
    rows_deleted: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows_deleted.values())


def _are_literal(text: str) -> str:
    """Text as a PostgreSQL regular expression matching it literally (ids are mostly alphanumeric)."""
    return "".join(character if character.isalnum() else "\\" + character for character in text)


def erase(
    la_code: str, child_id: str, *, requested_by: str, reason: str | None = None, url: str | None = None
) -> Erasure:
    """Remove one child of one authority from the warehouse, in one transaction, and record it."""
    if not landing.LA_CODE.match(la_code or ""):
        raise RetentionError(f"{la_code!r}: give the authority as its three-digit DfE code")
    if not (child_id or "").strip():
        raise RetentionError("give the child's id as the authority's extracts hold it")
    if not requested_by.strip():
        raise RetentionError("say who asked for the erasure (--by)")
    with warehouse.connect(url) as conn, conn.transaction():
        access.register_child_id_columns(conn)
        cleaned = conn.execute("select raw.clean_id(%s)", [child_id]).fetchone()[0]
        key = conn.execute("select keys.child_key(%s, %s)", [la_code, cleaned]).fetchone()[0]
        deleted: Counter[str] = Counter()

        def delete(schema: str, table: str, condition: str, column: str, value: str) -> None:
            statement = sql.SQL("delete from {} where la_code = %s and " + condition).format(
                sql.Identifier(schema, table), sql.Identifier(column)
            )
            deleted[f"{schema}.{table}"] += conn.execute(statement, [la_code, value]).rowcount

        # Raw holds ids as delivered (' 1001.0'): compare them as the door cleans them.
        for table, column in access.child_id_columns(conn):
            delete("raw", table, "raw.clean_id({}) = %s", column, cleaned)
        # dbt's intermediate tables hold the id until the next build; published and flagged rows hold the key.
        for schema, table, column in _tables_with(conn, [settings.build_schema()], "child_id"):
            delete(schema, table, "raw.clean_id({}) = %s", column, cleaned)
        for schema, table, column in _tables_with(
            conn, ["reporting", "reporting_previous", settings.build_schema(), "dq"], "child_key"
        ):
            delete(schema, table, "{} = %s", column, key)
        deleted["ledger.door_findings (id withheld)"] += _withhold_id_in_door_findings(conn, la_code, cleaned)
        deleted["raw.cin_census_files (<Child> elements removed)"] += _erase_from_censuses(conn, la_code, cleaned)
        # Counts, not rows about the child: not reported as erased, but recomputed without them next run.
        _forget_history(conn, "la_code = %s", la_code)

        removed = {name: count for name, count in sorted(deleted.items()) if count}
        erasure_id = conn.execute(
            "insert into ledger.erasures (requested_by, reason, la_code, child_key, rows_deleted, total_rows)"
            " values (%s, %s, %s, %s, %s, %s) returning erasure_id",
            [requested_by.strip(), reason, la_code, key, json.dumps(removed), sum(removed.values())],
        ).fetchone()[0]
    erasure = Erasure(erasure_id, la_code, key, removed)
    log.info("erasure %s: child %s of %s, %s rows", erasure_id, key, la_code, erasure.total)
    return erasure


def _erase_from_censuses(conn: psycopg.Connection, la_code: str, cleaned: str) -> int:
    """Rewrite each CIN census of the authority that raw keeps whole without the child's <Child> elements
    (their LAchildID compared as the door cleans it); returns how many it removed. One file in memory at a
    time: a census may be tens of megabytes."""
    removed = 0
    files = conn.execute(
        "select delivery_version_id, source_file from raw.cin_census_files where la_code = %s order by 1, 2",
        [la_code],
    ).fetchall()
    for version, source_file in files:
        where = "where delivery_version_id = %s and source_file = %s"
        census = conn.execute(f"select census from raw.cin_census_files {where}", [version, source_file]).fetchone()[0]
        erased_ids = {
            child_id
            for (child_id,) in conn.execute(
                "select child_id from unnest(%s::text[]) as child_id where raw.clean_id(child_id) = %s",
                [cin_xml.child_ids(census), cleaned],
            )
        }
        if not erased_ids:
            continue
        rewritten, count = cin_xml.without_children(census, erased_ids)
        conn.execute(
            f"update raw.cin_census_files set census = %s, size_bytes = %s, sha256 = %s {where}",
            [rewritten, len(rewritten), hashlib.sha256(rewritten).hexdigest(), version, source_file],
        )
        removed += count
    return removed


def _forget_history(conn: psycopg.Connection, condition: str, value: object) -> int:
    """Delete the history rows matching condition (on la_code or delivery_version_id): the next dbt run
    computes those evaluations again."""
    forgotten = 0
    for schema, table, _column in _tables_with(conn, [HISTORY_SCHEMA], "delivery_version_id"):
        forgotten += conn.execute(
            sql.SQL("delete from {} where " + condition).format(sql.Identifier(schema, table)), [value]
        ).rowcount
    return forgotten


def _tables_with(conn: psycopg.Connection, schemas: list[str], column: str) -> list[tuple[str, str, str]]:
    """Base tables in these schemas holding la_code and the column (views hold nothing to delete)."""
    return conn.execute(
        "select c.table_schema, c.table_name, c.column_name from information_schema.columns c"
        " join information_schema.tables t using (table_schema, table_name)"
        " where t.table_type = 'BASE TABLE' and c.table_schema = any(%s) and c.column_name = %s"
        " and exists (select from information_schema.columns l where l.table_schema = c.table_schema"
        "             and l.table_name = c.table_name and l.column_name = 'la_code')"
        " order by 1, 2",
        [schemas, column],
    ).fetchall()


def _withhold_id_in_door_findings(conn: psycopg.Connection, la_code: str, cleaned: str) -> int:
    """Door findings quote a failing value and name the row's CHILD: take this child's id out of them."""
    values = {
        "id": cleaned,
        "la": la_code,
        "names_the_child": f"(?i)CHILD\\s+{_are_literal(cleaned)}(\\.0+)?(?![0-9a-z])",
    }
    is_the_id = (
        "raw.clean_id(f.value) = %(id)s and lower(f.column_name) in (select column_name from access.child_id_columns)"
    )
    withheld = conn.execute(
        "update ledger.door_findings f"
        f" set value = case when {is_the_id} then null else f.value end,"
        "     message = regexp_replace(f.message, %(names_the_child)s, 'CHILD [erased]', 'g')"
        " from ledger.delivery_versions v"
        " where v.delivery_version_id = f.delivery_version_id and v.la_code = %(la)s"
        f"   and (({is_the_id}) or f.message ~ %(names_the_child)s)",
        values,
    ).rowcount
    conn.execute(
        "update ledger.delivery_versions"
        " set reason = regexp_replace(reason, %(names_the_child)s, 'CHILD [erased]', 'g')"
        " where la_code = %(la)s and reason ~ %(names_the_child)s",
        values,
    )
    return withheld
