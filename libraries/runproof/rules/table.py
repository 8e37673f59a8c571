"""The rule of every fact a run leaves, in one table: one pydantic model per row type, one field per column.

Each field is a column of `runs`, `aos_traces` or `aos_trace_steps`, a field of the coordinator's answer, or a line
the customer CLI prints, and declares what every correct run has there — derived from the plan and the backend
contract (§1–§8): equal to an input, equal to another fact, inside a window, consistent with another column, of a
given shape — or `not checked: <reason>` where the contract fixes nothing. The checks are driven by these models
(pydantic validates a row with the run's inputs and its other rows as validation context); docs/rules.md and
`evidence.json` → `rules` are rendered from them; a column the target's schema has and no model names is reported
as NOT CHECKED, "no rule".

What pydantic could not express by itself: a rule that compares two rows (the trace against the run, a step against
the plan) reads the other row from the validation context rather than from another field, and a list of step rows
is judged per column (one rule, every row), which `evaluate` folds from pydantic's per-item errors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo

from runproof.rules.hash_chain import coerce_status, root_hash

# Times written by the backend's Python (runs.started_at, aos_traces.started_at) and by the database's now() read the
# same system clock when both run on one host (contract §1, §4): by default no skew is allowed, so that a time taken
# at the wrong moment shows even by a few milliseconds. A database on another host may be given its skew (CLOCK_SKEW).
DEFAULT_SKEW = timedelta(0)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
STEP_STATUSES = {"succeeded", "failed", "skipped", "failure"}  # StepStatus values, and `failure` on abort (§4)
LEVELS = {"failure": "ERROR", "error": "ERROR", "retry": "WARN", "retrying": "WARN"}  # else INFO (§4 record_step)


class Broken(ValueError):
    """A rule that does not hold; its message says what was expected and what was observed."""


@dataclass
class RunContext:
    """The run's inputs and its rows: what the rules compare a value with."""

    run_id: str
    agent_id: str
    goal: str
    tenant_id: str
    origin_system_id: str
    clock_before: datetime
    clock_after: datetime
    run: dict = field(default_factory=dict)
    trace: dict | None = None
    steps: list[dict] = field(default_factory=list)
    proof: dict | None = None
    answered_at: datetime | None = None
    clock_skew: timedelta = DEFAULT_SKEW
    # The agents row as `cus_cli create-agent` stored it, before any run (when the suite made the agent).
    agent_row: dict = field(default_factory=dict)
    # The URL the suite's own http_call answer gave this run (REFERENCE_HTTP_CALL_URL), or "" (contract §3's URL).
    http_call_url: str = ""
    # False for the run whose http_call the suite makes fail (the concurrent neighbour): contract §3/§11 then fix a
    # succeeded run with a failed step, where every other run of the suite has its call answered and must succeed.
    http_call_answered: bool = True

    @property
    def plan(self) -> dict:
        return parse_json(self.run.get("plan_json")) or {}

    @property
    def plan_steps(self) -> list:
        steps = self.plan.get("steps") if isinstance(self.plan, dict) else None
        return steps if isinstance(steps, list) else []

    def plan_step(self, index: Any) -> dict:
        steps = self.plan_steps
        return steps[index] if isinstance(index, int) and 0 <= index < len(steps) else {}


def parse_json(value: Any) -> Any:
    """A JSON column's value: jsonb arrives parsed, text columns as a string."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, datetime) else value.isoformat()
    return text if len(text) <= 120 else text[:117] + "..."


def expect(condition: bool, expected: str, value: Any) -> None:
    if not condition:
        raise Broken(f"expected {expected}, observed {shown(value)}")


def as_time(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise Broken(f"expected a timestamp, observed {shown(value)}")
    return value


def within(run: RunContext, value: Any, earliest: Any, latest: Any, what: str) -> None:
    """`value` is a time between `earliest` and `latest` (either may be None: unbounded), give or take the skew."""
    moment = as_time(value)
    if moment.tzinfo is None:  # compared with an aware time it would raise TypeError, not state the rule
        raise Broken(f"expected {what}, with its time zone; observed {moment.isoformat()}, a naive timestamp")
    low = as_time(earliest) - run.clock_skew if earliest is not None else None
    high = as_time(latest) + run.clock_skew if latest is not None else None
    if (low and moment < low) or (high and moment > high):
        bounds = f"{low.isoformat() if low else '…'} … {high.isoformat() if high else '…'}"
        raise Broken(f"expected {what} ({bounds}), observed {moment.isoformat()}")


def latest(*times: Any) -> Any:
    """The latest of the times given (None where none is)."""
    known = [time for time in times if time is not None]
    return max(known, key=as_time) if known else None


def last_step_time(run: RunContext) -> Any:
    return latest(*(step.get("timestamp") for step in run.steps))


def same_time(value: Any, other: Any, what: str) -> None:
    """`value` is the stored timestamp `other`, read back: the same instant."""
    moment = as_time(value)
    if other is None or moment.tzinfo is None or moment != as_time(other):
        raise Broken(f"expected {what} ({shown(other)}), observed {moment.isoformat()}")


def number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Broken(f"expected a number, observed {shown(value)}")
    return float(value)


Check = Callable[[Any, RunContext, dict], None]
# The plan's tests that judge a rule first (their own criterion), through this table: the rule's one judge.
CLI_TEST = "Customer CLI Creates A Run With Explicit Tenant And Origin"
VERIFIED_TEST = "RunProofCoordinator Returns HASH_CHAIN And VERIFIED"
CHAIN_TEST = "Coordinator Verified A Chain Of At Least One Step"
SAME_STEPS_TEST = "Coordinator Read The Same Steps As Postgres"


def judge(check: Check, value: Any, info: ValidationInfo) -> None:
    """Run one rule; a value of a type or shape the rule cannot even read is a broken rule too, said in one line
    (never a raw Python error)."""
    try:
        check(value, info.context["run"], info.context["row"])
    except Broken:
        raise
    except Exception as error:  # noqa: BLE001 — any other failure to read the value is the value's fault
        raise Broken(f"expected a value this rule can read, observed {shown(value)} ({type(error).__name__}: "
                     f"{error})") from None


def planned(check: Check) -> Check:
    """A rule that compares with the stored plan: without a plan object with steps in runs.plan_json there is nothing to
    compare with, and the message says so instead of blaming a row that may be right."""

    def guarded(value: Any, run: RunContext, row: dict) -> None:
        if not run.plan_steps:
            raise Broken("no plan to compare with: runs.plan_json holds no plan object with steps (see its own rule)")
        check(value, run, row)

    return guarded


def judged_field(text: str, check: Check, **extra: Any) -> Any:
    """A field validated by `check(value, context, row)`, with `text` as its rule and `extra` (`instead`, `optional`,
    `proved_by`) as what `may_be_missing` and `proving_test` read."""

    def validate(value: Any, info: ValidationInfo) -> Any:
        judge(check, value, info)
        return value

    # A column the target's schema lacks is not in the row: no value, no validation (reported as NOT CHECKED).
    return Annotated[Any, AfterValidator(validate), Field(default=None, description=text, json_schema_extra=extra or None)]


def rule(text: str, check: Check, instead: str = "") -> Any:
    """A column whose value must hold `check(value, context, row)`; `text` is the rule as docs/rules.md shows it.
    `instead`: a document field that may stand in for this one (the same value under another name); one of the two
    must be there."""
    return judged_field(text, check, **({"instead": instead} if instead else {}))


def proved_by(test: str, text: str, check: Check) -> Any:
    """A rule that a test of the plan judges, as its own criterion (the plan's test calls this table for it): the
    rule's one judgement. The tests of suite 07 leave it to that test; the evidence lists it with that test."""
    return judged_field(f"{text}; proved first by '{test}'", check, proved_by=test)


def absent_field(text: str) -> Any:
    """A document field that must not be there (or, for `error`, only where the step failed)."""
    def validate(value: Any, info: ValidationInfo) -> Any:
        judge(lambda value, run, row: expect(row.get("_step_status") not in (None, "succeeded"), "no such field",
                                             value), value, info)
        return value

    return Annotated[Any, AfterValidator(validate), Field(default=None, description=text,
                                                          json_schema_extra={"optional": True})]


def unchecked(reason: str) -> Any:
    """A column nothing in the contract fixes: listed, with the reason, never silently unchecked."""
    return Annotated[Any, Field(default=None, description=f"not checked: {reason}", json_schema_extra={"checked": False})]


def equals(expected_of: Callable[[RunContext, dict], Any], what: str) -> Check:
    def check(value: Any, run: RunContext, row: dict) -> None:
        expected = expected_of(run, row)
        expect(value == expected, f"{what} ({shown(expected)})", value)

    return check


def constant(expected: Any, why: str) -> Any:
    return rule(f"is {expected!r} ({why})", lambda value, run, row: expect(value == expected, repr(expected), value))


def absent(why: str) -> Any:
    return rule(f"is NULL ({why})", lambda value, run, row: expect(value is None, "NULL", value))


def not_synthetic() -> Any:
    return rule("is false: a CLI run is no synthetic scenario (contract §4, record_step/start_trace)",
                lambda value, run, row: expect(value is False, "false", value))


def trace_key(text: str) -> Any:
    """`trace_<run id>`: how start_trace keys the run's trace, and how its steps point at it (contract §4)."""
    return rule(text, equals(lambda run, row: f"trace_{run.run_id}", "'trace_<run id>'"))


# A primary key the database generates (gen_random_uuid, contract §5).
GENERATED_UUID = rule("a uuid (gen_random_uuid, contract §5)",
                      lambda value, run, row: expect(bool(UUID.fullmatch(str(value))), "a uuid", value))


# --- runs ----------------------------------------------------------------------------------------------------------
def _plan_json(value: Any, run: RunContext, row: dict) -> None:
    plan = parse_json(value)
    expect(isinstance(plan, dict) and isinstance(plan.get("steps"), list) and plan["steps"]
           and all(isinstance(step, dict) for step in plan["steps"]),
           "a JSON plan object with a non-empty list of step objects (each field: runs.plan_json.*)", value)


def _tool_calls(value: Any, run: RunContext, row: dict) -> None:
    calls = parse_json(value)
    expect(isinstance(calls, list) and len(calls) == len(run.steps) and all(isinstance(c, dict) for c in calls),
           f"a JSON list with one tool call object per step row ({len(run.steps)}; each field: runs.tool_calls_json.*)",
           value)


def _duration(value: Any, run: RunContext, row: dict) -> None:
    duration = number(value)
    if row.get("started_at") is None or row.get("completed_at") is None:
        raise Broken(f"expected started_at and completed_at to bound duration_ms ({shown(value)}), observed "
                     f"started_at {shown(row.get('started_at'))}, completed_at {shown(row.get('completed_at'))}")
    span = (as_time(row["completed_at"]) - as_time(row["started_at"]) + run.clock_skew).total_seconds() * 1000
    steps = sum(number(step.get("duration_ms") or 0) for step in run.steps)
    expect(steps <= duration <= span and duration > 0,
           f"milliseconds, at least its steps' duration_ms ({steps:.1f}) and at most completed_at - started_at "
           f"({span:.0f})", value)


class RunRow(BaseModel):
    """`runs`: the row of the run the CLI created (contract §1 `create_run`/`run_goal`, §4 `_update_run`, §5)."""

    model_config = ConfigDict(extra="allow")

    id: proved_by(CLI_TEST, "the run id the CLI claimed, a uuid4 string (contract §1, §10)",
                  lambda value, run, row: expect(value == run.run_id and bool(UUID4.fullmatch(str(value))),
                                            f"{run.run_id!r}, a uuid4", value))
    agent_id: proved_by(CLI_TEST, "the --agent-id passed (contract §1 create_run)",
                        equals(lambda run, row: run.agent_id, "the agent passed"))
    goal: proved_by(CLI_TEST, "the --goal passed, whole (contract §1 create_run)",
                    equals(lambda run, row: run.goal, "the goal passed"))
    status: proved_by(CLI_TEST, "is 'succeeded' (the CLI exits 0 for failed and retry too, contract §1)",
                      lambda value, run, row: expect(value == "succeeded", "'succeeded'", value))
    attempts: constant(1, "the CLI sets 1 and a success adds none, contract §1 step 4, §4 step 8")
    max_attempts: rule("an integer >= attempts (the ORM default; contract §5)",
                       lambda value, run, row: expect(isinstance(value, int) and value >= (row.get("attempts") or 0),
                                                      "an integer >= attempts", value))
    error_message: proved_by(CLI_TEST, "is NULL (a succeeded run has no error, contract §1)",
                             lambda value, run, row: expect(value is None, "NULL", value))
    plan_json: rule("a JSON plan object with a non-empty list of steps; each field has its rule (runs.plan_json.*, "
                    "contract §3)", _plan_json)
    tool_calls_json: rule("one tool call object per step row; each field has its rule (runs.tool_calls_json.*, "
                          "contract §1, §4)", _tool_calls)
    tenant_id: proved_by(CLI_TEST, "the --tenant-id passed (contract §1)",
                         equals(lambda run, row: run.tenant_id, "the tenant passed"))
    origin_system_id: proved_by(CLI_TEST, "the --origin-system-id passed, or the CLI's default 'cus-cli' where none was "
                                "(contract §1, §5)",
                                equals(lambda run, row: run.origin_system_id, "the origin passed (or the CLI's default)"))
    actor_type: constant("SYSTEM", "the column's default; the CLI sets no actor, contract §5")
    actor_id: absent("a SYSTEM actor has none, chk_runs_actor_id_nonhuman_null, contract §5")
    authorization_decision: rule("NULL or GRANTED: anything else is not executed (contract §4 step 2)",
                                 lambda value, run, row: expect(value in (None, "GRANTED"), "NULL or 'GRANTED'", value))
    created_at: proved_by(CLI_TEST, "inside the CLI's run, between two database clock readings (contract §1 create_run)",
                     lambda value, run, row: within(run, value, run.clock_before, run.clock_after,
                                                    "between the readings around the CLI"))
    started_at: rule("after created_at, before completed_at (contract §1 step 4)",
                     lambda value, run, row: within(run, value, row.get("created_at"), row.get("completed_at"),
                                                    "between created_at and completed_at"))
    completed_at: rule("after started_at and after every step was recorded, before the CLI returned (contract §4 step 7)",
                       lambda value, run, row: within(run, value, latest(row.get("started_at"), last_step_time(run)),
                                                      run.clock_after, "after started_at and the last step, before the CLI's return"))
    next_attempt_at: absent("set only for a retry, contract §4 step 8")
    duration_ms: rule("milliseconds: at least its steps' duration_ms, at most completed_at - started_at (contract §4 step 7)",
                      _duration)
    is_synthetic: rule("false, or no such column (contract §5)",
                       lambda value, run, row: expect(value in (False, None), "false", value))
    synthetic_scenario_id: absent("a CLI run is no synthetic scenario, contract §5")


# --- aos_traces ----------------------------------------------------------------------------------------------------
def _trace_metadata(value: Any, run: RunContext, row: dict) -> None:
    expect(isinstance(parse_json(value), dict), "a JSON object: complete_trace's metadata (each field: "
                                                "aos_traces.metadata.*)", value)


def _trace_completed_at(value: Any, run: RunContext, row: dict) -> None:
    # complete_trace and record_step both stamp with the database's now() (contract §4): no clock skew between them.
    last_step = last_step_time(run)
    if last_step is not None and as_time(value) < as_time(last_step):
        raise Broken(f"expected after the last step's timestamp ({as_time(last_step).isoformat()}; contract §4: both "
                     f"stamped with the database's now()), observed {as_time(value).isoformat()}")
    within(run, value, row.get("started_at"), run.clock_after, "after the trace started, before the CLI's return")


class TraceRow(BaseModel):
    """`aos_traces`: the run's one trace (contract §4 `start_trace`/`complete_trace`, §5)."""

    model_config = ConfigDict(extra="allow")

    id: GENERATED_UUID
    trace_id: trace_key("'trace_' + the run id (contract §4 start_trace)")
    run_id: proved_by("Trace Exists", "the run id (contract §4): the row is found by it",
                      equals(lambda run, row: run.run_id, "the run id"))
    correlation_id: rule("the run id (contract §4: correlation_id=run_id)", equals(lambda run, row: run.run_id, "the run id"))
    tenant_id: rule("the run's tenant, the one passed (contract §4: tenant_id=run.tenant_id)",
                    equals(lambda run, row: run.tenant_id, "the tenant passed"))
    agent_id: rule("the run's agent (contract §4)", equals(lambda run, row: run.run.get("agent_id"), "runs.agent_id"))
    plan_id: unchecked("start_trace's plan_id is not fixed by the contract (§4)")
    seed: unchecked("no rule in the contract for a CLI run's seed (§4)")
    root_hash: constant("pending", "never updated, contract §4")
    plan_hash: unchecked("the contract does not say how plan_hash is written (§4)")
    schema_version: constant("1.0", "contract §4 start_trace")
    plan: rule("the stored plan's steps, as JSON (contract §4: plan=steps)",
               planned(equals(lambda run, row: run.plan_steps, "runs.plan_json's steps")))
    trace: rule("'{\"steps\": []}' (contract §4 start_trace)",
                lambda value, run, row: expect(parse_json(value) == {"steps": []}, "{'steps': []}", value))
    metadata: rule("a JSON object, complete_trace's; each field has its rule (aos_traces.metadata.*, contract §4 step 7)",
                   _trace_metadata)
    status: constant("completed", "a succeeded run's trace is completed, contract §4 step 7")
    started_at: rule("after the run started, before it completed (contract §4 step 4)",
                     lambda value, run, row: within(run, value, run.run.get("started_at"), run.run.get("completed_at"),
                                                    "between runs.started_at and runs.completed_at"))
    completed_at: rule("after the trace started and every step, before the CLI returned (contract §4 step 7)",
                       _trace_completed_at)
    created_at: rule("when the trace started (contract §4: written with started_at)",
                     lambda value, run, row: within(run, value, row.get("started_at"), row.get("started_at"),
                                                    f"aos_traces.started_at ({shown(row.get('started_at'))})"))
    stored_by: unchecked("not written by start_trace (contract §4)")
    is_synthetic: not_synthetic()
    synthetic_scenario_id: absent("a CLI run is no synthetic scenario, contract §4")
    archived_at: absent("a new trace is not archived, contract §5")
    frozen_timestamp: unchecked("the contract names the column, not its value for a CLI run (§5)")
    checksum: unchecked("the contract names the column, not its value (§5)")
    incident_id: unchecked("the contract names the column, not its value (§5)")
    replay_mode: unchecked("migration 132's replay columns are unchecked, contract §5")
    replay_attempt_id: unchecked("migration 132's replay columns are unchecked, contract §5")
    replay_artifact_version: unchecked("migration 132's replay columns are unchecked, contract §5")
    trace_completeness_status: unchecked("the contract names the column, not its value (§5)")


# --- aos_trace_steps -----------------------------------------------------------------------------------------------
def _step_status(value: Any, run: RunContext, row: dict) -> None:
    expect(value in STEP_STATUSES, f"one of {sorted(STEP_STATUSES)}", value)
    data = parse_json(row.get("outcome_data"))
    if isinstance(data, dict) and data.get("status") == "error":
        expect(value in ("failed", "failure"), "failed, as its outcome_data says error (contract §3 http_call)", value)
    if run.run.get("status") == "succeeded" and run.http_call_answered:
        # Offline, the real backend records a failed http_call step inside a succeeded, VERIFIED run (contract §11):
        # where the suite answers the call, that is a step that did not get through.
        error = data.get("error") if isinstance(data, dict) else None
        expect(value == "succeeded", "'succeeded': the run succeeded and its http_call was answered"
               + (f" (its outcome_data.error {error!r})" if error else ""), value)
    elif run.run.get("status") == "succeeded" and row.get("skill_name") == "http_call":
        # A call that cannot be answered: the skill returns status 'error' without raising, the executor records
        # the step failed, and the run still succeeds (contract §3, §11).
        expect(value == "failed", "'failed': its http_call could not be answered, and the run still succeeded "
               "(contract §3, §11)", value)


class StepRow(BaseModel):
    """`aos_trace_steps`: one row per executed step of the stored plan (contract §4 `record_step`, §5, §6)."""

    model_config = ConfigDict(extra="allow")

    id: GENERATED_UUID
    trace_id: trace_key("the run's trace, 'trace_' + the run id (contract §4)")
    step_index: rule("0, 1, … in order, one per planned step (contract §4, §6)",
                     planned(lambda value, run, row: expect(value == row["_position"] and value < len(run.plan_steps),
                                                            f"{row['_position']} (of {len(run.plan_steps)} planned steps)",
                                                            value)))
    skill_id: rule("the skill name (contract §4: skill_id=skill_name)",
                   equals(lambda run, row: row.get("skill_name"), "skill_name"))
    skill_name: rule("the planned step's skill (contract §3, §4)",
                     planned(equals(lambda run, row: run.plan_step(row.get("step_index")).get("skill"), "the planned skill")))
    params: rule("the planned step's params (contract §4 record_step)",
                 planned(equals(lambda run, row: run.plan_step(row.get("step_index")).get("params"), "the planned params")))
    status: rule("a StepStatus value, failed where its outcome says error; in a succeeded run, succeeded where its "
                 "http_call was answered and failed where it could not be (contract §3, §4, §11)", _step_status)
    outcome_category: unchecked("the contract does not fix its values (§4 record_step)")
    # Contract §4 step 6 fixes only an aborting step's outcome_code ('abort'); such a step ends the run retry or failed,
    # and only a succeeded run is judged here, so a rule "'abort' when failure" could never be broken by any backend.
    outcome_code: unchecked("fixed only for an aborting step ('abort', contract §4 step 6), which no succeeded run has; "
                            "otherwise not fixed by the contract")
    outcome_data: rule("a JSON object: the skill's result; each field has its rule (aos_trace_steps.outcome_data.*, "
                       "contract §4 record_step)",
                       lambda value, run, row: expect(isinstance(parse_json(value), dict), "a JSON object", value))
    cost_cents: rule(">= 0", lambda value, run, row: expect(number(value) >= 0, ">= 0", value))
    # The runner times the run around its steps on one monotonic clock (contract §4 steps 6-7), so no step can last
    # longer than its run; a slack here would hide a run duration written in the wrong unit (seconds).
    duration_ms: rule(">= 0, no longer than the run that encloses it (contract §4)",
                      lambda value, run, row: expect(0 <= number(value) <= number(run.run.get("duration_ms") or 0),
                                                     f"0 <= duration_ms <= runs.duration_ms ({run.run.get('duration_ms')}), "
                                                     "the run's timer encloses its steps", value))
    retry_count: rule("an integer >= 0 (contract §4)",
                      lambda value, run, row: expect(isinstance(value, int) and value >= 0, "an integer >= 0", value))
    replay_behavior: constant("execute", "contract §4 record_step")
    timestamp: rule("while the trace was open: after it started, before it completed (contract §4)",
                    lambda value, run, row: within(run, value, (run.trace or {}).get("started_at"),
                                                   (run.trace or {}).get("completed_at"), "inside the trace's time"))
    source: constant("engine", "written by the runner, not the CLI's cli_backfill, contract §1, §4")
    level: rule("ERROR for failure/error, WARN for retry, INFO otherwise (contract §4 record_step)",
                lambda value, run, row: expect(value == LEVELS.get(row.get("status"), "INFO"),
                                               repr(LEVELS.get(row.get("status"), "INFO")), value))
    is_synthetic: not_synthetic()
    synthetic_scenario_id: absent("a CLI run is no synthetic scenario, contract §4")
    archived_at: absent("a new step is not archived, contract §5")
    input_hash: unchecked("the contract names the column, not its value (§5)")
    output_hash: unchecked("the contract names the column, not its value (§5)")
    rng_state_before: unchecked("the contract names the column, not its value (§5)")
    idempotency_key: unchecked("the contract names the column, not its value (§5)")


# --- the coordinator's answer (the probe's summary of RunProofResult) ---------------------------------------------
def _root_hash(value: Any, run: RunContext, row: dict) -> None:
    rows = [(s["step_index"], s["skill_name"], s["status"]) for s in run.steps]
    expected = root_hash(run.run_id, rows)
    expect(value == expected, f"the chain recomputed from the step rows ({expected})", value)


def _chain_length(value: Any, run: RunContext, row: dict) -> None:
    expect(value == len(run.steps) and value >= 1, f"the step rows ({len(run.steps)}), at least 1", value)


class CoordinatorAnswer(BaseModel):
    """`RunProofResult` for the run's tenant (contract §6), as the probe summarises it."""

    model_config = ConfigDict(extra="allow")

    run_id: rule("the run id asked for (contract §6)", equals(lambda run, row: run.run_id, "the run id"))
    integrity_model: proved_by(VERIFIED_TEST, "is 'HASH_CHAIN' (INTEGRITY_CONFIG, contract §6)",
                               lambda value, run, row: expect(value == "HASH_CHAIN", "'HASH_CHAIN'", value))
    verification_status: proved_by(VERIFIED_TEST, "is 'VERIFIED' (a chain of at least one step, contract §6)",
                                   lambda value, run, row: expect(value == "VERIFIED", "'VERIFIED'", value))
    failure_reason: proved_by(VERIFIED_TEST, "is NULL (a VERIFIED answer has none, contract §6)",
                              lambda value, run, row: expect(value is None, "NULL", value))
    root_hash: rule("sha256 of the run id, then index:skill:status per step row with the store's coercion "
                    "(contract §6)", _root_hash)
    chain_length: proved_by(CHAIN_TEST, "the number of step rows, at least 1 (contract §6)", _chain_length)
    trace_count: proved_by(CHAIN_TEST, "1: the run's one trace (contract §6)",
                           lambda value, run, row: expect(value == 1, "1", value))
    step_count: proved_by(SAME_STEPS_TEST, "the number of step rows: the coordinator read Postgres, no SQLite "
                                           "fallback (contract §6)",
                          equals(lambda run, row: len(run.steps), "the step rows"))
    raw_logs: absent("without include_payloads, contract §6")
    verified_at: rule("after the CLI returned, before the probe answered (contract §6: now)",
                      lambda value, run, row: within(run, value, run.clock_after, run.answered_at,
                                                     "between the CLI's return and the probe's answer"))
    traces: unchecked("each summary has rules of its own (coordinator trace)")
    steps: unchecked("each step summary has rules of its own (coordinator step)")


class CoordinatorTrace(BaseModel):
    """A `TraceSummary` of the answer (contract §6: trace_id holds the run id)."""

    model_config = ConfigDict(extra="allow")

    trace_id: rule("the run id, not 'trace_…' (contract §6: TraceSummary(trace_id=trace.run_id))",
                   equals(lambda run, row: run.run_id, "the run id"))
    run_id: rule("the run id (contract §6)", equals(lambda run, row: run.run_id, "the run id"))
    status: rule("aos_traces.status (contract §6)", equals(lambda run, row: (run.trace or {}).get("status"), "aos_traces.status"))
    step_count: rule("the number of step rows (contract §6)", equals(lambda run, row: len(run.steps), "the step rows"))
    # The store reads the row's own value back (contract §6): equal to the microsecond, no clock skew to allow for.
    started_at: rule("aos_traces.started_at, read back (contract §6)",
                     lambda value, run, row: same_time(value, (run.trace or {}).get("started_at"), "aos_traces.started_at"))
    completed_at: rule("aos_traces.completed_at, read back (contract §6)",
                       lambda value, run, row: same_time(value, (run.trace or {}).get("completed_at"),
                                                         "aos_traces.completed_at"))


def _step_row(run: RunContext, row: dict) -> dict:
    return next((s for s in run.steps if s.get("step_index") == row.get("step_index")), {})


class CoordinatorStep(BaseModel):
    """A `TraceStepSummary` of the answer: the step row as the store reads it back (contract §6)."""

    model_config = ConfigDict(extra="allow")

    step_index: rule("a step row's index, in order (contract §6)",
                     lambda value, run, row: expect(value == row["_position"] and bool(_step_row(run, row)),
                                                    f"step row {row['_position']}", value))
    skill_name: rule("the step row's skill_name", equals(lambda run, row: _step_row(run, row).get("skill_name"), "the row's"))
    status: rule("the step row's status with the store's coercion (contract §6)",
                 equals(lambda run, row: coerce_status(_step_row(run, row).get("status", "")), "the coerced row status"))
    duration_ms: rule("the step row's duration_ms", equals(lambda run, row: _step_row(run, row).get("duration_ms"), "the row's"))
    cost_cents: rule("the step row's cost_cents", equals(lambda run, row: _step_row(run, row).get("cost_cents"), "the row's"))


# --- what the CLI printed (contract §1 stdout) --------------------------------------------------------------------
def _cli_line(label: str, expected_of: Callable[[RunContext], Any], what: str) -> Any:
    def check(value: Any, run: RunContext, row: dict) -> None:
        expected = expected_of(run)
        expect(value == expected, f"'{label}{expected}' ({what})", None if value is None else f"{label}{value}")

    return rule(f"`{label}…` is {what} (contract §1)", check)


def _duration_line(value: Any, run: RunContext, row: dict) -> None:
    duration = run.run.get("duration_ms")
    expected = f"{duration:.0f}ms" if duration else None
    expect(value == expected, f"'Duration: {expected}' (runs.duration_ms)", value)


class CliLines(BaseModel):
    """The `run --verbose` stdout, line by line (contract §1), each compared with the runs row."""

    model_config = ConfigDict(extra="allow")

    creating: _cli_line("Creating run for agent ", lambda run: f"{run.agent_id}...", "the agent passed")
    goal: _cli_line("Goal: ", lambda run: run.goal, "the goal passed")
    run_created: proved_by(CLI_TEST, "`Run created: …` is the run's id (contract §1)",
                           lambda value, run, row: expect(value in (None, run.run_id), repr(run.run_id), value))
    executing: _cli_line("", lambda run: "Executing...", "printed before execution")
    backfill: rule("no `Trace steps backfilled.` / `Trace backfill failed` line (contract §1: none for an engine-written trace)",
                   lambda value, run, row: expect(value is None, "no backfill line", value))
    statuses: proved_by(CLI_TEST, "every `Status:` line is runs.status, printed twice with --verbose (contract §1)",
                   lambda value, run, row: expect(value == [run.run.get("status")] * 2,
                                                  f"{[run.run.get('status')] * 2}", value))
    errors: proved_by(CLI_TEST, "no `Error:` line: runs.error_message is NULL (contract §1)",
                 lambda value, run, row: expect(value == [], "none", value))
    duration: rule("`Duration: Nms` is runs.duration_ms rounded (contract §1)", _duration_line)
    run_id: proved_by(CLI_TEST, "`Run ID: …` is the run's id (contract §1)",
                      lambda value, run, row: expect(value == run.run_id, repr(run.run_id), value))
    steps_executed: _cli_line("Steps executed: ", lambda run: str(len(parse_json(run.run.get("tool_calls_json")) or [])),
                              "len(tool_calls)")
    exit_code: proved_by(CLI_TEST, "0: the CLI exits 0 for a run it created (contract §1)",
                         lambda value, run, row: expect(value == 0, "0", value))
    other: rule("nothing else on stdout (contract §1 lists every line)",
                lambda value, run, row: expect(value == [], "no other line", value))


LINES = {"creating": "Creating run for agent ", "goal": "Goal: ", "run_created": "Run created: ", "run_id": "Run ID: ",
         "steps_executed": "Steps executed: "}


def cli_lines(stdout: str) -> dict:
    """The run command's stdout, sorted into the lines contract §1 names (None where a line was not printed)."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    found: dict[str, Any] = {name: None for name in LINES}
    found.update(executing=None, backfill=None, statuses=[], errors=[], duration=None, other=[])
    for line in lines:
        name = next((n for n, label in LINES.items() if line.startswith(label)), None)
        if name and found[name] is None:
            found[name] = line[len(LINES[name]):]
        elif line == "Executing...":
            found["executing"] = line
        elif line.startswith(("Trace steps backfilled", "Trace backfill failed")):
            found["backfill"] = line
        elif line.startswith("Status: "):
            found["statuses"].append(line[len("Status: "):])
        elif line.startswith("Error: "):
            found["errors"].append(line[len("Error: "):])
        elif line.startswith("Duration: "):
            found["duration"] = line[len("Duration: "):]
        else:
            found["other"].append(line)
    return found


# --- the agents row the CLI made (contract §1 create-agent, §4 step 3, §5) ------------------------------------------
def unchanged(text: str, check: Check | None = None) -> Any:
    """A column of the agent the suite made: `check` on it, and as create-agent stored it — no run changes an agent
    (the runner only reads its budget, contract §4 step 3)."""

    def validate(value: Any, info: ValidationInfo) -> Any:
        def both(value: Any, run: RunContext, row: dict) -> None:
            if check is not None:
                check(value, run, row)
            before = run.agent_row.get(info.field_name)
            expect(value == before, f"{shown(before)}, as create-agent stored it (no run changes an agent)", value)

        judge(both, value, info)
        return value

    return Annotated[Any, AfterValidator(validate),
                     Field(default=None, description=f"{text}; unchanged since create-agent (contract §4 step 3: the "
                                                     "runner only reads it)")]


class AgentRow(BaseModel):
    """`agents`: the row `cus_cli create-agent --name run-proof-v4` made, without --tenant-id (contract §1)."""

    model_config = ConfigDict(extra="allow")

    id: unchanged("the id create-agent printed, a uuid4 string",
                  lambda value, run, row: expect(value == run.agent_id and bool(UUID4.fullmatch(str(value))),
                                                 f"{run.agent_id!r}, a uuid4", value))
    name: unchanged("the --name passed, 'run-proof-v4'",
                    lambda value, run, row: expect(value == "run-proof-v4", "'run-proof-v4'", value))
    description: unchanged("NULL: create-agent gives none (contract §1)",
                           lambda value, run, row: expect(value is None, "NULL", value))
    status: unchanged("'active' (contract §1: Agent(name, status='active', tenant_id))",
                      lambda value, run, row: expect(value == "active", "'active'", value))
    tenant_id: unchanged("NULL: made without --tenant-id (contract §1)",
                         lambda value, run, row: expect(value is None, "NULL", value))
    budget_cents: unchanged("not fixed by the contract (nullable, §5)")
    spent_cents: unchanged("not fixed by the contract (§5)")
    created_at: unchanged("when create-agent ran")
    updated_at: unchanged("not fixed by the contract (§5)")


# --- the documents inside the columns: every field with its rule (issue 31) ----------------------------------------
STUB_URL = "https://api.github.com/zen"  # contract §3: the stub plan's http_call
STUB_METADATA = {"model": None, "tokens_used": 0, "latency_ms": 0}


def _plan_params(value: Any, run: RunContext, row: dict) -> None:
    urls = [STUB_URL] + ([run.http_call_url] if run.http_call_url else [])
    expect(isinstance(value, dict) and value.get("url") in urls and value == {"url": value["url"], "method": "GET"},
           " or ".join(repr({"url": url, "method": "GET"}) for url in reversed(urls)), value)


class PlanDocument(BaseModel):
    """runs.plan_json: the stub planner's plan for this goal and agent (contract §3)."""

    model_config = ConfigDict(extra="allow")

    plan_id: rule("'stub-' + the agent's first 8 characters (contract §3)",
                  equals(lambda run, row: f"stub-{run.agent_id[:8]}", "the stub plan's id"))
    agent_id: rule("the --agent-id passed (contract §3)", equals(lambda run, row: run.agent_id, "the agent passed"))
    goal: rule("the --goal passed, whole (contract §3)", equals(lambda run, row: run.goal, "the goal passed"))
    planner: constant("stub", "PLANNER_BACKEND's default, contract §3")
    steps: unchecked("each step has rules of its own (runs.plan_json.step)")
    metadata: rule("{'model': None, 'tokens_used': 0, 'latency_ms': 0} (the stub planner's, contract §3)",
                   equals(lambda run, row: STUB_METADATA, "the stub planner's metadata"))


class PlanStep(BaseModel):
    """A step of runs.plan_json: the stub's one step for this goal (contract §3)."""

    model_config = ConfigDict(extra="allow")

    step_id: rule("1, 2, … in order (contract §3)", equals(lambda run, row: row["_position"] + 1, "its position + 1"))
    description: rule("'Execute goal: ' + the goal's first 50 characters (contract §3)",
                      equals(lambda run, row: f"Execute goal: {run.goal[:50]}", "the stub's description of this goal"))
    skill: rule("the step row's skill_name, the first registered skill (contract §3)",
                equals(lambda run, row: next((s.get("skill_name") for s in run.steps
                                              if s.get("step_index") == row["_position"]), "http_call"),
                       "the skill of its step row"))
    params: rule("{'url': …, 'method': 'GET'}: the stub's URL, or the one the suite's http_call answer gave this run "
                 "(the reference honours REFERENCE_HTTP_CALL_URL; contract §3)", _plan_params)
    depends_on: rule("[] (the stub's one step depends on nothing, contract §3)",
                     lambda value, run, row: expect(value == [], "[]", value))


def _call_step(run: RunContext, row: dict) -> dict:
    return next((s for s in run.steps if s.get("step_index") == row["_position"]), {})


_CALL_RESULT = equals(lambda run, row: parse_json(_call_step(run, row).get("outcome_data")), "the step row's outcome_data")


class ToolCall(BaseModel):
    """An entry of runs.tool_calls_json: the call its step made (contract §1, §4)."""

    model_config = ConfigDict(extra="allow")

    step_id: rule("its plan step's step_id (contract §4)",
                  equals(lambda run, row: run.plan_step(row["_position"]).get("step_id"), "the plan step's step_id"))
    skill: rule("its step row's skill_name (contract §4)",
                equals(lambda run, row: _call_step(run, row).get("skill_name"), "the step row's skill_name"))
    status: rule("its step row's status (contract §4)",
                 equals(lambda run, row: _call_step(run, row).get("status"), "the step row's status"))
    # The contract does not name the key of the call's result: the reference writes `result`, the real runner
    # `response` (runner.py, seen on the real backend). Either holds the step row's outcome_data; one must be there.
    result: rule("its step row's outcome_data, under `result` or `response` (contract §4 record_step)",
                 _CALL_RESULT, instead="response")
    response: rule("its step row's outcome_data, under `response` or `result` (contract §4 record_step)",
                   _CALL_RESULT, instead="result")


def _outcome_status(value: Any, run: RunContext, row: dict) -> None:
    expected = {"succeeded": "ok", "failed": "error", "failure": "error"}.get(row.get("_step_status"))
    expect(value == expected, f"{expected!r}, as the step is {row.get('_step_status')!r}", value)


def answer_field(text: str, check: Check) -> Any:
    """A document field of the answer to a call: a succeeded step's result must have it, a failed one need not — a
    call that got no answer has no status code or body (`may_be_missing`)."""
    return judged_field(text, check, optional=UNLESS_SUCCEEDED)


class StepOutcome(BaseModel):
    """aos_trace_steps.outcome_data: http_call's result (contract §3, backend/app/skills/http_call.py)."""

    model_config = ConfigDict(extra="allow")

    status: rule("'ok' for a succeeded step, 'error' for a failed one (contract §3 http_call)", _outcome_status)
    code: answer_field("an HTTP status: 2xx for a succeeded step; a failed call may have none (contract §3 http_call)",
                       lambda value, run, row: expect(isinstance(value, int) and (200 <= value < 300 or
                                                                                  row.get("_step_status") != "succeeded"),
                                                      "an HTTP status, 2xx for a succeeded step", value))
    body: answer_field("the answer's text (contract §3: not fixed, a string); a failed call may have none",
                       lambda value, run, row: expect(isinstance(value, str), "a string", value))
    error: absent_field("absent from a succeeded step's result (contract §3 http_call)")


class TraceMetadata(BaseModel):
    """aos_traces.metadata: complete_trace's {'duration_ms': …} (contract §4 step 7), not the backfill's."""

    model_config = ConfigDict(extra="allow")

    duration_ms: rule("runs.duration_ms, the same number (contract §4 step 7)",
                      equals(lambda run, row: run.run.get("duration_ms"), "runs.duration_ms"))
    source: absent_field("absent: {'source': 'cli_backfill'} is the CLI backfill's (contract §1)")


# The documents of each table's columns: (column, document table, whether the column holds a list of documents).
DOCUMENTS = {
    "runs": [("plan_json", "runs.plan_json", False), ("tool_calls_json", "runs.tool_calls_json", True)],
    "aos_traces": [("metadata", "aos_traces.metadata", False)],
    "aos_trace_steps": [("outcome_data", "aos_trace_steps.outcome_data", False)],
}


def documents_of(table: str, rows: list[dict]) -> dict[str, list[dict]]:
    """The documents inside `table`'s JSON columns, by document table: what each field's rule reads. A column that
    does not parse gives none (its column rule says so); the plan's steps are documents of their own."""
    found: dict[str, list[dict]] = {}
    for column, document, many in DOCUMENTS.get(table, []):
        for row in rows:
            value = parse_json(row.get(column))
            items = value if many and isinstance(value, list) else [value] if not many else []
            items = [dict(item, _step_status=row.get("status")) if table == "aos_trace_steps" else item
                     for item in items if isinstance(item, dict)]
            found.setdefault(document, []).extend(items)
            if document == "runs.plan_json":
                found.setdefault("runs.plan_json.step", []).extend(
                    step for item in items for step in (item.get("steps") or []) if isinstance(step, dict))
    return found


# --- the table and its evaluation ---------------------------------------------------------------------------------
TABLES: dict[str, type[BaseModel]] = {
    "runs": RunRow,
    "aos_traces": TraceRow,
    "aos_trace_steps": StepRow,
    "coordinator": CoordinatorAnswer,
    "coordinator.trace": CoordinatorTrace,
    "coordinator.step": CoordinatorStep,
    "cli": CliLines,
    "agents": AgentRow,
    "runs.plan_json": PlanDocument,
    "runs.plan_json.step": PlanStep,
    "runs.tool_calls_json": ToolCall,
    "aos_traces.metadata": TraceMetadata,
    "aos_trace_steps.outcome_data": StepOutcome,
}
DOCUMENT_TABLES = {"runs.plan_json", "runs.plan_json.step", "runs.tool_calls_json", "aos_traces.metadata",
                   "aos_trace_steps.outcome_data"}
DATABASE_TABLES = ("runs", "aos_traces", "aos_trace_steps")


@dataclass
class RuleResult:
    name: str
    rule: str
    status: str  # PASS, FAIL, NOT CHECKED, NOT REACHED
    observed: Any = None
    message: str = ""
    proved_by: str | None = None

    def as_dict(self) -> dict:
        return {"name": self.name, "rule": self.rule, "status": self.status, "observed": self.observed,
                "message": self.message, "proved_by": self.proved_by}


def declared(table: str) -> dict[str, str]:
    """Every column (or field) of `table` with its rule's text."""
    return {name: info.description or "" for name, info in TABLES[table].model_fields.items()}


def is_checked(table: str, column: str) -> bool:
    extra = TABLES[table].model_fields[column].json_schema_extra or {}
    return extra.get("checked", True)


UNLESS_SUCCEEDED = "unless the step succeeded"


def may_be_missing(table: str, column: str, row: dict) -> bool:
    """A document field this row need not hold: one whose rule is that it is absent or may be, one whose stand-in
    (`rule(..., instead=…)`) the row holds, or an answer's field where the step did not succeed (`answer_field`)."""
    extra = TABLES[table].model_fields[column].json_schema_extra or {}
    if extra.get("instead") and extra["instead"] in row:
        return True
    optional = extra.get("optional", False)
    return row.get("_step_status") != "succeeded" if optional == UNLESS_SUCCEEDED else bool(optional)


def proving_test(table: str, column: str) -> str | None:
    return (TABLES[table].model_fields[column].json_schema_extra or {}).get("proved_by")


def evaluate(table: str, rows: list[dict], run: RunContext, columns: list[str] | None = None,
             only: Collection[str] | None = None, test: str | None = None) -> list[RuleResult]:
    """Every rule of `table` over `rows` (one row, or a list judged per column), and every column of the target's
    schema (`columns`) that has no rule, as NOT CHECKED "no rule".

    `only`: just these columns (a test of the plan judging its criterion). `test`: the test judging; a rule another
    test proves is left to that test (it is its one judgement) and not in the results."""
    model = TABLES[table]
    unknown = sorted(set(only or ()) - set(model.model_fields))
    if unknown:
        raise ValueError(f"no rule for {', '.join(f'{table}.{name}' for name in unknown)} in the rules table")
    failures: dict[str, str] = {}
    for position, row in enumerate(rows):
        data = {**row, "_position": position}
        try:
            model.model_validate(data, context={"run": run, "row": data})
        except ValidationError as error:
            for problem in error.errors(include_url=False):
                column = str(problem["loc"][0]) if problem["loc"] else "(row)"
                message = str(problem.get("ctx", {}).get("error") or problem["msg"]).removeprefix("Value error, ")
                prefix = f"{table}.{column}" + (f" of row {position}" if len(rows) > 1 else "")
                failures.setdefault(column, f"{prefix}: {message}")
        if table in DOCUMENT_TABLES:  # a document's field is there or missing: a missing one breaks its rule
            for column in declared(table):
                if column not in row and is_checked(table, column) and not may_be_missing(table, column, row):
                    prefix = f"{table}.{column}" + (f" of row {position}" if len(rows) > 1 else "")
                    failures.setdefault(column, f"{prefix}: expected the field, observed it missing")
    results = []
    for column, text in declared(table).items():
        if only is not None and column not in only:
            continue
        if only is None and test is not None and proving_test(table, column) not in (None, test):
            continue
        observed = [row.get(column) for row in rows] if len(rows) != 1 else rows[0].get(column)
        present = any(column in row for row in rows)
        if not is_checked(table, column):
            results.append(RuleResult(f"{table}.{column}", text, "NOT CHECKED", observed if present else None))
        elif rows and not present and table in DOCUMENT_TABLES and all(may_be_missing(table, column, row) for row in rows):
            results.append(RuleResult(f"{table}.{column}", text, "PASS", None, ""))
        elif rows and not present and column not in failures:
            results.append(RuleResult(f"{table}.{column}", text, "NOT CHECKED", None,
                                      "the target's schema has no such column"))
        elif column in failures:
            results.append(RuleResult(f"{table}.{column}", text, "FAIL", observed, failures[column],
                                      proving_test(table, column)))
        elif not rows:
            results.append(RuleResult(f"{table}.{column}", text, "NOT REACHED", None, "no row"))
        else:
            results.append(RuleResult(f"{table}.{column}", text, "PASS", observed, "", proving_test(table, column)))
    for column in (columns or []) if only is None else []:
        if column not in model.model_fields and not column.startswith("_"):
            observed = [row.get(column) for row in rows] if len(rows) != 1 else rows[0].get(column)
            results.append(RuleResult(f"{table}.{column}", "no rule", "NOT CHECKED", observed))
    return results


def markdown_table() -> str:
    """The rules as docs/rules.md shows them: one row per column or field."""
    lines = ["| fact | rule |", "|---|---|"]
    for table in TABLES:
        lines += [f"| `{table}.{column}` | {text.replace('|', '/')} |" for column, text in declared(table).items()]
    return "\n".join(lines)


def markdown_page() -> str:
    """docs/rules.md as a whole: a heading, where it comes from, and the table (tests/test_docs.py keeps them equal)."""
    return "\n".join([
        "# The rules table",
        "",
        "Generated from the code: `python -m runproof.rules.table > docs/rules.md` writes this file from",
        "`libraries/runproof/rules/table.py`, and `tests/test_docs.py` fails when the two differ. Edit the rules there,",
        "never here. One row per column of `runs`, `aos_traces` and `aos_trace_steps`, per field of the coordinator's",
        "answer and per line the customer CLI prints. How the suite applies them:",
        "[how-it-judges.md](how-it-judges.md#the-rules-table).",
        "",
        markdown_table(),
        "",
    ])


if __name__ == "__main__":  # docs/rules.md: python -m runproof.rules.table > docs/rules.md
    print(markdown_page(), end="")
