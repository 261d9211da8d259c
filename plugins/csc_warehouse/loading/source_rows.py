"""Where one table source's rows sit in raw.<table>, named as SQL: what the COPY and the door share."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from csc_warehouse.loading.outcomes import DeliveryOutcome
from csc_warehouse.readers import TableSource
from csc_warehouse.tables import TableSpec


@dataclass(frozen=True)
class SourceRows:
    source: TableSource
    table: TableSpec
    version: int
    la_code: str
    raw: sql.Identifier  # raw.<table>
    column: dict[str, sql.Identifier]  # the raw column of each canonical column the source has
    kept: list[str]  # the table's columns the source has, in the table's order
    rows: sql.Composable  # the condition picking this source's rows out of raw.<table>

    @classmethod
    def of(cls, outcome: DeliveryOutcome, source: TableSource) -> SourceRows:
        table = source.table
        column = {canonical: sql.Identifier(table.raw_column(canonical)) for canonical in source.mapped if canonical}
        return cls(
            source=source,
            table=table,
            version=outcome.delivery_version_id,
            la_code=outcome.la_code,
            raw=sql.Identifier("raw", table.name),
            column=column,
            kept=[name for name in table.columns if name in column],
            rows=sql.SQL("delivery_version_id = {} and source_file = {}").format(
                sql.Literal(outcome.delivery_version_id), sql.Literal(source.label)
            ),
        )
