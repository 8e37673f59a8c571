#!/usr/bin/env bash
# The bare plan: Run Proof Test Plan v4's own commands, back to back, as a person following it would run them.
# Where a literal command cannot work against the backend contract it carries the same minimal correction the suite
# declares as a plan deviation: steps counted through aos_traces.trace_id, and get_async_session for get_session.
# rg is often not installed, so §1 uses grep -nE with the plan's pattern. Inputs come from the environment:
# SUT_ROOT, PYTHON, DATABASE_URL, AGENT_ID, TENANT_ID, and PLAN_FILE (default: ../shared/plan beside the checkout).
set -euo pipefail
PLAN_FILE=$(realpath "${PLAN_FILE:-$(dirname "$0")/../../shared/plan/run_proof_test_plan_v4.md}")
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

# §4 RunProofCoordinator validation: the plan's own snippet, read from the plan (get_async_session for get_session)
snippet=$(sed -n "/^PYTHONPATH=. USE_POSTGRES_TRACES=true python3 - <<'PY'\$/,/^PY\$/p" "$PLAN_FILE" | sed '1d;$d' \
  | sed 's/\bget_session\b/get_async_session/g')
[ -n "$snippet" ] || { echo "bare_plan.sh: no §4 snippet in $PLAN_FILE" >&2; exit 1; }
RUN_ID="$run_id" TENANT_ID="$TENANT_ID" DATABASE_URL="$DATABASE_URL" \
PYTHONPATH=. USE_POSTGRES_TRACES=true "$PYTHON" - <<<"$snippet"

# §5 Coordinator tests
PYTHONPATH=. "$PYTHON" -m pytest tests/test_run_introspection_coordinators.py -q
