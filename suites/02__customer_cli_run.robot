*** Settings ***
Documentation    Plan §2, Customer CLI Run (Production Path): the plan's exact command, as a process, from
...              backend/, with the plan's environment and a timeout.

Resource         ../resources/customer_cli.resource


*** Test Cases ***
Customer CLI Creates A Run With Explicit Tenant And Origin
    [Documentation]    Plan §2: runs `cus_cli run --agent-id --goal "Run proof v4 validation run" --tenant-id
    ...    --origin-system-id "run-proof-v4" --verbose` and records "Run ID, Tenant ID, Status, Error (if any)".
    ...    Exit code 0 alone is not success for this CLI: the run must have succeeded.
    [Metadata]    Criterion    ${AC1}
    [Tags]    AC1
    Depends On    Preconditions
    ${agent}=    The Agent For The Run
    ${run}=    Run The Customer CLI    ${agent}    ${GOAL}    ${TENANT_ID}    ${ORIGIN_SYSTEM_ID}
    Record The Customer CLI Run    ${run}
    Customer CLI Run Should Have Succeeded    ${run}
