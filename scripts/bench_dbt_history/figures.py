"""A few figures, to see that the history is the size asked for and the marts are not empty."""

from __future__ import annotations

from datetime import date

import psycopg


def sanity_figures(conn: psycopg.Connection, last_week: date) -> list[str]:
    """Lines to print: the history's and raw's sizes, then what the main marts hold as at `last_week`."""

    def one(statement: str, params: dict | None = None) -> tuple:
        return conn.execute(statement, params).fetchone()

    episodes, deliveries = one("select count(*), count(distinct delivery_version_id) from raw.ssda903_episodes")
    header, plans = one("select (select count(*) from raw.ssda903_header), (select count(*) from raw.cin_cp_plans)")
    versions, authorities = one(
        "select count(*), count(distinct la_code) from ledger.delivery_versions where status = 'accepted'"
    )
    history = dict(conn.execute("select file_name, sum(row_count) from bench_gen.file_rows group by file_name"))
    week = {"as_at": last_week}
    rows, weeks = one("select count(*), count(distinct as_at) from reporting.lac_weekly")
    looked_after, starts, ceased, reporting = one(
        "select coalesce(sum(children_looked_after), 0), coalesce(sum(lac_starts), 0), coalesce(sum(lac_ceased), 0),"
        " count(*) from reporting.lac_weekly where as_at = %(as_at)s",
        week,
    )
    cp_rows, on_plan, plan_starts = one(
        "select count(*), coalesce(sum(children_on_plan) filter (where as_at = %(as_at)s), 0),"
        " coalesce(sum(plan_starts) filter (where as_at = %(as_at)s), 0) from reporting.cp_weekly",
        week,
    )
    flags = conn.execute("select flag, count(*) from reporting.lac_brief_episodes group by flag order by flag")
    counted = ", ".join(f"{flag} {count:,}" for flag, count in flags.fetchall())
    leavers, children = one("select count(*), coalesce(sum(children), 0) from reporting.care_leavers_turning_18")
    return [
        f"the generated history: {history['episodes.csv']:,} episodes, {history['header.csv']:,} header rows,"
        f" {history['cp_plans.csv']:,} CP plan rows",
        f"raw, with the weekly deliveries: {episodes:,} episodes in {deliveries:,} deliveries, {header:,} header rows,"
        f" {plans:,} CP plan rows; {versions:,} accepted versions of {authorities} authorities",
        f"reporting.lac_weekly: {rows:,} rows over {weeks} as_at dates; as at {last_week} (the history's last week):"
        f" {looked_after:,} children looked after in {reporting} authorities, {starts:,} starts, {ceased:,} ceased",
        f"reporting.cp_weekly: {cp_rows:,} rows; as at {last_week}: {on_plan:,} children on a plan,"
        f" {plan_starts:,} plan starts",
        f"reporting.lac_brief_episodes: {counted or 'no rows'}",
        f"reporting.care_leavers_turning_18: {leavers:,} rows, {children:,} children",
    ]
