"""The demo's case audit: a domestic abuse audit of 18 cases, as the audit team returns it.

It is the re-audit, with the same questions, of the domestic abuse audit of January 2014 that
audit_programme writes, whose action plan it follows up.

It reproduces the committee report's findings: risk considered early in 72% of cases, management
direction in 67%, protection plans clear in 80% (8:10), plans that supported as well as monitored
in 90%, realistic tasks in 89%. The report also says 74% for information sharing, which no count
out of 18 cases gives (13 is 72%, 14 is 78%), so the demo answers 13 of 18 and lets the report
say 72% rather than fake the figure.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

AUDIT_THEME = "Domestic abuse"
AUDIT_DATE = date(2014, 2, 7)
CASES = 18
LONG_COLUMNS = ("audit_theme", "audit_date", "case_ref", "auditor", "question_id", "question_text", "answer", "comment")


@dataclass(frozen=True)
class Question:
    text: str
    yes: int
    not_applicable: int = 0

    @property
    def question_id(self) -> str:
        """As the contract derives it from a wide sheet's header: lower case, non-alphanumerics as `_`."""
        return re.sub(r"[^a-z0-9]", "_", self.text.lower())

    @property
    def applicable(self) -> int:
        return CASES - self.not_applicable

    @property
    def pct_met(self) -> int:
        return int(self.yes * 100 / self.applicable + 0.5)  # half up, as the contract rounds


QUESTIONS = (
    Question("Consideration of risk was evidenced at an early stage", yes=13),
    Question("Management direction was evidenced", yes=12),
    Question("The protection plan was clear", yes=8, not_applicable=8),
    Question("The plan included actions that supported as well as monitored", yes=9, not_applicable=8),
    Question("Tasks were realistic and achievable", yes=16),
    Question("Information sharing was good", yes=13),
)


def _answer(question: Question, case_number: int) -> str:
    """Cases 1..n answer in a fixed pattern: Yes first, then No/Partial, not-applicable last."""
    if case_number > question.applicable:
        return "N/A" if case_number % 2 else "Not applicable"
    if case_number <= question.yes:
        return "Yes" if case_number % 3 else "Y"
    return "Partial" if case_number % 2 else "No"


def write_audit_return(
    folder: Path,
    la_code: str = "309",
    *,
    questions: tuple[Question, ...] = QUESTIONS,
    audit_date: date = AUDIT_DATE,
    case_prefix: str = "DA",
    file_name: str = "audit_domestic_abuse.csv",
) -> Path:
    """The audit as a long CSV in the delivery folder; returns its path. The defaults are February's
    audit; audit_programme writes the theme's earlier audit with its own questions, date and cases."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(LONG_COLUMNS)
        for case_number in range(1, CASES + 1):
            case_ref = f"{case_prefix}{la_code}-{case_number:03d}"
            auditor = f"Auditor {1 + case_number % 3}"
            for question in questions:
                writer.writerow(
                    [
                        AUDIT_THEME,
                        audit_date.strftime("%d/%m/%Y"),
                        case_ref,
                        auditor,
                        question.question_id,
                        question.text,
                        _answer(question, case_number),
                        "",
                    ]
                )
    return path
