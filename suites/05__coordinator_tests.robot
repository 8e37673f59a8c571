*** Settings ***
Documentation    Plan §5, Coordinator Tests: `PYTHONPATH=. pytest tests/test_run_introspection_coordinators.py -q`
...              in the backend's environment. It needs no run, so it started with the suite.

Resource         ../resources/coordinator_tests.resource


*** Test Cases ***
Coordinator Tests Pass
    [Documentation]    Plan §6, criterion 5. Passes only with at least one passed test and no failure or error;
    ...    the pytest summary is the evidence.
    [Metadata]    Criterion    ${AC5}
    [Tags]    AC5
    Depends On    The Target Is Configured
    ${summary}=    Coordinator Test Results
    Should Be True    ${summary}[passed] >= 1 and ${summary}[failed] == 0 and ${summary}[errors] == 0
    ...    msg=the coordinator tests did not pass: ${summary}[line]
