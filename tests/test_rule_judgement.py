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
    with pytest.raises(AssertionError) as raised:
        PlanComparison().stored_plan_steps(steps)
    assert str(raised.value) == message
    plan = '{"steps": [{"step_id": 1, "skill": "http_call", "params": {}}]}'
    assert PlanComparison().stored_plan_steps(plan) == [{"step_id": 1, "skill": "http_call", "params": {}}]


def test_without_a_stored_plan_the_rows_compared_with_it_say_so_instead_of_being_blamed():
    run = context(run={"plan_json": '[{"step_id": 1, "skill": "http_call", "params": {}}]', "duration_ms": 40.0})
    step = {"step_index": 0, "skill_name": "http_call", "params": {}}
    for column in ("step_index", "skill_name", "params"):
        result = judged("aos_trace_steps", step, run, column)
        assert result.status == "FAIL" and "no plan to compare with: runs.plan_json holds no plan object" in result.message
    planned = context(run={"plan_json": '{"steps": [{"step_id": 1, "skill": "http_call", "params": {}}]}'})
    assert judged("aos_trace_steps", step, planned, "skill_name").status == "PASS"


# The checks the plan's own tests make through the rules table (issue 30: one judge per fact), each shown both ways.
def cli(**changes) -> dict:
    lines = {"run_created": RUN_ID, "run_id": RUN_ID, "statuses": ["succeeded", "succeeded"], "errors": [],
             "exit_code": 0}
    return {**lines, **changes}


@pytest.mark.parametrize(("column", "changes", "says"), [
    ("run_created", {"run_created": "r-2"}, f"expected '{RUN_ID}', observed 'r-2'"),
    ("statuses", {"statuses": ["succeeded", "completed"]}, "expected ['succeeded', 'succeeded'], observed ['succeeded', 'completed']"),
    ("exit_code", {"exit_code": 1}, "expected 0, observed 1"),
    ("errors", {"errors": ["Agent not found"]}, "expected none, observed ['Agent not found']"),
])
def test_the_clis_claims_are_judged_against_the_row(column, changes, says):
    run = context(run={"id": RUN_ID, "status": "succeeded"})
    assert evaluate("cli", [cli()], run, only=[column])[0].status == "PASS"
    result = evaluate("cli", [cli(**changes)], run, only=[column])
    assert [(r.name, r.status) for r in result] == [(f"cli.{column}", "FAIL")] and result[0].message.endswith(says)


def test_a_run_that_did_not_succeed_in_the_database_fails_whatever_the_cli_says():
    row = {"id": RUN_ID, "status": "retry", "error_message": "step_failed"}
    results = {r.name: r for r in evaluate("runs", [row], context(run=row), only=["status", "error_message"])}
    assert results["runs.status"].message == "runs.status: expected 'succeeded', observed 'retry'"
    assert results["runs.error_message"].message == "runs.error_message: expected NULL, observed 'step_failed'"


def test_a_run_created_outside_the_clis_run_fails_on_created_at():
    row = {"id": RUN_ID, "created_at": T0 - timedelta(seconds=5)}
    (result,) = evaluate("runs", [row], context(run=row), only=["created_at"])
    assert result.status == "FAIL" and "between the readings around the CLI" in result.message


def test_the_coordinator_reading_a_neighbours_trace_fails():
    run = context()
    result = judged("coordinator.trace", {"run_id": "r-0", "trace_id": "r-0"}, run, "run_id")
    assert result.status == "FAIL" and result.message.endswith(f"expected the run id ({RUN_ID!r}), observed 'r-0'")


def test_a_chain_of_no_step_is_no_verified_chain():
    run = context(steps=[])
    (result,) = evaluate("coordinator", [{"chain_length": 0}], run, only=["chain_length"])
    assert result.status == "FAIL" and result.message.endswith("expected the step rows (0), at least 1, observed 0")


def test_a_failed_step_in_a_succeeded_run_breaks_the_step_status_rule():
    run = context(run={"id": RUN_ID, "status": "succeeded"})
    step = {**run.steps[0], "status": "failed", "outcome_data": '{"status": "error", "error": "offline"}'}
    result = judged("aos_trace_steps", step, run, "status")
    assert result.status == "FAIL" and result.message.endswith(
        "expected 'succeeded': the run succeeded and its http_call was answered (its outcome_data.error 'offline'), "
        "observed 'failed'")


def test_where_the_suite_makes_the_call_fail_the_step_must_have_failed_in_a_run_that_still_succeeded():
    run = context(run={"id": RUN_ID, "status": "succeeded"}, http_call_answered=False)
    failed = {**run.steps[0], "status": "failed", "outcome_data": '{"status": "error", "error": "refused"}'}
    assert judged("aos_trace_steps", failed, run, "status").status == "PASS"
    answered = {**run.steps[0], "status": "succeeded", "outcome_data": '{"status": "ok", "code": 200, "body": "z"}'}
    result = judged("aos_trace_steps", answered, run, "status")
    assert result.status == "FAIL" and "expected 'failed': its http_call could not be answered" in result.message
    assert judged("aos_trace_steps", {**failed, "level": "INFO"}, run, "level").status == "PASS"
    assert judged("aos_trace_steps", {**failed, "level": "ERROR"}, run, "level").status == "FAIL"


def test_a_failed_calls_outcome_needs_no_code_or_body_but_a_succeeded_ones_does():
    run = context()
    error = {"status": "error", "error": "refused", "_step_status": "failed"}
    assert {r.name: r.status for r in evaluate("aos_trace_steps.outcome_data", [error], run, list(error))} == {
        "aos_trace_steps.outcome_data.status": "PASS", "aos_trace_steps.outcome_data.code": "PASS",
        "aos_trace_steps.outcome_data.body": "PASS", "aos_trace_steps.outcome_data.error": "PASS"}
    bare = {"status": "ok", "_step_status": "succeeded"}
    judged_bare = {r.name: r for r in evaluate("aos_trace_steps.outcome_data", [bare], run)}
    for field in ("code", "body"):
        result = judged_bare[f"aos_trace_steps.outcome_data.{field}"]
        assert result.status == "FAIL" and result.message.endswith("expected the field, observed it missing")


def test_a_plan_test_asking_for_a_rule_the_table_lacks_is_the_suites_own_error():
    with pytest.raises(ValueError, match="no rule for runs.tenant in the rules table"):
        evaluate("runs", [{}], context(), only=["tenant"])


def test_suite_07_leaves_a_rule_to_the_plan_test_that_judges_it():
    row = {"id": RUN_ID, "tenant_id": "t"}
    names = {r.name for r in evaluate("runs", [row], context(run=row), test="The Run Row Holds Every Rule")}
    assert "runs.tenant_id" not in names and "runs.attempts" in names


def test_no_fact_is_judged_in_two_places():
    """Issue 30: the rules table is the one judge of a column, a coordinator field and a CLI line. A rule a plan test
    judges (`proved_by`) is named in exactly one `The Rules Should Hold For` call, inside a keyword that test runs,
    and suite 07 leaves it to that test; no keyword library but the rules' compares those facts."""
    import re
    from pathlib import Path

    from robot.api import TestSuiteBuilder as SuiteBuilder

    from runproof.rules.table import TABLES, proving_test

    root = Path(__file__).resolve().parents[1]
    resources = {path.name: path.read_text() for path in (root / "resources").glob("*.resource")}
    calls = []  # (keyword, table, names)
    for text in resources.values():
        for block in re.split(r"\n(?=\S)", text.split("*** Keywords ***", 1)[-1]):
            keyword = block.splitlines()[0] if block.strip() else ""
            for match in re.finditer(r"^ {4}(?:\$\{\w+\}=\s+)?The Rules Should Hold For\s{2,}(\S+)((?:\s{2,}(?!\w+=)\w+)+)",
                                     block, re.M):
                calls.append((keyword, match.group(1), match.group(2).split()))
    judged: dict[str, list[str]] = {}
    for keyword, table, names in calls:
        for name in names:
            judged.setdefault(f"{table}.{name}", []).append(keyword)
    proved = {f"{table}.{column}": proving_test(table, column) for table in TABLES for column in TABLES[table].model_fields
              if proving_test(table, column)}
    assert calls and proved, "nothing was read: the walk would pass on nothing"
    assert {name: len(keywords) for name, keywords in judged.items() if len(keywords) != 1} == {}
    assert set(judged) == set(proved), "a plan test judges a rule not marked proved_by it, or the reverse"
    suite = SuiteBuilder().build(str(root / "suites"))
    bodies = {test.name: " ".join(str(item) for item in test.body) for test in suite.all_tests}
    for name, test in proved.items():
        assert test in bodies, f"{name} is proved by '{test}', which is no test of the suite"
    library_sources = {path.stem: path.read_text() for path in (root / "libraries/runproof/keywords").glob("*.py")}
    for module in ("run_relations", "plan_comparison", "cli_output", "run_watcher"):
        for column in ("integrity_model", "chain_length", "step_count", "error_message",
                       "origin_system_id", "source", "completed_at"):
            assert not re.search(rf"""\[["']{column}["']\]\s*!=|get\(["']{column}["']\)\s*!=""", library_sources[module]), (
                f"{module} compares {column}: that is the rules table's to judge")


def test_every_effect_is_counted_and_attributed_by_key():
    """Issue 31: an added row under another key, a changed row and a removed row are each named; the runs' own rows,
    found by the keys contract §4 writes them under, are accounted for."""
    import json

    from runproof.rules.effects import account_for_effects

    def snapshot(**tables):
        return {"rows": {t: [json.dumps(r) for r in rows] for t, rows in tables.items()},
                "keys": {"runs": ["id"], "aos_traces": ["trace_id"], "agents": ["id"], "memories": []}}

    other_agent = {"id": "b", "name": "theirs", "tenant_id": None}
    before = snapshot(runs=[], aos_traces=[], agents=[{"id": "a", "name": "ours"}, other_agent], memories=[])
    good = snapshot(runs=[{"id": "r1"}], aos_traces=[{"trace_id": "trace_r1", "run_id": "r1"}],
                    agents=[{"id": "a", "name": "touched"}, other_agent], memories=[{"run_id": "r1", "text": "m"}])
    lines, wrong, effects = account_for_effects(before, good, {"the proof run": "r1"}, "a")
    assert wrong == [] and "memories: 1 row(s) of the proof run" in lines
    assert {(e["table"], e["change"], e["owner"], e["status"]) for e in effects} == {
        ("runs", "added", "the proof run", "PASS"), ("aos_traces", "added", "the proof run", "PASS"),
        ("memories", "added", "the proof run", "PASS")}
    bad = snapshot(runs=[{"id": "r1"}], aos_traces=[{"trace_id": "trace_r1", "run_id": "r1"},
                                                    {"trace_id": "trace_r1-preflight", "run_id": "r1-preflight"}],
                   agents=[{"id": "a", "name": "ours"}, {**other_agent, "tenant_id": "T"}], memories=[])
    _, wrong, effects = account_for_effects(before, bad, {"the proof run": "r1"}, "a")
    assert [(e["table"], e["change"]) for e in effects if e["status"] == "FAIL"] == [("agents", "changed"),
                                                                                     ("aos_traces", "added")]
    assert wrong == ['agents row ["b"] was changed (tenant_id): a run changes no row it did not add',
                     'aos_traces row ["trace_r1-preflight"] was added by no run of the suite\'s']
    _, wrong, _ = account_for_effects(good, before, {"the proof run": "r1"}, "a")
    assert any(line.startswith("runs row") and line.endswith("was removed") for line in wrong)


def test_a_tool_calls_result_may_be_under_response_as_the_real_runner_writes_it_but_must_be_somewhere():
    """The real runner keeps a call's result under `response` (seen on the real backend), the reference under
    `result`: the contract names neither, so either holds the step's outcome_data; an entry with neither fails."""
    outcome = {"status": "ok", "code": 200, "body": "z"}
    step = {**context().steps[0], "outcome_data": outcome}
    run = context(run={"id": RUN_ID, "status": "succeeded", "plan_json": '{"steps": [{"step_id": 1}]}'}, steps=[step])
    base = {"step_id": 1, "skill": "http_call", "status": "succeeded"}
    for entry in ({**base, "result": outcome}, {**base, "response": outcome}):
        statuses = {r.name: r.status for r in evaluate("runs.tool_calls_json", [entry], run, list(entry))}
        assert statuses["runs.tool_calls_json.result"] == statuses["runs.tool_calls_json.response"] == "PASS", statuses
    wrong = next(r for r in evaluate("runs.tool_calls_json", [{**base, "response": {"status": "error"}}], run)
                 if r.name == "runs.tool_calls_json.response")
    assert wrong.status == "FAIL" and "expected the step row's outcome_data" in wrong.message
    neither = next(r for r in evaluate("runs.tool_calls_json", [base], run) if r.name == "runs.tool_calls_json.result")
    assert neither.status == "FAIL" and neither.message.endswith("expected the field, observed it missing")
