"""XML the door refuses before parsing it: any document type declaration (`<!DOCTYPE ...>`).

A DTD is where entities are declared, and entities are how an XML file attacks the program reading
it: the billion laughs (ten entities each repeating the one before ten times, a few hundred bytes
that expand to gigabytes) and external entities (`<!ENTITY x SYSTEM "file:///etc/passwd">`, which
a parser that resolves them reads into the document: the DfE's CIN rules read the census the door
keeps whole). Neither the SSDA903 return nor the CIN census schema uses a DTD, so a file that has
one is quarantined whole, with the line and column of its `<!DOCTYPE`.

The check is expat's (the standard library's parser): its doctype handler stops the parse at the
`<!DOCTYPE` itself, before a byte of the declarations is read, and its first start tag ends the
check, so only the file's prolog is read. Behind it, lxml parses every XML file with entities left
unresolved, no network, no DTD loaded and its default size limits (`SAFE_PARSING`), and a file whose
tree still shows a doctype (one expat could not get to) is refused in the same words.
"""

from __future__ import annotations

from pathlib import Path
from xml.parsers import expat

from csc_warehouse.readers.base import ReaderError

RULE = "xml-dtd"
BLOCK = 1 << 16
# lxml's iterparse switches for every delivered XML file (huge_tree=False is its default limit on
# text and depth: an overlong value or a nesting thousands deep is a syntax error, not a memory spike).
SAFE_PARSING = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}


class _Doctype(Exception):
    def __init__(self, line: int, column: int):
        self.line, self.column = line, column


class _PrologEnds(Exception):
    pass


def refused(file_name: str, line: int, column: int, where: str = "") -> ReaderError:
    """The finding for an XML file with a DTD."""
    where = where or f"line {line}, column {column}"
    return ReaderError(
        file_name,
        line,
        str(column),
        None,
        RULE,
        f"{file_name} declares a document type (<!DOCTYPE, {where}): a DTD can declare entities that "
        "expand without limit or read other files, and no return the warehouse reads uses one",
        row_label="line",
    )


def refuse_dtd(path: Path) -> None:
    """Raise ReaderError (rule xml-dtd) when the XML file has a document type declaration.

    A prolog expat cannot read is left to lxml, which says what is wrong with it."""
    parser = expat.ParserCreate()

    def doctype(*_declaration) -> None:
        raise _Doctype(parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)

    def root_element(*_element) -> None:
        raise _PrologEnds()

    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = root_element
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(BLOCK), b""):
                parser.Parse(block, False)
    except _Doctype as found:
        raise refused(path.name, found.line, found.column) from None
    except (_PrologEnds, expat.ExpatError, ValueError, LookupError):
        return


def not_well_formed(path: Path, error) -> ReaderError:
    """lxml's syntax error (an lxml.etree.XMLSyntaxError) as the finding, at the line and column it names.

    With entities left unresolved, an undeclared entity ends lxml's iterparse with "no element found"
    at line 0: what went wrong, and where, is then the last entry about this file in the error's log
    (which holds earlier parses' entries too). With nothing logged either, the file ended before its
    root element did (an empty file: "no element found"), and the finding is at its end."""
    line, column, message = *(error.position or (0, 0)), error.msg
    logged = [entry for entry in error.error_log if entry.line and entry.filename == str(path)]
    if not line and logged:
        line, column, message = logged[-1].line, logged[-1].column, logged[-1].message
    if not line:
        line, column = _end_of(path)
    return ReaderError(
        path.name,
        line or None,
        str(column) if column else None,
        None,
        "unreadable-file",
        f"{path.name} is not well-formed XML (line {line}): {message}",
        row_label="line",
    )


def _end_of(path: Path) -> tuple[int, int]:
    """(line, column) just after the file's last byte, read a block at a time."""
    lines, last_line_length = 1, 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            breaks = block.count(b"\n")
            lines += breaks
            last_line_length = len(block) - block.rfind(b"\n") - 1 if breaks else last_line_length + len(block)
    return lines, last_line_length + 1


def refuse_parsed_doctype(path: Path, element) -> None:
    """The second guard, on the root element lxml gives: its document still shows a doctype. (Expat stops
    short of one in a file whose declaration names another encoding than its byte-order mark, which
    libxml2 reads by the mark.) The doctype is before the root element: the finding is at the root's line."""
    if element.getroottree().docinfo.doctype:
        line = element.sourceline or 1
        raise refused(path.name, line, 1, where=f"before the root element on line {line}")
