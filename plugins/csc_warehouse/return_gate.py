"""The DfE return rules in the weekly run: which versions to check, the check itself, and its verdict.

After the delivery gate, each version it checked is run through the rules of each DfE return it
delivered (SSDA903 tables, a CIN census, or both), one mapped task per version (they are independent),
in the validators' environment (`@task.external_python` with CSC_VALIDATORS_PYTHON):
`check_return_rules` is sent there as source, so it imports everything it needs inside itself. The
checks run beside the dbt build; publication waits for their verdict, which holds a version back only
for a rule named in CSC_BLOCKING_RETURN_RULES: the version is rejected (so later builds leave it out
too, until `csc accept`) and its authority keeps its published rows. A check
that failed to finish holds nothing back: return rules never stop publication by accident. Once the
checks and the dbt build are done, `build_return_readiness` counts their findings into
reporting.return_readiness, which is published on its own.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from csc_warehouse import settings, warehouse
from csc_warehouse.handoffs import DeliveryVerdict
from csc_warehouse.handoffs.returns import ReturnCheck, ReturnVerdict
from csc_warehouse.statuses import VersionStatus

log = logging.getLogger(__name__)

# reporting.return_readiness and the models behind it read the findings of the week's checks: the weekly
# DAG builds them (dbt models tagged return_readiness) and publishes the mart after the checks, in tasks
# of their own, so that the other marts' build and publication never wait for the checks.
READINESS_SELECTION = ["tag:return_readiness"]
READINESS_MARTS = ["return_readiness"]


def versions_to_check(delivery_verdict: Mapping[str, Any] | None) -> list[int]:
    """Every version the delivery gate checked this run, accepted or rejected (a council fixes both),
    whichever return it delivered: the check finds out which."""
    verdict = DeliveryVerdict.from_xcom(delivery_verdict or {})
    return [version.delivery_version_id for version in verdict.versions]


def check_return_rules(delivery_version_id: int) -> list[dict]:
    """One version's checks, one per DfE return, run by the validators' interpreter: its source alone is
    sent there."""
    from csc_warehouse.returns.check import check_version

    return [check.to_xcom() for check in check_version(delivery_version_id)]


def judge(
    versions: Iterable[int] | None,
    checks: Iterable[Iterable[Mapping[str, Any]] | None] | None,
    *,
    blocking: frozenset[str] | None = None,
    url: str | None = None,
) -> dict:
    """The verdict on the run's return checks (each version's, None where its task failed); rejects the
    versions a blocking rule flagged."""
    blocking = settings.blocking_return_rules() if blocking is None else blocking
    done = [
        ReturnCheck.from_xcom(check) for version_checks in checks or () if version_checks for check in version_checks
    ]
    finished = {check.delivery_version_id for check in done}
    verdict = ReturnVerdict(
        checks=done,
        held_back=[check for check in done if check.blocking_rules(blocking)],
        unchecked=[version for version in versions or () if version not in finished],
    )
    if verdict.unchecked:
        log.warning("the DfE return rules did not finish on versions %s: nothing held back for them", verdict.unchecked)
    if verdict.held_back:
        # A version both of whose returns break a blocking rule is rejected once, for all of them.
        rules_by_version: dict[tuple[int, str], set[str]] = defaultdict(set)
        for check in verdict.held_back:
            rules_by_version[(check.delivery_version_id, check.la_code)] |= set(check.blocking_rules(blocking))
        with warehouse.connect(url) as conn, conn.transaction():
            for (version, la_code), rules in rules_by_version.items():
                reason = f"DfE return rules {', '.join(sorted(rules))} (CSC_BLOCKING_RETURN_RULES)"
                log.warning("version %s of %s held back: %s", version, la_code, reason)
                conn.execute(
                    "update ledger.delivery_versions set status = %s, reason = %s where delivery_version_id = %s",
                    [VersionStatus.REJECTED, reason, version],
                )
    return verdict.to_xcom()
