"""The demo's audit programme for 2013/14, the domestic abuse audit of January 2014 and its action
plan, and when each audit file arrives (contract 1.3 and 1.5).

The programme as reviewed in January (December to March) arrives with the first delivery on or after
10 January, with January's domestic abuse audit and the actions agreed from it. The section 47
multi-agency audit (multi_agency_audit) and the domestic abuse re-audit of February (audit, the same
questions, to see progress) arrive with the first delivery after them. The demo's six weeks hold the
whole loop, so the re-audit follows a month after the audit. Week by week, as at each delivery:

    Neglect         Dec 2013  nothing returned                       overdue from 13 January
    Domestic abuse  Jan 2014  18 cases on 8 January                  done from 13 January
    Missing         Jan 2014  nothing returned                       due in January, overdue from 3 February
    Section 47      Feb 2014  5 cases on 5 February                  due on 3 February, done on 10 February
    Domestic abuse  Feb 2014  the re-audit, 18 cases on 7 February   due on 3 February, done on 10 February
    Care planning   Mar 2014                                         planned

Action DA-01, due 31 January, is overdue from 3 February. The re-audit's findings rise from
January's: information sharing from 56% to 72%. The first demo week (6 January) has no audit file yet
(a report as at 6 January shows January's audit all the same: an audit belongs to its month).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from csc_warehouse.demo import audit, multi_agency_audit
from csc_warehouse.demo.audit import Question
from csc_warehouse.demo.files import write_csv

SENT = date(2014, 1, 10)  # after the programme's quarterly review
FIRST_AUDIT_DATE = date(2014, 1, 8)
PROGRAMME_COLUMNS = ("audit_theme", "planned_month", "sample_size", "lead")
PROGRAMME = (
    ("Neglect", "2013-12", "6", "Head of Early Help"),
    ("Domestic abuse", "2014-01", "18", "Head of Safeguarding"),
    ("Missing from home", "2014-01", "6", "Adolescent Services Manager"),
    ("Section 47", "2014-02", "5", "Head of Safeguarding"),
    ("Domestic abuse", "2014-02", "18", "Head of Safeguarding"),
    ("Care planning", "2014-03", "8", "Head of Children in Need"),
)
ACTION_COLUMNS = ("audit_theme", "audit_period", "action_id", "action", "lead", "due_date", "status", "done_date")
ACTIONS = (
    ("Domestic abuse", "2014-01", "DA-01", "Record the risk assessment at the first contact",
     "MASH Team Manager", "31/01/2014", "open", ""),
    ("Domestic abuse", "2014-01", "DA-02", "Share strategy discussion minutes with partners within two working days",
     "Head of Safeguarding", "24/01/2014", "done", "20/01/2014"),
    ("Domestic abuse", "2014-01", "DA-03", "Check in supervision that plans support as well as monitor",
     "Children in Need Service Manager", "31/03/2014", "open", ""),
)  # fmt: skip
# January's answers to February's questions, in the same order, fewer of them met.
FIRST_AUDIT_YES = (10, 12, 6, 7, 14, 10)
FIRST_AUDIT_QUESTIONS = tuple(
    Question(question.text, yes=yes, not_applicable=question.not_applicable)
    for question, yes in zip(audit.QUESTIONS, FIRST_AUDIT_YES, strict=True)
)


def write_audit_files(landing_dir: Path, la_code: str, weeks: Iterable[date]) -> None:
    """Each audit file into the first delivery on or after the day it was sent; none when no week is."""
    weeks = sorted(weeks)

    def folder_for(sent: date) -> Path | None:
        week = next((week for week in weeks if week >= sent), None)
        return None if week is None else Path(landing_dir) / la_code / week.isoformat()

    if (folder := folder_for(SENT)) is not None:
        folder.mkdir(parents=True, exist_ok=True)
        write_csv(folder / "audit_programme.csv", PROGRAMME_COLUMNS, [list(row) for row in PROGRAMME])
        write_csv(folder / "audit_actions.csv", ACTION_COLUMNS, [list(row) for row in ACTIONS])
        audit.write_audit_return(
            folder,
            la_code,
            questions=FIRST_AUDIT_QUESTIONS,
            audit_date=FIRST_AUDIT_DATE,
            case_prefix="DN",
            file_name="audit_domestic_abuse_2014_01.csv",
        )
    if (folder := folder_for(multi_agency_audit.AUDIT_DATE)) is not None:
        multi_agency_audit.write_audit_return(folder, la_code)
