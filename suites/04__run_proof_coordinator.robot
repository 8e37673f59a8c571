*** Settings ***
Documentation    Plan §4, RunProofCoordinator Validation: the plan's snippet, run in the backend's interpreter,
...              cross-checked against the Postgres rows so that a fallback store cannot pass for Postgres.

Library          target.Target
Resource         ../resources/coordinator.resource

Name             §4 RunProofCoordinator Validation


*** Test Cases ***
Coordinator Snippet Runs Against The Run
    [Documentation]    Plan §4: the snippet calls `get_run_proof(session, TENANT_ID, RUN_ID)` and prints
    ...    integrity_model, verification_status, chain_length, root_hash, trace_count and step_count.
    [Metadata]    Criterion    ${AC4}
    [Tags]    AC4
    ${run}=    Run Fact    run
    ${report}=    Ask The Coordinator For The Run    ${run}[id]
    Set Run Fact    proof    ${report}[proof]
    Set Run Fact    other tenant proof    ${report}[other_tenant]
    VAR    ${proof}    ${report}[proof]
    Record Evidence    integrity_model=${proof}[integrity_model]    verification_status=${proof}[verification_status]
    ...    chain_length=${proof}[chain_length]    root_hash=${proof}[root_hash]
    Set Suite Metadata    Root hash    ${proof}[root_hash]    top=True
    Set Test Message    the backend printed: ${report}[printed]

RunProofCoordinator Returns HASH_CHAIN And VERIFIED
    [Documentation]    Plan §6, criterion 4.
    [Metadata]    Criterion    ${AC4}
    [Tags]    AC4
    ${proof}=    Run Fact    proof
    Should Be Equal    ${proof}[integrity_model]    HASH_CHAIN
    ...    the integrity model is ${proof}[integrity_model], not HASH_CHAIN (${proof}[failure_reason])    values=False
    Should Be Equal    ${proof}[verification_status]    VERIFIED
    ...    the verification status is ${proof}[verification_status], not VERIFIED (${proof}[failure_reason])
    ...    values=False
    Set Test Message    ${proof}[integrity_model] / ${proof}[verification_status]

Coordinator Verified A Chain Of At Least One Step
    [Documentation]    Plan §4's printed values: chain_length >= 1, a 64-hex sha256 root_hash, at least one trace
    ...    and one step.
    [Metadata]    Criterion    ${AC4}
    [Tags]    AC4
    ${proof}=    Run Fact    proof
    Should Be True    ${proof}[chain_length] >= 1    msg=chain_length is ${proof}[chain_length]
    Should Match Regexp    ${{ $proof['root_hash'] or '' }}    ^[0-9a-f]{64}$
    ...    msg=root_hash '${proof}[root_hash]' is not a 64-hex sha256 digest
    Should Be True    ${proof}[trace_count] >= 1    msg=the coordinator found ${proof}[trace_count] traces
    Should Be True    ${proof}[step_count] >= 1    msg=the coordinator found ${proof}[step_count] steps
    Set Test Message    chain_length ${proof}[chain_length], root_hash ${proof}[root_hash]

Coordinator Read The Same Steps As Postgres
    [Documentation]    Policy: "No SQLite fallback." The coordinator's step count must equal the Postgres step count
    ...    (the v4 report had 1 against 0, which no Postgres-backed coordinator can produce). Runs whenever both
    ...    counts exist — also when Postgres has no step at all.
    [Tags]    policy
    ${proof}=    Run Fact    proof
    ${steps}=    Run Fact    steps
    VAR    ${message}    the coordinator saw ${proof}[step_count] steps, Postgres has ${{ len($steps) }}:
    ...    it did not read the run's Postgres trace    separator=${SPACE}
    Should Be Equal As Integers    ${proof}[step_count]    ${{ len($steps) }}    ${message}    values=False
    Set Test Message    coordinator step_count ${proof}[step_count] = Postgres step rows ${{ len($steps) }}

No SQLite Trace File Was Created Or Changed
    [Documentation]    Policy: "No SQLite fallback." The backend's SQLite trace store — the run's private path and
    ...    SQLITE_TRACE_FILE — must not be touched by any backend process the suite ran.
    [Tags]    policy
    Depends On Test    The Target Is Configured
    ${detail}=    SQLite Trace Files Should Be Untouched
    Set Test Message    ${detail}
