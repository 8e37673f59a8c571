"""Logs bridge: picks the trace store for every call (contract §6)."""

import os


def _postgres_selected() -> bool:
    flag = os.environ.get("USE_POSTGRES_TRACES")
    if flag is not None:
        return flag.lower() == "true"
    return os.environ.get("ENV") in ("prod", "production") or os.environ.get("AOS_ENVIRONMENT") in ("prod", "production")


class LogsBridge:
    def traces_store_capability(self):
        """A new store per call: Postgres when selected, otherwise the SQLite store."""
        if _postgres_selected():
            from app.hoc.cus.logs.L6_drivers.pg_store import PostgresTraceStore

            return PostgresTraceStore()
        from app.hoc.cus.logs.L6_drivers.trace_store import SQLiteTraceStore

        return SQLiteTraceStore()


_bridge: LogsBridge | None = None


def get_logs_bridge() -> LogsBridge:
    global _bridge
    if _bridge is None:
        _bridge = LogsBridge()
    return _bridge
