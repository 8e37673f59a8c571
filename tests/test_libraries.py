"""The suite's Python libraries, on real files: each check passes on the contract's facts and fails on a defect."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from robot.api.types import Secret

from backend_process import BackendResult
from cli_output import CliOutput
from conftest import REFERENCE_BACKEND
from database_target import alembic_head, explain_connection_error, parse_database_url
from evidence_report import render_markdown
from hash_chain import root_hash
from static_checks import StaticChecks

CUS_CLI = REFERENCE_BACKEND / "app/hoc/cus/integrations/cus_cli.py"
INT_CLI = REFERENCE_BACKEND / "app/hoc/int/integrations/int_cli.py"
checks = StaticChecks()


def edited(tmp_path: Path, source: Path, old: str, new: str) -> str:
    text = source.read_text()
    assert old in text, f"the edit does not apply: {old!r}"
    target = tmp_path / source.name
    target.write_text(text.replace(old, new))
    return str(target)


class TestStaticChecks:
    def test_reference_cli_satisfies_every_static_fact(self):
        checks.argument_should_be_required(str(CUS_CLI), "run", "--tenant-id")
        assert checks.argument_should_be_optional_with_a_default(str(CUS_CLI), "run", "--origin-system-id") == "cus-cli"
        checks.source_should_import(str(CUS_CLI), "generate_plan_for_run", "app.hoc.cus.policies.L5_engines.plan_generation")
        checks.source_should_import(str(CUS_CLI), "RunRunner", "app.hoc.int.worker.runner")
        checks.source_should_call(str(CUS_CLI), "generate_plan_for_run")
        checks.source_should_call(str(CUS_CLI), "RunRunner")
        assert checks.source_should_create_no_customer_run(str(INT_CLI)) == "present, no run creation"

    def test_optional_tenant_on_run_fails_even_when_another_command_has_it(self, tmp_path):
        path = edited(tmp_path, CUS_CLI, 'run.add_argument("--tenant-id", required=True)', 'run.add_argument("--tenant-id")')
        with pytest.raises(AssertionError, match=r"--tenant-id is not required: cus_cli.py:\d+"):
            checks.argument_should_be_required(path, "run", "--tenant-id")

    def test_origin_without_default_fails(self, tmp_path):
        path = edited(tmp_path, CUS_CLI, 'run.add_argument("--origin-system-id", default="cus-cli")',
                      'run.add_argument("--origin-system-id")')
        with pytest.raises(AssertionError, match="--origin-system-id has no default"):
            checks.argument_should_be_optional_with_a_default(path, "run", "--origin-system-id")

    def test_import_from_another_module_fails(self, tmp_path):
        path = edited(tmp_path, CUS_CLI, "from app.hoc.int.worker.runner import RunRunner",
                      "from app.worker.runner import RunRunner")
        with pytest.raises(AssertionError, match="imported from app.worker.runner"):
            checks.source_should_import(path, "RunRunner", "app.hoc.int.worker.runner")

    def test_a_runner_imported_under_the_runners_name_is_not_the_runner(self, tmp_path):
        path = edited(tmp_path, CUS_CLI, "from app.hoc.int.worker.runner import RunRunner",
                      "from app.hoc.int.worker.inline import InlineRunner as RunRunner")
        with pytest.raises(AssertionError, match="never calls RunRunner"):
            checks.source_should_call(path, "RunRunner")

    def test_int_cli_that_creates_runs_fails(self, tmp_path):
        path = edited(tmp_path, INT_CLI, "def demo(quick: bool) -> None:\n",
                      "def demo(quick: bool) -> None:\n    from app.hoc.cus.integrations.cus_cli import run_goal\n"
                      "    run_goal('a', 'g', tenant_id='t', origin_system_id='o')\n")
        with pytest.raises(AssertionError, match="creates customer runs: run_goal"):
            checks.source_should_create_no_customer_run(path)

    def test_missing_int_cli_passes_and_says_so(self, tmp_path):
        assert checks.source_should_create_no_customer_run(str(tmp_path / "int_cli.py")) == "absent"

    def test_plan_search_reports_file_line_text(self):
        matches = checks.log_plan_search(str(CUS_CLI), "generate_plan_for_run|RunRunner|tenant-id|origin-system-id")
        assert any(":" in m and "--tenant-id" in m for m in matches)


class TestDatabaseTarget:
    def test_password_is_a_secret_and_never_printed(self):
        target = parse_database_url(Secret("postgresql://me:s3cr%40t@db.local:6432/nova"))
        assert (target.host, target.port, target.database, target.user) == ("db.local", 6432, "nova", "me")
        assert target.password.value == "s3cr@t"
        assert "s3cr" not in str(target)

    @pytest.mark.parametrize("url", ["", "mysql://u:p@h/db", "postgresql://u:p@h:port/db", "postgresql://u:p@h:5432/"])
    def test_malformed_urls_are_rejected_in_one_line_without_the_password(self, url):
        with pytest.raises(ValueError) as error:
            parse_database_url(url)
        assert "\n" not in str(error.value) and ":p@" not in str(error.value)

    @pytest.mark.parametrize(("error", "expected"), [
        ('connection to server at "127.0.0.1", port 5999 failed: Connection refused\n\tIs the server running',
         "database 127.0.0.1:5999 refused the connection — is PostgreSQL running? set DATABASE_URL"),
        ("connection to server at \"127.0.0.1\", port 5999 failed: timeout expired",
         "database 127.0.0.1:5999 did not answer within 3s"),
        ('FATAL:  password authentication failed for user "me"', "database 127.0.0.1:5999 rejected the password of user 'me'"),
    ])
    def test_connection_errors_are_explained_in_one_line(self, error, expected):
        target = parse_database_url("postgresql://me:pw@127.0.0.1:5999/nova")
        explained = explain_connection_error(error, target, 3)
        assert explained.startswith(expected) and "\n" not in explained

    def test_alembic_head_of_the_reference(self):
        assert alembic_head(REFERENCE_BACKEND) == "003_s6_trace_completion_allowed"

    def test_two_heads_are_an_error(self, tmp_path):
        shutil.copytree(REFERENCE_BACKEND / "alembic", tmp_path / "alembic")
        (tmp_path / "alembic/versions/004_branch.py").write_text(
            'revision = "004_branch"\ndown_revision = "002_aos_traces"\n')
        with pytest.raises(ValueError, match="2 alembic heads"):
            alembic_head(tmp_path)


class TestCliOutput:
    def test_verbose_run_output(self):
        stdout = ("Creating run for agent a...\nGoal: g\nRun created: r-1\nExecuting...\nStatus: succeeded\n"
                  "Duration: 12ms\n\nRun ID: r-1\nStatus: succeeded\nSteps executed: 1\n")
        parsed = CliOutput().parse_customer_cli_output(BackendResult(0, stdout, "", False))
        assert (parsed["run_id"], parsed["status"], parsed["error"], parsed["steps_executed"]) == ("r-1", "succeeded", None, "1")

    def test_error_comes_from_stderr(self):
        parsed = CliOutput().parse_customer_cli_output(BackendResult(1, "Creating run...\n", "Error: Agent not found: a\n", False))
        assert (parsed["run_id"], parsed["error"]) == (None, "Agent not found: a")


    def test_created_agent_and_skills(self):
        assert CliOutput().created_agent_id("Created agent: a-1\n") == "a-1"
        skills = CliOutput().registered_skill_names("=== AOS Registered Skills ===\n  http_call (v1.0.0)\n    No description\n")
        assert skills == ["http_call"]

    def test_an_import_failure_names_the_interpreter(self):
        parsed = CliOutput().parse_customer_cli_output(
            BackendResult(1, "", "Traceback ...\nModuleNotFoundError: No module named 'psycopg2'\n", False), "/venv/bin/python")
        assert parsed["last_stderr_line"].endswith("— does BACKEND_PYTHON (/venv/bin/python) have the backend's dependencies?")


class TestHashChain:
    def test_reproduces_the_v4_report(self):
        assert root_hash("cd6567f1-3398-403b-8243-68ef3291c7ad", [(0, "http_call", "success")]).startswith("9122e46a")

    def test_coerces_statuses_like_the_store(self):
        run = "cd6567f1-3398-403b-8243-68ef3291c7ad"
        assert root_hash(run, [(0, "http_call", "succeeded")]) == root_hash(run, [(0, "http_call", "success")])
        assert root_hash(run, [(0, "http_call", "failure")]) != root_hash(run, [(0, "http_call", "success")])

    def test_no_steps_no_hash(self):
        assert root_hash("r", []) is None


def test_evidence_markdown_shows_values_not_reached():
    doc = {"result": "FAIL", "generated_at": "now", "stop_reason": "Local DB Is Reachable: refused", "target": {},
           "run_id": None, "acceptance": {"AC1": "NOT REACHED"}, "criteria_tests": {}, "deviations": [],
           "beyond_plan": {}, "tests": [{"name": "Local DB Is Reachable", "status": "FAIL", "message": "refused"}]}
    text = render_markdown(doc)
    assert "**Run ID:** `null (not reached)`" in text
    assert "**Stopped at:** Local DB Is Reachable: refused" in text
    assert "| AC1 |" in text and "NOT REACHED" in text
    json.dumps(doc)
