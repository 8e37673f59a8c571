"""What relates the run to other runs, tenants and the CLI's code — never a column of the run's own rows, whose one
judge is the rules table (runproof.rules.table): the run is this invocation's and the tenant's only new one, other
tenants cannot see its trace, the neighbour runs made around it are intact, and the origin passed can show that the
flag was honoured.

Each keyword takes rows as dictionaries (DatabaseLibrary's `return_dict=True`) and fails in one line naming what was
expected, what was observed and where it was read (`fail`).
"""

from __future__ import annotations


from robot.api.deco import keyword, library

from runproof.evidence.masking import one_line
from runproof.keywords.http_call_use import succeeded_calls
from runproof import DOC_FORMAT, VERSION


class CheckFailed(AssertionError):
    ROBOT_SUPPRESS_NAME = True


def fail(message: str) -> None:
    raise CheckFailed(one_line(message, 600))


@library(scope="GLOBAL", version=VERSION, doc_format=DOC_FORMAT)
class RunRelations:
    """Relations between the run, other runs, other tenants and the CLI's code; each returns what it compared."""

    @keyword("Run Should Be This Invocation's")
    def run_should_be_this_invocations(self, row: dict | None, claims: dict, before: dict, new_ids: list[str]) -> str:
        """The run the CLI reported exists and did not exist before this invocation (when it was created, and what
        it carries, are its columns' rules).

        Given the runs row of the claimed id (or None), the CLI's claims, the snapshot taken before the CLI
        started (`clock`, `run_ids`, `tenant_id`), the tenant's runs created since.
        Returns the evidence line; raises `CheckFailed` naming the claimed id.

        Example: `Run Should Be This Invocation's    ${row}    ${claims}    ${before}    ${new}`
        """
        claimed = claims.get("run_id")
        if not claimed:
            fail(f"the customer CLI printed no Run ID (exit {claims.get('exit_code')}): {claims.get('error') or 'no error line'}")
        if row is None:
            fail(f"the customer CLI reported run {claimed}, but the runs table has no such row")
        if claimed in before["run_ids"]:
            fail(f"the customer CLI reported run {claimed}, which existed before this invocation "
                 f"(created {row.get('created_at')}): this invocation's run is {', '.join(new_ids) or 'not in the database'}")
        return f"run {claimed} is new: not among the {len(before['run_ids'])} runs before the CLI started"

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
    def other_tenants_should_see_no_trace(self, others: dict, tenant: str) -> str:
        """Tenant isolation (contract §6: the store filters by tenant): asked under OTHER_TENANT_ID and under the
        tenants derived from the run's (a prefix, a case variant, a longer id), the coordinator returns no trace
        and UNSUPPORTED.

        - `others`: the probe's summary per other tenant; `tenant`: the run's tenant. Returns what they saw.

        Example: `${detail}=    Other Tenants Should See No Trace    ${others}    ${TENANT_ID}`
        """
        leaks = []
        for other, answer in others.items():
            how = _relation(other, tenant)
            if answer.get("trace_count") != 0:
                leaks.append(f"tenant {other}{how} can see {answer.get('trace_count')} traces of a run it does not own")
            elif answer.get("verification_status") != "UNSUPPORTED":
                leaks.append(f"another tenant ({other}{how}) got {answer.get('verification_status')} for this run")
        if leaks:
            fail("; ".join(leaks))
        return f"tenants {', '.join(others)} see no trace of the run: NONE / UNSUPPORTED"

    @keyword
    def look_alike_keys_should_see_no_trace(self, answers: dict) -> str:
        """Isolation on every key the coordinator takes (contract §6: the store reads `WHERE run_id = $1 AND
        tenant_id = $2`, exact): asked with the run id upper-cased, a prefix of it and with surrounding whitespace
        under the run's tenant, and with the run's id under an empty and a missing tenant, the coordinator returns no
        trace (or refuses with an error).

        - `answers`: the probe's `look_alike_keys`, per label: `tenant`, `run_id` and the summary or `error`.
        - Returns what each key saw; raises `CheckFailed` naming the key and what it saw.

        Example: `Look Alike Keys Should See No Trace    ${answers}`
        """
        if not answers:
            fail("the probe asked no look-alike key: expected five answers, observed none")
        seen, leaks = [], []
        for label, answer in answers.items():
            if answer.get("trace_count"):
                leaks.append(f"{label} (tenant {answer.get('tenant')!r}, run id {answer.get('run_id')!r}) can see "
                             f"{answer['trace_count']} trace(s) of the run: expected none, observed "
                             f"{answer.get('verification_status')} with {answer.get('step_count')} step(s)")
            seen.append(f"{label}: {answer.get('error') or answer.get('verification_status')}")
        if leaks:
            fail("; ".join(leaks))
        return "; ".join(seen)

    @keyword("Origin Passed Should Differ From The Default")
    def origin_passed_should_differ_from_the_default(self, origin: str, default: str) -> str:
        """The origin passed with --origin-system-id differs from the CLI's default, so the stored origin (its rule)
        shows the flag was honoured rather than the default taken (contract §1).

        Given ORIGIN_SYSTEM_ID and the default read from cus_cli.py. Returns the two values; raises `CheckFailed`.

        Example: `Origin Passed Should Differ From The Default    ${ORIGIN_SYSTEM_ID}    ${default}`
        """
        if origin == default:
            fail(f"ORIGIN_SYSTEM_ID equals the CLI's default '{default}': this run cannot show the flag was honoured")
        return f"origin passed {origin!r}, the CLI's default {default!r}"

    @keyword
    def neighbour_should_be_intact(self, neighbour: dict, now: dict, proof_run_id: str) -> str:
        """A neighbour run made around the proof run (found by its own goal): it exists, it is not the proof run,
        its runs and traces are filed under its own tenant, the suite's http_call answer received exactly one of its
        requests per http_call step that succeeded, and — for the earlier one — its runs, traces and steps are
        exactly as they were before the proof run started. (The concurrent one's columns, its origin included, are
        the rules table's: `A Run Whose http_call Fails Holds Every Rule`.)

        Given the neighbour (`when`, `tenant_id`, `goal`, `requests` (None: not counted),
        `error`, `rows` taken when it finished, or None), its rows now (`runs`, `traces`, `steps`), the proof run's
        id. Fails naming the neighbour and what differs.

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
        if neighbour.get("requests") is not None:
            succeeded = succeeded_calls(now["steps"])
            if neighbour["requests"] != succeeded:
                fail(f"{label} has {succeeded} http_call step(s) that succeeded, and the suite's answer received "
                     f"{neighbour['requests']} request(s) from it: expected exactly one per step")
        before = neighbour.get("rows")
        if before is not None:
            for table in ("runs", "traces", "steps"):
                if before[table] != now[table]:
                    fail(f"{label} changed while the proof run ran: its {table} were {_changes(before[table], now[table])}")
        requests = "" if neighbour.get("requests") is None else f", {neighbour['requests']} http_call request(s)"
        return (f"{', '.join(ids)} ({neighbour['tenant_id']}, {neighbour['when']}): "
                f"{len(traces)} trace(s), {len(now['steps'])} step(s){requests}"
                f"{', unchanged since it finished' if before is not None else ''}")


def _relation(other: str, tenant: str) -> str:
    """How a tenant that must not see the run relates to the run's tenant, for the failure message."""
    if tenant.startswith(other):
        return ", a prefix of the run's tenant"
    if other.lower() == tenant.lower():
        return ", the run's tenant in another case"
    if other.startswith(tenant):
        return ", the run's tenant with a suffix"
    return ""



def _changes(before: list[dict], after: list[dict]) -> str:
    """The first difference between two lists of rows, in a few words."""
    if len(before) != len(after):
        return f"{len(before)} rows, now {len(after)}"
    for old, new in zip(before, after):
        for column in old:
            if old[column] != new.get(column):
                return f"{column} {old[column]!r}, now {new.get(column)!r}"
    return "different"
