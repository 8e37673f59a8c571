"""SQLite trace store: the fallback the plan forbids. Its file is AOS_TRACE_DB_PATH (default /var/lib/aos/traces.db)."""

import asyncio
import os
import sqlite3
from datetime import datetime
from pathlib import Path

from app.hoc.cus.logs.L6_drivers.records import TraceRecord, TraceStep, coerce_step_status

DEFAULT_PATH = "/var/lib/aos/traces.db"


class SQLiteTraceStore:
    def __init__(self) -> None:
        self.path = Path(os.environ.get("AOS_TRACE_DB_PATH") or DEFAULT_PATH)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path)
        conn.row_factory = sqlite3.Row
        conn.executescript(
            "CREATE TABLE IF NOT EXISTS traces (run_id TEXT PRIMARY KEY, tenant_id TEXT, status TEXT,"
            " started_at TEXT, completed_at TEXT);"
            "CREATE TABLE IF NOT EXISTS steps (run_id TEXT, step_index INTEGER, skill_name TEXT, status TEXT,"
            " duration_ms REAL, cost_cents REAL);")
        return conn

    def _get(self, run_id: str) -> TraceRecord | None:
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM traces WHERE run_id = ?", (run_id,)).fetchone()
            if row is None:
                return None
            steps = conn.execute("SELECT * FROM steps WHERE run_id = ? ORDER BY step_index", (run_id,)).fetchall()
        return TraceRecord(
            trace_id=run_id, run_id=run_id, tenant_id=row["tenant_id"], status=row["status"],
            started_at=datetime.fromisoformat(row["started_at"]),
            completed_at=datetime.fromisoformat(row["completed_at"]) if row["completed_at"] else None,
            steps=[TraceStep(s["step_index"], s["skill_name"], coerce_step_status(s["status"]), s["duration_ms"],
                             s["cost_cents"]) for s in steps])

    async def get_trace(self, run_id: str) -> TraceRecord | None:
        """Takes no tenant: the coordinator's call with tenant_id raises TypeError and is retried without it."""
        return await asyncio.to_thread(self._get, run_id)
