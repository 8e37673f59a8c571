"""RunRunner (contract §4): executes a run's stored plan and writes its Postgres trace.

The runner always uses the Postgres trace store and ignores USE_POSTGRES_TRACES. It never sets `running`
(the CLI does). A failure leaves the run `retry` (trace left `running`) until RUN_MAX_ATTEMPTS, then `failed`.
"""

import asyncio
import json
import logging
import os
import time
from datetime import datetime, timedelta, timezone

from app import db
from app.cost_profile import spend
from app.hoc.cus.logs.L6_drivers.pg_store import PostgresTraceStore
from app.skills import get_skill

log = logging.getLogger(__name__)


class RunRunner:
    def __init__(self, run_id: str, publisher=None) -> None:
        self.run_id = run_id
        self.publisher = publisher
        self.trace_store = PostgresTraceStore()

    def run(self) -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._execute())
        finally:
            loop.close()

    def _update_run(self, **fields: object) -> None:
        assignments = ", ".join(f"{name} = %s" for name in fields)
        db.execute(f"UPDATE runs SET {assignments} WHERE id = %s", (*fields.values(), self.run_id))

    async def _execute(self) -> None:
        spend("execution")
        run = db.fetch_one("SELECT * FROM runs WHERE id = %s", (self.run_id,))
        if run is None:
            raise RuntimeError(f"Run not found: {self.run_id}")
        if run["authorization_decision"] == "DENIED":
            self._update_run(status="failed", error_message="authorization denied")
            return
        if run["authorization_decision"] == "PENDING_APPROVAL":
            self._update_run(status="pending_approval")
            return
        plan = json.loads(run["plan_json"]) if run["plan_json"] else {}
        steps = plan.get("steps", [])
        trace_id = None
        try:
            trace_id = await self.trace_store.start_trace(self.run_id, correlation_id=self.run_id,
                                                          tenant_id=run["tenant_id"], agent_id=run["agent_id"], plan=steps)
        except Exception as exc:  # noqa: BLE001 — as in the real runner, a trace failure is only logged
            log.warning("trace_start_failed: %s", exc)
        started = time.monotonic()
        try:
            if not steps:
                raise RuntimeError(f"Governance violation: Run {self.run_id} has no plan. "
                                   "L5_GOVERNANCE_VIOLATION_NO_PLAN")
            tool_calls = [await self._execute_step(trace_id, index, step) for index, step in enumerate(steps)]
            duration_ms = (time.monotonic() - started) * 1000
            self._update_run(status="succeeded", completed_at=datetime.now(timezone.utc), plan_json=json.dumps(plan),
                             tool_calls_json=json.dumps(tool_calls), duration_ms=duration_ms)
            try:
                await self.trace_store.complete_trace(self.run_id, "completed", {"duration_ms": duration_ms})
            except Exception as exc:  # noqa: BLE001
                log.warning("trace_complete_failed: %s", exc)
                try:
                    await self.trace_store.mark_trace_aborted(self.run_id, f"finalization_failed: {exc}")
                except Exception as abort_exc:  # noqa: BLE001
                    log.warning("trace_abort_failed: %s", abort_exc)
        except Exception as exc:  # noqa: BLE001 — every failure ends in retry or failed
            await self._fail(run, exc)

    async def _execute_step(self, trace_id: str | None, index: int, step: dict) -> dict:
        skill = get_skill(step["skill"])
        started = time.monotonic()
        if skill is None:
            error = f"Skill not found: {step['skill']}"
            await self._record(trace_id, index, step, "failure", "abort", {"error": error}, 0.0)
            raise RuntimeError(f"step_failed:{step['step_id']}:{error}")
        result = await skill().execute(step["params"])
        status = "failed" if result.get("status") == "error" else "succeeded"
        duration_ms = (time.monotonic() - started) * 1000
        await self._record(trace_id, index, step, status, status, result, duration_ms)
        return {"step_id": step["step_id"], "skill": step["skill"], "status": status, "result": result}

    async def _record(self, trace_id, index, step, status, outcome_code, outcome_data, duration_ms) -> None:
        try:
            await self.trace_store.record_step(
                trace_id, self.run_id, index, step["skill"], step["params"], status,
                "SUCCESS" if status == "succeeded" else "FAILURE", outcome_code, outcome_data, 0.0, duration_ms, 0)
        except Exception as exc:  # noqa: BLE001
            log.warning("trace_step_record_failed: %s", exc)

    async def _fail(self, run: dict, exc: Exception) -> None:
        attempts = run["attempts"] + 1
        if attempts >= int(os.environ.get("RUN_MAX_ATTEMPTS", "5")):
            self._update_run(status="failed", attempts=attempts, error_message=str(exc),
                             completed_at=datetime.now(timezone.utc))
            try:
                await self.trace_store.complete_trace(self.run_id, "failed", {"error": str(exc)})
            except Exception as trace_exc:  # noqa: BLE001
                log.warning("trace_complete_failed: %s", trace_exc)
        else:
            self._update_run(status="retry", attempts=attempts, error_message=str(exc),
                             next_attempt_at=datetime.now(timezone.utc) + timedelta(seconds=2 ** attempts))
