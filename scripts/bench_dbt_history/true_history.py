"""The true history: each authority's children, their episodes of care and their plans, drawn from
deterministic hashes of their ids (so every run makes the same data), sized to the episode target.

Each delivery is later cut from it as the snapshot of the records its window reaches (deliveries).
"""

from __future__ import annotations

from datetime import date, timedelta

import psycopg
from psycopg import sql

from . import codes
from .queries import query, scratch_table

FIRST_EXTRACT = date(2024, 4, 1)  # a Monday, the first day of collection year 2024/25
FIRST_LA_CODE = 201
PLANS_PER_EPISODE = 0.6
# How far before the first delivery's window the true history starts: long stays (up to 3 episodes of
# up to five years each) that are still open in the first deliveries began up to this long before.
HISTORY_LEAD_DAYS = 2500
# A child back home between two periods of care stays home for at most this long. It must be shorter
# than the shortest delivery window (from 1 April of the previous year to an extract date early in
# January: 280 days), so that a child is in a delivery exactly when the delivery spans their first
# episode's start to their last episode's end, which is how Header rows are chosen.
LONGEST_RETURN_HOME_DAYS = 250


def make_true_history(
    conn: psycopg.Connection, *, authorities: int, weeks: int, later_weeks: int, episodes: int
) -> None:
    """Children, episodes and plans per authority, enough for the target and the weeks after the history."""
    conn.execute(query("functions"))
    conn.execute(query("weeks"), {"weeks": weeks + later_weeks, "first": FIRST_EXTRACT})
    plans = round(episodes * PLANS_PER_EPISODE)
    conn.execute(
        query("authorities"), {"first_code": FIRST_LA_CODE, "count": authorities, "episodes": episodes, "plans": plans}
    )
    first_window = date(FIRST_EXTRACT.year - 1, 4, 1)
    history_start = first_window - timedelta(days=HISTORY_LEAD_DAYS)
    history_end = FIRST_EXTRACT + timedelta(weeks=weeks + later_weeks)
    common = {
        "history_start": history_start,
        "history_days": (history_end - history_start).days,
        "weeks": weeks,
        "first": FIRST_EXTRACT,
        "ethnicities": codes.ETHNICITIES,
    }
    lac = {
        **common,
        "first_ls": codes.FIRST_LEGAL_STATUSES,
        "after_protection": codes.AFTER_PROTECTION_LEGAL_STATUSES,
        "later_ls": codes.LATER_LEGAL_STATUSES,
        "home_days": LONGEST_RETURN_HOME_DAYS - 14,
        "needs": codes.NEEDS,
        "postcode_areas": codes.POSTCODE_AREAS,
        "aged_18": codes.AGED_18,
        "returned_home": codes.RETURNED_HOME,
        "period_ends": codes.PERIOD_ENDS,
        "placements": codes.PLACEMENTS,
        "providers": codes.PROVIDERS,
        "change_reasons": codes.PLACEMENT_CHANGE_REASONS,
    }
    # A child looked after is in about 2.5 deliveries' worth of windows per delivery-row: start with
    # a pool of four children per row a delivery should hold, and double it until it is enough.
    per_delivery = episodes / (authorities * weeks)
    make_children(conn, "lac_children", "lac_episodes", "episode_target", {**lac, "pool": int(4 * per_delivery) + 50})
    cp = {**common, "categories": codes.ABUSE_CATEGORIES, "pool": int(3 * per_delivery * PLANS_PER_EPISODE) + 50}
    make_children(conn, "cp_children", "cp_plans", "plan_target", cp)
    conn.execute(query("drop_unkept_records"))
    conn.execute(query("child_spans"))


def make_children(conn: psycopg.Connection, children: str, records: str, target: str, params: dict) -> None:
    """Draw a pool of children and their records (the tables and the sql/ files of those names), twice
    as many until every authority has enough, then keep as many as the authority's share of the target
    (the authorities column `target`) needs."""
    tables = {
        "children": sql.Identifier(children),
        "records": sql.Identifier(records),
        "target": sql.Identifier(target),
    }
    while True:
        conn.execute(sql.SQL("drop table if exists {}, {}").format(scratch_table(children), scratch_table(records)))
        conn.execute(query(children), params)
        conn.execute(query(records), params)
        short = conn.execute(query("pool_short").format(**tables)).fetchone()[0]
        if not short:
            break
        params = {**params, "pool": params["pool"] * 2}
    conn.execute(query("keep_children").format(**tables))
