"""A return's records one at a time: each <CHILD> of an SSDA903 XML return, each <Child> of a CIN census.

lxml's iterparse gives a record once its end tag is read; the caller reads it, then it is emptied and
the emptied records before it are dropped, so memory stays flat whatever the file's size. A record
inside another record is refused (rule `nested-record`, at the inner one's line): dropping what comes
before it would drop the outer record's own elements unread, and rows would go missing in silence.
Neither schema nests them, so the file is quarantined whole instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from csc_warehouse.readers.base import ReaderError
from csc_warehouse.readers.xml_safety import SAFE_PARSING, not_well_formed

RULE = "nested-record"


def records(path: Path, tag: str) -> Iterator[tuple[int, etree._Element]]:
    """(position in the file, element) of each <tag>, in any namespace, one at a time."""
    try:
        found = etree.iterparse(str(path), events=("end",), tag=f"{{*}}{tag}", **SAFE_PARSING)
        for ordinal, (_, record) in enumerate(found, start=1):
            outer = next(record.iterancestors(f"{{*}}{tag}"), None)
            if outer is not None:
                raise nested(path, tag, record.sourceline, outer.sourceline)
            yield ordinal, record
            record.clear(keep_tail=True)
            while record.getprevious() is not None:
                del record.getparent()[0]
    except etree.XMLSyntaxError as error:
        raise not_well_formed(path, error) from error


def nested(path: Path, tag: str, line: int, outer_line: int) -> ReaderError:
    """The finding, at the inner record's line (the finding's place names the file and line already)."""
    return ReaderError(
        path.name,
        line,
        None,
        None,
        RULE,
        f"a <{tag}> inside the <{tag}> that opens on line {outer_line}: the return lists its <{tag}> records"
        " side by side, and reading this one would lose rows of the other",
        row_label="line",
    )
