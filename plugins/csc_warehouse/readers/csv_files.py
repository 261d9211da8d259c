"""CSV as councils' systems and Excel write it: UTF-8 with or without a BOM, or Windows-1252; CRLF, LF,
or CR alone (Excel for Mac's "CSV (Macintosh)"), which PostgreSQL's COPY reads as well.

The bytes go to PostgreSQL's COPY unparsed (it reads CSV far faster than Python). This module only
looks at the header row, works out the encoding and the delimiter, and trims what COPY would
choke on at the edges of the file: a byte-order mark, blank lines before the header, and blank
lines after the last row (empty rows of commas are dropped later, by loading).
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from pathlib import Path

from csc_warehouse import tables
from csc_warehouse.readers.base import TableSource, ignored, recognised

CHUNK = 1 << 20
UTF8_BOM = codecs.BOM_UTF8
BLANK = b" \t\r\n"
LINE_BREAK = re.compile(rb"\r\n|\r|\n")
# Comma first: it is what the DfE specifies. The others are what Excel writes in some locales.
DELIMITERS = (",", ";", "\t", "|")


def detect_encoding(path: Path) -> str:
    """UTF8 when every byte decodes as UTF-8, else WIN1252 (what Excel's "CSV" writes)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            for block in iter(lambda: handle.read(CHUNK), b""):
                if block.isascii() and not decoder.getstate()[0]:
                    continue  # ASCII is UTF-8: checked many times faster than decoded
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "WIN1252"
    return "UTF8"


def _content_bounds(path: Path) -> tuple[int, int, int, bytes]:
    """Where the rows are: (start, end, blank lines skipped before the header, line break to add).

    start is the header line, after any BOM and blank lines; end is just after the line break of
    the last line holding anything. When the file has no final line break, the last item is the
    one to add, in the file's own style (COPY rejects a file mixing CRLF and LF).
    """
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(min(size, CHUNK))
        start = len(UTF8_BOM) if head.startswith(UTF8_BOM) else 0
        blank_prefix = head[start : len(head) - len(head[start:].lstrip(BLANK))]
        last_break = max(blank_prefix.rfind(b"\n"), blank_prefix.rfind(b"\r"))
        whole_blank_lines = blank_prefix[: last_break + 1]  # a header may start with a space
        start += len(whole_blank_lines)
        first_break = LINE_BREAK.search(head, start)
        line_break = first_break.group() if first_break else b"\n"
        end = size
        while end > start:  # back over blank bytes at the end, a block at a time
            block_start = max(start, end - CHUNK)
            handle.seek(block_start)
            kept = handle.read(end - block_start).rstrip(BLANK)
            end = block_start + len(kept)
            if kept:
                break
        handle.seek(end)
        after = handle.read(2)
    blank_lines = len(LINE_BREAK.findall(whole_blank_lines))
    if after.startswith(line_break):
        return start, end + len(line_break), blank_lines, b""
    return start, end, blank_lines, line_break


def _first_line(path: Path, start: int, end: int) -> str:
    """The header line, up to its line break of any style (a CR alone in it ends it: the csv module would
    refuse the line, and COPY reads a line that way too); its names are ASCII, so UTF-8 (with
    replacements) reads it in any encoding."""
    with path.open("rb") as handle:
        handle.seek(start)
        line = LINE_BREAK.split(handle.read(min(end - start, CHUNK)), maxsplit=1)[0]
    return line.decode("utf-8", errors="replace")


def _split(line: str, delimiter: str) -> list[str]:
    """The line's values; none when the csv module cannot read it (a value over its 128 KB field limit:
    no column's name, so no known table's header row)."""
    try:
        return next(csv.reader([line], delimiter=delimiter))
    except csv.Error:
        return []


def _header_and_delimiter(line: str) -> tuple[list[str], str]:
    """The header row, split by the first delimiter under which it is a known table (else comma)."""
    for delimiter in DELIMITERS:
        header = _split(line, delimiter)
        if tables.recognise(header) is not None:
            return header, delimiter
    return _split(line, ","), ","


def read_csv(path: Path) -> TableSource:
    start, end, blank_lines_before, final_line_break = _content_bounds(path)
    if end <= start:
        return ignored(path.name, "empty file")
    header, delimiter = _header_and_delimiter(_first_line(path, start, end))
    header_row = 1 + blank_lines_before
    source = recognised(path.name, header, header_row=header_row)
    if source.table is None:
        return source

    def chunks() -> Iterator[bytes]:
        with path.open("rb") as handle:
            handle.seek(start)
            remaining = end - start
            while remaining > 0:
                block = handle.read(min(CHUNK, remaining))
                if not block:
                    break
                remaining -= len(block)
                yield block
        if final_line_break:
            yield final_line_break

    source.csv_chunks = chunks
    source.csv_encoding = detect_encoding(path)
    source.csv_delimiter = delimiter
    source.first_data_row = header_row + 1
    return source
