*** Settings ***
Documentation    Plan §2, Customer CLI Run (Production Path): the plan's exact command, as a process, from
...              backend/, with the plan's environment and a timeout. The run it proves is read from Postgres and
...              shown to be this invocation's; the CLI's printed lines are claims checked against that row.

Resource         ../resources/customer_cli.resource

Name             §2 Customer CLI Run


*** Test Cases ***
Customer CLI Creates A Run With Explicit Tenant And Origin
    [Documentation]    Plan §2: runs `cus_cli run --agent-id --goal "Run proof v4 validation run" --tenant-id
    ...    --origin-system-id "run-proof-v4" --verbose` and records "Run ID, Tenant ID, Status, Error (if any)".
    ...    The run is new, created while the CLI ran, with the goal, agent, tenant and origin passed. Exit code 0 is
    ...    not success for this CLI: the runs row must say succeeded, and the CLI's lines must agree.
    [Metadata]    Criterion    ${AC1}
    [Tags]    AC1
    Depends On Suite    §0 Scope And Preconditions
    ${before}=    Prepare The Proof Run
    Start The Customer CLI Run
    ...    customer-cli-run
    ...    ${before}[agent]
    ...    ${GOAL}
    ...    ${TENANT_ID}
    ...    ${ORIGIN_SYSTEM_ID}
    ${run}=    Wait For The Run This Invocation Created    ${before}
    The Proof Run Should Have Succeeded    ${run}
