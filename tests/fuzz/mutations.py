"""The fuzz cases: real sample deliveries from the repository, and the ways real extracts break.

A seed is a small delivery made of the samples the other tests already use (the SSDA903 CSVs and
XML return, the CIN census XML, the Annex A workbook, the demo's audit returns). A case is a seed
with one of its files mutated one to three times, as hypothesis draws: truncated at any byte, a
row or a column duplicated or dropped, the delimiter or the encoding swapped, NUL and control bytes,
blank and 1 MB values, dates in every wrong shape, values that look like SQL or formulas, entities
in XML, and workbooks that are a renamed CSV, a corrupt zip or have damaged sheet XML inside.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import openpyxl
from hypothesis import strategies as st
from loading_fixtures import ANNEX_A, GOOD_EPISODES, GOOD_HEADER, LIIA_CIN, LIIA_PIPELINE, VALIDATOR_903, VALIDATOR_CIN

from csc_warehouse.demo import audit, multi_agency_audit

MEGABYTE_VALUE = b"9" * (1 << 20)
WRONG_DATES = [
    b"31/02/2016",
    b"2016/13/01",
    b"1/4/15",
    b"00/00/0000",
    b"2016-02-30",
    b"99999999",
    b"yesterday",
    b"01.04.2015",
    b"4/1/2015 00:00:00",
    b"01/04/20155",
    b"-01/04/2015",
    b"01/04/0000",
    b"31/12/9999",
    b"1e309",
    "\uff10\uff11/\uff10\uff14/\uff12\uff10\uff11\uff15".encode(),  # full-width digits
    "\u0660\u0661/\u0660\u0664/\u0662\u0660\u0661\u0665".encode(),  # Arabic-Indic digits
    b"NaN",
    b" ",
]
HOSTILE_VALUES = [
    b"'; drop table raw.ssda903_episodes; --",
    b"=cmd|' /C calc'!A0",
    b"@SUM(1+1)*cmd|' /C calc'!A0",
    b"+44 20 7946 0000",
    b'"',
    b'""',
    b"\\",
    b"\\.",  # COPY's end-of-data marker, on a line of its own in text format
    b"\\N",
    b"NULL",
    b"$$ select 1 $$",
    b"%s%s%s%n",
    b"{0}{}",
    b"\xef\xbb\xbf",
    b"\xe2\x80\xae",  # right-to-left override
    b"\xf0\x9f\x98\x80",
    b"\xff\xfe",
    b"\xc3",
]
CONTROL_BYTES = [b"\x00", b"\x01", b"\x08", b"\x0b", b"\x0c", b"\x1a", b"\x1b", b"\x7f", b"\r", b"\n", b"\x85"]
ENCODINGS = ["utf-8-sig", "cp1252", "utf-16", "utf-16-le", "utf-16-be", "latin-1", "utf-32"]
DELIMITERS = [b";", b"\t", b"|", b",,", b" "]
DATE = re.compile(rb"\d{1,4}[/-]\d{1,2}[/-]\d{1,4}")
XML_VALUE = re.compile(rb">([^<>]+)<")
LAUGHS = b"".join(b'<!ENTITY l%d "%s">' % (n, (b"&l%d;" % (n - 1)) * 10) for n in range(1, 10))
XML_ATTACKS = [
    b'<!DOCTYPE r [<!ENTITY l0 "lol">' + LAUGHS + b"]>",
    b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    b'<!DOCTYPE r SYSTEM "http://127.0.0.1:9/x.dtd">',
    b'<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>',
    b"<?xml-stylesheet href='x.xsl'?>",
]
XML_INSERTS = [b"&l9;", b"&x;", b"&amp;", b"&#0;", b"&#x110000;", b"<![CDATA[<CHILD>]]>", b"<!-- -->", b"<?pi x?>"]


@dataclass(frozen=True)
class Seed:
    """A delivery to mutate: its files by name, and which of them the mutations aim at."""

    name: str
    files: dict[str, bytes] = field(repr=False)
    target: str = ""


def _first_elements(text: bytes, closing: bytes, count: int, end: bytes) -> bytes:
    """The document cut after its first `count` elements closed by `closing`, and closed again."""
    position = 0
    for _ in range(count):
        position = text.index(closing, position) + len(closing)
    return text[:position] + end


def _audit_workbook() -> bytes:
    """A wide audit workbook, as tests/test_cp_and_audit_loading.py writes one."""
    book = openpyxl.Workbook()
    book.active.title = "Domestic abuse"
    book.active.append(["case_ref", "auditor", "audit_date", "The protection plan was clear", "Was the child seen?"])
    for case in range(1, 6):
        book.active.append([f"C{case}", "A", datetime(2014, 2, case), "Y", "No"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def seeds(folder: Path) -> list[Seed]:
    """The seed deliveries (the demo's audit returns are written into `folder` first)."""
    lines_of = {name: (VALIDATOR_903 / name).read_bytes().splitlines(keepends=True)[:30] for name in ("header.csv",)}
    demo_audit = audit.write_audit_return(folder / "audit").read_bytes()
    agency_audit = multi_agency_audit.write_audit_return(folder / "agency").read_bytes()
    fake_903 = _first_elements((VALIDATOR_903 / "fake_903.xml").read_bytes(), b"</CHILD>", 6, b"</EXPSSDA903>\n")
    episodes_sample = (VALIDATOR_903 / "episodes.csv").read_bytes().splitlines(keepends=True)[:40]
    return [
        Seed(
            "good ssda903 csv",
            {"header.csv": GOOD_HEADER.encode(), "episodes.csv": GOOD_EPISODES.encode()},
            "episodes.csv",
        ),
        Seed(
            "good ssda903 header",
            {"header.csv": GOOD_HEADER.encode(), "episodes.csv": GOOD_EPISODES.encode()},
            "header.csv",
        ),
        Seed(
            "liia ssda903 csv",
            {
                "header.csv": (LIIA_PIPELINE / "SSDA903_2020_header.csv").read_bytes(),
                "episodes.csv": (LIIA_PIPELINE / "SSDA903_2020_episodes.csv").read_bytes(),
            },
            "episodes.csv",
        ),
        Seed(
            "validator ssda903 csv",
            {"header.csv": b"".join(lines_of["header.csv"]), "episodes.csv": b"".join(episodes_sample)},
            "episodes.csv",
        ),
        Seed("ssda903 xml", {"fake_903.xml": fake_903}, "fake_903.xml"),
        Seed("cin census xml", {"cin.xml": (VALIDATOR_CIN / "CIN_Census_2026.xml").read_bytes()}, "cin.xml"),
        Seed("liia cin census xml", {"cin-2022.xml": LIIA_CIN.read_bytes()}, "cin-2022.xml"),
        Seed("annex a xlsx", {"Annex_A.xlsx": ANNEX_A.read_bytes()}, "Annex_A.xlsx"),
        Seed("audit csv", {"audit_domestic_abuse.csv": demo_audit}, "audit_domestic_abuse.csv"),
        Seed("multi-agency audit csv", {"audit_section_47.csv": agency_audit}, "audit_section_47.csv"),
        Seed("audit xlsx", {"audits.xlsx": _audit_workbook()}, "audits.xlsx"),
    ]


# -- mutations: each takes the file's bytes and hypothesis's draw, and returns the new bytes -------


def _lines(content: bytes) -> list[bytes]:
    return content.splitlines(keepends=True) or [b""]


def truncate(content: bytes, draw) -> bytes:
    return content[: draw(st.integers(0, len(content)))]


def duplicate_row(content: bytes, draw) -> bytes:
    lines = _lines(content)
    index = draw(st.integers(0, len(lines) - 1))
    return b"".join(lines[: index + 1] + lines[index:])


def drop_row(content: bytes, draw) -> bytes:
    lines = _lines(content)
    index = draw(st.integers(0, len(lines) - 1))
    return b"".join(lines[:index] + lines[index + 1 :])


def _split_columns(content: bytes) -> list[list[bytes]]:
    return [line.rstrip(b"\r\n").split(b",") for line in _lines(content)]


def duplicate_column(content: bytes, draw) -> bytes:
    rows = _split_columns(content)
    index = draw(st.integers(0, max(len(row) for row in rows) - 1))
    return b"\n".join(b",".join(row[: index + 1] + row[index:]) for row in rows) + b"\n"


def drop_column(content: bytes, draw) -> bytes:
    rows = _split_columns(content)
    index = draw(st.integers(0, max(len(row) for row in rows) - 1))
    return b"\n".join(b",".join(row[:index] + row[index + 1 :]) for row in rows) + b"\n"


def swap_delimiter(content: bytes, draw) -> bytes:
    return content.replace(b",", draw(st.sampled_from(DELIMITERS)))


def reencode(content: bytes, draw) -> bytes:
    """The file in another encoding, with a character only that encoding writes as the first value."""
    text = content.decode("utf-8", errors="replace")
    accent = draw(st.sampled_from(["", "\u00e9", "\u00a3", "\u2019", "\u00a0"]))
    text = text.replace(",", "," + accent, 1) if accent else text
    return text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")


def insert_bytes(content: bytes, draw) -> bytes:
    position = draw(st.integers(0, len(content)))
    inserted = b"".join(draw(st.lists(st.sampled_from(CONTROL_BYTES), min_size=1, max_size=4)))
    return content[:position] + inserted + content[position:]


def flip_byte(content: bytes, draw) -> bytes:
    if not content:
        return b"\xff"
    position = draw(st.integers(0, len(content) - 1))
    return content[:position] + bytes([draw(st.integers(0, 255))]) + content[position + 1 :]


def _value_spans(content: bytes) -> list[tuple[int, int]]:
    """Where the values are: between XML tags, or between CSV delimiters on the lines after the first."""
    spans = [match.span(1) for match in XML_VALUE.finditer(content)]
    if spans:
        return spans
    offset, found = 0, []
    for number, line in enumerate(_lines(content)):
        if number:
            start = offset
            for field in line.rstrip(b"\r\n").split(b","):
                found.append((start, start + len(field)))
                start += len(field) + 1
        offset += len(line)
    return found or [(0, 0)]


def replace_value(content: bytes, draw, values: list[bytes]) -> bytes:
    spans = _value_spans(content)
    start, end = spans[draw(st.integers(0, len(spans) - 1))]
    return content[:start] + draw(st.sampled_from(values)) + content[end:]


def blank_value(content: bytes, draw) -> bytes:
    return replace_value(content, draw, [b"", b" ", b"\t", b'""'])


def overlong_value(content: bytes, draw) -> bytes:
    return replace_value(content, draw, [MEGABYTE_VALUE])


def hostile_value(content: bytes, draw) -> bytes:
    return replace_value(content, draw, HOSTILE_VALUES)


def wrong_date(content: bytes, draw) -> bytes:
    dates = list(DATE.finditer(content))
    if not dates:
        return replace_value(content, draw, WRONG_DATES)
    start, end = dates[draw(st.integers(0, len(dates) - 1))].span()
    return content[:start] + draw(st.sampled_from(WRONG_DATES)) + content[end:]


def xml_entities(content: bytes, draw) -> bytes:
    """A DTD (the billion laughs, external entities) after the declaration, or an entity in a value."""
    if draw(st.booleans()):
        declaration_end = content.find(b"?>") + 2 if content.startswith(b"<?xml") else 0
        return content[:declaration_end] + draw(st.sampled_from(XML_ATTACKS)) + content[declaration_end:]
    return replace_value(content, draw, XML_INSERTS)


def _zip_members(content: bytes) -> dict[str, bytes] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return {name: archive.read(name) for name in archive.namelist()}
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, KeyError):
        return None


def damaged_workbook_part(content: bytes, draw) -> bytes:
    """Excel's own damage: one XML part of the workbook mutated, or dropped, inside an intact zip."""
    members = _zip_members(content)
    if not members:
        return flip_byte(content, draw)
    name = draw(st.sampled_from(sorted(members)))
    damage = draw(st.sampled_from([truncate, flip_byte, hostile_value, overlong_value, xml_entities, None]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            if member != name:
                archive.writestr(member, data)
            elif damage is not None:
                archive.writestr(member, damage(data, draw))
    return buffer.getvalue()


def renamed_csv(_content: bytes, draw) -> bytes:
    return draw(
        st.sampled_from([GOOD_EPISODES.encode(), GOOD_HEADER.encode(), b"", b"PK\x03\x04", b"PK\x05\x06" + bytes(18)])
    )


TEXT_MUTATIONS = [
    truncate,
    duplicate_row,
    drop_row,
    duplicate_column,
    drop_column,
    swap_delimiter,
    reencode,
    insert_bytes,
    flip_byte,
    blank_value,
    overlong_value,
    hostile_value,
    wrong_date,
]
XML_MUTATIONS = [*TEXT_MUTATIONS, xml_entities, xml_entities]
WORKBOOK_MUTATIONS = [
    damaged_workbook_part,
    damaged_workbook_part,
    damaged_workbook_part,
    truncate,
    flip_byte,
    renamed_csv,
]


def mutations_for(file_name: str) -> list:
    suffix = Path(file_name).suffix.lower()
    return {".xml": XML_MUTATIONS, ".xlsx": WORKBOOK_MUTATIONS}.get(suffix, TEXT_MUTATIONS)
