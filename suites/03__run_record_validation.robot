*** Settings ***
Documentation    Plan §3, Run Record Validation: the plan's three queries, on the suite's read-only connection.

Resource         ../resources/database.resource

Test Setup       Depends On    Customer CLI Creates A Run With Explicit Tenant And Origin


*** Test Cases ***
Run Has Plan
    [Documentation]    Plan §3 "Run has plan": `SELECT id, tenant_id, origin_system_id, status,
    ...    plan_json IS NOT NULL AS has_plan FROM runs WHERE id = '<run_id>'`.
    [Metadata]    Criterion    ${AC2}
    [Tags]    AC2
    ${parameters}=    Run Query Parameters
    Check Row Count    ${RUN_HAS_PLAN}    ==    1    parameters=${parameters}
    ...    assertion_message=there is no runs row with id ${RUN_ID}
    ${rows}=    Query    ${RUN_HAS_PLAN}    parameters=${parameters}
    Record Evidence    plan_json_stored=${rows}[0][4]
    Check Query Result    ${RUN_HAS_PLAN}    ==    ${True}    col=4    parameters=${parameters}
    ...    assertion_message=runs.plan_json is NULL for run ${RUN_ID}: no plan was stored

Run Carries The Tenant And Origin That Were Passed
    [Documentation]    Plan §6, criterion 1: the run row has the explicit `tenant_id` and `origin_system_id` given
    ...    on the command line (not the CLI's default origin).
    [Metadata]    Criterion    ${AC1}
    [Tags]    AC1
    ${parameters}=    Run Query Parameters
    Check Query Result    ${RUN_HAS_PLAN}    ==    ${TENANT_ID}    col=1    parameters=${parameters}
    ...    assertion_message=runs.tenant_id is {value}, the command passed {expected}
    Check Query Result    ${RUN_HAS_PLAN}    ==    ${ORIGIN_SYSTEM_ID}    col=2    parameters=${parameters}
    ...    assertion_message=runs.origin_system_id is {value}, the command passed {expected}

Plan Was Stored Before Execution Started
    [Documentation]    Plan §6, criterion 2: "Plan generation occurs before execution". The trace row is opened
    ...    when execution starts and records the plan it executes: its steps must be the stored plan's steps.
    [Metadata]    Criterion    ${AC2}
    [Tags]    AC2
    ${parameters}=    Run Query Parameters
    Check Query Result
    ...    ${TRACE_RECORDED_STORED_PLAN}
    ...    ==
    ...    ${True}
    ...    parameters=${parameters}
    ...    assertion_message=the trace opened at execution start lacks the stored plan's steps: no plan_json before execution

Trace Exists
    [Documentation]    Plan §3 "Trace exists": `SELECT run_id, tenant_id, started_at, status FROM aos_traces
    ...    WHERE run_id = '<run_id>'`.
    [Metadata]    Criterion    ${AC3}
    [Tags]    AC3
    ${parameters}=    Run Query Parameters
    ${rows}=    Query    ${TRACE_EXISTS}    parameters=${parameters}
    Record Evidence    trace_rows=${{ len($rows) }}
    Check Row Count    ${TRACE_EXISTS}    >=    1    parameters=${parameters}
    ...    assertion_message=no aos_traces row for run ${RUN_ID}: the execution left no trace in Postgres

Steps Exist
    [Documentation]    Plan §3 "Steps exist": `SELECT COUNT(*) AS step_count FROM aos_trace_steps WHERE run_id =
    ...    '<run_id>'` — through aos_traces.trace_id where the schema has no aos_trace_steps.run_id.
    [Metadata]    Criterion    ${AC3}
    [Tags]    AC3
    ${count}=    Count Steps Of The Run
    Record Evidence    trace_step_count=${count}
    Should Be True    ${count} >= 1
    ...    msg=no aos_trace_steps rows for run ${RUN_ID} (trace trace_${RUN_ID}): execution left no step in Postgres
