*** Settings ***
Documentation    Plan §0, Scope and Preconditions. Every later step that touches the database or runs the
...              backend depends on these.

Library          static_checks.StaticChecks
Resource         ../resources/database.resource
Resource         ../resources/customer_cli.resource

Test Tags        precondition


*** Test Cases ***
The Target Is Configured
    [Documentation]    The backend (SUT_ROOT), its interpreter (BACKEND_PYTHON), the database (DATABASE_URL) and the
    ...    run's inputs (TENANT_ID, AGENT_ID) are usable. Bad input stops here, in one line, before anything runs.
    Should Be Empty    ${SETUP_ERROR}    ${SETUP_ERROR}

Local DB Is Reachable
    [Documentation]    Plan §0: "Local DB is reachable and migrated to head."
    Depends On    The Target Is Configured
    Connect To The Target Database Read-Only

Local DB Is Migrated To Head
    [Documentation]    Plan §0: "Local DB is reachable and migrated to head." The alembic_version row must equal
    ...    the head revision of backend/alembic/versions.
    Depends On    Local DB Is Reachable
    ${head}=    Alembic Head Revision    ${BACKEND_DIR}
    Database Should Be At The Head Revision    ${head}
    Set Suite Metadata    Alembic head    ${head}    top=True

The Suite's Own Connection Cannot Write
    [Documentation]    Policy: "No manual DB inserts." The suite's own connection refuses an INSERT.
    Depends On    Local DB Is Migrated To Head
    The Suite's Connection Should Refuse To Write

USE_POSTGRES_TRACES Is True For Every Backend Process
    [Documentation]    Plan §0: "USE_POSTGRES_TRACES=true." Every backend process the suite starts gets this environment.
    Depends On    The Target Is Configured
    Should Be Equal    ${BACKEND_ENV}[USE_POSTGRES_TRACES]    true
    ...    USE_POSTGRES_TRACES is '${BACKEND_ENV}[USE_POSTGRES_TRACES]': the plan requires true (no SQLite fallback)
    ...    values=False

Skill Registry Includes http_call
    [Documentation]    Plan §0: "Skill registry includes `http_call` or the selected run plan will not use
    ...    `http_call`." Asked through the backend's own `cus_cli list-skills`.
    Depends On    The Target Is Configured
    ${skills}=    Registered Skills
    Should Contain    ${skills}    http_call    the skill registry has no http_call; it lists ${skills}    values=False

Customer CLI Imports The Plan Generator And The Runner
    [Documentation]    Plan §0: "`cus_cli.py` imports `generate_plan_for_run` from
    ...    `app.hoc.cus.policies.L5_engines.plan_generation` and `RunRunner` from `app.hoc.int.worker.runner`."
    Depends On    The Target Is Configured
    Source Should Import    ${CUS_CLI}    generate_plan_for_run    app.hoc.cus.policies.L5_engines.plan_generation
    Source Should Import    ${CUS_CLI}    RunRunner    app.hoc.int.worker.runner
