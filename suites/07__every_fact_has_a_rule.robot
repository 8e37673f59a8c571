*** Settings ***
Documentation    Beyond the plan: every fact the run leaves — each column of its rows in runs, aos_traces and
...              aos_trace_steps, each field of the coordinator's answer, each line the CLI printed — held to the
...              rule every correct run satisfies (runproof.rules.table, derived from the backend contract §1–§8).
...              The outcome of every rule is in evidence.json → `rules`, in evidence.md and in docs/rules.md.

Resource         ../resources/rules.resource
Resource         ../resources/neighbour_runs.resource

Test Tags        beyond-plan

Name             Every Fact Has A Rule


*** Test Cases ***
The Run Row Holds Every Rule
    [Documentation]    runs: the inputs passed, the statuses and counts of a succeeded run, the plan and tool calls,
    ...    and the timestamps inside the CLI's run and in order.
    Every Column Of The Run Row Should Hold Its Rule

The Trace Row Holds Every Rule
    [Documentation]    aos_traces: keyed by the run, its tenant and agent, the stored plan, pending root hash,
    ...    completed by complete_trace, its times inside the run's.
    Every Column Of The Trace Row Should Hold Its Rule

Every Step Row Holds Every Rule
    [Documentation]    aos_trace_steps: one per planned step with its skill and params, status consistent with its
    ...    outcome and level, written by the engine while the trace was open.
    Every Column Of Each Step Row Should Hold Its Rule

The Coordinator's Answer Holds Every Rule
    [Documentation]    RunProofResult: the hash chain recomputed from the rows, the trace summary and each step
    ...    summary equal to the rows as the store reads them.
    Every Field Of The Coordinator's Answer Should Hold Its Rule

The Agent Row The CLI Made Holds Every Rule
    [Documentation]    The agents row `cus_cli create-agent` made (contract §1): its name, no tenant, active, and
    ...    unchanged by every run since (the runner only reads an agent's budget, contract §4 step 3).
    Every Column Of The Agent Row Should Hold Its Rule

Every Line The CLI Printed Holds Every Rule
    [Documentation]    The verbose and closing lines of `cus_cli run`, each equal to the runs row, and nothing else.
    Every Line The CLI Printed Should Hold Its Rule

Every Row The Invocation Left Is Accounted For
    [Documentation]    Rows anywhere in the database that carry the run's id, its trace's id or the agent the suite
    ...    made: one trace, one step row per executed step, one run per CLI invocation of the suite's agent; rows of
    ...    other tables the run writes are listed. With a given AGENT_ID, which other clients may share, rows are
    ...    accounted by the run's id only.
    Every Row The Invocation Left Should Be Accounted For

A Run Whose http_call Fails Holds Every Rule
    [Documentation]    The concurrent neighbour run, made through the product's CLI without --origin-system-id and
    ...    with its http_call made to fail: its rows and lines hold every rule with its own inputs — the CLI's default
    ...    origin, a run that still succeeded with its step failed, an error outcome at level INFO (contract §1,
    ...    §3, §4, §11), so that what only a failing call shows is judged as well.
    The Run Whose HTTP Call Failed Should Hold Every Rule
