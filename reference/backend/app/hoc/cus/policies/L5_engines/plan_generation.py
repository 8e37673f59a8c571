"""Plan generation (contract §3). It writes nothing to the database: the caller stores plan_json."""

import json
from dataclasses import dataclass, field

from app.planners import get_planner
from app.skills import get_skill_manifest


@dataclass
class PlanGenerationResult:
    plan: dict
    plan_json: str
    steps: list
    context_summary: str = ""
    memory_snippet_count: int = 0
    validation_valid: bool = True
    validation_warnings: list = field(default_factory=list)


def validate_plan(plan: dict) -> list[str]:
    errors = [] if plan.get("steps") else ["plan has no steps"]
    errors += [f"step {s.get('step_id')} has no skill" for s in plan.get("steps", []) if not s.get("skill")]
    return errors


def generate_plan_for_run(agent_id: str, goal: str, run_id: str) -> PlanGenerationResult:
    plan = get_planner().plan(agent_id=agent_id, goal=goal, tool_manifest=get_skill_manifest())
    errors = validate_plan(plan)
    if errors:
        raise RuntimeError(f"Plan validation failed: {'; '.join(errors)}")
    return PlanGenerationResult(plan=plan, plan_json=json.dumps(plan), steps=plan["steps"],
                                context_summary=f"run {run_id}: {goal[:50]}")
