"""The demo's multi-agency audit: section 47 enquiries and strategy discussions, 5 cases audited by
children's services (CSC), the police and health, each from its own side (contract 1.5: the long CSV's
agency column).

Each agency answers for the same 5 cases, so audit_results counts 15 answers a question and
audit_results_by_agency 5 per agency. The agencies agree that every relevant agency was invited, and
differ on the rest: the report gives those findings by agency.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from csc_warehouse.demo.audit import LONG_COLUMNS, Question

AUDIT_THEME = "Section 47"
AUDIT_DATE = date(2014, 2, 5)
CASES = 5
AGENCIES = ("CSC", "Police", "Health")


@dataclass(frozen=True)
class AgencyAnswers:
    """One question's answers in cases 1..5, one letter each per agency: Y yes, N no, P partial, A not applicable."""

    question: Question
    by_agency: dict[str, str]


QUESTIONS = (
    AgencyAnswers(
        Question("The strategy discussion was held within timescale", yes=0),
        {"CSC": "YYYYY", "Police": "YYYYN", "Health": "YYYPN"},
    ),
    AgencyAnswers(
        Question("Every relevant agency was invited to the strategy discussion", yes=0),
        {"CSC": "YYYYY", "Police": "YYYYY", "Health": "YYYYY"},
    ),
    AgencyAnswers(
        Question("Information was shared before the strategy discussion", yes=0),
        {"CSC": "YYYYN", "Police": "YYYNN", "Health": "YYNNP"},
    ),
    AgencyAnswers(
        Question("The child's wishes and feelings were recorded", yes=0),
        {"CSC": "YYYYA", "Police": "YYNAA", "Health": "YYYNA"},
    ),
)
ANSWER_WORDS = {"Y": "Yes", "N": "No", "P": "Partial", "A": "Not applicable"}


def write_audit_return(folder: Path, la_code: str = "309") -> Path:
    """The audit as a long CSV with an agency column, in the delivery folder; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "audit_section_47.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow((*LONG_COLUMNS, "agency"))
        for agency in AGENCIES:
            for case_number in range(1, CASES + 1):
                for answers in QUESTIONS:
                    writer.writerow(
                        [
                            AUDIT_THEME,
                            AUDIT_DATE.strftime("%d/%m/%Y"),
                            f"S47{la_code}-{case_number:03d}",
                            f"{agency} auditor",
                            answers.question.question_id,
                            answers.question.text,
                            ANSWER_WORDS[answers.by_agency[agency][case_number - 1]],
                            "",
                            agency,
                        ]
                    )
    return path
