*** Settings ***
Documentation    Plan §5, Coordinator Tests: `PYTHONPATH=. pytest tests/test_run_introspection_coordinators.py -q`
...              in the backend's environment, with the suite's observer plugin and coverage.py added (a plan
...              deviation). It needs no run, so it started with the suite.

Resource         ../resources/coordinator_tests.resource

Name             §5 Coordinator Tests


*** Test Cases ***
Coordinator Tests Pass
    [Documentation]    Plan §6, criterion 5, observed inside pytest rather than read from its closing line: every test
    ...    the file defines was collected, every item ran and passed, and get_run_proof and the hash-chain code of the
    ...    product's coordinator ran under them.
    [Metadata]    Criterion    ${AC5}
    [Tags]    AC5
    Depends On Test    The Target Is Configured
    The Coordinator Tests Ran The Coordinator And Passed
