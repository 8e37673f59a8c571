"""Customer CLI (contract §1): python -m app.hoc.cus.integrations.cus_cli <command>.

Exit codes: 0 when `run` finishes whatever the run status; 1 for errors; 2 for argument errors.
While waiting, `run` polls until succeeded|failed|retry — a run that ends `halted` makes it wait forever.
"""

import argparse
import json
import os
import sys
import time
import uuid
from datetime import datetime, timezone

from app.cost_profile import spend

spend("cli_start")

FINAL_STATUSES = ("succeeded", "failed", "retry")


def _get_db_imports():
    from app import db
    from app.hoc.int.worker.runner import RunRunner

    return db, RunRunner


def _get_trace_imports():
    from app.hoc.cus.logs.L6_drivers.pg_store import PostgresTraceStore

    return PostgresTraceStore


def _generate_plan_or_fail(run_id: str, agent_id: str, goal: str) -> None:
    from app.hoc.cus.policies.L5_engines.plan_generation import generate_plan_for_run

    db, _ = _get_db_imports()
    try:
        plan = generate_plan_for_run(agent_id=agent_id, goal=goal, run_id=run_id)
        db.execute("UPDATE runs SET plan_json = %s WHERE id = %s", (plan.plan_json, run_id))
    except Exception as exc:
        db.execute("UPDATE runs SET status = 'failed', error_message = %s WHERE id = %s",
                   (f"plan_generation_failed: {exc}", run_id))
        raise


def create_agent(name: str, tenant_id: str | None = None) -> str:
    db, _ = _get_db_imports()
    agent_id = str(uuid.uuid4())
    db.execute("INSERT INTO agents (id, name, status, tenant_id) VALUES (%s, %s, 'active', %s)", (agent_id, name, tenant_id))
    return agent_id


def list_agents(tenant_id: str | None = None) -> list:
    db, _ = _get_db_imports()
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT id, name, status FROM agents WHERE %s::text IS NULL OR tenant_id = %s ORDER BY created_at",
                    (tenant_id, tenant_id))
        return cur.fetchall()


def get_run(run_id: str) -> dict | None:
    db, _ = _get_db_imports()
    row = db.fetch_one("SELECT * FROM runs WHERE id = %s", (run_id,))
    if row is None:
        return None
    iso = lambda value: value.isoformat() if value else None  # noqa: E731
    return {
        "run_id": row["id"], "agent_id": row["agent_id"], "goal": row["goal"], "status": row["status"],
        "attempts": row["attempts"], "error_message": row["error_message"],
        "plan": json.loads(row["plan_json"]) if row["plan_json"] else None,
        "tool_calls": json.loads(row["tool_calls_json"]) if row["tool_calls_json"] else None,
        "created_at": iso(row["created_at"]), "started_at": iso(row["started_at"]),
        "completed_at": iso(row["completed_at"]), "duration_ms": row["duration_ms"],
    }


def create_run(agent_id: str, goal: str, *, tenant_id: str, origin_system_id: str) -> str:
    if not tenant_id:
        raise ValueError("tenant_id is required for run creation")
    db, _ = _get_db_imports()
    if db.fetch_one("SELECT id FROM agents WHERE id = %s", (agent_id,)) is None:
        raise ValueError(f"Agent not found: {agent_id}")
    run_id = str(uuid.uuid4())
    db.execute("INSERT INTO runs (id, agent_id, goal, status, tenant_id, origin_system_id) VALUES (%s, %s, %s, 'queued', %s, %s)",
               (run_id, agent_id, goal, tenant_id, origin_system_id))
    return run_id


def execute_run_sync(run_id: str, wait: bool = True, poll_interval: float = 1.0) -> dict:
    _, RunRunner = _get_db_imports()
    RunRunner(run_id).run()
    if not wait:
        return get_run(run_id)
    while True:
        result = get_run(run_id)
        if result["status"] in FINAL_STATUSES:
            return result
        time.sleep(poll_interval)


def _maybe_backfill_trace_steps(run_id: str, result: dict) -> str | None:
    """The CLI-side backfill of contract §1: steps written by the CLI, not the runner, when the trace has none."""
    if not result.get("tool_calls") or os.environ.get("USE_POSTGRES_TRACES", "").lower() != "true":
        return None
    db, _ = _get_db_imports()
    trace = db.fetch_one("SELECT trace_id, (SELECT count(*) FROM aos_trace_steps s WHERE s.trace_id = t.trace_id) AS steps"
                         " FROM aos_traces t WHERE run_id = %s", (run_id,))
    if trace is None or trace["steps"] > 0:
        return None
    import asyncio

    store = _get_trace_imports()()

    async def backfill() -> None:
        for index, call in enumerate(result["tool_calls"]):
            await store.record_step(trace["trace_id"], run_id, index, call["skill"], {}, call["status"], "BACKFILL",
                                    call["status"], None, 0.0, 0.0, 0, source="cli_backfill")
        if result["status"] in ("succeeded", "failed", "halted"):
            final = "completed" if result["status"] == "succeeded" else "failed"
            await store.complete_trace(run_id, final, {"source": "cli_backfill"})

    try:
        asyncio.run(backfill())
        return "Trace steps backfilled."
    except Exception as exc:  # noqa: BLE001 — errors are swallowed, as in the real CLI
        return f"Trace backfill failed: {exc}"


def run_goal(agent_id: str, goal: str, *, tenant_id: str, origin_system_id: str, wait: bool = True,
             verbose: bool = False) -> dict:
    from app.skills import load_all_skills

    load_all_skills()
    if verbose:
        print(f"Creating run for agent {agent_id}...")
        print(f"Goal: {goal}")
    run_id = create_run(agent_id, goal, tenant_id=tenant_id, origin_system_id=origin_system_id)
    _generate_plan_or_fail(run_id, agent_id, goal)
    db, _ = _get_db_imports()
    db.execute("UPDATE runs SET status = 'running', started_at = %s, attempts = 1 WHERE id = %s",
               (datetime.now(timezone.utc), run_id))
    if verbose:
        print(f"Run created: {run_id}")
        print("Executing...")
    result = execute_run_sync(run_id, wait=wait)
    backfill = _maybe_backfill_trace_steps(run_id, result)
    if verbose:
        if backfill:
            print(backfill)
        print(f"Status: {result['status']}")
        if result.get("error_message"):
            print(f"Error: {result['error_message']}")
        if result.get("duration_ms"):
            print(f"Duration: {result['duration_ms']:.0f}ms")
    return result


def show_skills(as_json: bool) -> None:
    from app.skills import list_skills, load_all_skills

    load_all_skills()
    skills = list_skills()
    if as_json:
        print(json.dumps(skills, indent=2))
        return
    print("=== AOS Registered Skills ===")
    for skill in skills:
        print(f"  {skill['name']} (v{skill['version']})")
        print(f"    {skill.get('description') or 'No description'}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cus_cli", description="Customer CLI")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="Create and execute a run")
    run.add_argument("--agent-id", "-a", required=True)
    run.add_argument("--goal", "-g", required=True)
    run.add_argument("--tenant-id", required=True)
    run.add_argument("--origin-system-id", default="cus-cli")
    run.add_argument("--no-wait", action="store_true")
    run.add_argument("--verbose", "-v", action="store_true")
    agent = sub.add_parser("create-agent", help="Create an agent")
    agent.add_argument("--name", "-n", required=True)
    agent.add_argument("--tenant-id")
    agents = sub.add_parser("list-agents", help="List agents")
    agents.add_argument("--tenant-id")
    get = sub.add_parser("get-run", help="Show a run")
    get.add_argument("run_id")
    skills = sub.add_parser("list-skills", help="List registered skills")
    for command in (run, agent, agents, get, skills):
        command.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 1
    if args.command != "list-skills":
        db, _ = _get_db_imports()
        db.init_db()
    try:
        return _dispatch(args)
    except Exception as exc:  # noqa: BLE001
        print(f"Error: {exc}", file=sys.stderr)
        return 1


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "run":
        result = run_goal(args.agent_id, args.goal, tenant_id=args.tenant_id, origin_system_id=args.origin_system_id,
                          wait=not args.no_wait, verbose=args.verbose)
        if args.json:
            print(json.dumps(result, indent=2))
            return 0
        print()
        print(f"Run ID: {result['run_id']}")
        print(f"Status: {result['status']}")
        if result.get("error_message"):
            print(f"Error: {result['error_message']}")
        if result.get("tool_calls"):
            print(f"Steps executed: {len(result['tool_calls'])}")
    elif args.command == "create-agent":
        agent_id = create_agent(args.name, args.tenant_id)
        print(json.dumps({"agent_id": agent_id, "name": args.name}) if args.json else f"Created agent: {agent_id}")
    elif args.command == "list-agents":
        agents = list_agents(args.tenant_id)
        for agent in agents:
            print(f"{agent['id']}: {agent['name']} ({agent['status']})")
        if not agents:
            print("No agents found")
    elif args.command == "get-run":
        return _show_run(args.run_id, args.json)
    elif args.command == "list-skills":
        show_skills(args.json)
    return 0


def _show_run(run_id: str, as_json: bool) -> int:
    run = get_run(run_id)
    if run is None:
        print(f"Run not found: {run_id}", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps(run, indent=2))
        return 0
    print(f"Run ID: {run['run_id']}")
    print(f"Agent: {run['agent_id']}")
    print(f"Goal: {run['goal']}")
    print(f"Status: {run['status']}")
    if run["error_message"]:
        print(f"Error: {run['error_message']}")
    if run["duration_ms"]:
        print(f"Duration: {run['duration_ms']:.0f}ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
