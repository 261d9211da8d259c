"""The Children in Need census XML (`<Message>`, the DfE CIN census schema, CIN_schema_2026.xsd): its
child protection plans, as rows of the CP plans table (contract 1.2).

Each <Child> has <ChildIdentifiers> (LAchildID, PersonBirthDate, Sex, or GenderCurrent before
2025), <ChildCharacteristics> (Ethnicity) and one or more <CINdetails>, each holding any number of
<ChildProtectionPlans> (CPPstartDate, CPPendDate, InitialCategoryOfAbuse, LatestCategoryOfAbuse,
NumberOfPreviousCPP). Every plan is a row carrying its child's identifiers; a child with no plan
gives no row. A census always gives a CP plans source, even with no plan in it: it says that no
child is on a plan. A row's number is the position of its <Child> element in the file.

The file's <LEA> is passed on (`la_code_in_file`): the delivery folder's la_code wins, and loading
records the disagreement as a warning. The rest of the census (referrals, assessments, section 47s)
is not read into tables; its elements are named in a warning. The door keeps the file whole besides
(`keep_file_whole`: raw.cin_census_files), for the DfE's CIN rules, which read all of it; erasing a
child rewrites that copy without the child (`without_children`). Read with lxml's iterparse, a <Child>
at a time.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from csc_warehouse import tables
from csc_warehouse.readers.base import ReaderError, Row, TableSource, ignored

ROOT = "Message"
COLLECTION = "CIN"
PLAN_ELEMENT = "ChildProtectionPlans"
# The census element each CP plans column is read from; Sex was GenderCurrent until 2024/25.
IDENTIFIERS = {"LACHILDID": ("LAchildID",), "PERSONBIRTHDATE": ("PersonBirthDate",), "SEX": ("Sex", "GenderCurrent")}
CHARACTERISTICS = {"ETHNICITY": ("Ethnicity",)}
PLAN_COLUMNS = {
    "CPPSTARTDATE": "CPPstartDate",
    "CPPENDDATE": "CPPendDate",
    "INITIALCATEGORYOFABUSE": "InitialCategoryOfAbuse",
    "LATESTCATEGORYOFABUSE": "LatestCategoryOfAbuse",
    "NUMBEROFPREVIOUSCPP": "NumberOfPreviousCPP",
}
READ_IN_CHILD = {"ChildIdentifiers", "ChildCharacteristics", "CINdetails"}
UTF8_BOM_AND_SPACE = b"\xef\xbb\xbf \t\r\n"


def _name(element) -> str:
    return etree.QName(element).localname


def _text(element) -> str | None:
    text = (element.text or "").strip() if element is not None else ""
    return text or None


def _first(parent, *names: str):
    """The first child element of `parent` with one of the names, in the order the names are given."""
    if parent is None:
        return None
    for name in names:
        for element in parent:
            if isinstance(element.tag, str) and _name(element) == name:
                return element
    return None


def _unreadable(path: Path, error: etree.XMLSyntaxError) -> ReaderError:
    line = error.position[0] if error.position else None
    return ReaderError(
        path.name, line, None, None, "unreadable-file", f"{path.name} is not well-formed XML (line {line}): {error.msg}"
    )


def _header(path: Path) -> tuple[str, str | None, str | None]:
    """(root element, Collection, LEA) from the top of the file, read up to the first <Child>."""
    root, collection, lea = "", None, None
    try:
        for event, element in etree.iterparse(
            str(path), events=("start", "end"), resolve_entities=False, no_network=True
        ):
            name = _name(element)
            if event == "start":
                root = root or name
                if name == "Child":
                    break
            elif name == "Collection":
                collection = _text(element)
            elif name == "LEA":
                lea = _text(element)
    except etree.XMLSyntaxError as error:
        raise _unreadable(path, error) from error
    return root, collection, lea


def is_cin_census(path: Path) -> bool:
    root, collection, _lea = _header(path)
    return root == ROOT and collection == COLLECTION


def _plan_rows(ordinal: int, child, unread: set[str]) -> list[Row]:
    identifiers = _first(child, "ChildIdentifiers")
    characteristics = _first(child, "ChildCharacteristics")
    about_child = {column: _text(_first(identifiers, *names)) for column, names in IDENTIFIERS.items()}
    about_child |= {column: _text(_first(characteristics, *names)) for column, names in CHARACTERISTICS.items()}
    unread.update(_name(e) for e in child if isinstance(e.tag, str) and _name(e) not in READ_IN_CHILD)
    rows = []
    for plan in child.iter(f"{{*}}{PLAN_ELEMENT}"):
        values = about_child | {column: _text(_first(plan, element)) for column, element in PLAN_COLUMNS.items()}
        rows.append((ordinal, [values.get(column) for column in tables.CIN_CP_PLANS.columns]))
    return rows


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
    rows: list[Row] = []
    unread: set[str] = set()
    try:
        children = etree.iterparse(str(path), events=("end",), tag="{*}Child", resolve_entities=False, no_network=True)
        for ordinal, (_, child) in enumerate(children, start=1):
            rows.extend(_plan_rows(ordinal, child, unread))
            child.clear(keep_tail=True)
            while child.getprevious() is not None:
                del child.getparent()[0]
    except etree.XMLSyntaxError as error:
        raise _unreadable(path, error) from error
    table = tables.CIN_CP_PLANS
    source = TableSource(
        file_name=path.name,
        table=table,
        header=list(table.columns),
        mapped=list(table.columns),
        sheet=table.title,
        row_label="Child element",
        rows=rows.__iter__,
        first_data_row=1,
        la_code_in_file=lea,
        keep_file_whole=True,
    )
    source.warnings.append("read: the child protection plans; the rest of the census is not loaded")
    if unread:
        source.warnings.append(f"elements not read: {', '.join(sorted(unread))}")
    return [source]


# -- the census kept whole ------------------------------------------------------------------------


def _census_tree(census: bytes):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    return etree.fromstring(census, parser).getroottree()


def _child_id(child) -> str | None:
    return _text(_first(_first(child, "ChildIdentifiers"), "LAchildID"))


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
