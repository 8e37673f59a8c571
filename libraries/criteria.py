"""The plan's §6 acceptance criteria, word for word: test [Metadata] and evidence.md both quote these."""

AC1 = "Customer CLI creates a run with explicit `tenant_id` and `origin_system_id`."
AC2 = "Plan generation occurs before execution and `plan_json` is stored."
AC3 = "Postgres trace rows exist for the run."
AC4 = "`RunProofCoordinator` returns `HASH_CHAIN` and `VERIFIED`."
AC5 = "Coordinator tests pass."

CRITERIA = {"AC1": AC1, "AC2": AC2, "AC3": AC3, "AC4": AC4, "AC5": AC5}
