"""Postgres trace store (contract §4/§6). The runner always uses it; `run_id` is accepted by record_step but not stored."""

import asyncio
import contextlib
import json
import os
from datetime import datetime, timezone

import psycopg2
import psycopg2.extras

from app.hoc.cus.logs.L6_drivers.records import TraceRecord, TraceStep, coerce_step_status

FALLBACK_URL = "postgresql://nova:novapass@localhost:6432/nova_aos"


class PostgresTraceStore:
    def __init__(self) -> None:
        self._dsn = os.environ.get("DATABASE_URL") or FALLBACK_URL

    def _query(self, sql: str, params: tuple, fetch: str | None = None):
        with contextlib.closing(psycopg2.connect(self._dsn, cursor_factory=psycopg2.extras.RealDictCursor)) as conn:
            with conn, conn.cursor() as cur:
                cur.execute(sql, params)
                if fetch == "one":
                    return cur.fetchone()
                if fetch == "all":
                    return cur.fetchall()
                return cur.rowcount

    async def _run(self, sql: str, params: tuple, fetch: str | None = None):
        return await asyncio.to_thread(self._query, sql, params, fetch)

    async def start_trace(self, run_id: str, correlation_id: str, tenant_id: str, agent_id: str | None,
                          plan: list, **_: object) -> str:
        trace_id = f"trace_{run_id}"
        now = datetime.now(timezone.utc)
        await self._run(
            "INSERT INTO aos_traces (trace_id, run_id, correlation_id, tenant_id, agent_id, root_hash, plan, trace,"
            " schema_version, status, started_at, created_at)"
            " VALUES (%s, %s, %s, %s, %s, 'pending', %s, '{\"steps\": []}', '1.0', 'running', %s, %s)"
            " ON CONFLICT (trace_id) DO NOTHING",
            (trace_id, run_id, correlation_id, tenant_id, agent_id, json.dumps(plan), now, now))
        return trace_id

    async def record_step(self, trace_id: str, run_id: str, step_index: int, skill_name: str, params: dict,
                          status: str, outcome_category: str, outcome_code: str | None, outcome_data: dict | None,
                          cost_cents: float, duration_ms: float, retry_count: int, *, source: str = "engine",
                          is_synthetic: bool = False, synthetic_scenario_id: str | None = None) -> None:
        if is_synthetic and not synthetic_scenario_id:
            raise ValueError("synthetic steps need a synthetic_scenario_id")
        if not await self._run("SELECT 1 FROM aos_traces WHERE trace_id = %s", (trace_id,), "one"):
            raise ValueError(f"trace not found: {trace_id}")
        level = "ERROR" if status in ("failure", "error") else "WARN" if status in ("retry", "retrying") else "INFO"
        await self._run(
            "INSERT INTO aos_trace_steps (trace_id, step_index, skill_id, skill_name, params, status, outcome_category,"
            " outcome_code, outcome_data, cost_cents, duration_ms, retry_count, replay_behavior, timestamp, source, level,"
            " is_synthetic, synthetic_scenario_id)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'execute', now(), %s, %s, %s, %s)"
            " ON CONFLICT (trace_id, step_index) DO NOTHING",
            (trace_id, step_index, skill_name, skill_name, json.dumps(params), status, outcome_category, outcome_code,
             json.dumps(outcome_data), cost_cents, duration_ms, retry_count, source, level, is_synthetic,
             synthetic_scenario_id))

    async def complete_trace(self, run_id: str, status: str, metadata: dict | None = None) -> None:
        await self._run("UPDATE aos_traces SET status = %s, completed_at = now(), metadata = COALESCE(%s, metadata)"
                        " WHERE run_id = %s", (status, json.dumps(metadata) if metadata else None, run_id))

    async def mark_trace_aborted(self, run_id: str, reason: str) -> None:
        await self._run("UPDATE aos_traces SET status = 'aborted',"
                        " metadata = COALESCE(metadata, '{}'::jsonb) || jsonb_build_object('abort_reason', %s::text)"
                        " WHERE run_id = %s AND status = 'running'", (reason, run_id))

    async def get_trace(self, run_id: str, tenant_id: str) -> TraceRecord | None:
        row = await self._run("SELECT * FROM aos_traces WHERE trace_id = %s AND tenant_id = %s", (run_id, tenant_id), "one")
        if row is None:
            row = await self._run("SELECT * FROM aos_traces WHERE run_id = %s AND tenant_id = %s",
                                  (run_id, tenant_id), "one")
        if row is None:
            return None
        steps = await self._run("SELECT * FROM aos_trace_steps WHERE trace_id = %s ORDER BY step_index",
                                (row["trace_id"],), "all")
        return TraceRecord(
            trace_id=row["trace_id"], run_id=row["run_id"], tenant_id=row["tenant_id"], status=row["status"],
            started_at=row["started_at"], completed_at=row["completed_at"],
            steps=[TraceStep(s["step_index"], s["skill_name"], coerce_step_status(s["status"]),
                             s["duration_ms"], s["cost_cents"]) for s in steps])
