"""The case-audit returns (contract 1.3), the audit programme and the audit actions (contract 1.5)."""

from __future__ import annotations

from csc_warehouse.tables.spec import TableSpec, codes

# -- case-audit returns (contract 1.3) -------------------------------------------------------------
# The long CSV's columns; the wide workbook (one sheet per theme) is read into the same ones
# (readers/audits.py). Answers as typed and cleaned by raw.clean_code (upper case, no spaces): Yes,
# No, Partial, Not applicable and the usual Y, N, NA, N/A. Blank is allowed: outside the denominator.
# AGENCY is optional and last (a raw table made before it existed gains it at the end): in a
# multi-agency audit each agency answers for the same cases; without it the agency is CSC (staging).
AUDIT_ANSWER_CODES = codes("YES", "Y", "NO", "N", "PARTIAL", "NOTAPPLICABLE", "NA", "N/A")

AUDIT_ANSWERS = TableSpec(
    name="audit_answers",
    title="Audit answers",
    source="audits",
    columns=(
        "AUDIT_THEME",
        "AUDIT_DATE",
        "CASE_REF",
        "AUDITOR",
        "QUESTION_ID",
        "QUESTION_TEXT",
        "ANSWER",
        "COMMENT",
        "AGENCY",
    ),
    required=("AUDIT_THEME", "AUDIT_DATE", "CASE_REF", "QUESTION_ID", "ANSWER"),
    dates=("AUDIT_DATE",),
    ids=(),  # case_ref is a case reference, not a child id: access and erasure do not treat it as one
    codes={"ANSWER": AUDIT_ANSWER_CODES},
    not_blank=("AUDIT_THEME", "AUDIT_DATE", "CASE_REF", "QUESTION_ID"),
    one_row_per=("AUDIT_THEME", "AUDIT_DATE", "CASE_REF", "QUESTION_ID", "AGENCY"),
    one_row_label="answer",
    many_sources=True,  # a workbook holds one sheet per theme
)

# -- the audit programme (contract 1.5) --------------------------------------------------------------
# The audits planned for the year, one row per theme and month. A blank sample size passes the door:
# the gate warns about it (expectations/audit_programme_status.yml), as the month still has its audit.
AUDIT_PROGRAMME = TableSpec(
    name="audit_programme",
    title="Audit programme",
    source="audits",
    columns=("AUDIT_THEME", "PLANNED_MONTH", "SAMPLE_SIZE", "LEAD"),
    required=("AUDIT_THEME", "PLANNED_MONTH", "SAMPLE_SIZE", "LEAD"),
    months=("PLANNED_MONTH",),
    counts=("SAMPLE_SIZE",),
    ids=(),
    not_blank=("AUDIT_THEME", "PLANNED_MONTH"),
    one_row_per=("AUDIT_THEME", "PLANNED_MONTH"),
    one_row_label="planned audit",
)

# -- the audit actions (contract 1.5) ----------------------------------------------------------------
# The action plan agreed from an audit's findings, one row per action of an audit (theme and period).
AUDIT_ACTION_STATUS_CODES = codes("OPEN", "DONE")

AUDIT_ACTIONS = TableSpec(
    name="audit_actions",
    title="Audit actions",
    source="audits",
    columns=("AUDIT_THEME", "AUDIT_PERIOD", "ACTION_ID", "ACTION", "LEAD", "DUE_DATE", "STATUS", "DONE_DATE"),
    required=("AUDIT_THEME", "AUDIT_PERIOD", "ACTION_ID", "ACTION", "LEAD", "DUE_DATE", "STATUS", "DONE_DATE"),
    dates=("DUE_DATE", "DONE_DATE"),
    months=("AUDIT_PERIOD",),
    ids=(),
    codes={"STATUS": AUDIT_ACTION_STATUS_CODES},
    not_blank=("AUDIT_THEME", "AUDIT_PERIOD", "ACTION_ID", "DUE_DATE", "STATUS"),
    one_row_per=("AUDIT_THEME", "AUDIT_PERIOD", "ACTION_ID"),
    one_row_label="action",
)

# The tables an audit team sends: each makes the audit_returns DAG run (audit_returns.py).
AUDIT_TABLES = (AUDIT_ANSWERS, AUDIT_PROGRAMME, AUDIT_ACTIONS)
