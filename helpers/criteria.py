"""The plan's §6 acceptance criteria, word for word: test [Metadata], tag documentation and the evidence quote these."""

AC1 = "Customer CLI creates a run with explicit `tenant_id` and `origin_system_id`."
AC2 = "Plan generation occurs before execution and `plan_json` is stored."
AC3 = "Postgres trace rows exist for the run."
AC4 = "`RunProofCoordinator` returns `HASH_CHAIN` and `VERIFIED`."
AC5 = "Coordinator tests pass."

CRITERIA = {"AC1": AC1, "AC2": AC2, "AC3": AC3, "AC4": AC4, "AC5": AC5}

# Tags that are not criteria, documented in report.html through --tagdoc (robot.args) like the criteria.
OTHER_TAGS = {
    "policy": "The plan's policy: no manual DB inserts, no SQLite fallback, stop on failure and report evidence.",
    "precondition": "Plan §0: what must hold before the plan's first step.",
    "static": "Plan §1: facts read from the backend's source, before anything runs.",
    "beyond-plan": "Checks beyond the plan: the run's integrity recomputed from Postgres, neighbours, provenance.",
    "prerequisite": "Not selected, added to the run because a selected test needs it (run_selection).",
}
