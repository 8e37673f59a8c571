"""The contract's HASH_CHAIN, recomputed in the suite's own process from Postgres step rows (contract §6)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from robot.api.deco import keyword, library

STORE_STEP_STATUSES = {"success", "failure", "retry", "skipped"}


def coerce_status(status: str) -> str:
    """The Postgres store reads any status outside its vocabulary back as 'success'."""
    return status if status in STORE_STEP_STATUSES else "success"


def root_hash(run_id: str, steps: Iterable[tuple[int, str, str]]) -> str | None:
    """sha256(run_id) updated with 'step_index:skill_name:status' per step, in step_index order; None for no steps."""
    ordered = sorted(steps, key=lambda step: int(step[0]))
    if not ordered:
        return None
    digest = hashlib.sha256(run_id.encode())
    for step_index, skill_name, status in ordered:
        digest.update(f"{int(step_index)}:{skill_name}:{coerce_status(status)}".encode())
    return digest.hexdigest()


@library(scope="GLOBAL")
class HashChain:
    @keyword
    def root_hash_from_step_rows(self, run_id: str, rows: list) -> str | None:
        """Rows of (step_index, skill_name, status, ...) as read from aos_trace_steps."""
        return root_hash(run_id, [(row[0], row[1], row[2]) for row in rows])
