*** Settings ***
Documentation     Run Proof Test Plan v4 (HOC) — CLI Canonical Path Validation.
...
...               Goal: "Validate the customer CLI run path after canonicalization and worker relocation, using the
...               same plan generation flow as the API, with no workarounds."
...
...               Policy: "No manual DB inserts. No SQLite fallback. Stop on failure and report evidence."
...               The suite's own database connection is read-only; the run's facts are read from Postgres, and what
...               the product prints is checked against them; a test whose input was not established is "not
...               reached"; evidence.md and evidence.json are written on every run, also an interrupted one.
Metadata          Plan    Run Proof Test Plan v4 (2026-02-09)

Resource          ../resources/environment.resource

Suite Setup       Start The Test Environment
Suite Teardown    Stop The Test Environment

Name              Run Proof Test Plan v4
