"""The invariants of a correct run, checked on rows read from Postgres — never on what the product printed.

Each keyword takes rows as dictionaries (DatabaseLibrary's `return_dict=True`) and fails in one line that names the
run and the values compared. The invariants come from the backend contract §1–§6 (README: "What the suite does not
take on trust").
"""

from __future__ import annotations

import json
import re
from datetime import datetime

from robot.api import logger
from robot.api.deco import keyword, library

from runproof.rules.hash_chain import coerce_status
from runproof.evidence.masking import one_line
from runproof.keywords.plan_comparison import skills
from runproof import DOC_FORMAT, VERSION


class CheckFailed(AssertionError):
    ROBOT_SUPPRESS_NAME = True


def fail(message: str) -> None:
    raise CheckFailed(one_line(message, 600))


def columns_should_be_passed(row: dict, passed: dict, say) -> None:
    """Each column of the row equals the value the command passed; `say(column, value, passed)` words a failure."""
    for column, value in passed.items():
        if row.get(column) != value:
            fail(say(column, row.get(column), value))


@library(scope="GLOBAL", version=VERSION, doc_format=DOC_FORMAT)
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
    def no_other_run_of_the_tenant_should_be_new(self, row: dict, new_runs: list[dict], tenant: str) -> str:
        """While the CLI ran, the tenant gained no run other than this one (no second run, no stray draft).

        Given this invocation's runs row (its goal and agent already proven to be the ones passed), the rows of the
        tenant's runs created since the snapshot, the tenant. A new run with another goal or agent was made by
        another client using the same tenant, and the failure says so; one with this invocation's goal and agent
        was made by this CLI.
        Returns the evidence line.

        Example: `No Other Run Of The Tenant Should Be New    ${row}    ${others}    ${TENANT_ID}`
        """
        others = [run for run in new_runs if run["id"] != row["id"]]
        foreign = [run for run in others if (run.get("goal"), run.get("agent_id")) != (row.get("goal"), row.get("agent_id"))]
        if foreign:
            run = foreign[0]
            fail(f"run {run['id']} of tenant {tenant} was created during this invocation by another client, not by this "
                 f"CLI (goal {run.get('goal')!r}, agent {run.get('agent_id')}; this invocation passed goal "
                 f"{row.get('goal')!r}, agent {row.get('agent_id')}): give every suite run a tenant of its own — leave "
                 f"TENANT_ID unset for a new one per run")
        if others:
            fail(f"this invocation created {len(others) + 1} runs of tenant {tenant}: {row['id']} and "
                 f"{', '.join(run['id'] for run in others)}")
        return f"no other new run of tenant {tenant}"

    @keyword
    def run_should_carry_the_goal_and_agent_passed(self, row: dict, agent: str, goal: str) -> str:
        """runs.agent_id and runs.goal equal the values passed on the command line (the tenant and origin are the
        plan's §3 query's to check).

        Example: `Run Should Carry The Goal And Agent Passed    ${row}    ${agent}    ${GOAL}`
        """
        columns_should_be_passed(row, {"goal": goal, "agent_id": agent},
                                 lambda column, value, passed: f"runs.{column} of run {row['id']} is {value!r}, "
                                                               f"the command passed {passed!r}")
        return f"goal={goal!r}, agent_id={agent}"

    @keyword
    def run_should_carry_the_tenant_and_origin_passed(self, row: dict, tenant: str, origin: str) -> str:
        """runs.tenant_id and runs.origin_system_id are the values passed with --tenant-id and --origin-system-id
        (plan §2's criterion 1, on the row the CLI created — the row's value is the fact, contract §1).

        Given the runs row, the tenant and origin passed. Returns the evidence line.

        Example: `Run Should Carry The Tenant And Origin Passed    ${row}    ${TENANT_ID}    ${ORIGIN_SYSTEM_ID}`
        """
        columns_should_be_passed(row, {"tenant_id": tenant, "origin_system_id": origin},
                                 lambda column, value, passed: f"runs.{column} is {value!r} (passed: {passed!r}) "
                                                               f"for run {row['id']}")
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
    def integrity_should_be_verified_as_a_hash_chain(self, proof: dict) -> str:
        """Plan §6 criterion 4: the coordinator's integrity model is `HASH_CHAIN` and its status `VERIFIED`
        (contract §6: an unverified answer carries its `failure_reason`, quoted).

        - `proof`: the probe's summary of the coordinator's answer. Returns `HASH_CHAIN / VERIFIED`.

        Example: `${verdict}=    Integrity Should Be Verified As A Hash Chain    ${proof}`
        """
        reason = proof.get("failure_reason")
        if proof.get("integrity_model") != "HASH_CHAIN":
            fail(f"the integrity model is {proof.get('integrity_model')}, not HASH_CHAIN ({reason})")
        if proof.get("verification_status") != "VERIFIED":
            fail(f"the verification status is {proof.get('verification_status')}, not VERIFIED ({reason})")
        return f"{proof['integrity_model']} / {proof['verification_status']}"

    @keyword
    def chain_should_cover_at_least_one_step(self, proof: dict) -> str:
        """Plan §4's printed values: chain_length ≥ 1, a 64-hex sha256 root_hash, at least one trace and one step
        (contract §6: the chain is a sha256 over the run's steps).

        - `proof`: the probe's summary. Returns `chain_length N, root_hash H`.

        Example: `${chain}=    Chain Should Cover At Least One Step    ${proof}`
        """
        if not proof.get("chain_length", 0) >= 1:
            fail(f"chain_length is {proof.get('chain_length')}")
        if not re.fullmatch(r"[0-9a-f]{64}", proof.get("root_hash") or ""):
            fail(f"root_hash '{proof.get('root_hash')}' is not a 64-hex sha256 digest")
        if not proof.get("trace_count", 0) >= 1:
            fail(f"the coordinator found {proof.get('trace_count')} traces")
        if not proof.get("step_count", 0) >= 1:
            fail(f"the coordinator found {proof.get('step_count')} steps")
        return f"chain_length {proof['chain_length']}, root_hash {proof['root_hash']}"

    @keyword
    def coordinator_step_count_should_equal_the_postgres_rows(self, proof: dict, steps: list[dict]) -> str:
        """Policy "No SQLite fallback": the coordinator's step count equals the run's aos_trace_steps rows (both read
        the same rows when it reads Postgres, contract §6; the v4 report had 1 against 0).

        - `proof`: the probe's summary; `steps`: the run's step rows. Returns both counts.

        Example: `${counts}=    Coordinator Step Count Should Equal The Postgres Rows    ${proof}    ${steps}`
        """
        if proof.get("step_count") != len(steps):
            fail(f"the coordinator saw {proof.get('step_count')} steps, Postgres has {len(steps)}: "
                 "it did not read the run's Postgres trace")
        return f"coordinator step_count {proof['step_count']} = Postgres step rows {len(steps)}"

    @keyword
    def other_tenants_should_see_no_trace(self, others: dict, tenant: str) -> str:
        """Tenant isolation (contract §6: the store filters by tenant): asked under OTHER_TENANT_ID and under the
        tenants derived from the run's (a prefix, a case variant, a longer id), the coordinator returns no trace
        and UNSUPPORTED.

        - `others`: the probe's summary per other tenant; `tenant`: the run's tenant. Returns what they saw.

        Example: `${detail}=    Other Tenants Should See No Trace    ${others}    ${TENANT_ID}`
        """
        for other, answer in others.items():
            how = _relation(other, tenant)
            if answer.get("trace_count") != 0:
                fail(f"tenant {other}{how} can see {answer.get('trace_count')} traces of a run it does not own")
            if answer.get("verification_status") != "UNSUPPORTED":
                fail(f"another tenant ({other}{how}) got {answer.get('verification_status')} for this run")
        return f"tenants {', '.join(others)} see no trace of the run: NONE / UNSUPPORTED"

    @keyword("Trace Should Belong To The Run's Tenant")
    def trace_should_belong_to_the_runs_tenant(self, trace: dict, run: dict, tenant: str) -> str:
        """aos_traces.tenant_id equals the tenant passed on the command line (contract §4: start_trace takes the
        run's tenant).

        - `trace`, `run`: the rows; `tenant`: the tenant passed. Returns both tenants.

        Example: `${detail}=    Trace Should Belong To The Run's Tenant    ${trace}    ${run}    ${TENANT_ID}`
        """
        if trace.get("tenant_id") != tenant:
            fail(f"aos_traces.tenant_id is '{trace.get('tenant_id')}', runs.tenant_id is '{run.get('tenant_id')}' "
                 f"(passed: '{tenant}')")
        return f"run tenant {run.get('tenant_id')}, trace tenant {trace.get('tenant_id')}"

    @keyword
    def run_should_record_the_origin_passed(self, run: dict, origin: str, default: str) -> str:
        """runs.origin_system_id equals the origin passed, and that differs from the CLI's default (contract §1:
        `cus-cli`), so the stored value proves the flag was honoured.

        - `run`: the runs row; `origin`: the value passed; `default`: the CLI's default. Returns the three values.

        Example: `${detail}=    Run Should Record The Origin Passed    ${run}    ${ORIGIN_SYSTEM_ID}    ${default}`
        """
        if origin == default:
            fail(f"ORIGIN_SYSTEM_ID equals the CLI's default '{default}': this run cannot show the flag was honoured")
        if run.get("origin_system_id") != origin:
            fail(f"runs.origin_system_id is {run.get('origin_system_id')}, the command passed {origin}")
        return f"passed {origin}, stored {run['origin_system_id']}, CLI default {default}"

    @keyword
    def run_outcome_should_be_recorded_consistently(self, row: dict, steps: list[dict]) -> str:
        """A succeeded run: attempts 1 (the CLI's first), started_at and completed_at set, no error_message, and one
        tool call per executed step (contract §1, §4).

        - `row`: the runs row; `steps`: its step rows. Returns the values compared.

        Example: `Run Outcome Should Be Recorded Consistently    ${run}    ${steps}`
        """
        run_id, step_count = row["id"], len(steps)
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
        if executed != skills(plan_steps):
            fail(f"run {run_id} executed skills {executed}, the stored plan names {skills(plan_steps)}")
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
        read = [{key: step.get(key) for key in ("step_index", "skill_name", "status")} for step in proof.get("steps", [])]
        if read != expected:
            fail(f"the coordinator read steps {read}, Postgres has {expected} for run {run_id}")
        return f"trace of run {run_id}, status {trace.get('status')}, steps {expected}"

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


def _relation(other: str, tenant: str) -> str:
    """How a tenant that must not see the run relates to the run's tenant, for the failure message."""
    if tenant.startswith(other):
        return ", a prefix of the run's tenant"
    if other.lower() == tenant.lower():
        return ", the run's tenant in another case"
    if other.startswith(tenant):
        return ", the run's tenant with a suffix"
    return ""


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
