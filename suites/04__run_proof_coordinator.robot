*** Settings ***
Documentation    Plan §4, RunProofCoordinator Validation: the plan's snippet, run in the backend's interpreter,
...              cross-checked against the Postgres rows so that a fallback store cannot pass for Postgres.

Library          target.Target
Resource         ../resources/coordinator.resource

Test Tags        AC4


*** Test Cases ***
Coordinator Snippet Runs Against The Run
    [Documentation]    Plan §4: the snippet calls `get_run_proof(session, TENANT_ID, RUN_ID)` and prints
    ...    integrity_model, verification_status, chain_length, root_hash, trace_count and step_count.
    [Metadata]    Criterion    ${AC4}
    Depends On    Customer CLI Creates A Run With Explicit Tenant And Origin
    Run The Plan's Coordinator Snippet

RunProofCoordinator Returns HASH_CHAIN And VERIFIED
    [Documentation]    Plan §6, criterion 4.
    [Metadata]    Criterion    ${AC4}
    Depends On    Coordinator Snippet Runs Against The Run
    Should Be Equal    ${PROOF}[integrity_model]    HASH_CHAIN
    ...    the integrity model is ${PROOF}[integrity_model], not HASH_CHAIN (${PROOF}[failure_reason])    values=False
    Should Be Equal
    ...    ${PROOF}[verification_status]
    ...    VERIFIED
    ...    the verification status is ${PROOF}[verification_status], not VERIFIED (${PROOF}[failure_reason])
    ...    values=False

Coordinator Verified A Chain Of At Least One Step
    [Documentation]    Plan §4's printed values: chain_length >= 1, a 64-hex sha256 root_hash, at least one trace
    ...    and one step.
    [Metadata]    Criterion    ${AC4}
    Depends On    Coordinator Snippet Runs Against The Run
    Should Be True    ${PROOF}[chain_length] >= 1    msg=chain_length is ${PROOF}[chain_length]
    Should Match Regexp    ${{ $PROOF['root_hash'] or '' }}    ^[0-9a-f]{64}$
    ...    msg=root_hash '${PROOF}[root_hash]' is not a 64-hex sha256 digest
    Should Be True    ${PROOF}[trace_count] >= 1    msg=the coordinator found ${PROOF}[trace_count] traces
    Should Be True    ${PROOF}[step_count] >= 1    msg=the coordinator found ${PROOF}[step_count] steps

Coordinator Read The Same Steps As Postgres
    [Documentation]    Policy: "No SQLite fallback." The coordinator's step count must equal the Postgres step count
    ...    (the v4 report had 1 against 0, which no Postgres-backed coordinator can produce).
    [Metadata]    Criterion    ${AC4}
    Depends On    Coordinator Snippet Runs Against The Run    Steps Exist
    ${postgres}=    Evidence Value    trace_step_count
    Should Be Equal As Integers
    ...    ${PROOF}[step_count]
    ...    ${postgres}
    ...    the coordinator saw ${PROOF}[step_count] steps, Postgres has ${postgres}: it did not read the run's Postgres trace
    ...    values=False

No SQLite Trace File Was Created Or Changed
    [Documentation]    Policy: "No SQLite fallback." The backend's SQLite trace store must not be touched by the run.
    [Metadata]    Criterion    ${AC4}
    Depends On    Coordinator Snippet Runs Against The Run
    ${after}=    File Fingerprint    ${SQLITE_TRACE_FILE}
    Should Be Equal    ${after}    ${SQLITE_BEFORE}
    ...    the SQLite fallback was used: ${SQLITE_TRACE_FILE} was ${SQLITE_BEFORE}, now ${after}
    ...    values=False
