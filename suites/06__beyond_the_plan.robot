*** Settings ***
Documentation    Beyond the plan: checks that do not take the backend's word for it. The coordinator's VERIFIED
...              compares nothing (it hashes whatever steps it reads), so these recompute and cross-check the
...              run's integrity from the Postgres rows. Leave them out with `--exclude beyond-plan`.

Library          hash_chain.HashChain
Library          plan_comparison.PlanComparison
Library          static_checks.StaticChecks
Resource         ../resources/database.resource

Test Setup       Depends On    Customer CLI Creates A Run With Explicit Tenant And Origin

Test Tags        beyond-plan


*** Test Cases ***
Root Hash Recomputed From Postgres Equals The Coordinator's
    [Documentation]    The contract's HASH_CHAIN (sha256 of the run id, then `step_index:skill_name:status` per step,
    ...    with the store's status coercion), recomputed in the suite's own process from aos_trace_steps.
    Depends On    Coordinator Snippet Runs Against The Run
    ${rows}=    Step Rows Of The Run
    ${recomputed}=    Root Hash From Step Rows    ${RUN_ID}    ${rows}
    Record Beyond Plan    recomputed ${recomputed} from ${{ len($rows) }} Postgres step rows;
    ...    coordinator ${PROOF}[root_hash] with chain_length ${PROOF}[chain_length]
    Should Be Equal    ${recomputed}    ${PROOF}[root_hash]
    ...    the root hash recomputed from Postgres (${recomputed}) differs from the coordinator's (${PROOF}[root_hash])
    ...    values=False
    Should Be Equal As Integers
    ...    ${{ len($rows) }}
    ...    ${PROOF}[chain_length]
    ...    Postgres has ${{ len($rows) }} steps, the coordinator's chain_length is ${PROOF}[chain_length]
    ...    values=False

Executed Steps Follow The Stored Plan
    [Documentation]    The skills and order of the steps in Postgres match the steps of runs.plan_json, and so does
    ...    the plan the trace recorded when execution started.
    ${parameters}=    Run Query Parameters
    ${plans}=    Query    ${STORED_AND_TRACED_PLAN}    parameters=${parameters}
    Should Not Be Empty    ${plans}    the run ${RUN_ID} has no trace to compare with its plan
    ${rows}=    Step Rows Of The Run
    ${detail}=    Executed Steps Should Follow The Stored Plan    ${plans}[0][0]    ${plans}[0][1]    ${rows}
    Record Beyond Plan    ${detail}

A Succeeded Run Has Only Succeeded Steps
    [Documentation]    Offline, the real backend records a failed http_call step inside a succeeded run, and the
    ...    coordinator still says VERIFIED. A succeeded run must have no step that did not succeed.
    ${rows}=    Step Rows Of The Run
    ${statuses}=    Evaluate    [row[2] for row in $rows]
    ${status}=    Evidence Value    run_status
    Record Beyond Plan    run status ${status}; step statuses ${statuses}
    ${parameters}=    Run Query Parameters
    Check Row Count    ${STEPS_NOT_SUCCEEDED}    ==    0    parameters=${parameters}
    ...    assertion_message=the run succeeded but {value} of its steps did not: statuses ${statuses}

The Trace Is Completed, Not Left Running
    [Documentation]    The trace of a finished run is `completed` with completed_at set — not stuck at `running`
    ...    (the v4 defect, caused by a trigger that blocked complete_trace).
    ${parameters}=    Run Query Parameters
    ${trace}=    Query    ${TRACE_COMPLETION}    parameters=${parameters}
    Record Beyond Plan    trace status ${trace}[0][0], completed_at set: ${trace}[0][1]
    Check Query Result    ${TRACE_COMPLETION}    ==    completed    parameters=${parameters}
    ...    assertion_message=the trace of a succeeded run is {value}, not completed
    Check Query Result    ${TRACE_COMPLETION}    ==    ${True}    col=1    parameters=${parameters}
    ...    assertion_message=the trace has no completed_at

Every Step Was Written By The Engine
    [Documentation]    Every step row has source='engine': no after-the-fact backfill by the CLI (`cli_backfill`).
    Depends On    Steps Exist
    ${rows}=    Step Rows Of The Run
    ${sources}=    Evaluate    sorted({row[3] for row in $rows})
    Record Beyond Plan    step sources ${sources}
    ${parameters}=    Run Query Parameters
    Check Row Count
    ...    ${STEPS_NOT_BY_ENGINE}
    ...    ==
    ...    0
    ...    parameters=${parameters}
    ...    assertion_message={value} step rows were not written by the engine (sources ${sources}): the CLI backfilled them

Another Tenant Cannot See The Run's Trace
    [Documentation]    Tenant isolation: asked for the same run under a different tenant (in the same probe
    ...    process as the plan's call), the coordinator returns no trace and UNSUPPORTED.
    Depends On    Coordinator Snippet Runs Against The Run
    Record Beyond Plan    tenant ${OTHER_TENANT_ID}: ${OTHER_TENANT_PROOF}[trace_count] traces,
    ...    ${OTHER_TENANT_PROOF}[integrity_model] / ${OTHER_TENANT_PROOF}[verification_status]
    Should Be Equal As Integers    ${OTHER_TENANT_PROOF}[trace_count]    0
    ...    tenant ${OTHER_TENANT_ID} can see ${OTHER_TENANT_PROOF}[trace_count] traces of a run it does not own
    ...    values=False
    Should Be Equal    ${OTHER_TENANT_PROOF}[verification_status]    UNSUPPORTED
    ...    another tenant got ${OTHER_TENANT_PROOF}[verification_status] for this run    values=False

The Trace Belongs To The Run's Tenant
    [Documentation]    aos_traces.tenant_id equals runs.tenant_id, which equals the tenant passed on the command line.
    ${parameters}=    Run Query Parameters
    ${tenants}=    Query    ${RUN_AND_TRACE_TENANT}    parameters=${parameters}
    Record Beyond Plan    run tenant ${tenants}[0][0], trace tenant ${tenants}[0][1]
    Check Query Result    ${RUN_AND_TRACE_TENANT}    ==    ${TENANT_ID}    col=1    parameters=${parameters}
    ...    assertion_message=the trace is recorded under tenant {value}, the run belongs to {expected}

The Run Records The Origin Passed, Not The CLI's Default
    [Documentation]    runs.origin_system_id equals --origin-system-id as passed, and the value passed differs from
    ...    the CLI's own default, so the stored value proves the flag was honoured.
    ${default}=    Argument Should Be Optional With A Default    ${CUS_CLI}    run    --origin-system-id
    ${parameters}=    Run Query Parameters
    ${origin}=    Query    SELECT origin_system_id FROM runs WHERE id = %s    parameters=${parameters}
    Record Beyond Plan    passed ${ORIGIN_SYSTEM_ID}, stored ${origin}[0][0], CLI default ${default}
    Should Not Be Equal    ${ORIGIN_SYSTEM_ID}    ${default}
    ...    ORIGIN_SYSTEM_ID equals the CLI's default '${default}': this run cannot show the flag was honoured
    ...    values=False
    Check Query Result    SELECT origin_system_id FROM runs WHERE id = %s    ==    ${ORIGIN_SYSTEM_ID}
    ...    parameters=${parameters}
    ...    assertion_message=runs.origin_system_id is {value}, the command passed {expected}
