*** Settings ***
Documentation    Beyond the plan: checks that do not take the backend's word for it. The coordinator's VERIFIED
...              compares nothing (it hashes whatever steps it reads), so these recompute and cross-check the
...              run's integrity from the Postgres rows, check the neighbour runs made around it, and prove the
...              backend's code did not change while it ran. Leave them out with `--exclude beyond-plan`.

Library          runproof.keywords.provenance.Provenance
Resource         ../resources/beyond_the_plan.resource

Test Tags        beyond-plan

Name             Beyond The Plan


*** Test Cases ***
Root Hash Recomputed From Postgres Equals The Coordinator's
    [Documentation]    The contract's HASH_CHAIN (sha256 of the run id, then `step_index:skill_name:status` per step,
    ...    with the store's status coercion), recomputed in the suite's own process from aos_trace_steps.
    ${detail}=    The Root Hash Recomputed From Postgres Should Equal The Coordinator's
    Set Test Message    ${detail}

The Coordinator Read This Run's Trace
    [Documentation]    The coordinator's trace summary is this run's (not a neighbour's), with the Postgres trace's
    ...    status, and its steps are the Postgres rows as the store reads them back.
    ${detail}=    The Coordinator Should Have Read This Run's Trace
    Set Test Message    ${detail}

The Run Has One Trace, Keyed By Its Id
    [Documentation]    Exactly one aos_traces row carries the run's id; it is `trace_<run_id>` and carries the run's
    ...    tenant and agent (contract §4, start_trace).
    ${detail}=    The Run Should Have One Trace, Keyed By Its Id
    Set Test Message    ${detail}

The Steps Are The Plan's Steps, Indexed From Zero
    [Documentation]    One step row per step of runs.plan_json, step_index 0, 1, … without gaps, each with the
    ...    planned skill: nothing of another run counted in, nothing missing.
    ${detail}=    The Steps Should Be The Plan's Steps, Indexed From Zero
    Set Test Message    ${detail}

Executed Steps Follow The Stored Plan
    [Documentation]    The skills and order of the steps in Postgres match the steps of runs.plan_json, and so does
    ...    the plan the trace recorded when execution started.
    ${detail}=    The Executed Steps Should Follow The Stored Plan
    Set Test Message    ${detail}

The Run's Outcome Is Recorded Consistently
    [Documentation]    A succeeded run: attempts 1, started_at and completed_at set, no error_message, one tool call
    ...    per executed step.
    ${detail}=    The Run's Outcome Should Be Recorded Consistently
    Set Test Message    ${detail}

A Succeeded Run Has Only Succeeded Steps
    [Documentation]    Offline, the real backend records a failed http_call step inside a succeeded run, and the
    ...    coordinator still says VERIFIED. A succeeded run must have no step that did not succeed.
    ${detail}=    The Succeeded Run Should Have Only Succeeded Steps
    Set Test Message    ${detail}

The Trace Is Completed, Not Left Running
    [Documentation]    The trace of a finished run is `completed` with completed_at set — not stuck at `running`
    ...    (the v4 defect, caused by a trigger that blocked complete_trace).
    ${detail}=    The Trace Should Be Completed
    Set Test Message    ${detail}

Every Step Was Written By The Engine
    [Documentation]    Every step row has source='engine': no after-the-fact backfill by the CLI (`cli_backfill`).
    ${detail}=    Every Step Should Have Been Written By The Engine
    Set Test Message    ${detail}

Another Tenant Cannot See The Run's Trace
    [Documentation]    Tenant isolation: asked for the same run under OTHER_TENANT_ID and under the tenants most
    ...    likely to leak (a prefix of the run's tenant, a case variant, a longer id starting with it), in the same
    ...    probe process and after the plan's call completed, the coordinator returns no trace and UNSUPPORTED. Not
    ...    reached when the run's own tenant saw no trace either: an empty answer would prove nothing then.
    ${detail}=    Other Tenants Should Not See The Run's Trace
    Set Test Message    ${detail}

The Trace Belongs To The Run's Tenant
    [Documentation]    aos_traces.tenant_id equals runs.tenant_id, which equals the tenant passed on the command line.
    ${detail}=    The Trace Should Belong To The Run's Tenant
    Set Test Message    ${detail}

The Run Records The Origin Passed, Not The CLI's Default
    [Documentation]    runs.origin_system_id equals --origin-system-id as passed, and the value passed differs from
    ...    the CLI's own default, so the stored value proves the flag was honoured.
    ${detail}=    The Run Should Record The Origin Passed, Not The CLI's Default
    Set Test Message    ${detail}

Neighbour Runs Are Intact Under Their Own Tenant
    [Documentation]    The neighbour runs made around the proof run — an earlier run of the same tenant and a
    ...    concurrent run of OTHER_TENANT_ID — are each filed, with their traces, under their own tenant, are not the
    ...    proof run, and the earlier one's rows are exactly as they were before the proof run started.
    ${detail}=    The Neighbour Runs Should Be Intact Under Their Own Tenant
    Set Test Message    ${detail}

Plan Generation Ran Through generate_plan_for_run In A Real Run
    [Documentation]    Plan §1 "Plan generation via `generate_plan_for_run`", observed: it executed in a real
    ...    `cus_cli run` (the earlier neighbour, run under a call tracer given on the command line), and the message
    ...    shows the chain of calls that reached it.
    [Tags]    AC2
    ${chain}=    The Run Path Should Have Executed    generate_plan_for_run
    Set Test Message    ${chain}

Execution Ran Through RunRunner In A Real Run
    [Documentation]    Plan §1 "Execution via `RunRunner`", observed: `RunRunner.run` executed in a real `cus_cli run`
    ...    (the earlier neighbour, traced), and the message shows the chain of calls that reached it.
    ${chain}=    The Run Path Should Have Executed    RunRunner
    Set Test Message    ${chain}

The Internal CLI Creates No Customer Run When Its Commands Run
    [Documentation]    Plan §1 "`int_cli.py` contains no customer run creation", by behaviour rather than by grep:
    ...    running int_cli's commands leaves no run, trace or agent row, and importing it does not import the
    ...    customer CLI.
    ${detail}=    The Internal CLI's Commands Should Create No Run
    Set Test Message    ${detail}

The Backend's Code Did Not Change During The Run
    [Documentation]    Provenance: every source file under backend/ is as it was before the first backend process
    ...    started (the real v4 execution fixed code in the middle of its run). Checked last, after the others.
    Depends On Test    The Target Is Configured
    ${detail}=    Backend Source Should Be Unchanged
    Set Test Message    ${detail}
