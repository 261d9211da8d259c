"""Case-audit returns as audit teams keep them (contract 1.3): a workbook with one sheet per theme.

A sheet is a wide audit return when its header row holds `case_ref` and `audit_date` (and usually
`auditor`; in a multi-agency audit `agency`, after `audit_date`), every other column being one
question, headed by its text. Each (case, question) cell
becomes one row of the audit answers table, the table the long CSV form loads into directly:

    audit_theme    the sheet's name            question_id    the header text, lower case, every
    audit_date     the case's audit_date                      character but a-z and 0-9 as `_`
    case_ref       the case's case_ref         question_text  the header text
    auditor        the case's auditor          answer         the cell, as typed (blank allowed)
    agency         the row's agency (blank: CSC, in staging)

The long form (audit_theme, audit_date, case_ref, auditor, question_id, question_text, answer,
comment, and optionally agency) is recognised by its header row like any other table, in a CSV or in a sheet.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from csc_warehouse import tables
from csc_warehouse.readers import xlsx
from csc_warehouse.readers.base import Problem, Row, TableSource

CASE_COLUMNS = ("case_ref", "auditor", "audit_date", "agency")
IDENTIFYING = {"case_ref", "audit_date"}
LONG_FORM_ONLY = {"question_id", "question_text", "answer"}


def question_id(text: str) -> str:
    """The contract's question_id: the question's text lower-cased, non-alphanumerics as `_`."""
    return re.sub(r"[^0-9a-z]", "_", text.strip().lower())


def _column_name(text: str) -> str:
    return re.sub(r"[\s_]+", "_", (text or "").replace("\ufeff", "").strip().lower())


def wide_sheet_source(path: Path, sheet) -> TableSource | None:
    """The sheet as a wide audit return (one row per case, one column per question), or None."""
    for row_number, cells in enumerate(sheet.iter_rows(max_row=xlsx.HEADER_SEARCH_ROWS, values_only=True), start=1):
        header = [xlsx.cell_text(value) or "" for value in cells]
        while header and not header[-1].strip():
            header.pop()
        names = [_column_name(name) for name in header]
        if IDENTIFYING <= set(names) and not LONG_FORM_ONLY & set(names):
            return _source(path, sheet.title, row_number, header, names)
    return None


def _source(path: Path, theme: str, header_row: int, header: list[str], names: list[str]) -> TableSource:
    table = tables.AUDIT_ANSWERS
    source = TableSource(
        file_name=path.name,
        table=table,
        header=list(table.columns),
        mapped=list(table.columns),
        sheet=theme,
        first_data_row=header_row + 1,
    )
    case_positions = {name: names.index(name) for name in CASE_COLUMNS if name in names}
    questions = [
        (position, text.strip())
        for position, text in enumerate(header)
        if text.strip() and names[position] not in CASE_COLUMNS
    ]
    if not questions:
        source.problems.append(
            Problem(
                header_row,
                None,
                None,
                "no-questions",
                f"sheet {theme!r} has case_ref and audit_date but no question column",
            )
        )
    repeated = [qid for qid, count in Counter(question_id(text) for _, text in questions).items() if count > 1]
    for qid in sorted(repeated):
        source.problems.append(
            Problem(header_row, qid, None, "duplicate-column", f"two question columns give the question_id {qid!r}")
        )
    for name in CASE_COLUMNS:
        if names.count(name) > 1:
            source.problems.append(
                Problem(
                    header_row,
                    name,
                    None,
                    "duplicate-column",
                    f"column {name} appears more than once in the header row",
                )
            )

    def rows() -> Iterator[Row]:
        for row_number, values in xlsx._sheet_rows(path, theme, header_row, len(header)):
            case = {name: values[position] for name, position in case_positions.items()}
            for position, text in questions:
                yield (
                    row_number,
                    [
                        theme.strip(),
                        case.get("audit_date"),
                        case.get("case_ref"),
                        case.get("auditor"),
                        question_id(text),
                        text,
                        values[position],
                        None,
                        case.get("agency"),
                    ],
                )

    source.rows = rows
    source.warnings.append(f"a wide audit return: theme {theme.strip()!r}, {len(questions)} question(s)")
    return source
