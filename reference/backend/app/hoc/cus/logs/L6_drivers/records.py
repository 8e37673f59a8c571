"""What a trace store's get_trace returns; shared by the Postgres and SQLite stores."""

from dataclasses import dataclass, field
from datetime import datetime

KNOWN_STEP_STATUSES = {"success", "failure", "retry", "skipped"}


def coerce_step_status(status: str) -> str:
    """Statuses outside the store's vocabulary are read back as 'success' (contract §6)."""
    return status if status in KNOWN_STEP_STATUSES else "success"


@dataclass
class TraceStep:
    step_index: int
    skill_name: str
    status: str
    duration_ms: float
    cost_cents: float


@dataclass
class TraceRecord:
    trace_id: str
    run_id: str
    tenant_id: str | None
    status: str
    started_at: datetime
    completed_at: datetime | None
    steps: list[TraceStep] = field(default_factory=list)
