"""Run introspection result types and the integrity configuration (contract §6)."""

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Literal, Protocol

INTEGRITY_CONFIG = {"model": "HASH_CHAIN", "trust_boundary": "SYSTEM", "storage": "POSTGRES"}


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class IntegrityVerificationResult:
    model: Literal["HASH_CHAIN", "MERKLE_TREE", "NONE"]
    root_hash: str | None
    chain_length: int
    verification_status: Literal["VERIFIED", "FAILED", "UNSUPPORTED"]
    failure_reason: str | None = None


@dataclass(frozen=True)
class TraceSummary:
    trace_id: str
    run_id: str
    status: str
    step_count: int
    started_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True)
class TraceStepSummary:
    step_index: int
    skill_name: str
    status: str
    duration_ms: float
    cost_cents: float


@dataclass(frozen=True)
class RunProofResult:
    run_id: str
    integrity: IntegrityVerificationResult
    aos_traces: list[TraceSummary] = field(default_factory=list)
    aos_trace_steps: list[TraceStepSummary] = field(default_factory=list)
    raw_logs: list[str] | None = None
    verified_at: datetime = field(default_factory=_now)


class RunProofProvider(Protocol):
    async def get_run_proof(self, session, *, tenant_id: str, run_id: str,
                            include_payloads: bool = False) -> RunProofResult: ...
