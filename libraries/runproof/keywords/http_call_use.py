"""Plan §0's precondition — "Skill registry includes `http_call` or the selected run plan will not use
`http_call`" — checked again once the run exists, against what the run really planned, executed and called.

`list-skills` is the product's word; the run's stored plan, its step rows and the requests the suite's own
http_call answer received are the facts.
"""

from __future__ import annotations

import json

from robot.api import logger
from robot.api.deco import keyword, library
from robot.api.exceptions import SkipExecution

from runproof import DOC_FORMAT, VERSION
from runproof.keywords.evidence import record_into_the_run_evidence

SKILL = "http_call"


def succeeded_calls(steps: list[dict]) -> int:
    """The step rows of the http_call skill that succeeded: the requests the suite's answer must have received."""
    return sum(step.get("status") == "succeeded" for step in steps
               if (step.get("skill_name") or step.get("skill_id")) == SKILL)


def planned_steps(plan_json: str | None) -> list[dict]:
    try:
        plan = json.loads(plan_json) if plan_json else {}
    except ValueError:
        return []
    steps = plan.get("steps") if isinstance(plan, dict) else None
    return [s for s in steps or [] if isinstance(s, dict)]


@library(scope="GLOBAL", version=VERSION, doc_format=DOC_FORMAT)
class HttpCallUse:
    """Did the run use the http_call the registry lists?"""

    @keyword("Planned HTTP Call URL")
    def planned_http_call_url(self, plan_json: str | None) -> str:
        """The URL of the stored plan's first http_call step (empty when it plans none).

        Example: `${url}=    Planned HTTP Call URL    ${run}[plan_json]`
        """
        for step in planned_steps(plan_json):
            if step.get("skill") == SKILL:
                return str((step.get("params") or {}).get("url") or "")
        return ""

    @keyword("Run Should Use HTTP Call As The Registry Lists It")
    def run_should_use_http_call(self, skills: list[str], run: dict, steps: list[dict], url: str = "",
                                 hits: int | None = None) -> str:
        """When the registry lists http_call, the run's plan and its executed steps use http_call, and — where the
        suite answers http_call itself (`hits` is not None) — its answer received exactly one request per http_call
        step of the run that succeeded (the URL is the run's own, so no other run's request counts); when the
        registry does not list it, the plan does not use it.

        Given `skills` — from `list-skills`; `run` — the runs row; `steps` — its step rows; `url` — the planned
        http_call URL; `hits` — requests on that URL to the suite's answer (None: not the suite's answer).
        Returns what was compared.

        Example: `${detail}=    Run Should Use HTTP Call As The Registry Lists It    ${skills}    ${run}    ${steps}`
        """
        # What the run used is read from its rows; without them there is nothing to compare (their own tests fail).
        if not planned_steps(run.get("plan_json")):
            raise SkipExecution(f"not reached: runs.plan_json of run {run['id']} holds no plan (see Run Has Plan)")
        if not steps:
            raise SkipExecution(f"not reached: run {run['id']} has no step rows (see Steps Exist)")
        planned = [s.get("skill") for s in planned_steps(run.get("plan_json"))]
        executed = [s.get("skill_name") or s.get("skill_id") for s in steps]
        facts = f"the run's plan names {planned}, its executed steps ran {executed}"
        if SKILL not in skills:
            if SKILL in planned or SKILL in executed:
                raise AssertionError(f"the skill registry does not list {SKILL} ({skills}), yet run {run['id']} used it: "
                                     f"{facts}")
            return f"the registry lists no {SKILL} and the run did not use it: {facts}"
        if SKILL not in planned or SKILL not in executed:
            raise AssertionError(f"the skill registry lists {SKILL}, but run {run['id']} did not use it: {facts}")
        expected = succeeded_calls(steps)
        record_into_the_run_evidence(http_call_requests={"run_id": run["id"], "url": url, "requests": hits,
                                                         "http_call_steps_succeeded": expected})
        if hits is None:
            answered = f"its request went to {url or 'no URL'}, not to an answer of the suite's (not counted)"
        elif hits != expected:
            raise AssertionError(f"run {run['id']} has {expected} {SKILL} step(s) that succeeded, and the suite's answer "
                                 f"at {url} received {hits} request(s) from it: expected exactly one per step "
                                 f"({'a step that did not really call out' if hits < expected else 'a request repeated'};"
                                 f" {facts})")
        else:
            answered = f"the suite's answer at {url} received {hits} request(s) from it"
        detail = f"the registry lists {SKILL}; {facts}; {answered}"
        logger.info(detail)
        return detail
