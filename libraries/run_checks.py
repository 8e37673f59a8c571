"""The invariants of a correct run, checked on rows read from Postgres — never on what the product printed.

Each keyword takes rows as dictionaries (DatabaseLibrary's `return_dict=True`) and fails in one line that names the
run and the values compared. The invariants come from the backend contract §1–§6 (README: "What the suite does not
take on trust").
"""

from __future__ import annotations

import json
from datetime import datetime

from robot.api import logger
from robot.api.deco import keyword, library

from hash_chain import coerce_status
from masking import one_line


class CheckFailed(AssertionError):
    ROBOT_SUPPRESS_NAME = True


def fail(message: str) -> None:
    raise CheckFailed(one_line(message, 600))


def _skills(steps: list) -> list:
    return [step.get("skill") for step in steps]


@library(scope="GLOBAL", version="2.0", doc_format="TEXT")
class RunChecks:
    """Assertions over the run's rows and the CLI's claims; each returns the values it compared."""

    @keyword("Run Should Be This Invocation's")
    def run_should_be_this_invocations(self, row: dict | None, claims: dict, before: dict, after: datetime,
                                       new_ids: list[str]) -> str:
        """The run the CLI reported exists, is new, and was created while the CLI ran — and the CLI's `Run created:`
        and `Run ID:` claims agree.

        Given the runs row of the claimed id (or None), the CLI's claims, the snapshot taken before the CLI
        started (`clock`, `run_ids`, `tenant_id`), the database clock after it ended, the tenant's runs created since.
        Returns the evidence line.

        Example: `Run Should Be This Invocation's    ${row}    ${claims}    ${before}    ${after}    ${new}`
        """
        claimed = claims.get("run_id")
        if not claimed:
            fail(f"the customer CLI printed no Run ID (exit {claims.get('exit_code')}): {claims.get('error') or 'no error line'}")
        if claims.get("run_created") and claims["run_created"] != claimed:
            fail(f"the customer CLI contradicts itself: 'Run created: {claims['run_created']}' but 'Run ID: {claimed}'")
        if row is None:
            fail(f"the customer CLI reported run {claimed}, but the runs table has no such row")
        if claimed in before["run_ids"]:
            fail(f"the customer CLI reported run {claimed}, which existed before this invocation "
                 f"(created {row.get('created_at')}): this invocation's run is {', '.join(new_ids) or 'not in the database'}")
        created = row.get("created_at")
        if created is None or not before["clock"] <= created <= after:
            fail(f"run {claimed} was created at {created}, outside the CLI's run ({before['clock']} … {after})")
        return f"run {claimed} is new, created {created} between {before['clock']} and {after}"

    @keyword
    def no_other_run_of_the_tenant_should_be_new(self, row: dict, new_ids: list[str], tenant: str) -> str:
        """While the CLI ran, the tenant gained no run other than this one (no second run, no stray draft).

        Example: `No Other Run Of The Tenant Should Be New    ${row}    ${new}    ${TENANT_ID}`
        """
        others = [run_id for run_id in new_ids if run_id != row["id"]]
        if others:
            fail(f"this invocation created {len(others) + 1} runs of tenant {tenant}: {row['id']} and "
                 f"{', '.join(others)}")
        return f"no other new run of tenant {tenant}"

    @keyword
    def run_should_carry_the_goal_and_agent_passed(self, row: dict, agent: str, goal: str) -> str:
        """runs.agent_id and runs.goal equal the values passed on the command line (the tenant and origin are the
        plan's §3 query's to check).

        Example: `Run Should Carry The Goal And Agent Passed    ${row}    ${agent}    ${GOAL}`
        """
        for column, passed in (("goal", goal), ("agent_id", agent)):
            if row.get(column) != passed:
                fail(f"runs.{column} of run {row['id']} is {row.get(column)!r}, the command passed {passed!r}")
        return f"goal={goal!r}, agent_id={agent}"

    @keyword
    def run_should_carry_the_tenant_and_origin_passed(self, row: dict, tenant: str, origin: str) -> str:
        """runs.tenant_id and runs.origin_system_id are the values passed with --tenant-id and --origin-system-id
        (plan §2's criterion 1, on the row the CLI created — the row's value is the fact, contract §1).

        Given the runs row, the tenant and origin passed. Returns the evidence line.

        Example: `Run Should Carry The Tenant And Origin Passed    ${row}    ${TENANT_ID}    ${ORIGIN_SYSTEM_ID}`
        """
        for column, passed in (("tenant_id", tenant), ("origin_system_id", origin)):
            if row.get(column) != passed:
                fail(f"runs.{column} is {row.get(column)!r} (passed: {passed!r}) for run {row['id']}")
        return f"tenant_id {row['tenant_id']}, origin_system_id {row['origin_system_id']}"

    @keyword
    def run_should_have_succeeded(self, row: dict, claims: dict) -> str:
        """The runs row says `succeeded`, the CLI exited 0, and every `Status:`/`Error:` line it printed agrees
        with the row (the CLI exits 0 for failed and retry runs too, contract §1).

        Example: `Run Should Have Succeeded    ${row}    ${claims}`
        """
        run_id, status, error = row["id"], row.get("status"), row.get("error_message")
        if claims.get("exit_code") != 0:
            fail(f"the customer CLI exited {claims.get('exit_code')}: {claims.get('error') or error or 'no error line'}")
        if status != "succeeded":
            fail(f"the customer CLI exited 0 but run {run_id} is '{status}' in the database: {error or 'no error_message'}")
        wrong = [claimed for claimed in claims.get("statuses", []) if claimed != status]
        if wrong or not claims.get("statuses"):
            fail(f"the customer CLI printed 'Status: {wrong[0] if wrong else '(nothing)'}' but run {run_id} is "
                 f"'{status}' in the database")
        if (claims.get("error") or None) != (error or None):
            fail(f"the customer CLI printed 'Error: {claims.get('error')}' but runs.error_message is {error!r}")
        return f"run {run_id} succeeded in the database; the CLI's Run ID, Run created and Status lines agree"

    @keyword
    def run_outcome_should_be_recorded_consistently(self, row: dict, step_count: int) -> str:
        """A succeeded run: attempts 1 (the CLI's first), started_at and completed_at set, no error_message, and one
        tool call per executed step (contract §1, §4).

        Example: `Run Outcome Should Be Recorded Consistently    ${run}    ${{ len($steps) }}`
        """
        run_id = row["id"]
        if row.get("attempts") != 1:
            fail(f"run {run_id} succeeded with attempts={row.get('attempts')}, expected 1 (the CLI's first attempt)")
        for column in ("started_at", "completed_at"):
            if row.get(column) is None:
                fail(f"run {run_id} succeeded but runs.{column} is NULL")
        if row.get("error_message"):
            fail(f"run {run_id} succeeded but has error_message {row['error_message']!r}")
        calls = json.loads(row.get("tool_calls_json") or "[]")
        if len(calls) != step_count:
            fail(f"run {run_id} records {len(calls)} tool calls for {step_count} executed steps")
        return f"attempts 1, started_at {row['started_at']}, completed_at {row['completed_at']}, {len(calls)} tool call(s)"

    @keyword("Trace Should Be The Run's Only Trace")
    def trace_should_be_the_runs_only_trace(self, traces: list[dict], row: dict) -> str:
        """Exactly one aos_traces row has the run's id; it is keyed `trace_<run_id>` and carries the run's tenant and
        agent (contract §4: start_trace).

        Example: `Trace Should Be The Run's Only Trace    ${traces}    ${run}`
        """
        run_id = row["id"]
        if len(traces) != 1:
            fail(f"run {run_id} has {len(traces)} aos_traces rows ({', '.join(t['trace_id'] for t in traces)}), expected 1")
        trace = traces[0]
        if trace["trace_id"] != f"trace_{run_id}":
            fail(f"the trace of run {run_id} is keyed {trace['trace_id']!r}, expected 'trace_{run_id}'")
        for column in ("tenant_id", "agent_id"):
            if trace.get(column) != row.get(column):
                fail(f"aos_traces.{column} of run {run_id} is {trace.get(column)!r}, the run's is {row.get(column)!r}")
        return f"one trace, {trace['trace_id']}, tenant {trace['tenant_id']}, agent {trace['agent_id']}"

    @keyword
    def trace_should_be_completed(self, trace: dict, run_id: str) -> str:
        """The trace of a succeeded run is `completed` with completed_at set — not left `running` (the v4 defect).

        Example: `Trace Should Be Completed    ${trace}    ${run}[id]`
        """
        if trace.get("status") != "completed":
            fail(f"the trace of succeeded run {run_id} is '{trace.get('status')}', not completed")
        if trace.get("completed_at") is None:
            fail(f"the trace of run {run_id} is completed but has no completed_at")
        return f"trace status completed, completed_at {trace['completed_at']}"

    @keyword
    def step_indexes_should_follow_the_plan(self, steps: list[dict], plan_steps: list, run_id: str) -> str:
        """One step row per planned step, indexed 0, 1, … without gaps, each with the planned skill (contract §4, §6:
        the hash chain runs over step_index in order).

        Example: `Step Indexes Should Follow The Plan    ${steps}    ${plan}    ${run}[id]`
        """
        indexes = [int(step["step_index"]) for step in steps]
        expected = list(range(len(plan_steps)))
        if indexes != expected:
            fail(f"run {run_id} has step indexes {indexes}, the plan's {len(plan_steps)} step(s) need {expected}")
        executed = [step["skill_name"] for step in steps]
        if executed != _skills(plan_steps):
            fail(f"run {run_id} executed skills {executed}, the stored plan names {_skills(plan_steps)}")
        return f"step indexes {indexes}, skills {executed}"

    @keyword
    def steps_should_all_have_succeeded(self, steps: list[dict], run_id: str) -> str:
        """Every step row of a succeeded run has status `succeeded` (offline, the real backend's http_call step is
        `failed` inside a `succeeded`, VERIFIED run — contract §11).

        Example: `Steps Should All Have Succeeded    ${steps}    ${run}[id]`
        """
        statuses = [step["status"] for step in steps]
        if not statuses or any(status != "succeeded" for status in statuses):
            why = "; ".join(_step_error(step) for step in steps if step["status"] != "succeeded")
            fail(f"run {run_id} succeeded but its step statuses are {statuses}{': ' + why if why else ''}")
        return f"step statuses {statuses}"

    @keyword
    def steps_should_be_written_by_the_engine(self, steps: list[dict], run_id: str) -> str:
        """Every step row has source `engine`: none was backfilled by the CLI (`cli_backfill`, contract §1).

        Example: `Steps Should Be Written By The Engine    ${steps}    ${run}[id]`
        """
        sources = sorted({step["source"] for step in steps})
        if sources != ["engine"]:
            fail(f"the steps of run {run_id} were written by {sources}, not only the engine: the CLI backfilled them")
        return f"step sources {sources}"

    @keyword("Coordinator Should Have Read This Run's Trace")
    def coordinator_should_have_read_this_runs_trace(self, proof: dict, trace: dict, steps: list[dict], run_id: str) -> str:
        """The coordinator's one trace summary is this run's (TraceSummary.trace_id holds the run id, contract §6),
        with the Postgres trace's status, and its step summaries are the Postgres rows as the store reads them.

        Example: `Coordinator Should Have Read This Run's Trace    ${proof}    ${trace}    ${steps}    ${run}[id]`
        """
        traces = proof.get("traces", [])
        if len(traces) != 1:
            fail(f"the coordinator returned {len(traces)} traces for run {run_id}, expected its one trace")
        summary = traces[0]
        if summary.get("run_id") != run_id or summary.get("trace_id") != run_id:
            fail(f"the coordinator's trace is run {summary.get('run_id')} (trace_id {summary.get('trace_id')}), "
                 f"not run {run_id}: it read another run's trace")
        if summary.get("status") != trace.get("status"):
            fail(f"the coordinator says the trace is '{summary.get('status')}', Postgres says '{trace.get('status')}'")
        expected = [{"step_index": int(s["step_index"]), "skill_name": s["skill_name"], "status": coerce_status(s["status"])}
                    for s in steps]
        if proof.get("steps") != expected:
            fail(f"the coordinator read steps {proof.get('steps')}, Postgres has {expected} for run {run_id}")
        return f"trace of run {run_id}, status {trace.get('status')}, steps {expected}"

    @keyword
    def coordinator_tests_should_have_passed(self, counts: dict, exit_code: int) -> str:
        """At least one passed, and no failed, errored or skipped test: a skipped coordinator test is not a passed one.

        Example: `Coordinator Tests Should Have Passed    ${counts}    ${result.rc}`
        """
        summary = counts["line"]
        if exit_code != 0 or counts["failed"] or counts["errors"]:
            fail(f"the coordinator tests failed (exit {exit_code}): {summary}")
        if counts["skipped"] or counts["deselected"]:
            fail(f"the coordinator tests did not all run: {summary} — a skipped test is not a passed one")
        if counts["passed"] < 1:
            fail(f"no coordinator test ran: {summary}")
        return summary

    @keyword
    def neighbour_should_be_intact(self, neighbour: dict, now: dict, proof_run_id: str) -> str:
        """A neighbour run made around the proof run (found by its own goal): it exists, it is not the proof run,
        its runs and traces are filed under its own tenant, and — for the earlier one — its runs, traces and steps
        are exactly as they were before the proof run started.

        Given the neighbour (`when`, `tenant_id`, `goal`, `error`, `rows` taken when it finished, or None),
        its rows now (`runs`, `traces`, `steps`), the proof run's id.

        Example: `Neighbour Should Be Intact    ${neighbour}    ${now}    ${run}[id]`
        """
        label = f"the {neighbour['when']} neighbour run of tenant {neighbour['tenant_id']}"
        if neighbour.get("error"):
            fail(f"{label} could not be made: {neighbour['error']}")
        runs, traces = now["runs"], now["traces"]
        if not runs:
            fail(f"{label}: no run carries its goal {neighbour['goal']!r}")
        ids = [run["id"] for run in runs]
        if proof_run_id in ids:
            fail(f"{label} is the proof run {proof_run_id}")
        elsewhere = [(run["id"], run["tenant_id"]) for run in runs if run["tenant_id"] != neighbour["tenant_id"]]
        elsewhere += [(trace["trace_id"], trace["tenant_id"]) for trace in traces if trace["tenant_id"] != neighbour["tenant_id"]]
        if elsewhere:
            fail(f"{label} is filed under another tenant: {elsewhere}")
        before = neighbour.get("rows")
        if before is not None:
            for table in ("runs", "traces", "steps"):
                if before[table] != now[table]:
                    fail(f"{label} changed while the proof run ran: its {table} were {_changes(before[table], now[table])}")
        return (f"{', '.join(ids)} ({neighbour['tenant_id']}, {neighbour['when']}): {len(traces)} trace(s), "
                f"{len(now['steps'])} step(s){', unchanged since it finished' if before is not None else ''}")


def _step_error(step: dict) -> str:
    """Where a step's own failure is recorded: `outcome_data.error` (the skill's result), else its outcome_code."""
    data = step.get("outcome_data")
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            pass
    error = data.get("error") if isinstance(data, dict) else data
    return (f"step {step.get('step_index')} {step.get('skill_name')} is '{step.get('status')}', "
            f"outcome_data.error {error!r}" if error else
            f"step {step.get('step_index')} {step.get('skill_name')} is '{step.get('status')}', "
            f"outcome_code {step.get('outcome_code')!r}")


def _changes(before: list[dict], after: list[dict]) -> str:
    """The first difference between two lists of rows, in a few words."""
    if len(before) != len(after):
        return f"{len(before)} rows, now {len(after)}"
    for old, new in zip(before, after):
        for column in old:
            if old[column] != new.get(column):
                return f"{column} {old[column]!r}, now {new.get(column)!r}"
    return "different"
