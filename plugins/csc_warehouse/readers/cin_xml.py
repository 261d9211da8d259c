"""The Children in Need census XML (`<Message>`, the DfE CIN census schema, CIN_schema_2026.xsd): every
referral, assessment, CIN plan, section 47 enquiry and child protection plan, each table a source of
its own (contracts 1.2, 1.4; cin_elements.py says which element becomes which row).

A census always gives all five sources, even a table with no row: a census with no <Section47>
says that no section 47 enquiry was held, and its source says so in a warning. A row's number is
the position of its <Child> element in the file, and the source's row label names the element
("<Assessments> in Child element 12"): that is what a person can find in the file.

The file's <LEA> is passed on (`la_code_in_file`): the delivery folder's la_code wins, and loading
records the disagreement as a warning. Elements no table reads (pre-proceedings, disabilities...)
are named in a warning. Memory stays flat whatever the file's size: a <Child> is read at a time and
dropped once read (readers/xml_records.py), and the file is read once, each table's rows spooled to a
temporary file of their own that its source streams to loading. A file that is not well-formed XML
is found in that pass, before anything of it is loaded.

The door keeps the file whole besides (`keep_file_whole` on its first source: raw.cin_census_files),
for the DfE's CIN rules, which read all of it; erasing a child rewrites that copy without the child
(`without_children`).
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from csc_warehouse.readers.base import TableSource, ignored
from csc_warehouse.readers.cin_elements import (
    ELEMENTS,
    CensusElement,
    child_rows,
    elements,
    name,
    text,
    unread_elements,
)
from csc_warehouse.readers.spool import RowSpool
from csc_warehouse.readers.xml_records import records
from csc_warehouse.readers.xml_safety import SAFE_PARSING, not_well_formed, refuse_parsed_doctype

ROOT = "Message"
COLLECTION = "CIN"
UTF8_BOM_AND_SPACE = b"\xef\xbb\xbf \t\r\n"


def _header(path: Path) -> tuple[str, str | None, str | None]:
    """(root element, Collection, LEA) from the top of the file, read up to the first <Child>."""
    root, collection, lea = "", None, None
    try:
        for event, element in etree.iterparse(str(path), events=("start", "end"), **SAFE_PARSING):
            element_name = name(element)
            if event == "start":
                if not root:
                    refuse_parsed_doctype(path, element)
                root = root or element_name
                if element_name == "Child":
                    break
            elif element_name == "Collection":
                collection = text(element)
            elif element_name == "LEA":
                lea = text(element)
    except etree.XMLSyntaxError as error:
        raise not_well_formed(path, error) from error
    return root, collection, lea


def is_cin_census(path: Path) -> bool:
    root, collection, _lea = _header(path)
    return root == ROOT and collection == COLLECTION


def _spooled(path: Path) -> tuple[dict[CensusElement, RowSpool], set[str]]:
    """Every table's rows, spooled in one pass, and the elements no table reads."""
    spools = {census_element: RowSpool() for census_element in ELEMENTS}
    unread: set[str] = set()
    for ordinal, child in records(path, "Child"):
        for census_element, rows in child_rows(child).items():
            spools[census_element].add(ordinal, rows)
        unread |= unread_elements(child)
    return spools, unread


def read_cin_xml(path: Path) -> list[TableSource]:
    root, collection, lea = _header(path)
    if root != ROOT or collection != COLLECTION:
        return [
            ignored(
                path.name,
                f"XML whose root element is <{root}> with no <Collection>{COLLECTION}"
                "</Collection>: not a table the warehouse knows",
            )
        ]
    spools, unread = _spooled(path)
    sources = []
    for census_element in ELEMENTS:
        table = census_element.table
        source = TableSource(
            file_name=path.name,
            table=table,
            header=list(table.columns),
            mapped=list(table.columns),
            sheet=table.title,
            row_label=census_element.row_label,
            rows=spools[census_element].rows,
            first_data_row=1,
            la_code_in_file=lea,
            keep_file_whole=census_element is ELEMENTS[0],  # once per file, whichever source
        )
        if not spools[census_element].count:
            source.warnings.append(
                f"the census has no <{census_element.element}>, so no {table.title} rows: it says there are none"
            )
        if unread:
            source.warnings.append(f"elements not read: {', '.join(sorted(unread))}")
        sources.append(source)
    return sources


# -- the census kept whole ------------------------------------------------------------------------


def _census_tree(census: bytes):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    return etree.fromstring(census, parser).getroottree()


def _child_id(child) -> str | None:
    identifiers = next(elements(child, "ChildIdentifiers"), None)
    return text(next(elements(identifiers, "LAchildID"), None))


def child_ids(census: bytes) -> list[str]:
    """The LAchildID of each <Child> of a census, as the file holds it (trimmed; children without one left out)."""
    ids = (_child_id(child) for child in _census_tree(census).iter("{*}Child"))
    return [child_id for child_id in ids if child_id]


def without_children(census: bytes, erased_ids: set[str]) -> tuple[bytes, int]:
    """The census without each <Child> whose LAchildID (as `child_ids` gives it) is among `erased_ids`, and
    how many it removed. The rest of the document stays as it was, its declaration and encoding too."""
    tree = _census_tree(census)
    doomed = [child for child in tree.iter("{*}Child") if _child_id(child) in erased_ids]
    for child in doomed:
        parent = child.getparent()
        if child.getnext() is None:  # the whitespace after the last child indents the parent's end tag
            previous = child.getprevious()
            if previous is None:
                parent.text = child.tail
            else:
                previous.tail = child.tail
        parent.remove(child)
    if not doomed:
        return census, 0
    encoding = tree.docinfo.encoding
    # A UTF-8 file without a declaration stays without one; any other says its encoding, as it did.
    declared = encoding.upper() != "UTF-8" or census.lstrip(UTF8_BOM_AND_SPACE).startswith(b"<?xml")
    standalone = True if tree.docinfo.standalone else None  # "no" is what no standalone means
    rewritten = etree.tostring(tree, encoding=encoding, xml_declaration=declared, standalone=standalone)
    return rewritten, len(doomed)
