"""The suite's Python libraries, on real files: each check passes on the contract's facts and fails on a defect."""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from robot.api.types import Secret

from runproof.keywords.backend_process import BackendResult
from runproof.keywords.cli_output import CliOutput
from conftest import REFERENCE_BACKEND
from runproof.keywords.database_target import alembic_head, explain_connection_error, parse_database_url
from runproof.evidence.report import code
from runproof.keywords.hash_chain import HashChain
from runproof.rules.hash_chain import root_hash
from runproof.target.process_output import dependency_hint, failure_line
from runproof.keywords.run_relations import RunRelations
from runproof.keywords.statement_log import StatementLog, plan_write_order
from runproof.keywords.static_checks import StaticChecks

CUS_CLI = REFERENCE_BACKEND / "app/hoc/cus/integrations/cus_cli.py"
INT_CLI = REFERENCE_BACKEND / "app/hoc/int/integrations/int_cli.py"
checks = StaticChecks()


def edited(tmp_path: Path, source: Path, old: str, new: str) -> str:
    text = source.read_text()
    assert old in text, f"the edit does not apply: {old!r}"
    target = tmp_path / Path(source).name
    target.write_text(text.replace(old, new))
    return str(target)


class TestStaticChecks:
    def test_reference_cli_satisfies_every_static_fact(self):
        checks.argument_should_be_required(str(CUS_CLI), "run", "--tenant-id")
        assert checks.argument_should_be_optional_with_a_default(str(CUS_CLI), "run", "--origin-system-id") == "cus-cli"
        checks.source_should_import(str(CUS_CLI), "generate_plan_for_run", "app.hoc.cus.policies.L5_engines.plan_generation")
        checks.source_should_import(str(CUS_CLI), "RunRunner", "app.hoc.int.worker.runner")
        assert checks.call_should_be_reachable_from_the_command(str(CUS_CLI), "run", "generate_plan_for_run") == (
            "main → _dispatch → run_goal → _generate_plan_or_fail → generate_plan_for_run")
        assert checks.call_should_be_reachable_from_the_command(str(CUS_CLI), "run", "RunRunner") == (
            "main → _dispatch → run_goal → execute_run_sync → RunRunner")
        assert checks.source_should_create_no_customer_run(str(INT_CLI)) == "present, no run creation"

    def test_a_call_left_in_dead_code_is_not_on_the_path(self, tmp_path):
        path = edited(tmp_path, CUS_CLI, "    _generate_plan_or_fail(run_id, agent_id, goal)\n",
                      "    pass\n")
        with pytest.raises(AssertionError, match=r"calls generate_plan_for_run \(line \d+ in _generate_plan_or_fail\) "
                                                 r"but not on the `run` command's path: the call is unreachable"):
            checks.call_should_be_reachable_from_the_command(path, "run", "generate_plan_for_run")

    def test_a_call_reached_only_from_another_command_is_not_on_the_path(self, tmp_path):
        path = edited(tmp_path, CUS_CLI, "        agent_id = create_agent(args.name, args.tenant_id)\n",
                      "        agent_id = create_agent(args.name, args.tenant_id)\n        execute_run_sync(agent_id)\n")
        path = edited(tmp_path, Path(path), "    result = execute_run_sync(run_id, wait=wait)\n", "    result = {}\n")
        with pytest.raises(AssertionError, match="the call is unreachable — nothing on the path"):
            checks.call_should_be_reachable_from_the_command(path, "run", "RunRunner")

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
            checks.call_should_be_reachable_from_the_command(path, "run", "RunRunner")

    def test_int_cli_that_creates_runs_fails(self, tmp_path):
        path = edited(tmp_path, INT_CLI, "def demo(quick: bool) -> None:\n",
                      "def demo(quick: bool) -> None:\n    from app.hoc.cus.integrations.cus_cli import run_goal\n"
                      "    run_goal('a', 'g', tenant_id='t', origin_system_id='o')\n")
        with pytest.raises(AssertionError, match="creates customer runs: run_goal"):
            checks.source_should_create_no_customer_run(path)

    def test_missing_int_cli_passes_and_says_so(self, tmp_path):
        assert checks.source_should_create_no_customer_run(str(tmp_path / "int_cli.py")) == "absent"

    def test_plan_search_reports_line_and_text(self):
        matches = checks.run_the_plans_search(str(REFERENCE_BACKEND.parent), str(CUS_CLI),
                                              "generate_plan_for_run|RunRunner|tenant-id|origin-system-id")
        assert any(":" in m and "--tenant-id" in m for m in matches)


class TestDatabaseTarget:
    def test_password_is_a_secret_and_never_printed(self):
        target = parse_database_url(Secret("postgresql://me:s3cr%40t@db.local:6432/nova"))
        assert (target.host, target.port, target.database, target.user) == ("db.local", "6432", "nova", "me")
        assert target.password.value == "s3cr@t"
        assert "s3cr" not in str(target)

    @pytest.mark.parametrize("url", ["", "mysql://u:p@h/db", "postgresql://u:p@h:port/db", "host=h password=p"])
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
    def test_verbose_run_output_is_read_as_claims(self):
        stdout = ("Creating run for agent a...\nGoal: g\nRun created: r-1\nExecuting...\nStatus: succeeded\n"
                  "Duration: 12ms\n\nRun ID: r-1\nStatus: succeeded\nSteps executed: 1\n")
        claims = CliOutput().customer_cli_claims(BackendResult(0, stdout, "", False))
        assert (claims["run_id"], claims["run_created"], claims["statuses"], claims["error"], claims["steps_executed"]) == (
            "r-1", "r-1", ["succeeded", "succeeded"], None, "1")

    def test_error_comes_from_stderr(self):
        claims = CliOutput().customer_cli_claims(BackendResult(1, "Creating run...\n", "Error: Agent not found: a\n", False))
        assert (claims["run_id"], claims["error"], claims["exit_code"]) == (None, "Agent not found: a", 1)

    @pytest.mark.parametrize(("line", "counts"), [
        ("19 passed in 0.09s", {"passed": 19, "failed": 0, "errors": 0, "skipped": 0, "deselected": 0}),
        ("19 skipped in 0.09s", {"passed": 0, "failed": 0, "errors": 0, "skipped": 19, "deselected": 0}),
        ("1 failed, 17 passed, 1 skipped, 2 errors in 1.2s", {"passed": 17, "failed": 1, "errors": 2, "skipped": 1,
                                                              "deselected": 0}),
    ])
    def test_pytest_counts_every_outcome(self, line, counts):
        parsed = CliOutput().pytest_counts(f"....\n{line}\n")
        assert {k: parsed[k] for k in counts} == counts and parsed["line"] == line

    def test_probe_report_must_agree_with_what_the_backend_printed(self):
        proof = {"integrity_model": "HASH_CHAIN", "verification_status": "VERIFIED", "chain_length": 1, "root_hash": "ab",
                 "trace_count": 1, "step_count": 1}
        printed = "".join(f"{k}: {v}\n" for k, v in proof.items())
        report = CliOutput().coordinator_probe_report(printed + json.dumps({"proof": proof}) + "\n")
        assert report["printed"]["root_hash"] == "ab"
        with pytest.raises(AssertionError, match="printed 'chain_length: 2' but reported 1"):
            CliOutput().coordinator_probe_report(printed.replace("chain_length: 1", "chain_length: 2")
                                                 + json.dumps({"proof": proof}))


    def test_created_agent_and_skills(self):
        assert CliOutput().created_agent_id("Created agent: a-1\n") == "a-1"
        skills = CliOutput().registered_skill_names("=== AOS Registered Skills ===\n  http_call (v1.0.0)\n    No description\n")
        assert skills == ["http_call"]

    def test_an_import_failure_names_the_interpreter(self):
        stderr = "Traceback ...\nModuleNotFoundError: No module named 'psycopg2'\n"
        line = failure_line(stderr) + dependency_hint(stderr, "/venv/bin/python")
        assert line == ("ModuleNotFoundError: No module named 'psycopg2' — does BACKEND_PYTHON (/venv/bin/python) have "
                        "the backend's dependencies?")


class TestHashChain:
    def test_reproduces_the_v4_report(self):
        assert root_hash("cd6567f1-3398-403b-8243-68ef3291c7ad", [(0, "http_call", "success")]).startswith("9122e46a")

    def test_coerces_statuses_like_the_store(self):
        run = "cd6567f1-3398-403b-8243-68ef3291c7ad"
        assert root_hash(run, [(0, "http_call", "succeeded")]) == root_hash(run, [(0, "http_call", "success")])
        assert root_hash(run, [(0, "http_call", "failure")]) != root_hash(run, [(0, "http_call", "success")])

    def test_no_steps_no_hash(self):
        assert root_hash("r", []) is None


def test_the_root_hash_of_rows_is_the_coordinators_chain():
    rows = [{"step_index": 0, "skill_name": "http_call", "status": "succeeded"}]
    assert HashChain().root_hash_from_step_rows("cd6567f1-3398-403b-8243-68ef3291c7ad", rows).startswith("9122e46a")


class TestStatementLog:
    RUN = "r-1"
    LOG = """2026-11-25 13:00:00.001 UTC [10] LOG:  statement: BEGIN
2026-11-25 13:00:00.002 UTC [10] LOG:  statement: INSERT INTO runs (id, goal) VALUES ('r-1', 'g')
2026-11-25 13:00:00.003 UTC [10] LOG:  statement: COMMIT
2026-11-25 13:00:00.004 UTC [10] LOG:  statement: BEGIN
2026-11-25 13:00:00.005 UTC [10] LOG:  statement: UPDATE runs SET plan_json = '{"steps": [
	{"skill": "http_call"}]}' WHERE id = 'r-1'
2026-11-25 13:00:00.006 UTC [10] LOG:  statement: COMMIT
2026-11-25 13:00:00.007 UTC [11] LOG:  execute <unnamed>: INSERT INTO aos_traces (trace_id, run_id) VALUES ($1, $2)
2026-11-25 13:00:00.007 UTC [11] DETAIL:  parameters: $1 = 'trace_r-1', $2 = 'r-1'
"""

    def test_a_plan_committed_before_the_trace_passes_and_names_the_lines(self, tmp_path):
        log = tmp_path / "server.log"
        log.write_text(self.LOG)
        order = StatementLog().order_of_the_plan_and_trace_writes(str(log), self.RUN)
        assert order["how"] == "observed" and order["detail"].startswith("plan_json stored at log line 5, committed at line 7; first trace write at line 8")

    def test_a_plan_stored_after_the_trace_was_opened_fails(self, tmp_path):
        log = tmp_path / "server.log"
        lines = self.LOG.splitlines(keepends=True)
        log.write_text("".join(lines[:3] + lines[7:] + lines[3:7]))
        with pytest.raises(AssertionError, match="was stored after execution began"):
            StatementLog().order_of_the_plan_and_trace_writes(str(log), self.RUN)

    def test_a_plan_committed_only_after_the_trace_fails(self):
        lines = self.LOG.splitlines(keepends=True)
        order = plan_write_order("".join(lines[:6] + lines[7:] + lines[6:7]), self.RUN)
        assert order["commit"].line > order["trace"].line

    def test_a_log_without_the_plan_write_fails_in_one_line(self, tmp_path):
        log = tmp_path / "server.log"
        log.write_text(self.LOG.replace("plan_json", "tool_calls_json"))
        with pytest.raises(AssertionError, match="shows no write of runs.plan_json for run r-1"):
            StatementLog().order_of_the_plan_and_trace_writes(str(log), self.RUN)


class TestRunRelations:
    CLOCK = datetime(2026, 11, 25, 13, 0, tzinfo=timezone.utc)

    def row(self, **changes) -> dict:
        return {"id": "r-1", "created_at": self.CLOCK + timedelta(seconds=1), "status": "succeeded", "error_message": None,
                "goal": "g", "agent_id": "a", "tenant_id": "t", **changes}

    def claims(self, **changes) -> dict:
        return {"exit_code": 0, "run_id": "r-1", "run_created": "r-1", "statuses": ["succeeded", "succeeded"],
                "error": None, **changes}

    def before(self, *ids: str) -> dict:
        return {"clock": self.CLOCK, "run_ids": list(ids), "tenant_id": "t"}

    def test_a_new_run_created_while_the_cli_ran_is_this_invocations(self):
        RunRelations().run_should_be_this_invocations(self.row(), self.claims(), self.before(), ["r-1"])

    @pytest.mark.parametrize(("row", "claims", "before", "says"), [
        ({"id": "r-0"}, {"run_id": "r-0", "run_created": "r-0"}, ("r-0",), "reported run r-0, which existed before this invocation"),
        ({}, {"run_id": None, "exit_code": 1, "error": "boom"}, (), "printed no Run ID (exit 1): boom"),
    ])
    def test_a_run_that_is_not_this_invocations_fails(self, row, claims, before, says):
        with pytest.raises(AssertionError, match=re.escape(says)):
            RunRelations().run_should_be_this_invocations(self.row(**row), self.claims(**claims), self.before(*before),
                                                          ["r-1"])

    def test_a_second_new_run_of_the_tenant_fails(self):
        with pytest.raises(AssertionError, match="created 2 runs of tenant t: r-1 and r-9"):
            RunRelations().no_other_run_of_the_tenant_should_be_new(self.row(), [self.row(), self.row(id="r-9")], "t")

    @pytest.mark.parametrize("other", [{"goal": "another job's goal"}, {"agent_id": "another-agent"}])
    def test_a_new_run_of_the_tenant_with_another_goal_or_agent_is_another_clients(self, other):
        says = "run r-9 of tenant t was created during this invocation by another client, not by this CLI"
        with pytest.raises(AssertionError, match=re.escape(says)):
            RunRelations().no_other_run_of_the_tenant_should_be_new(self.row(), [self.row(), self.row(id="r-9", **other)], "t")

    def test_no_other_new_run_passes(self):
        assert RunRelations().no_other_run_of_the_tenant_should_be_new(self.row(), [self.row()], "t") == (
            "no other new run of tenant t")

    def test_an_origin_equal_to_the_clis_default_cannot_show_the_flag_was_honoured(self):
        with pytest.raises(AssertionError, match="ORIGIN_SYSTEM_ID equals the CLI's default 'cus-cli'"):
            RunRelations().origin_passed_should_differ_from_the_default("cus-cli", "cus-cli")
        assert "'run-proof-v4'" in RunRelations().origin_passed_should_differ_from_the_default("run-proof-v4", "cus-cli")


def test_evidence_markdown_never_writes_an_empty_code_span():
    assert code("") == "(empty)"
    assert code("a`b") == "``a`b``"
    assert code("`x`") == "`` `x` ``"
    assert code(True) == "`true`"


def test_a_handler_bound_with_set_defaults_is_followed(tmp_path):
    source = tmp_path / "cli.py"
    source.write_text(
        "import argparse\n"
        "from app.plan import generate_plan_for_run\n\n"
        "def run_goal(args):\n    generate_plan_for_run(agent_id=1, goal=2, run_id=3)\n\n"
        "def unused():\n    generate_plan_for_run()\n\n"
        "def main():\n    parser = argparse.ArgumentParser()\n    sub = parser.add_subparsers()\n"
        "    run = sub.add_parser('run')\n    run.set_defaults(func=run_goal)\n    args = parser.parse_args()\n"
        "    return args.func(args)\n")
    assert StaticChecks().call_should_be_reachable_from_the_command(str(source), "run", "generate_plan_for_run") == (
        "main → set_defaults(func=run_goal) → run_goal → generate_plan_for_run")


def test_stderr_error_lines_of_a_cli_that_exited_0_are_not_claims():
    claims = CliOutput().customer_cli_claims(BackendResult(0, "Run ID: r\nStatus: succeeded\n", "Error: a log line\n", False))
    assert claims["error"] is None


def test_a_fact_that_lacks_what_its_reader_needs_is_not_reached_in_one_place():
    from robot.api.exceptions import SkipExecution

    from runproof.keywords.run_facts import RunFacts

    facts = RunFacts()
    facts._facts.update(steps=[], proof={"trace_count": 0})
    with pytest.raises(SkipExecution, match="^not reached: there are no steps — see 'Steps Exist'$"):
        facts.run_fact("steps", "non-empty")
    with pytest.raises(SkipExecution, match="^not reached: the proof found no trace of the run"):
        facts.run_fact("proof", "a trace")
    facts._facts.update(steps=[{"step_index": 0}])
    assert facts.run_fact("steps", "non-empty") == [{"step_index": 0}]
    with pytest.raises(KeyError, match="not a declared requirement"):
        facts.run_fact("steps", "plenty")


def test_a_neighbour_whose_requests_are_not_one_per_succeeded_call_fails_naming_it():
    steps = [{"skill_name": "http_call", "status": "succeeded"}]
    neighbour = {"when": "earlier", "tenant_id": "T", "goal": "g", "error": "", "rows": None, "requests": 1}
    now = {"runs": [{"id": "r1", "tenant_id": "T"}], "traces": [], "steps": steps}
    assert "1 http_call request(s)" in RunRelations().neighbour_should_be_intact(neighbour, now, "proof")
    with pytest.raises(AssertionError, match=r"has 1 http_call step\(s\) that succeeded, and the suite's answer "
                                             r"received 0 request\(s\) from it"):
        RunRelations().neighbour_should_be_intact({**neighbour, "requests": 0}, now, "proof")


def test_the_http_call_answer_answers_no_unanswered_url_and_no_tunnel():
    import urllib.error
    import urllib.request

    from runproof.target.http_call_answer import HttpCallAnswer

    with HttpCallAnswer() as answer:
        assert urllib.request.urlopen(answer.url_for("run"), timeout=5).read()
        with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
            urllib.request.urlopen(answer.unanswered_url_for("neighbour"), timeout=5)
        proxied = urllib.request.build_opener(urllib.request.ProxyHandler({"https": answer.unanswered_proxy}))
        with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
            proxied.open("https://api.github.com/zen", timeout=5)
        assert answer.hits_on(answer.url_for("run")) == 1


def test_every_look_alike_key_that_sees_the_trace_is_named_not_only_the_first():
    answers = {"an empty tenant": {"tenant": "", "run_id": "r", "trace_count": 1, "verification_status": "VERIFIED",
                                   "step_count": 1},
               "the run id upper-cased": {"tenant": "t", "run_id": "R", "trace_count": 0,
                                          "verification_status": "UNSUPPORTED"},
               "a missing tenant (None)": {"tenant": None, "run_id": "r", "trace_count": 1,
                                           "verification_status": "VERIFIED", "step_count": 1}}
    with pytest.raises(AssertionError) as raised:
        RunRelations().look_alike_keys_should_see_no_trace(answers)
    assert "an empty tenant (tenant ''" in str(raised.value) and "a missing tenant (None) (tenant None" in str(raised.value)
    assert "upper-cased" not in str(raised.value)
