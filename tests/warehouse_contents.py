"""What a warehouse holds, compared across two runs of the same weeks (the scheduler's and
dag.test()'s): every row of the ledger, `history` and `reporting`, and raw row counts per version,
without what no two runs share."""

from __future__ import annotations

from collections import Counter

import psycopg

# The columns no two runs of the same weeks share: when, how long, and which run checked a version.
# And the child keys: each database makes its own random pseudonym key (migration 004), so one child
# has another key in the twin; the rows still differ by every other column.
UNSHARED_COLUMNS = {
    "received_at",
    "finished_at",
    "seconds",
    "checked_at",
    "previous_checked_at",
    "checked_by_run",
    "child_key",
}
# Which run did something: two runs of the same weeks share only whether some run did it.
RUN_COLUMNS = {"staging_tests_passed_by_run"}


# -- what a warehouse holds ----------------------------------------------------------------------


Contents = dict[str, list[tuple]]


def within_landing(value):
    """A delivery's folder from the landing root on (each run of the same weeks has a landing root of its
    own); any other value as it is."""
    if isinstance(value, str) and "/landing/" in value:
        return "<landing>/" + value.split("/landing/", 1)[1]
    return value


def warehouse_contents(url: str) -> Contents:
    """Every row of the ledger, `history` and `reporting`, and the raw rows per table and version, with
    each delivery version named by (authority, extract date, sha256) instead of its generated id, its
    folder from the landing root on, and without the columns that say when: what two runs of the same
    weeks must hold alike."""
    with psycopg.connect(url) as conn:
        versions = {
            version_id: f"{la_code}/{extract_date}/{sha256}"
            for version_id, la_code, extract_date, sha256 in conn.execute(
                "select delivery_version_id, la_code, extract_date, sha256 from ledger.delivery_versions"
            )
        }
        tables = conn.execute(
            "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE'"
            " and table_schema in ('ledger', 'history', 'reporting', 'raw')"
            " and table_name <> 'schema_migrations'"
            " order by 1, 2"
        ).fetchall()
        contents = {}
        for schema, table in tables:
            columns = [
                name
                for (name,) in conn.execute(
                    "select column_name from information_schema.columns where table_schema = %s"
                    " and table_name = %s order by ordinal_position",
                    [schema, table],
                )
                if name not in UNSHARED_COLUMNS
            ]
            if schema == "raw":
                if "delivery_version_id" not in columns:
                    continue
                rows = conn.execute(
                    f'select delivery_version_id, count(*) from raw."{table}" group by 1'  # noqa: S608
                ).fetchall()
                columns = ["delivery_version_id", "rows"]
            else:
                listed = ", ".join(
                    f'"{name}" is not null as "{name}"' if name in RUN_COLUMNS else f'"{name}"' for name in columns
                )
                rows = conn.execute(f'select {listed} from {schema}."{table}"').fetchall()  # noqa: S608
            named = [
                tuple(
                    versions.get(value, value) if name.endswith("delivery_version_id") else within_landing(value)
                    for name, value in zip(columns, row, strict=True)
                )
                for row in rows
            ]
            contents[f"{schema}.{table}"] = sorted(named, key=repr)
    return contents


def tables_of(contents: Contents, schema: str) -> Contents:
    return {table: rows for table, rows in contents.items() if table.startswith(f"{schema}.")}


def differences(scheduled: Contents, uninterrupted: Contents) -> list[str]:
    """The tables whose rows differ, with a few of the rows each side lacks (rows compared as their
    repr, since JSON arrays are lists; a row twice on one side and once on the other differs)."""
    found = []
    for table in sorted(scheduled.keys() | uninterrupted.keys()):
        ours = Counter(map(repr, scheduled.get(table, [])))
        theirs = Counter(map(repr, uninterrupted.get(table, [])))
        if ours != theirs:
            only_ours, only_theirs = sorted((ours - theirs).elements()), sorted((theirs - ours).elements())
            found.append(f"{table}: only scheduled {only_ours[:3]}, only uninterrupted {only_theirs[:3]}")
    return found
