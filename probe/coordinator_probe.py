"""Plan §4 as a probe. It runs in the *backend's* interpreter (cwd backend/, PYTHONPATH=.), not in the suite's.

It first tries the plan's snippet literally (`async with get_session()`); where the backend's get_session cannot be
used that way it records the error (a plan deviation) and uses `get_async_session`, as the contract says (§7).
It prints the plan's six lines exactly as the plan's snippet prints them, from the same expressions, then one JSON
line with what the suite cross-checks: every field of the answer, and the answers for the other tenants.

With `--run-id -` it imports the coordinator and opens its session first, then reads the run id from standard input,
so the suite can start it while the plan's CLI run executes; given no run id (the run was not reached) it exits
without asking the coordinator anything. Standard library only: it must import nothing the backend lacks.
A failure prints `ErrorType: message` on stderr and exits 1.
"""

import argparse
import asyncio
import json
import sys
from datetime import datetime, timezone
from importlib import import_module

COORDINATOR_MODULE = "app.hoc.cus.hoc_spine.orchestrator.coordinators.run_proof_coordinator"


def moment(value):
    """A datetime as ISO text (JSON has no time type); anything else as it is."""
    return value.isoformat() if hasattr(value, "isoformat") else value


def summarize(result) -> dict:
    """Every field of RunProofResult (contract §6), so that the suite can hold each one to its rule."""
    integrity = result.integrity
    return {
        "run_id": result.run_id,
        "integrity_model": integrity.model,
        "verification_status": integrity.verification_status,
        "chain_length": integrity.chain_length,
        "root_hash": integrity.root_hash,
        "failure_reason": integrity.failure_reason,
        "trace_count": len(result.aos_traces),
        "step_count": len(result.aos_trace_steps),
        "raw_logs": result.raw_logs,
        "verified_at": moment(result.verified_at),
        "traces": [{"trace_id": t.trace_id, "run_id": t.run_id, "status": t.status, "step_count": t.step_count,
                    "started_at": moment(t.started_at), "completed_at": moment(t.completed_at)}
                   for t in result.aos_traces],
        "steps": [{"step_index": s.step_index, "skill_name": s.skill_name,
                   "status": getattr(s.status, "value", None) or str(s.status), "duration_ms": s.duration_ms,
                   "cost_cents": s.cost_cents} for s in result.aos_trace_steps],
    }


def print_like_the_plan(result) -> None:
    """The plan's own six print statements, verbatim."""
    print("integrity_model:", result.integrity.model)
    print("verification_status:", result.integrity.verification_status)
    print("chain_length:", result.integrity.chain_length)
    print("root_hash:", result.integrity.root_hash)
    print("trace_count:", len(result.aos_traces))
    print("step_count:", len(result.aos_trace_steps))


async def plan_literal_session_error() -> str | None:
    """The plan's own `async with get_session()`: None if it works, else the error it raises."""
    from app.db import get_session

    try:
        async with get_session():
            pass
    except TypeError as exc:
        return f"TypeError: {exc}"
    return None


async def read_run_id(run_id: str) -> str:
    """The run id as given, or (for '-') the first line of standard input, read without blocking the loop."""
    return (await asyncio.to_thread(sys.stdin.readline)).strip() if run_id == "-" else run_id


def look_alike_keys(run_id: str, tenant_id: str) -> dict[str, tuple]:
    """The keys that are not the run's but look like it, each as (tenant, run id): the run id in another case, a
    prefix of it, with surrounding whitespace; the run's own id under an empty and a missing tenant."""
    return {"the run id upper-cased": (tenant_id, run_id.upper()),
            "a prefix of the run id": (tenant_id, run_id[:-4]),
            "the run id with surrounding whitespace": (tenant_id, f" {run_id} "),
            "an empty tenant": ("", run_id),
            "a missing tenant (None)": (None, run_id)}


async def ask_apart(db, factory: str, coordinator, tenant, run_id) -> dict:
    """One question in a session of its own: an error it raises cannot spoil the next one's."""
    try:
        async with getattr(db, factory)() as session:
            return summarize(await coordinator.get_run_proof(session, tenant, run_id))
    except Exception as exc:  # noqa: BLE001 — raising is refusing: it saw nothing
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}


async def probe(run_id: str, tenant_id: str, others: list[str], look_alikes: bool = False) -> dict:
    module = import_module(COORDINATOR_MODULE)
    coordinator = module.get_run_proof_coordinator()
    from app import db

    error = await plan_literal_session_error()
    report: dict = {"plan_literal_session_error": error,
                    "session_factory": "app.db.get_async_session" if error else "app.db.get_session"}
    async with (db.get_async_session() if error else db.get_session()) as session:
        run_id = await read_run_id(run_id)
        if not run_id:
            return {}
        result = await coordinator.get_run_proof(session, tenant_id, run_id)
        report["answered_at"] = datetime.now(timezone.utc).isoformat()
        print_like_the_plan(result)
        report["proof"] = summarize(result)
        # The other tenants are asked once the owner's answer is complete: none may see the trace it saw.
        answers = await asyncio.gather(*(coordinator.get_run_proof(session, other, run_id) for other in others))
        report["other_tenants"] = {other: summarize(answer) for other, answer in zip(others, answers)}
    if look_alikes:
        factory = "get_async_session" if error else "get_session"
        report["look_alike_keys"] = {label: {"tenant": tenant, "run_id": key, **await ask_apart(db, factory, coordinator,
                                                                                                  tenant, key)}
                                     for label, (tenant, key) in look_alike_keys(run_id, tenant_id).items()}
    return report


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--run-id", required=True, help="the run to prove, or '-' to read it from standard input")
    parser.add_argument("--tenant-id", required=True)
    parser.add_argument("--other-tenant", action="append", default=[], help="a tenant that must not see the run")
    parser.add_argument("--look-alike-keys", action="store_true",
                        help="also ask with look-alike run ids and an empty and a missing tenant")
    args = parser.parse_args()
    try:
        report = asyncio.run(probe(args.run_id, args.tenant_id, args.other_tenant, args.look_alike_keys))
    except Exception as exc:  # noqa: BLE001 — the suite reports any failure as one line
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if report:
        print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
