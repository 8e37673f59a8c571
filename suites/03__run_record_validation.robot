*** Settings ***
Documentation    Plan §3, Run Record Validation: the plan's three queries, on the suite's read-only connection.

Resource         ../resources/database.resource
Resource         ../resources/customer_cli.resource

Name             §3 Run Record Validation


*** Test Cases ***
Run Has Plan
    [Documentation]    Plan §3 "Run has plan": `SELECT id, tenant_id, origin_system_id, status,
    ...    plan_json IS NOT NULL AS has_plan FROM runs WHERE id = '<run_id>'` — and the stored plan has steps.
    [Metadata]    Criterion    ${AC2}
    [Tags]    AC2
    The Run Should Have A Stored Plan

Plan Was Stored Before Execution Started
    [Documentation]    Plan §6, criterion 2: "Plan generation occurs before execution". Observed where the suite can
    ...    see PostgreSQL's statement log (its own throwaway database, or STATEMENT_LOG): the plan_json write was
    ...    committed before the first write of the trace. Always: the trace opened when execution started
    ...    records the stored plan's steps. Without a log the evidence says the order is inferred.
    [Metadata]    Criterion    ${AC2}
    [Tags]    AC2
    Plan Should Have Been Stored Before Execution

Trace Exists
    [Documentation]    Plan §3 "Trace exists": `SELECT run_id, tenant_id, started_at, status FROM aos_traces
    ...    WHERE run_id = '<run_id>'`.
    [Metadata]    Criterion    ${AC3}
    [Tags]    AC3
    Trace Rows Should Exist For The Run

Steps Exist
    [Documentation]    Plan §3 "Steps exist": `SELECT COUNT(*) AS step_count FROM aos_trace_steps WHERE run_id =
    ...    '<run_id>'` — through aos_traces.trace_id where the schema has no aos_trace_steps.run_id.
    [Metadata]    Criterion    ${AC3}
    [Tags]    AC3
    Step Rows Should Exist For The Run

The Run Used http_call As The Skill Registry Listed
    [Documentation]    Plan §0: "Skill registry includes `http_call` or the selected run plan will not use
    ...    `http_call`", checked again once the run exists: the registry's word against the run's plan, its
    ...    executed steps and, where the suite answers http_call, the request its step made.
    [Tags]    precondition
    The Run Should Have Used The Registry's HTTP Call Skill
