*** Settings ***
Documentation    Plan §1, Static Verification (No Execution Yet). Each fact is read by parsing the source. A call
...              must be in the file; following it from the `run` command's handler is supporting evidence that fails
...              only on a call it can show unreachable (WARN "could not follow" where it cannot decide). The path a
...              real run takes is observed beyond the plan. The plan's `rg` search is logged as evidence.

Library          runproof.keywords.static_checks.StaticChecks
Resource         ../resources/variables.resource

Suite Setup      Run The Plan's Search    ${SUT_ROOT}    ${CUS_CLI}    ${PLAN_SEARCH}
Test Setup       Depends On Test    The Target Is Configured

Test Tags        static

Name             §1 Static Verification


*** Test Cases ***
Customer CLI Requires --tenant-id
    [Documentation]    Plan §1: `cus_cli.py` contains "Required CLI arg `--tenant-id`".
    [Metadata]    Criterion    ${AC1}
    [Tags]    AC1
    ${line}=    Argument Should Be Required    ${CUS_CLI}    run    --tenant-id
    Set Test Message    ${line}

Customer CLI Has An Optional --origin-system-id With A Default
    [Documentation]    Plan §1: `cus_cli.py` contains "Optional CLI arg `--origin-system-id` with default".
    [Metadata]    Criterion    ${AC1}
    [Tags]    AC1
    ${default}=    Argument Should Be Optional With A Default    ${CUS_CLI}    run    --origin-system-id
    Set Test Message    --origin-system-id is optional, default '${default}'

Customer CLI Generates The Plan With generate_plan_for_run
    [Documentation]    Plan §1: `cus_cli.py` contains "Plan generation via `generate_plan_for_run`": the file calls
    ...    it, and the call is not provably unreachable from the `run` command's handler.
    [Metadata]    Criterion    ${AC2}
    [Tags]    AC2
    ${chain}=    Call Should Be Reachable From The Command    ${CUS_CLI}    run    generate_plan_for_run
    Set Test Message    ${chain}

Customer CLI Executes The Run With RunRunner
    [Documentation]    Plan §1: `cus_cli.py` contains "Execution via `RunRunner`": the file calls it, and the call
    ...    is not provably unreachable from the `run` command's handler.
    ${chain}=    Call Should Be Reachable From The Command    ${CUS_CLI}    run    RunRunner
    Set Test Message    ${chain}

Internal CLI Creates No Customer Run
    [Documentation]    Plan §1: "`backend/app/hoc/int/integrations/int_cli.py` contains no customer run creation."
    ...    A missing file passes, and the message says it is missing.
    ${state}=    Source Should Create No Customer Run    ${INT_CLI}
    Set Test Message    int_cli.py: ${state}
