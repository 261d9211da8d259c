"""The SSDA903 XML return (`EXPSSDA903`, the DfE CLA.xsd) as the CSV tables.

One <CHILD> holds a <HEADER> and its <EPISODE>s. The HEADER also carries what the CSV return
spreads over other tables: UASC (UASC, DUC), AD1 (DATE_INT ... LS_ADOPTR), OC3 (IN_TOUCH, ACTIV,
ACCOM), and the groups AMISSING (Missing), AREVIEW (Reviews), PERMANENCE (PrevPerm), OC2 and
AD_PLACED (PlacedAdoption). The XML says CHILDID for CHILD and PL for PLACE. Each table becomes a
source of its own, named in the ledger as the file's "sheet" (fake_903.xml[Episodes]); a row's
number is the position of its <CHILD> element in the file, which is what a person can find.

The file is read once, a <CHILD> at a time (readers/xml_records.py), each <CHILD> dropped once read
and its rows spooled to a temporary file per table (readers/spool.py), so memory stays flat
whatever the file's size: it holds neither the tree nor the rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from csc_warehouse import tables
from csc_warehouse.readers.base import TableSource, ignored
from csc_warehouse.readers.spool import RowSpool
from csc_warehouse.readers.xml_records import records
from csc_warehouse.readers.xml_safety import SAFE_PARSING, not_well_formed, refuse_parsed_doctype

ROOT = "EXPSSDA903"
HEADER_LEAVES = {
    "CHILDID",
    "UPN",
    "SEX",
    "DOB",
    "ETHNIC",
    "UASC",
    "DUC",
    "DATE_INT",
    "DATE_MATCH",
    "FOSTER_CARE",
    "NB_ADOPTR",
    "SEX_ADOPTR",
    "LS_ADOPTR",
    "IN_TOUCH",
    "ACTIV",
    "ACCOM",
    "MOTHER",
    "MC_DOB",
}
# Repeating or optional groups inside HEADER, and the table each one's rows belong to.
HEADER_GROUPS = {
    "AMISSING": tables.SSDA903_MISSING,
    "AREVIEW": tables.SSDA903_REVIEWS,
    "AD_PLACED": tables.SSDA903_PLACED_ADOPTION,
    "PERMANENCE": tables.SSDA903_PREV_PERM,
    "OC2": tables.SSDA903_OC2,
}
# Tables whose values sit directly in HEADER: a child has a row when any of its own values is given.
HEADER_TABLES = (tables.SSDA903_AD1, tables.SSDA903_OC3)
XML_TABLES = (
    tables.SSDA903_HEADER,
    tables.SSDA903_EPISODES,
    tables.SSDA903_UASC,
    tables.SSDA903_REVIEWS,
    tables.SSDA903_MISSING,
    tables.SSDA903_OC2,
    tables.SSDA903_OC3,
    tables.SSDA903_AD1,
    tables.SSDA903_PLACED_ADOPTION,
    tables.SSDA903_PREV_PERM,
)


def _name(element) -> str:
    return etree.QName(element).localname


def _text(element) -> str | None:
    text = (element.text or "").strip()
    return text or None


def _elements(parent) -> Iterator:
    return (element for element in parent if isinstance(element.tag, str))  # no comments


def _leaves(parent) -> dict[str, str | None]:
    """The element's childless children, by canonical column name (CHILDID is CHILD, PL is PLACE)."""
    return {
        tables.XML_ALIASES.get(_name(element), _name(element)): _text(element)
        for element in _elements(parent)
        if len(element) == 0
    }


def root_element(path: Path) -> str:
    """The name of the file's root element; raises ReaderError when the file is no XML the door reads."""
    try:
        for _, element in etree.iterparse(str(path), events=("start",), **SAFE_PARSING):
            refuse_parsed_doctype(path, element)
            return _name(element)
    except etree.XMLSyntaxError as error:
        raise not_well_formed(path, error) from error
    return ""


class _Collector:
    """The rows of every table, gathered one <CHILD> at a time and spooled a <CHILD>'s rows at a time."""

    def __init__(self) -> None:
        self.spools: dict[str, RowSpool] = {table.name: RowSpool() for table in XML_TABLES}
        self.unread: set[str] = set()
        self.rows_of_child: dict[str, list[list[str | None]]] = {}

    def add(self, table: tables.TableSpec, _ordinal: int, values: dict[str, str | None]) -> None:
        self.rows_of_child.setdefault(table.name, []).append([values.get(column) for column in table.columns])

    def child(self, ordinal: int, child) -> None:
        self.rows_of_child = {}
        self._read_child(ordinal, child)
        for table_name, rows in self.rows_of_child.items():
            self.spools[table_name].add(ordinal, rows)

    def _read_child(self, ordinal: int, child) -> None:
        header_element = next((e for e in _elements(child) if _name(e) == "HEADER"), None)
        header = _leaves(header_element) if header_element is not None else {}
        known = HEADER_LEAVES | HEADER_GROUPS.keys() | {"CHILD"}
        self.unread.update(name for name in header if name not in known)
        identity = {"CHILD": header.get("CHILD"), "DOB": header.get("DOB")}
        self.add(tables.SSDA903_HEADER, ordinal, header)
        if header.get("DUC") or header.get("UASC") not in (None, "0"):
            self.add(tables.SSDA903_UASC, ordinal, header)
        for table in HEADER_TABLES:
            if any(header.get(column) for column in table.columns if column not in identity):
                self.add(table, ordinal, header)
        for group in _elements(header_element) if header_element is not None else ():
            table = HEADER_GROUPS.get(_name(group))
            if table is not None:
                values = _leaves(group)
                if any(values.values()):
                    self.add(table, ordinal, {**identity, **values})
            elif len(group):
                self.unread.add(_name(group))
        for element in _elements(child):
            if _name(element) == "EPISODE":
                self.add(tables.SSDA903_EPISODES, ordinal, {"CHILD": identity["CHILD"], **_leaves(element)})
            elif _name(element) != "HEADER":
                self.unread.add(_name(element))


def read_ssda903_xml(path: Path) -> list[TableSource]:
    root = root_element(path)
    if root != ROOT:
        return [ignored(path.name, f"XML whose root element is <{root}>, not {ROOT}: not a table the warehouse knows")]
    collector = _Collector()
    for ordinal, child in records(path, "CHILD"):
        collector.child(ordinal, child)
    sources = []
    for table in XML_TABLES:
        spool = collector.spools[table.name]
        if not spool.count and table not in tables.SSDA903_REQUIRED_TABLES:
            continue  # an XML return always has Header and Episodes, even if empty; the rest when given
        source = TableSource(
            file_name=path.name,
            table=table,
            header=list(table.columns),
            mapped=list(table.columns),
            sheet=table.title,
            row_label="CHILD element",
            rows=spool.rows,
            first_data_row=1,
        )
        if collector.unread:
            source.warnings.append(f"elements not read: {', '.join(sorted(collector.unread))}")
        sources.append(source)
    return sources
