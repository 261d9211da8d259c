"""The case-audit returns (contract 1.3)."""

from __future__ import annotations

from csc_warehouse.tables.spec import TableSpec, codes

# -- case-audit returns (contract 1.3) -------------------------------------------------------------
# The long CSV's columns; the wide workbook (one sheet per theme) is read into the same ones
# (readers/audits.py). Answers as typed and cleaned by raw.clean_code (upper case, no spaces): Yes,
# No, Partial, Not applicable and the usual Y, N, NA, N/A. Blank is allowed: outside the denominator.
AUDIT_ANSWER_CODES = codes("YES", "Y", "NO", "N", "PARTIAL", "NOTAPPLICABLE", "NA", "N/A")

AUDIT_ANSWERS = TableSpec(
    name="audit_answers",
    title="Audit answers",
    source="audits",
    columns=("AUDIT_THEME", "AUDIT_DATE", "CASE_REF", "AUDITOR", "QUESTION_ID", "QUESTION_TEXT", "ANSWER", "COMMENT"),
    required=("AUDIT_THEME", "AUDIT_DATE", "CASE_REF", "QUESTION_ID", "ANSWER"),
    dates=("AUDIT_DATE",),
    ids=(),  # case_ref is a case reference, not a child id: access and erasure do not treat it as one
    codes={"ANSWER": AUDIT_ANSWER_CODES},
    not_blank=("AUDIT_THEME", "AUDIT_DATE", "CASE_REF", "QUESTION_ID"),
    one_row_per=("AUDIT_THEME", "AUDIT_DATE", "CASE_REF", "QUESTION_ID"),
    one_row_label="answer",
    many_sources=True,  # a workbook holds one sheet per theme
)
