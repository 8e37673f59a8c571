"""Is what ran the plan that was stored? Compares runs.plan_json, the trace's recorded plan and the step rows."""

from __future__ import annotations

import json

from robot.api.deco import keyword, library

from runproof import DOC_FORMAT, VERSION


def skills(steps: list) -> list[str]:
    return [step.get("skill") for step in steps]


def plan_steps(plan_json: str | None) -> list:
    """The steps of runs.plan_json ([] when it is empty or has none); ValueError when it is no JSON object."""
    if not plan_json:
        return []
    plan = json.loads(plan_json)
    if not isinstance(plan, dict):
        raise ValueError(f"it holds a JSON {type(plan).__name__}, not a plan object with steps (contract §3)")
    return plan.get("steps", [])


@library(scope="GLOBAL", version=VERSION, doc_format=DOC_FORMAT)
class PlanComparison:
    """Compares the stored plan, the trace's recorded plan and the executed steps."""

    @keyword
    def stored_plan_steps(self, plan_json: str | None) -> list:
        """The steps of runs.plan_json, parsed; fails in one line when it is not a JSON plan with a steps list.

        Example: `${steps}=    Stored Plan Steps    ${run}[plan_json]`
        """
        try:
            steps = plan_steps(plan_json)
        except (ValueError, AttributeError) as error:
            raise AssertionError(f"runs.plan_json is not a JSON plan: {error}") from None
        if not isinstance(steps, list):
            raise AssertionError("runs.plan_json has no list of steps")
        return steps

    @keyword
    def skills_of(self, steps: list) -> list:
        """The skill of each plan step, in order (contract §3: a step names its `skill`).

        - `steps`: plan steps (dictionaries). Returns a list of skill names (None where a step names none).

        Example: `${skills}=    Skills Of    ${steps}`
        """
        return skills(steps)
