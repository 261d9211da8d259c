"""People's decisions at the gate: accepting a rejected delivery version after review."""

from __future__ import annotations

import logging
import re
from datetime import date

from csc_warehouse import warehouse
from csc_warehouse.statuses import VersionStatus

log = logging.getLogger(__name__)

DELIVERY = re.compile(r"^(?P<la_code>[0-9]{3})/(?P<extract_date>[0-9]{4}-[0-9]{2}-[0-9]{2})$")


class AcceptError(ValueError):
    pass


def accept(delivery: str, *, reason: str, accepted_by: str, url: str | None = None) -> int:
    """Accept the newest rejected version of LA/DATE; recorded in dq.acceptances with who and why."""
    match = DELIVERY.match(delivery.strip())
    if not match:
        raise AcceptError(f"{delivery!r}: give the delivery as LA/DATE, e.g. 309/2014-02-10")
    if not reason.strip() or not accepted_by.strip():
        raise AcceptError("an acceptance needs a reason and the name of who accepts it")
    la_code, extract_date = match["la_code"], date.fromisoformat(match["extract_date"])
    with warehouse.connect(url) as conn:
        row = conn.execute(
            "select delivery_version_id from ledger.delivery_versions where la_code = %s and extract_date = %s"
            " and status = %s order by received_at desc, delivery_version_id desc limit 1 for update",
            [la_code, extract_date, VersionStatus.REJECTED],
        ).fetchone()
        if row is None:
            raise AcceptError(f"{delivery} has no rejected version to accept (see `csc ledger`)")
        version = row[0]
        conn.execute(
            "update ledger.delivery_versions set status = %s,"
            " reason = reason || ' (accepted after review by ' || %s || ')' where delivery_version_id = %s",
            [VersionStatus.ACCEPTED, accepted_by, version],
        )
        conn.execute(
            "insert into dq.acceptances (delivery_version_id, accepted_by, reason) values (%s, %s, %s)",
            [version, accepted_by, reason],
        )
    log.info("delivery %s version %s accepted by %s: %s", delivery, version, accepted_by, reason)
    return version
