"""The reference backend honours the contract, end to end, on a real throwaway PostgreSQL."""

from __future__ import annotations

import contextlib
import json
import socket
import uuid

import psycopg2
import pytest

from runproof.rules.hash_chain import root_hash

TENANT = "11111111-2222-4333-8444-555555555555"


def query(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    with contextlib.closing(psycopg2.connect(url)) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def stdout_value(stdout: str, label: str) -> str:
    """The last `Label: value` line (with --verbose, Status: appears twice)."""
    return [line.split(": ", 1)[1] for line in stdout.splitlines() if line.startswith(f"{label}: ")][-1]


def run_cli(backend, agent_id: str, origin: str = "run-proof-v4", **kwargs):
    return backend.cli("run", "--agent-id", agent_id, "--goal", "Run proof v4 validation run", "--tenant-id", TENANT,
                       "--origin-system-id", origin, "--verbose", **kwargs)


@pytest.fixture
def finished_run(backend) -> str:
    result = run_cli(backend, backend.create_agent())
    assert result.returncode == 0, result.stderr
    return stdout_value(result.stdout, "Run ID")


def test_cli_run_end_to_end(backend, finished_run, http_call_answer):
    url = backend.env["DATABASE_URL"]
    [(tenant, origin, status, plan_json)] = query(
        url, "SELECT tenant_id, origin_system_id, status, plan_json FROM runs WHERE id = %s", (finished_run,))
    assert (tenant, origin, status) == (TENANT, "run-proof-v4", "succeeded")
    assert json.loads(plan_json)["steps"][0]["skill"] == "http_call"
    [(trace_status, completed)] = query(url, "SELECT status, completed_at IS NOT NULL FROM aos_traces WHERE trace_id = %s",
                                        (f"trace_{finished_run}",))
    assert (trace_status, completed) == ("completed", True)
    steps = query(url, "SELECT step_index, skill_name, status, source FROM aos_trace_steps WHERE trace_id = %s",
                  (f"trace_{finished_run}",))
    assert steps == [(0, "http_call", "succeeded", "engine")]
    assert http_call_answer.hits >= 1

    probe = backend.probe(finished_run, TENANT)
    assert probe.returncode == 0, probe.stdout + probe.stderr
    report = json.loads(probe.stdout.splitlines()[-1])
    assert report["plan_literal_session_error"].startswith("TypeError")
    proof = report["proof"]
    assert (proof["integrity_model"], proof["verification_status"], proof["chain_length"]) == ("HASH_CHAIN", "VERIFIED", 1)
    assert proof["root_hash"] == root_hash(finished_run, [(s[0], s[1], s[2]) for s in steps])


def test_wrong_tenant_is_unsupported(backend, finished_run):
    report = json.loads(backend.probe(finished_run, TENANT, other_tenant="someone-else").stdout.splitlines()[-1])
    assert report["proof"]["verification_status"] == "VERIFIED"
    other = report["other_tenants"]["someone-else"]
    assert (other["integrity_model"], other["verification_status"], other["trace_count"]) == ("NONE", "UNSUPPORTED", 0)


def test_sqlite_fallback_when_postgres_traces_unset(backend, finished_run, tmp_path):
    env = {k: v for k, v in backend.env.items() if k != "USE_POSTGRES_TRACES"}
    backend.env = env
    report = json.loads(backend.probe(finished_run, TENANT).stdout.splitlines()[-1])
    assert report["proof"]["failure_reason"] == "No trace found for run"
    assert (tmp_path / "traces.db").exists(), "the SQLite store should have created its file"


def test_unknown_agent_exits_1(backend):
    result = run_cli(backend, str(uuid.uuid4()))
    assert result.returncode == 1
    assert result.stderr.startswith("Error: Agent not found:")


def test_missing_tenant_exits_2(backend):
    result = backend.cli("run", "--agent-id", "a", "--goal", "g")
    assert result.returncode == 2
    assert "--tenant-id" in result.stderr


def test_default_origin_is_cus_cli(backend):
    result = backend.cli("run", "-a", backend.create_agent(), "-g", "g", "--tenant-id", TENANT)
    run_id = stdout_value(result.stdout, "Run ID")
    assert query(backend.env["DATABASE_URL"], "SELECT origin_system_id FROM runs WHERE id = %s", (run_id,)) == [("cus-cli",)]


def test_legacy_origin_is_rejected_by_the_trigger(backend):
    result = run_cli(backend, backend.create_agent(), origin="legacy-migration")
    assert result.returncode == 1
    assert "cannot be 'legacy-migration'" in result.stderr


@pytest.mark.parametrize("sql", [
    "UPDATE aos_trace_steps SET status = 'failure' WHERE trace_id = %s",
    "DELETE FROM aos_traces WHERE trace_id = %s",
    "DELETE FROM aos_trace_steps WHERE trace_id = %s",
])
def test_append_only_triggers_reject_changes(backend, finished_run, sql):
    with pytest.raises(psycopg2.errors.RaiseException, match="S6_IMMUTABILITY_VIOLATION"):
        query(backend.env["DATABASE_URL"], sql + " RETURNING 1", (f"trace_{finished_run}",))


def test_unreachable_http_call_answer_gives_a_failed_step_in_a_succeeded_run(backend):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    result = run_cli(backend, backend.create_agent(), env={"REFERENCE_HTTP_CALL_URL": f"http://127.0.0.1:{closed_port}/"})
    assert result.returncode == 0
    assert stdout_value(result.stdout, "Status") == "succeeded"
    run_id = stdout_value(result.stdout, "Run ID")
    steps = query(backend.env["DATABASE_URL"], "SELECT status FROM aos_trace_steps WHERE trace_id = %s", (f"trace_{run_id}",))
    assert steps == [("failed",)]
    report = json.loads(backend.probe(run_id, TENANT).stdout.splitlines()[-1])
    assert report["proof"]["verification_status"] == "VERIFIED", "the contract's coordinator coerces 'failed' to success"


def test_missing_skill_leaves_run_in_retry_with_trace_running(backend):
    agent = backend.create_agent()
    # The v2/v3 defect: the runner executes a plan in a process that never called load_all_skills().
    result = backend.run("-c", (
        "import sys; from app.hoc.cus.integrations import cus_cli as c\n"
        f"rid = c.create_run('{agent}', 'g', tenant_id='{TENANT}', origin_system_id='pytest')\n"
        "from app import db; import json\n"
        "plan = {'steps': [{'step_id': 1, 'skill': 'http_call', 'params': {'url': 'x'}}]}\n"
        "db.execute('UPDATE runs SET plan_json=%s, attempts=1 WHERE id=%s', (json.dumps(plan), rid))\n"
        "from app.hoc.int.worker.runner import RunRunner; RunRunner(rid).run(); print(rid)"))
    assert result.returncode == 0, result.stderr
    run_id = result.stdout.strip()
    url = backend.env["DATABASE_URL"]
    assert query(url, "SELECT status, error_message FROM runs WHERE id = %s", (run_id,)) == [
        ("retry", "step_failed:1:Skill not found: http_call")]
    assert query(url, "SELECT status FROM aos_traces WHERE run_id = %s", (run_id,)) == [("running",)]
    assert query(url, "SELECT status FROM aos_trace_steps WHERE trace_id = %s", (f"trace_{run_id}",)) == [("failure",)]


def test_int_cli_lists_skills_and_creates_no_run(backend):
    result = backend.run("-m", "app.hoc.int.integrations.int_cli", "list-skills")
    assert result.returncode == 0 and "http_call" in result.stdout.split()


def test_list_skills_includes_http_call(backend):
    result = backend.cli("list-skills")
    assert result.stdout.splitlines()[0] == "=== AOS Registered Skills ==="
    assert "  http_call (v1.0.0)" in result.stdout.splitlines()


def test_cli_without_database_url_exits_1_with_a_traceback(backend):
    env = {k: v for k, v in backend.env.items() if k != "DATABASE_URL"}
    backend.env = env
    result = backend.cli("create-agent", "--name", "x")
    assert result.returncode == 1
    assert "DATABASE_URL environment variable is required" in result.stderr


def test_every_column_of_the_reference_schema_and_every_coordinator_field_has_a_rule(database_url):
    """The completeness check against the reference: a column of runs, aos_traces or aos_trace_steps, or a field of
    RunProofResult and its summaries, without a rule in libraries/runproof/rules/table.py fails here."""
    import ast

    from conftest import ROOT
    from runproof.rules.table import DATABASE_TABLES, TABLES

    with contextlib.closing(psycopg2.connect(database_url)) as conn, conn.cursor() as cur:
        cur.execute("SELECT table_name, column_name FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_name = ANY(%s)", (list(DATABASE_TABLES),))
        columns = cur.fetchall()
    assert {table for table, _ in columns} == set(DATABASE_TABLES)
    unruled = [f"{table}.{column}" for table, column in columns if column not in TABLES[table].model_fields]
    assert not unruled, f"columns without a rule: {unruled}"
    protocols = ROOT / "reference/backend/app/hoc/cus/hoc_spine/schemas/run_introspection_protocols.py"
    fields = {node.name: [a.target.id for a in node.body if isinstance(a, ast.AnnAssign)]
              for node in ast.walk(ast.parse(protocols.read_text())) if isinstance(node, ast.ClassDef)}
    ruled = {"IntegrityVerificationResult": "coordinator", "TraceSummary": "coordinator.trace",
             "TraceStepSummary": "coordinator.step"}
    probe_names = {"model": "integrity_model"}  # the probe's flat name for IntegrityVerificationResult.model
    for dataclass, table in ruled.items():
        missing = [name for name in fields[dataclass] if probe_names.get(name, name) not in TABLES[table].model_fields]
        assert not missing, f"{dataclass} fields without a rule: {missing}"
    result_fields = {"aos_traces": "traces", "aos_trace_steps": "steps", "integrity": None}
    for name in fields["RunProofResult"]:
        assert result_fields.get(name, name) is None or result_fields.get(name, name) in TABLES["coordinator"].model_fields, name
