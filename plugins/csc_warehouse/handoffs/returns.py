"""What a return check hands on: one delivery version validated against one DfE return's rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from csc_warehouse.handoffs.kinds import FlatHandoff


class ReturnType(StrEnum):
    """The DfE statutory returns whose rule sets the validators hold."""

    SSDA903 = "SSDA903"
    CIN = "CIN"


@dataclass
class ReturnCheck(FlatHandoff):
    """One version's check (dq.return_checks), with the rule codes it found records for. A version
    without the return's tables is not checked: `checked` is False and the counts are zero."""

    delivery_version_id: int
    la_code: str
    return_type: str
    checked: bool = False
    collection_year: int | None = None
    ruleset: str | None = None
    ruleset_note: str | None = None
    findings: int = 0
    rules_flagged: list[str] = field(default_factory=list)
    rules_failed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def blocking_rules(self, blocking: frozenset[str]) -> list[str]:
        """The rules it flagged that CSC_BLOCKING_RETURN_RULES names: those hold the version back."""
        return sorted(set(self.rules_flagged) & blocking)
