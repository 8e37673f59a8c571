*** Settings ***
Name                §2 Customer CLI Run
Documentation       Plan §2, Customer CLI Run (Production Path): the plan's exact command, as a process, from
...                 backend/, with the plan's environment and a timeout. The run it proves is read from Postgres and
...                 shown to be this invocation's; the CLI's printed lines are claims checked against that row.

Resource            ../resources/customer_cli.resource


*** Test Cases ***
Customer CLI Creates A Run With Explicit Tenant And Origin
    [Documentation]    Plan §2: runs `cus_cli run --agent-id --goal "Run proof v4 validation run" --tenant-id
    ...    --origin-system-id "run-proof-v4" --verbose` and records "Run ID, Tenant ID, Status, Error (if any)".
    ...    The run is new, created while the CLI ran, with the goal and agent passed, and the tenant gained no other run;
    ...    its tenant and origin are checked on the plan's §3 query. Exit code 0
    ...    is not success for this CLI: the runs row must say succeeded, and the CLI's lines must agree with it.
    [Tags]    AC1
    [Metadata]    Criterion    ${AC1}
    Depends On Suite    §0 Scope And Preconditions
    ${agent}=    Get Or Create The Agent
    Set Run Fact    agent    ${agent}
    ${neighbours}=    Make The Neighbour Runs    ${agent}
    Set Run Fact    neighbours    ${neighbours}
    ${before}=    Take A Snapshot Of The Tenant's Runs    ${TENANT_ID}
    Set Run Fact    history    ${before}[history]
    Record Evidence    history=${before}[history]
    Start The Customer CLI Run    customer-cli-run    ${agent}    ${GOAL}    ${TENANT_ID}    ${ORIGIN_SYSTEM_ID}
    ${claims}=    Wait For The Customer CLI Claims    customer-cli-run    ${before}
    Set Run Fact    cli claims    ${claims}
    ${after}=    The Database Clock
    ${new}=    New Runs Of The Tenant    ${before}
    ${row}=    The Run Row    ${{ $claims['run_id'] or '' }}
    Record The Run    ${row}    ${claims}
    Run Should Be This Invocation's    ${row}    ${claims}    ${before}    ${after}    ${new}
    Run Should Carry The Goal And Agent Passed    ${row}    ${agent}    ${GOAL}
    No Other Run Of The Tenant Should Be New    ${row}    ${new}    ${TENANT_ID}
    ${proof}=    Run Should Have Succeeded    ${row}    ${claims}
    Set Run Fact    run    ${row}
    Set Test Message    ${proof}; tenant_id ${row}[tenant_id], origin_system_id ${row}[origin_system_id]
