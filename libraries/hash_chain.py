"""The contract's HASH_CHAIN, recomputed in the suite's own process from Postgres step rows (contract §6)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from robot.api.deco import keyword, library

from project import DOC_FORMAT, VERSION

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


@library(scope="GLOBAL", version=VERSION, doc_format=DOC_FORMAT)
class HashChain:
    """The coordinator's HASH_CHAIN, recomputed by the suite."""

    @keyword
    def root_hash_from_step_rows(self, run_id: str, rows: list) -> str | None:
        """The root hash of the run from its aos_trace_steps rows (dictionaries with step_index, skill_name, status).

        Returns the 64-hex sha256, or None for no steps.

        Example: `${recomputed}=    Root Hash From Step Rows    ${run}[id]    ${steps}`
        """
        return root_hash(run_id, [(row["step_index"], row["skill_name"], row["status"]) for row in rows])

    @keyword("Root Hash Should Equal The Coordinator's")
    def root_hash_should_equal_the_coordinators(self, run_id: str, rows: list, proof: dict) -> str:
        """The HASH_CHAIN recomputed by the suite from the run's aos_trace_steps rows equals the coordinator's
        root_hash, and the coordinator's chain_length is the number of rows (contract §6).

        - `run_id`; `rows`: the run's step rows; `proof`: the probe's summary. Returns the values compared.
        - Raises `AssertionError` naming both hashes, or both counts.

        Example: `${detail}=    Root Hash Should Equal The Coordinator's    ${run}[id]    ${steps}    ${proof}`
        """
        recomputed = self.root_hash_from_step_rows(run_id, rows)
        if recomputed != proof.get("root_hash"):
            raise AssertionError(f"the root hash recomputed from Postgres ({recomputed}) differs from the "
                                 f"coordinator's ({proof.get('root_hash')})")
        if len(rows) != proof.get("chain_length"):
            raise AssertionError(f"Postgres has {len(rows)} steps, the coordinator's chain_length is "
                                 f"{proof.get('chain_length')}")
        return (f"root_hash {recomputed} recomputed from {len(rows)} Postgres step rows equals the coordinator's, "
                f"chain_length {proof['chain_length']}")
