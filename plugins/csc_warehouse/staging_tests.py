"""Which delivery versions the staging tests check: each authority's latest accepted version, until
a build of the whole project has passed them on it (ledger.versions_awaiting_staging_tests).

raw never changes a version's rows once loaded, so a version that passed stays passed, and a weekly
build tests what arrived since the last one instead of every authority's latest delivery again
(about 0.9 s of a 4 s weekly build at 5 million episodes, issue 15). A build that fails records
nothing, so its versions are tested again next time; a full refresh forgets every record, so it tests
every authority's latest version, as a new test on old deliveries needs.
"""

from __future__ import annotations

import logging

from csc_warehouse import warehouse

log = logging.getLogger(__name__)


def forget_passed() -> None:
    """A full refresh tests every authority's latest version again (a test added since passes on
    nothing until it has run)."""
    with warehouse.connect() as conn:
        conn.execute(
            "update ledger.delivery_versions set staging_tests_passed_by_run = null"
            " where staging_tests_passed_by_run is not null"
        )


def awaiting() -> list[int]:
    """The versions the staging tests of the coming build will check."""
    with warehouse.connect() as conn:
        rows = conn.execute("select delivery_version_id from ledger.versions_awaiting_staging_tests order by 1")
        return [version for (version,) in rows]


def record_passed(run_id: str, versions: list[int]) -> None:
    """The build of `run_id` passed the staging tests on these versions: later builds skip them."""
    if not versions:
        return
    with warehouse.connect() as conn:
        conn.execute(
            "update ledger.delivery_versions set staging_tests_passed_by_run = %s"
            " where delivery_version_id = any(%s) and staging_tests_passed_by_run is null",
            [run_id, versions],
        )
    log.info("staging tests passed on %d delivery version(s); later builds skip them", len(versions))
