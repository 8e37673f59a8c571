*** Settings ***
Documentation    Plan §5, Coordinator Tests: `PYTHONPATH=. pytest tests/test_run_introspection_coordinators.py -q`
...              in the backend's environment. It needs no run, so it started with the suite.

Resource         ../resources/coordinator_tests.resource

Name             §5 Coordinator Tests


*** Test Cases ***
Coordinator Tests Pass
    [Documentation]    Plan §6, criterion 5. pytest's exit code is a claim; the counts decide: at least one passed, and
    ...    no failed, errored, skipped or deselected test.
    [Metadata]    Criterion    ${AC5}
    [Tags]    AC5
    Depends On Test    The Target Is Configured
    ${summary}=    The Coordinator Tests Should Have Passed
    Set Test Message    ${summary}
