*** Settings ***
Documentation    Plan §0, Scope and Preconditions. Every later step that touches the database or runs the
...              backend depends on these.

Library          runproof.keywords.static_checks.StaticChecks
Resource         ../resources/database.resource
Resource         ../resources/environment.resource
Resource         ../resources/customer_cli.resource
Resource         ../resources/coordinator_tests.resource

Test Tags        precondition

Name             §0 Scope And Preconditions


*** Test Cases ***
The Target Is Configured
    [Documentation]    The backend (SUT_ROOT), its interpreter (BACKEND_PYTHON), the database (DATABASE_URL) and the
    ...    run's inputs (TENANT_ID, AGENT_ID, OTHER_TENANT_ID) are usable. Bad input stops here, in one line,
    ...    before anything runs.
    The Target Should Be Configured

Local DB Is Reachable
    [Documentation]    Plan §0: "Local DB is reachable and migrated to head."
    Depends On Test    The Target Is Configured
    ${version}=    Connect To The Target Database Read-Only
    Set Test Message    PostgreSQL ${version} answered on a read-only connection

Local DB Is Migrated To Head
    [Documentation]    Plan §0: "Local DB is reachable and migrated to head." The alembic_version row must equal
    ...    the head revision of backend/alembic/versions.
    Depends On Test    Local DB Is Reachable
    ${head}=    Alembic Head Revision    ${BACKEND_DIR}
    Database Should Be At The Head Revision    ${head}
    Set Suite Metadata    Alembic head    ${head}    top=True
    Set Test Message    alembic_version is ${head}, the head of backend/alembic/versions

The Suite's Own Connection Cannot Write
    [Documentation]    Policy: "No manual DB inserts." The suite's own connection refuses an INSERT.
    [Tags]    policy
    Depends On Test    Local DB Is Migrated To Head
    ${refusal}=    The Suite's Connection Should Refuse To Write
    Set Test Message    an INSERT through the suite's connection was refused: ${refusal}

USE_POSTGRES_TRACES Is True For Every Backend Process
    [Documentation]    Plan §0: "USE_POSTGRES_TRACES=true." Every backend process the suite starts gets this environment.
    Depends On Test    The Target Is Configured
    ${value}=    Backend Environment Value    USE_POSTGRES_TRACES
    Should Be Equal    ${value}    true
    ...    USE_POSTGRES_TRACES is '${value}': the plan requires true (no SQLite fallback)    values=False
    Set Test Message    every backend process gets USE_POSTGRES_TRACES=true

Skill Registry Includes http_call
    [Documentation]    Plan §0: "Skill registry includes `http_call` or the selected run plan will not use
    ...    `http_call`." Asked through the backend's own `cus_cli list-skills`.
    Depends On Test    The Target Is Configured
    ${skills}=    The Skill Registry Should Include The HTTP Call Skill
    Set Test Message    cus_cli list-skills lists ${skills}

Customer CLI Imports The Plan Generator And The Runner
    [Documentation]    Plan §0: "`cus_cli.py` imports `generate_plan_for_run` from
    ...    `app.hoc.cus.policies.L5_engines.plan_generation` and `RunRunner` from `app.hoc.int.worker.runner`."
    Depends On Test    The Target Is Configured
    Source Should Import    ${CUS_CLI}    generate_plan_for_run    app.hoc.cus.policies.L5_engines.plan_generation
    Source Should Import    ${CUS_CLI}    RunRunner    app.hoc.int.worker.runner
    Set Test Message    cus_cli.py imports both from the modules the plan names
