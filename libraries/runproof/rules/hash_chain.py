"""The contract's HASH_CHAIN (contract §6): the root hash the coordinator must give, recomputed from step rows, and
each link of it, for the rules (rules/table.py) and the keyword that shows the chain (keywords/hash_chain.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

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


def chain_links(run_id: str, steps: Iterable[tuple[int, str, str]]) -> list[dict]:
    """Each link of the chain: its `input` (the run id, then `index:skill:status` with the coerced status) and the
    running sha256 `digest` after it; the last digest is the root hash. Empty for no steps, as root_hash is None."""
    ordered = sorted(steps, key=lambda step: int(step[0]))
    if not ordered:
        return []
    digest = hashlib.sha256(run_id.encode())
    links = [{"input": run_id, "digest": digest.hexdigest()}]
    for step_index, skill_name, status in ordered:
        text = f"{int(step_index)}:{skill_name}:{coerce_status(status)}"
        digest.update(text.encode())
        links.append({"input": text, "digest": digest.hexdigest(), "stored_status": status})
    return links
