"""Rules of libraries/runproof/rules/table.py judged on hand-made rows: the judgements issue 23's mutants rely on, each shown both ways."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from runproof.keywords.plan_comparison import PlanComparison
from runproof.rules.table import RunContext, evaluate, is_checked

T0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
RUN_ID = "0b5c2a4e-1f3d-4c6b-8a9e-7d2f1e3c5b60"


def context(**changes) -> RunContext:
    run = {"id": RUN_ID, "started_at": T0, "completed_at": T0 + timedelta(milliseconds=60), "duration_ms": 40.0}
    trace = {"trace_id": f"trace_{RUN_ID}", "status": "completed", "started_at": T0 + timedelta(milliseconds=5),
             "completed_at": T0 + timedelta(milliseconds=70)}
    steps = [{"step_index": 0, "skill_name": "http_call", "status": "succeeded", "duration_ms": 4.0, "cost_cents": 0.0,
              "timestamp": T0 + timedelta(milliseconds=50)}]
    values = dict(run_id=RUN_ID, agent_id="a", goal="g", tenant_id="t", origin_system_id="o", clock_before=T0,
                  clock_after=T0 + timedelta(seconds=1), run=run, trace=trace, steps=steps,
                  answered_at=T0 + timedelta(seconds=2))
    values.update(changes)
    return RunContext(**values)


def judged(table: str, row: dict, run: RunContext, column: str):
    return next(r for r in evaluate(table, [row], run) if r.name == f"{table}.{column}")


def test_a_naive_timestamp_fails_in_one_line_naming_it_not_with_a_type_error():
    run = context()
    assert judged("coordinator", {"verified_at": (T0 + timedelta(seconds=1.5)).isoformat()}, run, "verified_at").status == "PASS"
    naive = judged("coordinator", {"verified_at": "2026-01-01T12:00:01.500000"}, run, "verified_at")
    assert naive.status == "FAIL"
    assert naive.message.endswith("observed 2026-01-01T12:00:01.500000, a naive timestamp")


def test_the_coordinator_reads_the_trace_times_back_exactly():
    run = context()
    exact = {"started_at": run.trace["started_at"].isoformat(), "completed_at": run.trace["completed_at"].isoformat()}
    assert judged("coordinator.trace", exact, run, "started_at").status == "PASS"
    # 65 ms off is inside any clock skew, but it is another value than the one stored
    shifted = judged("coordinator.trace", {**exact, "started_at": exact["completed_at"]}, run, "started_at")
    assert shifted.status == "FAIL" and "expected aos_traces.started_at" in shifted.message


def test_a_step_lasts_no_longer_than_its_run():
    run = context()
    assert judged("aos_trace_steps", run.steps[0], run, "duration_ms").status == "PASS"
    seconds = context(run={**run.run, "duration_ms": 0.04})  # the run's duration written in seconds
    assert judged("aos_trace_steps", seconds.steps[0], seconds, "duration_ms").status == "FAIL"


def test_the_trace_completes_after_its_last_step_on_the_same_clock():
    run = context()
    assert judged("aos_traces", run.trace, run, "completed_at").status == "PASS"
    early = {**run.trace, "completed_at": T0 + timedelta(milliseconds=20)}  # before the step, inside a clock skew
    result = judged("aos_traces", early, run, "completed_at")
    assert result.status == "FAIL" and "after the last step's timestamp" in result.message


def test_outcome_code_is_listed_as_not_checked_with_its_reason():
    assert not is_checked("aos_trace_steps", "outcome_code")


def test_a_plan_json_that_is_a_list_fails_in_one_line_not_with_an_attribute_error():
    steps = '[{"step_id": 1, "skill": "http_call", "params": {}}]'
    message = "runs.plan_json is not a JSON plan: it holds a JSON list, not a plan object with steps (contract §3)"
    with pytest.raises(AssertionError, match=r"^runs\.plan_json is not a JSON plan: it holds a JSON list"):
        PlanComparison().stored_plan_steps(steps)
    with pytest.raises(AssertionError) as raised:
        PlanComparison().executed_steps_should_follow_the_stored_plan(steps, [], [])
    assert str(raised.value) == message
    plan = '{"steps": [{"step_id": 1, "skill": "http_call", "params": {}}]}'
    rows = [{"step_index": 0, "skill_name": "http_call"}]
    assert "executed steps ['http_call']" in PlanComparison().executed_steps_should_follow_the_stored_plan(
        plan, [{"skill": "http_call"}], rows)


def test_without_a_stored_plan_the_rows_compared_with_it_say_so_instead_of_being_blamed():
    run = context(run={"plan_json": '[{"step_id": 1, "skill": "http_call", "params": {}}]', "duration_ms": 40.0})
    step = {"step_index": 0, "skill_name": "http_call", "params": {}}
    for column in ("step_index", "skill_name", "params"):
        result = judged("aos_trace_steps", step, run, column)
        assert result.status == "FAIL" and "no plan to compare with: runs.plan_json holds no plan object" in result.message
    planned = context(run={"plan_json": '{"steps": [{"step_id": 1, "skill": "http_call", "params": {}}]}'})
    assert judged("aos_trace_steps", step, planned, "skill_name").status == "PASS"
