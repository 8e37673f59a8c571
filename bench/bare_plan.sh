#!/usr/bin/env bash
# The bare plan: Run Proof Test Plan v4's own commands, back to back, as a person following it would run them.
# Where a literal command cannot work against the backend contract it carries the same minimal correction the suite
# declares as a plan deviation: steps counted through aos_traces.trace_id, and get_async_session for get_session.
# rg is often not installed, so §1 uses grep -nE with the plan's pattern. Inputs come from the environment:
# SUT_ROOT, PYTHON, DATABASE_URL, AGENT_ID, TENANT_ID.
set -euo pipefail
cd "$SUT_ROOT"

# §1 Static verification
grep -nE "generate_plan_for_run|RunRunner|tenant-id|origin-system-id" backend/app/hoc/cus/integrations/cus_cli.py

cd backend
# §2 Customer CLI run
out=$(PYTHONPATH=. USE_POSTGRES_TRACES=true DATABASE_URL="$DATABASE_URL" \
  "$PYTHON" -m app.hoc.cus.integrations.cus_cli run \
  --agent-id "$AGENT_ID" \
  --goal "Run proof v4 validation run" \
  --tenant-id "$TENANT_ID" \
  --origin-system-id "run-proof-v4" \
  --verbose)
echo "$out"
run_id=$(printf '%s\n' "$out" | sed -n 's/^Run ID: //p')

# §3 Run record validation
psql "$DATABASE_URL" -c "SELECT id, tenant_id, origin_system_id, status, plan_json IS NOT NULL AS has_plan
  FROM runs WHERE id = '$run_id';"
psql "$DATABASE_URL" -c "SELECT run_id, tenant_id, started_at, status FROM aos_traces WHERE run_id = '$run_id';"
psql "$DATABASE_URL" -c "SELECT COUNT(*) AS step_count FROM aos_trace_steps
  WHERE trace_id IN (SELECT trace_id FROM aos_traces WHERE run_id = '$run_id');"

# §4 RunProofCoordinator validation
RUN_ID="$run_id" TENANT_ID="$TENANT_ID" DATABASE_URL="$DATABASE_URL" \
PYTHONPATH=. USE_POSTGRES_TRACES=true "$PYTHON" - <<'PY'
import asyncio
import os

from app.hoc.cus.hoc_spine.orchestrator.coordinators.run_proof_coordinator import (
    get_run_proof_coordinator,
)
from app.db import get_async_session

RUN_ID = os.environ["RUN_ID"]
TENANT_ID = os.environ["TENANT_ID"]

async def main():
    coordinator = get_run_proof_coordinator()
    async with get_async_session() as session:
        result = await coordinator.get_run_proof(session, TENANT_ID, RUN_ID)
        print("integrity_model:", result.integrity.model)
        print("verification_status:", result.integrity.verification_status)
        print("chain_length:", result.integrity.chain_length)
        print("root_hash:", result.integrity.root_hash)
        print("trace_count:", len(result.aos_traces))
        print("step_count:", len(result.aos_trace_steps))

asyncio.run(main())
PY

# §5 Coordinator tests
PYTHONPATH=. "$PYTHON" -m pytest tests/test_run_introspection_coordinators.py -q
