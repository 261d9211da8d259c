"""The typed hand-offs between tasks: what XCom keeps is plain JSON, and reads back as it was."""

import json
from datetime import date
from pathlib import Path

import pytest

from csc_warehouse import audit_returns, run_summary, runs
from csc_warehouse.handoffs import (
    CheckResult,
    DeliveryBatch,
    DeliveryVerdict,
    IngestedDelivery,
    MartOutcome,
    MartVerdict,
    RunPlan,
    RunState,
    RunSummary,
    Scope,
    Severity,
    VersionVerdict,
    concatenated,
    ingested_in_batches,
)
from csc_warehouse.handoffs.returns import ReturnCheck, ReturnReadiness, ReturnVerdict, RuleReadiness
from csc_warehouse.run_summary import RunSteps

FAILED_MART_CHECK = CheckResult(
    suite="lac_weekly",
    scope=Scope.MART,
    table="lac_weekly",
    expectation="counts_are_never_negative",
    severity=Severity.BLOCK,
    rule=None,
    why="a negative count means the build is wrong",
    meaning=None,
    action=None,
    success=False,
    errored=False,
    unexpected_count=2,
    as_at="2014-02-10",
    failing_la_codes=["309"],
)
REJECTED = VersionVerdict(7, "309", "2014-02-10", "rejected", "1 blocking check(s) failed")
QUARANTINED_AT_THE_DOOR = {"la_code": "310", "extract_date": "2014-02-10", "status": "quarantined", "reason": "door"}

HANDOFFS = [
    RunPlan(as_at=date(2014, 2, 10), landing=Path("/landing")),
    DeliveryVerdict(versions=(REJECTED,), results=(FAILED_MART_CHECK,), data_docs="/docs/index.html"),
    MartVerdict(results=(FAILED_MART_CHECK,), blocked_everywhere=False, kept_la_codes=("309",), data_docs=None),
    RunSummary(run_id="manual__1", as_at="2014-02-10", errors=("one",), failed_checks=(FAILED_MART_CHECK,), checks=3),
    RunSummary(
        run_id="manual__2",
        as_at="2014-02-10",
        errors=(),
        return_readiness=(
            ReturnReadiness(
                "309",
                "2014-02-10",
                "SSDA903",
                7,
                "lac2022_23",
                findings=4,
                rules_broken=6,
                published=True,
                rules=(RuleReadiness("388", "m388", 3, 2, 1, 0), RuleReadiness("103", "m103", 1, 1)),
                rules_failed=("999",),
            ),
        ),
    ),
]


@pytest.mark.parametrize("handoff", HANDOFFS, ids=lambda handoff: type(handoff).__name__)
def test_a_handoff_is_plain_json_and_reads_back_as_it_was(handoff):
    xcom = handoff.to_xcom()
    assert json.loads(json.dumps(xcom)) == xcom  # no enum, date or path left in it
    assert type(handoff).from_xcom(xcom) == handoff


def test_enums_go_to_xcom_as_their_plain_values():
    xcom = FAILED_MART_CHECK.to_xcom()
    assert type(xcom["severity"]) is str and xcom["severity"] == "block"
    assert type(xcom["scope"]) is str and xcom["scope"] == "mart"


def test_a_plan_without_a_landing_area_reads_the_configured_one(monkeypatch, tmp_path):
    monkeypatch.setenv("CSC_LANDING_DIR", str(tmp_path))
    assert RunPlan.from_xcom({"as_at": "2014-02-10"}).landing == tmp_path


def test_the_mart_verdict_says_what_it_lets_through():
    verdict = HANDOFFS[2]
    assert verdict.outcome is MartOutcome.SOME_KEPT
    assert MartVerdict((), True, ()).outcome is MartOutcome.BLOCKED_EVERYWHERE
    assert MartVerdict((), False, ()).outcome is MartOutcome.ALL_PASSED


def test_an_errored_warning_check_blocks():
    assert CheckResult.from_xcom({**FAILED_MART_CHECK.to_xcom(), "severity": "warn", "errored": True}).blocks
    assert not CheckResult.from_xcom({**FAILED_MART_CHECK.to_xcom(), "severity": "warn"}).blocks


def test_a_summary_fails_exactly_when_it_has_errors():
    assert RunSummary("r", None, errors=()).state is RunState.SUCCESS
    assert RunSummary("r", None, errors=("x",)).to_xcom()["failed"] is True


def steps(**overrides) -> RunSteps:
    done = dict(
        plan=RunPlan(date(2014, 2, 10), Path("/landing")),
        outcomes=(
            IngestedDelivery.from_xcom({"la_code": "309", "delivery_version_id": 7, "status": "loaded"}),
            IngestedDelivery.from_xcom(QUARANTINED_AT_THE_DOOR),
        ),
        delivery_verdict=DeliveryVerdict(versions=(REJECTED,)),
        mart_verdict=MartVerdict(results=(FAILED_MART_CHECK,), blocked_everywhere=False, kept_la_codes=("309",)),
        published=("lac_weekly",),
    )
    return RunSteps(**{**done, **overrides})


def test_the_summary_tells_each_delivery_as_the_gate_left_it():
    summary = run_summary.summarise("r", steps(), runs.WEEKLY_WORDS, as_at="2014-02-10")
    assert [(d.la_code, d.status, d.reason) for d in summary.deliveries] == [
        ("309", "rejected", "1 blocking check(s) failed"),
        ("310", "quarantined", "door"),
    ]
    assert summary.errors == (
        "blocking mart checks kept the published rows of 309",
        "1 delivery version(s) quarantined at the door",
        "1 delivery version(s) rejected by the quality gate",
    )
    assert summary.kept_la_codes == ("309",) and summary.failed_checks == (FAILED_MART_CHECK,)


@pytest.mark.parametrize(
    ("words", "first_error"),
    [
        (runs.WEEKLY_WORDS, "the run could not be planned (see the plan task's log)"),
        (audit_returns.AUDIT_WORDS, "planning did not finish (see its task log)"),
    ],
)
def test_each_step_that_did_not_finish_is_named_in_the_dags_words(words, first_error):
    nothing = steps(plan=None, outcomes=None, delivery_verdict=None, mart_verdict=None, published=None)
    errors = run_summary.summarise("r", nothing, words, as_at=None).errors
    assert len(errors) == 5 and errors[0] == first_error


def test_a_weekly_run_whose_reports_were_not_drafted_fails():
    """draft_reports failing left the run green under the scheduler (bench-scheduler, 150 authorities)."""
    drafted = run_summary.summarise("r", steps(mart_verdict=None), runs.WEEKLY_WORDS, as_at="2014-02-10")
    not_drafted = run_summary.summarise("r", steps(mart_verdict=None, reports=None), runs.WEEKLY_WORDS, as_at=None)
    sentence = "the committee reports were not drafted (see the draft_reports task's log)"
    assert sentence not in drafted.errors
    assert sentence in not_drafted.errors and not_drafted.failed


def test_a_weekly_run_whose_return_checks_did_not_finish_fails_and_names_them():
    summary = run_summary.summarise(
        "r", steps(mart_verdict=None, return_verdict=ReturnVerdict(unchecked=[7, 8])), runs.WEEKLY_WORDS, as_at=None
    )
    assert (
        "the DfE return rules did not finish on delivery version(s) 7, 8 (see the check_return_rules task's log)"
        in summary.errors
    )


def test_a_weekly_run_whose_return_readiness_was_not_built_or_published_fails():
    summary = run_summary.summarise("r", steps(readiness_published=None), runs.WEEKLY_WORDS, as_at=None)
    assert (
        "return readiness was not built or published (see the build_return_readiness and"
        " publish_return_readiness task logs)" in summary.errors
    )
    not_judged = run_summary.summarise("r", steps(return_verdict=None), runs.WEEKLY_WORDS, as_at=None)
    assert "the DfE return checks were not judged (see the judge_return_rules task's log)" in not_judged.errors


def test_a_version_a_blocking_return_rule_held_back_is_rejected_and_its_authority_kept(monkeypatch):
    monkeypatch.setenv("CSC_BLOCKING_RETURN_RULES", "388")
    held = ReturnCheck(8, "311", "SSDA903", checked=True, rules_flagged=["103", "388"])
    outcomes = (IngestedDelivery.from_xcom({"la_code": "311", "delivery_version_id": 8, "status": "loaded"}),)
    summary = run_summary.summarise(
        "r",
        steps(outcomes=outcomes, delivery_verdict=None, return_verdict=ReturnVerdict(checks=[held], held_back=[held])),
        runs.WEEKLY_WORDS,
        as_at=None,
    )
    [line] = summary.deliveries
    assert (line.status, line.reason) == ("rejected", "DfE return rules 388 (CSC_BLOCKING_RETURN_RULES)")
    assert "1 delivery version(s) held back by blocking DfE return rules" in summary.errors
    assert "311" in summary.kept_la_codes


def test_the_last_task_fails_with_every_problem():
    with pytest.raises(runs.RunFailed, match="one; the summary email was not delivered"):
        runs.finish(RunSummary("r", None, errors=("one",)).to_xcom(), alert_id=None)
    with pytest.raises(runs.RunFailed, match="summary was not written"):
        audit_returns.finish(None)


# -- the weekly ingest, mapped over batches of authorities -------------------------------------------


def test_a_delivery_batch_is_plain_json_named_by_its_authorities():
    batch = DeliveryBatch(folders=("/landing/310/2014-02-10", "/landing/309/2014-02-09", "/landing/309/2014-02-10"))
    xcom = batch.to_xcom()
    assert json.loads(json.dumps(xcom)) == xcom and DeliveryBatch.from_xcom(xcom) == batch
    assert xcom["label"] == "309, 310"
    assert DeliveryBatch().label == "no delivery"


def test_the_run_reads_every_batchs_outcomes_in_batch_order():
    batches = [DeliveryBatch(("/l/309/2014-02-10",)).to_xcom(), DeliveryBatch(("/l/310/2014-02-10",)).to_xcom()]
    first, second = {**QUARANTINED_AT_THE_DOOR, "la_code": "309"}, QUARANTINED_AT_THE_DOOR
    ingested = ingested_in_batches([[first], [second]], batches)
    assert [delivery.la_code for delivery in ingested] == ["309", "310"]
    assert concatenated([[first], [], [second]]) == [first, second]


def test_a_batch_that_did_not_report_means_ingestion_did_not_finish():
    batches = [DeliveryBatch(("/l/309/2014-02-10",)).to_xcom(), DeliveryBatch(("/l/310/2014-02-10",)).to_xcom()]
    assert ingested_in_batches([[QUARANTINED_AT_THE_DOOR]], batches) is None  # one mapped ingest failed
    assert ingested_in_batches(None, batches) is None
    assert ingested_in_batches([[QUARANTINED_AT_THE_DOOR]], None) is None  # find_deliveries failed
