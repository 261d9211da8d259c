"""Loading: the door checks, COPY into `raw`, the ledger and quarantine.

One delivery version is one transaction: either every file of it is in `raw` and the ledger says
`loaded` (the quality gate then makes it `accepted` or `rejected`), or nothing of it is and the
ledger says `quarantined` with the findings (file, row, column, value, rule).

Raw holds what was delivered, as text: each table source is COPYed straight into raw.<table>, its
provenance (version, authority, file) filled by column defaults from settings of the transaction,
source_row by the table's identity (or given, for parsed sources). Then the door checks the rows
where they are, in the same transaction: one scan asks whether anything is wrong, and only then
does loading go check by check to name every failing value (file, row, column, value, rule).
Staging types the values later, with the same functions the door checks them by.

The rooms: `outcomes` (what loading reports), `copying` (the COPY paths), `door` (the checks),
`ledger` (the ledger's rows), `ingest` (a delivery version's transaction, file by file).
"""

from csc_warehouse.loading.door import FINDINGS_PER_CHECK
from csc_warehouse.loading.ingest import ingest_deliveries, ingest_delivery, ingest_path
from csc_warehouse.loading.outcomes import DeliveryOutcome, FileOutcome, Finding, Progress, Quarantine

__all__ = [
    "FINDINGS_PER_CHECK",
    "DeliveryOutcome",
    "FileOutcome",
    "Finding",
    "Progress",
    "Quarantine",
    "ingest_deliveries",
    "ingest_delivery",
    "ingest_path",
]
