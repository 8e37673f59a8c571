*** Settings ***
Documentation    Plan §3, Run Record Validation: the plan's three queries, on the suite's read-only connection.

Library          plan_comparison.PlanComparison
Library          statement_log.StatementLog
Resource         ../resources/database.resource
Resource         ../resources/customer_cli.resource

Name             §3 Run Record Validation


*** Test Cases ***
Run Has Plan
    [Documentation]    Plan §3 "Run has plan": `SELECT id, tenant_id, origin_system_id, status,
    ...    plan_json IS NOT NULL AS has_plan FROM runs WHERE id = '<run_id>'` — and the stored plan has steps.
    [Metadata]    Criterion    ${AC2}
    [Tags]    AC2
    ${run}=    Run Fact    run
    VAR    @{parameters}    ${run}[id]
    TRY
        Check Query Result    ${RUN_HAS_PLAN}    ==    ${True}    col=4    parameters=${parameters}
        ...    assertion_message=runs.plan_json is NULL for run ${run}[id]: no plan was stored
    EXCEPT    AS    ${error}
        Record Evidence    plan_json_stored=${False}
        Fail    ${error}
    END
    Record Evidence    plan_json_stored=${True}
    ${steps}=    Stored Plan Steps    ${run}[plan_json]
    Should Not Be Empty    ${steps}    runs.plan_json of run ${run}[id] has no steps
    Set Test Message
    ...    has_plan true: plan_json holds ${{ len($steps) }} step(s), skills ${{ [s.get('skill') for s in $steps] }}

Run Carries The Tenant And Origin That Were Passed
    [Documentation]    Plan §6, criterion 1, on the plan's §3 query: the run row has the explicit `tenant_id` and
    ...    `origin_system_id` given on the command line (not the CLI's default origin).
    [Metadata]    Criterion    ${AC1}
    [Tags]    AC1
    ${run}=    Run Fact    run
    VAR    @{parameters}    ${run}[id]
    Check Query Result    ${RUN_HAS_PLAN}    ==    ${TENANT_ID}    col=1    parameters=${parameters}
    ...    assertion_message=runs.tenant_id is {value}, the command passed {expected}
    Check Query Result    ${RUN_HAS_PLAN}    ==    ${ORIGIN_SYSTEM_ID}    col=2    parameters=${parameters}
    ...    assertion_message=runs.origin_system_id is {value}, the command passed {expected}
    Set Test Message    tenant_id ${TENANT_ID}, origin_system_id ${ORIGIN_SYSTEM_ID}

Plan Was Stored Before Execution Started
    [Documentation]    Plan §6, criterion 2: "Plan generation occurs before execution". Observed where the suite can
    ...    see PostgreSQL's statement log (its own throwaway database, or STATEMENT_LOG): the plan_json write was
    ...    committed before the first write of the trace. Always: the trace opened when execution started
    ...    records the stored plan's steps. Without a log the evidence says the order is inferred.
    [Metadata]    Criterion    ${AC2}
    [Tags]    AC2
    ${run}=    Run Fact    run
    VAR    @{parameters}    ${run}[id]
    ${order}=    Plan Should Have Been Stored Before The Trace    ${run}[id]
    Check Query Result
    ...    ${TRACE_RECORDED_STORED_PLAN}
    ...    ==
    ...    ${True}
    ...    parameters=${parameters}
    ...    assertion_message=the trace opened at execution start lacks the stored plan's steps: no plan_json before execution
    Set Test Message    ${order}[how]: ${order}[detail]

Trace Exists
    [Documentation]    Plan §3 "Trace exists": `SELECT run_id, tenant_id, started_at, status FROM aos_traces
    ...    WHERE run_id = '<run_id>'`.
    [Metadata]    Criterion    ${AC3}
    [Tags]    AC3
    ${run}=    Run Fact    run
    VAR    @{parameters}    ${run}[id]
    ${traces}=    The Traces Of The Run    ${run}[id]
    Record Evidence    trace_rows=${{ len($traces) }}
    Check Row Count    ${TRACE_EXISTS}    >=    1    parameters=${parameters}
    ...    assertion_message=no aos_traces row for run ${run}[id]: the execution left no trace in Postgres
    Set Run Fact    trace    ${traces}
    Set Test Message    ${{ len($traces) }} aos_traces row(s) for run ${run}[id], status ${traces}[0][status]

Steps Exist
    [Documentation]    Plan §3 "Steps exist": `SELECT COUNT(*) AS step_count FROM aos_trace_steps WHERE run_id =
    ...    '<run_id>'` — through aos_traces.trace_id where the schema has no aos_trace_steps.run_id.
    [Metadata]    Criterion    ${AC3}
    [Tags]    AC3
    ${run}=    Run Fact    run
    ${count}=    Count The Steps As The Plan Writes It    ${run}[id]
    ${steps}=    The Step Rows Of The Run    ${run}[id]
    Set Run Fact    steps    ${steps}
    Record Evidence    trace_step_count=${count}
    Should Be True    ${count} >= 1
    ...    msg=no aos_trace_steps rows for run ${run}[id] (trace trace_${run}[id]): execution left no step in Postgres
    Set Test Message    step_count ${count}

The Run Used http_call As The Skill Registry Listed
    [Documentation]    Plan §0: "Skill registry includes `http_call` or the selected run plan will not use
    ...    `http_call`", checked again once the run exists: the registry's word against the run's plan, its
    ...    executed steps and, where the suite answers http_call, the request its step made.
    [Tags]    precondition
    ${detail}=    The Run Should Have Used The Registry's HTTP Call Skill
    Set Test Message    ${detail}
