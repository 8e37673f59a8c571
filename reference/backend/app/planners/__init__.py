"""Planner selection by PLANNER_BACKEND (contract §3). Only the stub planner is mirrored."""

import os

DEFAULT_HTTP_CALL_URL = "https://api.github.com/zen"


class StubPlanner:
    """One http_call step. REFERENCE_HTTP_CALL_URL redirects the call (tests answer it on 127.0.0.1)."""

    def plan(self, agent_id: str, goal: str, tool_manifest: list[dict]) -> dict:
        skill = tool_manifest[0]["name"] if tool_manifest else "http_call"
        url = os.environ.get("REFERENCE_HTTP_CALL_URL") or DEFAULT_HTTP_CALL_URL
        return {
            "plan_id": f"stub-{agent_id[:8]}",
            "agent_id": agent_id,
            "goal": goal,
            "planner": "stub",
            "steps": [{
                "step_id": 1,
                "description": f"Execute goal: {goal[:50]}",
                "skill": skill,
                "params": {"url": url, "method": "GET"},
                "depends_on": [],
            }],
            "metadata": {"model": None, "tokens_used": 0, "latency_ms": 0},
        }


def get_planner():
    backend = os.environ.get("PLANNER_BACKEND", "stub")
    if backend == "anthropic":
        raise RuntimeError("the anthropic planner is not part of the reference backend")
    if backend == "openai":
        raise ImportError("No module named 'app.planners.openai_adapter'")
    return StubPlanner()
