*** Settings ***
Documentation    Beyond the plan: what relates the run to other runs, tenants, code and paths. The facts of the
...              run's own rows are judged by their rules (suite 07); these check that other tenants cannot see
...              the run, that the neighbour runs made around it are intact, the path a real run takes, that the
...              internal CLI creates no run, and that the backend's code did not change while it ran. Leave them
...              out with `--exclude beyond-plan`.

Library          runproof.keywords.provenance.Provenance
Resource         ../resources/beyond_the_plan.resource
Resource         ../resources/coordinator_tests.resource

Test Tags        beyond-plan

Name             Beyond The Plan


*** Test Cases ***
Another Tenant Cannot See The Run's Trace
    [Documentation]    Tenant isolation: asked for the same run under OTHER_TENANT_ID and under the tenants most
    ...    likely to leak (a prefix of the run's tenant, a case variant, a longer id starting with it), in the same
    ...    probe process and after the plan's call completed, the coordinator returns no trace and UNSUPPORTED. Not
    ...    reached when the run's own tenant saw no trace either: an empty answer would prove nothing then.
    Other Tenants Should Not See The Run's Trace

A Look-Alike Run Id Or An Empty Tenant Cannot See The Run's Trace
    [Documentation]    Isolation on every key the coordinator takes: the run id in another case, a prefix of it, the
    ...    run id with surrounding whitespace, and the run's id under an empty and a missing tenant. None may see the
    ...    trace. Not reached when the run's own tenant saw no trace either.
    Look-Alike Keys Should Not See The Run's Trace

The Origin Passed Differs From The CLI's Default
    [Documentation]    The value passed with --origin-system-id differs from the CLI's own default, so the stored
    ...    origin (its rule: runs.origin_system_id is the one passed) proves the flag was honoured.
    The Origin Passed Should Differ From The CLI's Default

Neighbour Runs Are Intact Under Their Own Tenant
    [Documentation]    The neighbour runs made around the proof run — an earlier run of the same tenant and a
    ...    concurrent run of OTHER_TENANT_ID — are each filed, with their traces, under their own tenant, are not the
    ...    proof run, and the earlier one's rows are exactly as they were before the proof run started.
    The Neighbour Runs Should Be Intact Under Their Own Tenant

Plan Generation Ran Through generate_plan_for_run In A Real Run
    [Documentation]    Plan §1 "Plan generation via `generate_plan_for_run`", observed: it executed in a real
    ...    `cus_cli run` (the earlier neighbour, run under a call tracer given on the command line), and the message
    ...    shows the chain of calls that reached it.
    [Tags]    AC2
    The Run Path Should Have Executed    generate_plan_for_run

Execution Ran Through RunRunner In A Real Run
    [Documentation]    Plan §1 "Execution via `RunRunner`", observed: `RunRunner.run` executed in a real `cus_cli run`
    ...    (the earlier neighbour, traced), and the message shows the chain of calls that reached it.
    The Run Path Should Have Executed    RunRunner

The Backend's Interpreter Has Coverage For The Coordinator Tests
    [Documentation]    The next test measures, with coverage.py in BACKEND_PYTHON, that the coordinator tests ran the
    ...    product's coordinator. The suite installs nothing into the backend's environment; it says how. A
    ...    missing coverage.py is the suite's configuration, said so: plan §5 (AC5) needs none.
    Depends On Test    The Target Is Configured
    ${version}=    The Backend's Interpreter Should Have Coverage
    Set Test Message    coverage.py ${version} answered in ${PYTHON}

The Coordinator Tests Ran The Product's Coordinator
    [Documentation]    Beyond plan §5: the coordinator tests passed (AC5), and get_run_proof and the hash-chain code of
    ...    the product's coordinator ran under them — not a copy of it, not a mock (coverage.py in the backend's
    ...    interpreter, started before the tests' conftests).
    Depends On Test    The Backend's Interpreter Has Coverage For The Coordinator Tests
    The Coordinator Tests Should Have Run The Coordinator

The Coordinator Tests Would Notice A Broken Coordinator
    [Documentation]    Beyond plan §5: AC5's "tests pass" is worth something only if the tests can fail. The product's
    ...    coordinator is broken in a few realistic ways (a link dropped from the chain, the steps read in another
    ...    order, an empty chain verified, the tenant ignored, the status coerced otherwise), one per pytest run,
    ...    through an import hook; each must make a test fail. A test defined twice or an assert on a tuple is named
    ...    too. A survivor is a finding beyond the plan, never a failure of AC5. Its own tag: five more pytest
    ...    processes, on by default; `--exclude coordinator-mutations` leaves them out (docs/performance.md).
    [Tags]    coordinator-mutations
    The Coordinator Tests Should Notice A Broken Coordinator

The Internal CLI Creates No Customer Run When Its Commands Run
    [Documentation]    Plan §1 "`int_cli.py` contains no customer run creation", by behaviour rather than by grep:
    ...    running int_cli's commands leaves no run, trace or agent row, and importing it does not import the
    ...    customer CLI.
    The Internal CLI's Commands Should Create No Run

The Backend's Code Did Not Change During The Run
    [Documentation]    Provenance: every source file under backend/ is as it was before the first backend process
    ...    started (the real v4 execution fixed code in the middle of its run). Checked last, after the others.
    Depends On Test    The Target Is Configured
    ${detail}=    Backend Source Should Be Unchanged
    Set Test Message    ${detail}
