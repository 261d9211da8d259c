"""What a return check hands on: one delivery version validated against one DfE return's rules."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
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


@dataclass
class ReturnVerdict:
    """The run's return checks, and the versions whose findings break a rule of CSC_BLOCKING_RETURN_RULES
    (rejected, their authorities' published rows kept). `unchecked` are versions whose check did not finish."""

    checks: list[ReturnCheck] = field(default_factory=list)
    held_back: list[ReturnCheck] = field(default_factory=list)
    unchecked: list[int] = field(default_factory=list)

    @property
    def held_back_la_codes(self) -> set[str]:
        return {check.la_code for check in self.held_back}

    def to_xcom(self) -> dict:
        return {
            "checks": [check.to_xcom() for check in self.checks],
            "held_back": [check.to_xcom() for check in self.held_back],
            "unchecked": list(self.unchecked),
        }

    @classmethod
    def from_xcom(cls, data: dict | None) -> ReturnVerdict:
        data = data or {}
        return cls(
            checks=[ReturnCheck.from_xcom(check) for check in data.get("checks") or []],
            held_back=[ReturnCheck.from_xcom(check) for check in data.get("held_back") or []],
            unchecked=list(data.get("unchecked") or []),
        )


@dataclass(frozen=True)
class RuleReadiness(FlatHandoff):
    """One DfE rule an authority's delivery breaks, as reporting.return_readiness counts it; new and
    resolved children are None at the authority's first as_at with the return checked."""

    rule_code: str
    rule_message: str
    records: int
    children: int
    new_children: int | None = None
    resolved_children: int | None = None


@dataclass(frozen=True)
class ReturnReadiness:
    """One authority's delivery in the run's email: its return's rules, the ones with most children
    first (`rules`, at most the email's five), of `rules_broken` in all. `published` is False when the
    run kept the authority's published rows: its findings are in dq.return_errors only."""

    la_code: str
    as_at: str
    return_type: str
    delivery_version_id: int
    ruleset: str
    findings: int
    rules_broken: int
    published: bool
    rules: tuple[RuleReadiness, ...] = ()
    rules_failed: tuple[str, ...] = ()

    @property
    def more_rules(self) -> int:
        return self.rules_broken - len(self.rules)

    def to_xcom(self) -> dict:
        rules = [rule.to_xcom() for rule in self.rules]
        return {**asdict(self), "rules": rules, "rules_failed": list(self.rules_failed)}

    @classmethod
    def from_xcom(cls, data: dict) -> ReturnReadiness:
        return cls(
            la_code=data["la_code"],
            as_at=data["as_at"],
            return_type=data["return_type"],
            delivery_version_id=int(data["delivery_version_id"]),
            ruleset=data["ruleset"],
            findings=int(data["findings"]),
            rules_broken=int(data["rules_broken"]),
            published=bool(data["published"]),
            rules=tuple(RuleReadiness.from_xcom(rule) for rule in data.get("rules") or []),
            rules_failed=tuple(data.get("rules_failed") or []),
        )
