"""Is what ran the plan that was stored? Compares runs.plan_json, the trace's recorded plan and the step rows."""

from __future__ import annotations

import json

from robot.api import logger
from robot.api.deco import keyword, library


def skills(steps: list) -> list[str]:
    return [step.get("skill") for step in steps]


@library(scope="GLOBAL")
class PlanComparison:
    @keyword
    def executed_steps_should_follow_the_stored_plan(self, plan_json: str | None, trace_plan, step_rows: list) -> str:
        """Skills, in order: runs.plan_json steps == aos_traces.plan == aos_trace_steps (by step_index)."""
        if not plan_json:
            raise AssertionError("runs.plan_json is empty: there is no stored plan to compare with")
        stored = skills(json.loads(plan_json).get("steps", []))
        recorded = skills(trace_plan if isinstance(trace_plan, list) else json.loads(trace_plan or "[]"))
        executed = [row[1] for row in sorted(step_rows, key=lambda row: row[0])]
        detail = f"stored plan {stored}, trace's recorded plan {recorded}, executed steps {executed}"
        logger.info(detail)
        if recorded != stored:
            raise AssertionError(f"the trace recorded a different plan than runs.plan_json: {detail}")
        if executed != stored:
            raise AssertionError(f"the executed steps do not follow the stored plan: {detail}")
        return detail
