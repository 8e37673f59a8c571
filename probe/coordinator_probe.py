"""Plan §4 as a probe. It runs in the *backend's* interpreter (cwd backend/, PYTHONPATH=.), not in the suite's.

It first tries the plan's snippet literally (`async with get_session()`); where the backend's get_session cannot be
used that way it records the error (a plan deviation) and uses `get_async_session`, as the contract says (§7).
It prints the plan's six lines exactly as the plan's snippet prints them, from the same expressions, then one JSON
line with what the suite cross-checks: the trace and step summaries, and the answer for another tenant.

With `--run-id -` it imports the coordinator and opens its session first, then reads the run id from standard input,
so the suite can start it while the plan's CLI run executes; given no run id (the run was not reached) it exits
without asking the coordinator anything. Standard library only: it must import nothing the backend lacks.
A failure prints `ErrorType: message` on stderr and exits 1.
"""

import argparse
import asyncio
import json
import sys
from importlib import import_module

COORDINATOR_MODULE = "app.hoc.cus.hoc_spine.orchestrator.coordinators.run_proof_coordinator"


def summarize(result) -> dict:
    integrity = result.integrity
    return {
        "integrity_model": integrity.model,
        "verification_status": integrity.verification_status,
        "chain_length": integrity.chain_length,
        "root_hash": integrity.root_hash,
        "failure_reason": integrity.failure_reason,
        "trace_count": len(result.aos_traces),
        "step_count": len(result.aos_trace_steps),
        "traces": [{"trace_id": t.trace_id, "run_id": t.run_id, "status": t.status, "step_count": t.step_count}
                   for t in result.aos_traces],
        "steps": [{"step_index": s.step_index, "skill_name": s.skill_name,
                   "status": getattr(s.status, "value", None) or str(s.status)} for s in result.aos_trace_steps],
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


async def probe(run_id: str, tenant_id: str, other_tenant: str | None) -> dict:
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
        calls = [coordinator.get_run_proof(session, tenant_id, run_id)]
        if other_tenant:
            calls.append(coordinator.get_run_proof(session, other_tenant, run_id))
        results = await asyncio.gather(*calls)
        print_like_the_plan(results[0])
        report["proof"] = summarize(results[0])
        if other_tenant:
            report["other_tenant"] = summarize(results[1])
    return report


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--run-id", required=True, help="the run to prove, or '-' to read it from standard input")
    parser.add_argument("--tenant-id", required=True)
    parser.add_argument("--other-tenant")
    args = parser.parse_args()
    try:
        report = asyncio.run(probe(args.run_id, args.tenant_id, args.other_tenant))
    except Exception as exc:  # noqa: BLE001 — the suite reports any failure as one line
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if report:
        print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
