"""A run's summary, for the weekly and the audit-returns DAGs alike: what each step handed on,
what went wrong, one row in dq.runs, and the last task that fails when anything failed."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from csc_warehouse import settings, warehouse
from csc_warehouse.handoffs import (
    DeliveryLine,
    DeliveryVerdict,
    HeadlineFigure,
    IngestedDelivery,
    MartOutcome,
    MartVerdict,
    RunPlan,
    RunSummary,
)
from csc_warehouse.handoffs.returns import ReturnVerdict
from csc_warehouse.statuses import VersionStatus

log = logging.getLogger(__name__)


class RunFailed(RuntimeError):
    """Raised by the last task so that the run's state tells the truth."""


@dataclass(frozen=True)
class RunSteps:
    """What each step of a run handed on; None where the step did not finish."""

    plan: RunPlan | None
    outcomes: tuple[IngestedDelivery, ...] | None
    delivery_verdict: DeliveryVerdict | None
    mart_verdict: MartVerdict | None
    published: tuple[str, ...] | None
    # The committee reports drafted (weekly run): () where a DAG drafts none.
    reports: tuple[str, ...] | None = ()
    # The weekly run's DfE return checks and what publish_return_readiness published: None where they did
    # not finish; no checks and () where a DAG has none.
    return_verdict: ReturnVerdict | None = field(default_factory=ReturnVerdict)
    readiness_published: tuple[str, ...] | None = ()


@dataclass(frozen=True)
class RunWords:
    """How one DAG names its steps in the summary's errors."""

    step_did_not_finish: dict[str, str]  # step name in RunSteps -> the sentence when it is missing
    checks: str  # whose checks blocked: "mart", "audit_results"
    rows_kept: str  # what a blocking check kept: "published rows", "published audit results"


def authorities_to_keep(delivery_verdict: DeliveryVerdict | None, mart_verdict: MartVerdict | None) -> list[str]:
    """Authorities whose published rows stay as they were: a version or a mart check refused them."""
    rejected = delivery_verdict.rejected_la_codes if delivery_verdict else set()
    return sorted(rejected | set(mart_verdict.kept_la_codes if mart_verdict else ()))


def deliveries_after_gate(
    outcomes: tuple[IngestedDelivery, ...],
    delivery_verdict: DeliveryVerdict | None,
    return_verdict: ReturnVerdict | None = None,
) -> list[DeliveryLine]:
    """Each ingested delivery with the door's status, or the gate's where the gate checked it, or rejected
    where a blocking DfE return rule (CSC_BLOCKING_RETURN_RULES) held it back."""
    checked = {v.delivery_version_id: v for v in (delivery_verdict.versions if delivery_verdict else ())}
    # A version may be held back by both of its returns' checks (SSDA903 and CIN): one line, every rule named.
    held_back: dict[int, list[str]] = defaultdict(list)
    for check in return_verdict.held_back if return_verdict else ():
        held_back[check.delivery_version_id] += check.blocking_rules(settings.blocking_return_rules())
    lines = []
    for outcome in outcomes:
        verdict = checked.get(outcome.delivery_version_id)
        status = verdict.status if verdict else outcome.status
        reason = (verdict.reason if verdict else None) or outcome.reason
        if outcome.delivery_version_id in held_back:
            status = VersionStatus.REJECTED
            rules = sorted(set(held_back[outcome.delivery_version_id]))
            reason = f"DfE return rules {', '.join(rules)} (CSC_BLOCKING_RETURN_RULES)"
        lines.append(
            DeliveryLine(
                la_code=outcome.la_code,
                extract_date=outcome.extract_date,
                delivery_version_id=outcome.delivery_version_id,
                status=status,
                reason=reason,
                already_loaded=outcome.already_loaded,
            )
        )
    return lines


def errors_of(steps: RunSteps, words: RunWords, deliveries: list[DeliveryLine]) -> list[str]:
    """Why the run failed, in the order a reader follows the run; empty when it did not."""
    errors = [sentence for step, sentence in words.step_did_not_finish.items() if getattr(steps, step) is None]
    mart = steps.mart_verdict
    if mart and mart.outcome is MartOutcome.BLOCKED_EVERYWHERE:
        errors.append(f"a blocking {words.checks} check failed or errored: nothing was published")
    elif mart and mart.outcome is MartOutcome.SOME_KEPT:
        errors.append(f"blocking {words.checks} checks kept the {words.rows_kept} of " + ", ".join(mart.kept_la_codes))
    quarantined = [d for d in deliveries if d.status == VersionStatus.QUARANTINED]
    rejected = [v for v in (steps.delivery_verdict.versions if steps.delivery_verdict else ()) if v.rejected]
    if quarantined:
        errors.append(f"{len(quarantined)} delivery version(s) quarantined at the door")
    if rejected:
        errors.append(f"{len(rejected)} delivery version(s) rejected by the quality gate")
    held_back_checks = steps.return_verdict.held_back if steps.return_verdict else []
    held_back = {check.delivery_version_id for check in held_back_checks}
    if held_back:
        errors.append(f"{len(held_back)} delivery version(s) held back by blocking DfE return rules")
    unchecked = steps.return_verdict.unchecked if steps.return_verdict else []
    if unchecked:
        versions = ", ".join(str(version) for version in unchecked)
        errors.append(
            f"the DfE return rules did not finish on delivery version(s) {versions} (see the check_return_rules"
            " task's log)"
        )
    return errors


def summarise(
    run_id: str,
    steps: RunSteps,
    words: RunWords,
    *,
    as_at: str | None,
    figures: list[HeadlineFigure] | None = None,
) -> RunSummary:
    """The run's summary from what its steps handed on."""
    deliveries = deliveries_after_gate(steps.outcomes or (), steps.delivery_verdict, steps.return_verdict)
    held_back = steps.return_verdict.held_back_la_codes if steps.return_verdict else set()
    results = (steps.delivery_verdict.results if steps.delivery_verdict else ()) + (
        steps.mart_verdict.results if steps.mart_verdict else ()
    )
    docs_from = steps.mart_verdict or steps.delivery_verdict
    return RunSummary(
        run_id=run_id,
        as_at=as_at,
        errors=tuple(errors_of(steps, words, deliveries)),
        deliveries=tuple(deliveries),
        checks=len(results),
        failed_checks=tuple(r for r in results if not r.success),
        kept_la_codes=tuple(sorted({*authorities_to_keep(steps.delivery_verdict, steps.mart_verdict), *held_back})),
        published=tuple(steps.published or ()) + tuple(steps.readiness_published or ()),
        figures=tuple(figures or ()),
        data_docs=docs_from.data_docs if docs_from else None,
        reports=steps.reports or (),
    )


def record(summary: RunSummary, dag_id: str, as_at: str) -> None:
    """The run's row in dq.runs, written once however often the summarise task is retried."""
    xcom = summary.to_xcom()
    with warehouse.connect() as conn:
        conn.execute(
            "insert into dq.runs (run_id, dag_id, as_at, finished_at, state, summary)"
            " values (%s, %s, %s, now(), %s, %s) on conflict (run_id) do update set finished_at = now(),"
            " state = excluded.state, summary = excluded.summary",
            [summary.run_id, dag_id, as_at, summary.state.value, json.dumps(xcom, default=str)],
        )
    shown = {key: value for key, value in xcom.items() if key != "failed_checks"}
    log.info("%s run summary: %s", dag_id, json.dumps(shown, default=str, indent=2))


def finish(summary: RunSummary | None, *, more_problems: list[str] | None = None) -> RunSummary:
    """The last task's verdict: raises RunFailed with every problem, else returns the summary."""
    if summary is None:
        raise RunFailed("the run summary was not written; see the summarise task's log")
    problems = list(summary.errors) + list(more_problems or [])
    if problems:
        raise RunFailed("; ".join(problems))
    return summary
