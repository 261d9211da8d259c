"""Which seeds a build may leave out: those whose table already holds their file as it is now.

`dbt build` loads every seed again, each time, whatever changed: bank_holidays_england (a thousand
rows, a file that changes once a year at most) cost about half a second of every weekly build, as
much as the rest of the children-in-need models together. A seed's post-hook
(macros/record_seed_file.sql) writes the sha256 dbt computed for its file into its table's comment,
so a build that is not a full refresh leaves out the seeds whose table says their file's current
sha256, and with them their data tests, which would test the same rows again. A seed whose file
changed, or whose table is missing, is loaded as before; a full refresh loads them all.
"""

from __future__ import annotations

import json
import logging

from csc_warehouse import settings, warehouse

log = logging.getLogger(__name__)


def comment_of_file(sha256: str) -> str:
    """The comment macros/record_seed_file.sql gives the table of a seed loaded from the file with this sha256."""
    return f"seed file sha256 {sha256}"


def unchanged(manifest_path) -> list[str]:
    """The seeds whose table in the build schema was loaded from their file as the manifest knows it."""
    nodes = json.loads(manifest_path.read_text())["nodes"].values()
    wanted = {
        node["alias"]: (node["name"], comment_of_file(node["checksum"]["checksum"]))
        for node in nodes
        if node["resource_type"] == "seed"
    }
    if not wanted:
        return []
    with warehouse.connect() as conn:
        comments = conn.execute(
            "select relname, obj_description(oid, 'pg_class') from pg_class"
            " where relnamespace = to_regnamespace(%s) and relkind = 'r' and relname = any(%s)",
            [settings.build_schema(), list(wanted)],
        ).fetchall()
    loaded = sorted(wanted[table][0] for table, comment in comments if comment == wanted[table][1])
    if loaded:
        log.info("seeds left out, their tables already hold their files: %s", ", ".join(loaded))
    return loaded
