"""Issue 25: what the suite observes while a run happens — the path it takes (a call tracer) and the order of its
writes (a watcher) — on the reference backend, a real PostgreSQL and real processes.

The healthy controls: run_goal driving its stages through a small class, and through a dispatch table (with a
functools.partial), must stay green — statically (the call is followed) and at run time (the tracer sees it)."""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from robot.api.types import Secret

from conftest import CLI, REFERENCE_BACKEND, ROOT, Backend
from runproof.keywords.run_path import RunPath, WATCHED
from runproof.keywords.run_watcher import RunWatcher, State, Transition, verdict
from runproof.keywords.static_checks import StaticChecks

CUS_CLI = "app/hoc/cus/integrations/cus_cli.py"
TRACER = ROOT / "probe" / "call_tracer.py"

PLAN_CALL = "    _generate_plan_or_fail(run_id, agent_id, goal)\n    db, _ = _get_db_imports()\n"
EXECUTE_CALL = "    result = execute_run_sync(run_id, wait=wait)\n"
STAGES_CLASS = '''class _Stages:
    """The run's stages, driven by run_goal."""

    def __init__(self, run_id, agent_id, goal):
        self.run_id, self.agent_id, self.goal = run_id, agent_id, goal

    def plan(self):
        _generate_plan_or_fail(self.run_id, self.agent_id, self.goal)

    def execute(self, wait):
        return execute_run_sync(self.run_id, wait=wait)


def run_goal('''
VARIANTS = {
    "class": [
        ("def run_goal(", STAGES_CLASS),
        (PLAN_CALL, "    stages = _Stages(run_id, agent_id, goal)\n    stages.plan()\n    db, _ = _get_db_imports()\n"),
        (EXECUTE_CALL, "    result = stages.execute(wait)\n"),
    ],
    "dispatch table": [
        ("import argparse\n", "import argparse\nimport functools\n"),
        ("def show_skills(", 'STAGES = {"plan": _generate_plan_or_fail, '
                             '"execute": functools.partial(execute_run_sync, poll_interval=1.0)}\n\n\ndef show_skills('),
        (PLAN_CALL, '    STAGES["plan"](run_id, agent_id, goal)\n    db, _ = _get_db_imports()\n'),
        (EXECUTE_CALL, '    result = STAGES["execute"](run_id, wait=wait)\n'),
    ],
    "dead plan generation": [
        ("        plan = generate_plan_for_run(agent_id=agent_id, goal=goal, run_id=run_id)\n"
         "        db.execute(\"UPDATE runs SET plan_json = %s WHERE id = %s\", (plan.plan_json, run_id))\n",
         "        from app.planners import get_planner\n        from app.skills import get_skill_manifest\n\n"
         "        plan = get_planner().plan(agent_id=agent_id, goal=goal, tool_manifest=get_skill_manifest())\n"
         "        db.execute(\"UPDATE runs SET plan_json = %s WHERE id = %s\", (json.dumps(plan), run_id))\n"),
        ("def create_agent(", "def _plan_with_the_engine(agent_id, goal, run_id):\n"
         "    from app.hoc.cus.policies.L5_engines.plan_generation import generate_plan_for_run\n\n"
         "    return generate_plan_for_run(agent_id=agent_id, goal=goal, run_id=run_id)\n\n\ndef create_agent("),
    ],
}


def variant_backend(tmp_path: Path, name: str) -> Path:
    """A copy of the reference backend with run_goal rewritten as the variant says."""
    backend = tmp_path / name.replace(" ", "_") / "backend"
    shutil.copytree(REFERENCE_BACKEND, backend, ignore=shutil.ignore_patterns("__pycache__"))
    source = backend / CUS_CLI
    text = source.read_text()
    for old, new in VARIANTS[name]:
        assert text.count(old) == 1, f"the {name} edit does not apply: {old!r}"
        text = text.replace(old, new)
    source.write_text(text)
    return backend


def traced_run(backend_env: dict, root: Path, agent: str, record: Path):
    return Backend(backend_env, root).run(
        str(TRACER), "--record", str(record), *[a for t in WATCHED.values() for a in ("--watch", t)], "-m", CLI,
        "run", "--agent-id", agent, "--goal", "traced", "--tenant-id", "t-traced", "--verbose")


@pytest.mark.parametrize("name", ["class", "dispatch table"])
def test_a_healthy_refactoring_stays_green_statically_and_at_run_time(name, tmp_path, backend):
    root = variant_backend(tmp_path, name)
    checks = StaticChecks()
    plan_chain = checks.call_should_be_reachable_from_the_command(str(root / CUS_CLI), "run", "generate_plan_for_run")
    run_chain = checks.call_should_be_reachable_from_the_command(str(root / CUS_CLI), "run", "RunRunner")
    assert plan_chain.startswith("main → _dispatch → run_goal → ") and plan_chain.endswith("generate_plan_for_run")
    assert run_chain.startswith("main → _dispatch → run_goal → ") and run_chain.endswith("RunRunner")
    if name == "class":
        assert "_Stages.plan" in plan_chain and "_Stages.execute" in run_chain

    result = traced_run(backend.env, root, backend.create_agent(), tmp_path / "path.json")
    assert result.returncode == 0, result.stderr
    assert "Status: succeeded" in result.stdout
    path = json.loads((tmp_path / "path.json").read_text())
    observed = RunPath().call_should_have_executed_on_the_run_path(path, "generate_plan_for_run")
    assert "cus_cli:run_goal" in observed and observed.endswith("plan_generation:generate_plan_for_run (1 call)")
    assert RunPath().call_should_have_executed_on_the_run_path(path, "RunRunner").endswith("runner:RunRunner.run (1 call)")


def test_a_call_in_dead_code_fails_statically_and_is_not_seen_at_run_time(tmp_path, backend):
    root = variant_backend(tmp_path, "dead plan generation")
    with pytest.raises(AssertionError, match="the call is unreachable — nothing on the path .* refers to "
                                             "_plan_with_the_engine"):
        StaticChecks().call_should_be_reachable_from_the_command(str(root / CUS_CLI), "run", "generate_plan_for_run")
    result = traced_run(backend.env, root, backend.create_agent(), tmp_path / "path.json")
    assert result.returncode == 0, result.stderr
    path = json.loads((tmp_path / "path.json").read_text())
    with pytest.raises(AssertionError, match="generate_plan_for_run never executed in .* the run took another path"):
        RunPath().call_should_have_executed_on_the_run_path(path, "generate_plan_for_run")
    assert path["watched"][WATCHED["RunRunner"]]["calls"] == 1


def test_a_dynamic_lookup_is_not_followed_and_says_so(tmp_path):
    source = tmp_path / "cli.py"
    source.write_text(
        "import sys\nfrom app.hoc.int.worker.runner import RunRunner\n\n"
        "def _inline(run_id):\n    RunRunner(run_id).run()\n\n"
        "def run_goal(run_id):\n    getattr(sys.modules[__name__], '_in' + 'line')(run_id)\n\n"
        "def main(command):\n    if command == 'run':\n        run_goal('r')\n")
    message = StaticChecks().call_should_be_reachable_from_the_command(str(source), "run", "RunRunner")
    assert message.startswith("could not follow: cli.py calls RunRunner (line 5 in _inline); the handler's code looks "
                              "callables up by names built at run time (getattr() (line 8) in run_goal")


def test_the_tracer_keeps_the_products_exit_code_and_output(tmp_path, backend):
    record = tmp_path / "path.json"
    result = Backend(backend.env).run(str(TRACER), "--record", str(record), "--watch", WATCHED["RunRunner"], "-m", CLI,
                                      "run", "--agent-id", "x")
    assert result.returncode == 2 and "--tenant-id" in result.stderr  # argparse's own error, exit 2
    assert json.loads(record.read_text())["exit"] == 2


class TestWatcher:
    def at(self, second: int) -> datetime:
        return datetime(2026, 1, 1, 0, 0, second, tzinfo=timezone.utc)

    def test_a_trace_seen_while_plan_json_is_null_fails(self):
        seen = [Transition(self.at(0), State("queued", False, 0, None, 0)),
                Transition(self.at(1), State("running", False, 1, "running", 0))]
        result, detail = verdict(seen, 0.02)
        assert result == "fail" and "1 trace row(s) and 0 step row(s) while runs.plan_json was NULL" in detail

    def test_the_plan_seen_stored_before_the_trace_passes(self):
        seen = [Transition(self.at(0), State("queued", True, 0, None, 0)),
                Transition(self.at(1), State("running", True, 1, "running", 1))]
        assert verdict(seen, 0.02)[0] == "pass"

    def test_a_window_shorter_than_the_interval_is_undecided_not_wrong(self):
        seen = [Transition(self.at(0), State("queued", False, 0, None, 0)),
                Transition(self.at(1), State("succeeded", True, 1, "completed", 1))]
        result, detail = verdict(seen, 0.02)
        assert result == "undecided" and "polled every 20 ms" in detail

    def test_the_watcher_follows_a_real_run_read_only(self, backend, database_url):
        import psycopg2

        agent = backend.create_agent()
        tenant = f"t-{uuid.uuid4().hex[:8]}"
        watcher = RunWatcher()
        watcher.start_watching_the_tenants_new_run(Secret(database_url), {"tenant_id": tenant, "run_ids": []})
        result = backend.cli("run", "--agent-id", agent, "--goal", "watched", "--tenant-id", tenant)
        assert result.returncode == 0, result.stderr
        with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT id FROM runs WHERE tenant_id = %s", (tenant,))
            run_id = cursor.fetchone()[0]
        seen = watcher.what_the_watcher_saw(run_id)
        assert seen["polls"] > 1 and seen["verdict"] in ("pass", "undecided")
        assert seen["transitions"][-1].endswith("status succeeded, plan_json stored, trace completed, 1 step(s)")


class TestInternalCli:
    def graph(self, backend, root: Path = REFERENCE_BACKEND) -> str:
        result = Backend(backend.env, root).run(str(ROOT / "probe" / "import_graph.py"),
                                                "app.hoc.int.integrations.int_cli", CLI)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def test_the_reference_int_cli_lists_its_commands_and_imports_no_customer_cli(self, backend):
        from runproof.keywords.int_cli_behaviour import IntCliBehaviour

        judge = IntCliBehaviour()
        help_text = Backend(backend.env).run("-m", "app.hoc.int.integrations.int_cli", "--help").stdout
        assert judge.internal_cli_sub_commands(help_text) == ["demo", "list-skills"]
        counts = {"runs": 0, "traces": 0, "agents": 1}
        detail = judge.internal_cli_should_have_created_nothing(counts, dict(counts), {"--help": 0}, self.graph(backend), CLI)
        assert "not app.hoc.cus.integrations.cus_cli" in detail

    def test_an_int_cli_that_imports_the_customer_cli_and_leaves_a_run_fails_naming_both(self, backend, tmp_path):
        from runproof.keywords.int_cli_behaviour import IntCliBehaviour

        root = tmp_path / "backend"
        shutil.copytree(REFERENCE_BACKEND, root, ignore=shutil.ignore_patterns("__pycache__"))
        source = root / "app/hoc/int/integrations/int_cli.py"
        source.write_text(source.read_text().replace(
            "from app.skills import", "from app.hoc.cus.integrations.cus_cli import main as _customer_main\nfrom app.skills import"))
        with pytest.raises(AssertionError, match=r"int_cli creates customer runs: rows appeared while its commands "
                                                 r"\(run: exit 0\) ran: runs 0 → 1; importing it imports the customer "
                                                 r"CLI \(app.hoc.int.integrations.int_cli → app.hoc.cus.integrations.cus_cli\)"):
            IntCliBehaviour().internal_cli_should_have_created_nothing(
                {"runs": 0, "agents": 1}, {"runs": 1, "agents": 1}, {"run": 0}, self.graph(backend, root), CLI)


def test_a_plan_cleared_after_it_was_seen_stored_is_not_execution_before_the_plan():
    at = lambda s: datetime(2026, 1, 1, 0, 0, s, tzinfo=timezone.utc)  # noqa: E731
    seen = [Transition(at(0), State("queued", True, 0, None, 0)),
            Transition(at(1), State("running", True, 1, "running", 0)),
            Transition(at(2), State("succeeded", False, 1, "completed", 1))]
    assert verdict(seen, 0.02)[0] == "pass"


def test_a_traced_process_killed_mid_run_leaves_what_it_saw(tmp_path):
    """A CLI that hangs is killed at its timeout: the record written at the watched call's first execution stays."""
    import subprocess
    import sys

    (tmp_path / "hangs.py").write_text("import time\n\ndef watched():\n    pass\n\n"
                                       "if __name__ == '__main__':\n    watched()\n    time.sleep(30)\n")
    record = tmp_path / "path.json"
    with pytest.raises(subprocess.TimeoutExpired):
        subprocess.run([sys.executable, str(TRACER), "--record", str(record), "--watch", "hangs:watched", "-m", "hangs"],
                       cwd=tmp_path, timeout=3)
    path = json.loads(record.read_text())
    assert path["watched"]["hangs:watched"] == {"calls": 1, "chain": ["hangs:<module>", "hangs:watched"]}
    assert path["exit"] is None
