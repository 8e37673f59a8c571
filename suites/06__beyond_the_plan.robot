*** Settings ***
Documentation    Beyond the plan: checks that do not take the backend's word for it. The coordinator's VERIFIED
...              compares nothing (it hashes whatever steps it reads), so these recompute and cross-check the
...              run's integrity from the Postgres rows, check the neighbour runs made around it, and prove the
...              backend's code did not change while it ran. Leave them out with `--exclude beyond-plan`.

Library          hash_chain.HashChain
Library          plan_comparison.PlanComparison
Library          provenance.Provenance
Library          run_checks.RunChecks
Library          static_checks.StaticChecks
Resource         ../resources/database.resource
Resource         ../resources/customer_cli.resource

Test Tags        beyond-plan

Name             Beyond The Plan


*** Test Cases ***
Root Hash Recomputed From Postgres Equals The Coordinator's
    [Documentation]    The contract's HASH_CHAIN (sha256 of the run id, then `step_index:skill_name:status` per step,
    ...    with the store's status coercion), recomputed in the suite's own process from aos_trace_steps.
    ${run}=    Run Fact    run
    ${proof}=    Run Fact    proof
    ${steps}=    Run Fact    steps
    Skip If    not $steps    not reached: run ${run}[id] has no step rows (see Steps Exist)
    ${recomputed}=    Root Hash From Step Rows    ${run}[id]    ${steps}    ${proof}[root_hash]
    Record Beyond Plan    recomputed ${recomputed} from ${{ len($steps) }} Postgres step rows;
    ...    coordinator ${proof}[root_hash] with chain_length ${proof}[chain_length]
    Should Be Equal    ${recomputed}    ${proof}[root_hash]
    ...    the root hash recomputed from Postgres (${recomputed}) differs from the coordinator's (${proof}[root_hash])
    ...    values=False
    Should Be Equal As Integers    ${{ len($steps) }}    ${proof}[chain_length]
    ...    Postgres has ${{ len($steps) }} steps, the coordinator's chain_length is ${proof}[chain_length]
    ...    values=False
    Set Test Message    root_hash ${recomputed} recomputed from Postgres

The Coordinator Read This Run's Trace
    [Documentation]    The coordinator's trace summary is this run's (not a neighbour's), with the Postgres trace's
    ...    status, and its steps are the Postgres rows as the store reads them back.
    ${run}=    Run Fact    run
    ${proof}=    Run Fact    proof
    ${traces}=    Run Fact    trace
    ${steps}=    Run Fact    steps
    ${detail}=    Coordinator Should Have Read This Run's Trace    ${proof}    ${traces}[0]    ${steps}    ${run}[id]
    Record Beyond Plan    ${detail}
    Set Test Message    ${detail}

The Run Has One Trace, Keyed By Its Id
    [Documentation]    Exactly one aos_traces row carries the run's id; it is `trace_<run_id>` and carries the run's
    ...    tenant and agent (contract §4, start_trace).
    ${run}=    Run Fact    run
    ${traces}=    Run Fact    trace
    ${detail}=    Trace Should Be The Run's Only Trace    ${traces}    ${run}
    Record Beyond Plan    ${detail}
    Set Test Message    ${detail}

The Steps Are The Plan's Steps, Indexed From Zero
    [Documentation]    One step row per step of runs.plan_json, step_index 0, 1, … without gaps, each with the
    ...    planned skill: nothing of another run counted in, nothing missing.
    ${run}=    Run Fact    run
    ${steps}=    Run Fact    steps
    ${plan}=    Stored Plan Steps    ${run}[plan_json]
    Skip If    not $steps    not reached: run ${run}[id] has no step rows (see Steps Exist)
    ${detail}=    Step Indexes Should Follow The Plan    ${steps}    ${plan}    ${run}[id]
    Record Beyond Plan    ${detail}
    Set Test Message    ${detail}

Executed Steps Follow The Stored Plan
    [Documentation]    The skills and order of the steps in Postgres match the steps of runs.plan_json, and so does
    ...    the plan the trace recorded when execution started.
    ${run}=    Run Fact    run
    ${traces}=    Run Fact    trace
    ${steps}=    Run Fact    steps
    ${detail}=    Executed Steps Should Follow The Stored Plan    ${run}[plan_json]    ${traces}[0][plan]    ${steps}
    Record Beyond Plan    ${detail}
    Set Test Message    ${detail}

The Run's Outcome Is Recorded Consistently
    [Documentation]    A succeeded run: attempts 1, started_at and completed_at set, no error_message, one tool call
    ...    per executed step.
    ${run}=    Run Fact    run
    ${steps}=    Run Fact    steps
    Skip If    not $steps    not reached: run ${run}[id] has no step rows (see Steps Exist)
    ${detail}=    Run Outcome Should Be Recorded Consistently    ${run}    ${{ len($steps) }}
    Record Beyond Plan    ${detail}
    Set Test Message    ${detail}

A Succeeded Run Has Only Succeeded Steps
    [Documentation]    Offline, the real backend records a failed http_call step inside a succeeded run, and the
    ...    coordinator still says VERIFIED. A succeeded run must have no step that did not succeed.
    ${run}=    Run Fact    run
    ${steps}=    Run Fact    steps
    Skip If    not $steps    not reached: run ${run}[id] has no step rows (see Steps Exist)
    ${detail}=    Steps Should All Have Succeeded    ${steps}    ${run}[id]
    Record Beyond Plan    run status ${run}[status]; ${detail}
    Set Test Message    ${detail}

The Trace Is Completed, Not Left Running
    [Documentation]    The trace of a finished run is `completed` with completed_at set — not stuck at `running`
    ...    (the v4 defect, caused by a trigger that blocked complete_trace).
    ${run}=    Run Fact    run
    ${traces}=    Run Fact    trace
    ${detail}=    Trace Should Be Completed    ${traces}[0]    ${run}[id]
    Record Beyond Plan    ${detail}
    Set Test Message    ${detail}

Every Step Was Written By The Engine
    [Documentation]    Every step row has source='engine': no after-the-fact backfill by the CLI (`cli_backfill`).
    ${run}=    Run Fact    run
    ${steps}=    Run Fact    steps
    Skip If    not $steps    not reached: run ${run}[id] has no step rows (see Steps Exist)
    ${detail}=    Steps Should Be Written By The Engine    ${steps}    ${run}[id]
    Record Beyond Plan    ${detail}
    Set Test Message    ${detail}

Another Tenant Cannot See The Run's Trace
    [Documentation]    Tenant isolation: asked for the same run under a different tenant (in the same probe process
    ...    as the plan's call), the coordinator returns no trace and UNSUPPORTED. Not reached when the run's own
    ...    tenant saw no trace either: an empty answer would prove nothing then.
    ${proof}=    Run Fact    proof
    ${other}=    Run Fact    other tenant proof
    IF    ${proof}[trace_count] == 0
        Skip    not reached: the run's own tenant saw no trace, so another tenant's empty answer proves nothing
    END
    Record Beyond Plan    tenant ${OTHER_TENANT_ID}: ${other}[trace_count] traces,
    ...    ${other}[integrity_model] / ${other}[verification_status]
    Should Be Equal As Integers    ${other}[trace_count]    0
    ...    tenant ${OTHER_TENANT_ID} can see ${other}[trace_count] traces of a run it does not own
    ...    values=False
    Should Be Equal    ${other}[verification_status]    UNSUPPORTED
    ...    another tenant got ${other}[verification_status] for this run    values=False
    Set Test Message
    ...    tenant ${OTHER_TENANT_ID} sees no trace: ${other}[integrity_model] / ${other}[verification_status]

The Trace Belongs To The Run's Tenant
    [Documentation]    aos_traces.tenant_id equals runs.tenant_id, which equals the tenant passed on the command line.
    ${run}=    Run Fact    run
    ${traces}=    Run Fact    trace
    Record Beyond Plan    run tenant ${run}[tenant_id], trace tenant ${traces}[0][tenant_id]
    Should Be Equal
    ...    ${traces}[0][tenant_id]
    ...    ${TENANT_ID}
    ...    aos_traces.tenant_id is '${traces}[0][tenant_id]', runs.tenant_id is '${run}[tenant_id]' (passed: '${TENANT_ID}')
    ...    values=False
    Set Test Message    trace tenant ${traces}[0][tenant_id]

The Run Records The Origin Passed, Not The CLI's Default
    [Documentation]    runs.origin_system_id equals --origin-system-id as passed, and the value passed differs from
    ...    the CLI's own default, so the stored value proves the flag was honoured.
    ${run}=    Run Fact    run
    ${default}=    Argument Should Be Optional With A Default    ${CUS_CLI}    run    --origin-system-id
    Record Beyond Plan    passed ${ORIGIN_SYSTEM_ID}, stored ${run}[origin_system_id], CLI default ${default}
    Should Not Be Equal    ${ORIGIN_SYSTEM_ID}    ${default}
    ...    ORIGIN_SYSTEM_ID equals the CLI's default '${default}': this run cannot show the flag was honoured
    ...    values=False
    Should Be Equal    ${run}[origin_system_id]    ${ORIGIN_SYSTEM_ID}
    ...    runs.origin_system_id is ${run}[origin_system_id], the command passed ${ORIGIN_SYSTEM_ID}    values=False
    Set Test Message    stored ${run}[origin_system_id], CLI default ${default}

Neighbour Runs Are Intact Under Their Own Tenant
    [Documentation]    The neighbour runs made around the proof run — an earlier run of the same tenant and a
    ...    concurrent run of OTHER_TENANT_ID — are each filed, with their traces, under their own tenant, are not the
    ...    proof run, and the earlier one's rows are exactly as they were before the proof run started.
    ${run}=    Run Fact    run
    ${neighbours}=    Run Fact    neighbours
    ${details}=    Neighbour Runs Should Be Intact    ${neighbours}    ${run}[id]
    Record Beyond Plan    @{details}
    Set Test Message    ${details}

The Backend's Code Did Not Change During The Run
    [Documentation]    Provenance: every source file under backend/ is as it was before the first backend process
    ...    started (the real v4 execution fixed code in the middle of its run). Checked last, after the others.
    Depends On Test    The Target Is Configured
    ${detail}=    Backend Source Should Be Unchanged
    Record Beyond Plan    ${detail}
    Set Test Message    ${detail}
