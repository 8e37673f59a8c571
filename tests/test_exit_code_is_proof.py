"""Exit 0 means the plan was proven (issue 21): selections, reruns, parallel runners and shared databases, run as a CI
job runs them — as processes, judged by the exit code and by evidence.json's `result`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from robot.api import ExecutionResult

from conftest import ROOT
from matrix import Mutant, prepare
from runproof.robot_hooks.robot_command import robot_command, robot_environment
from test_hostile import SUITE_BOUND, mutated, run_suite

CLI_RUN = "Customer CLI Creates A Run With Explicit Tenant And Origin"
# A backend that fails while a marker file exists: `cus_cli run` does not load the skills, so the run ends `retry`.
FAILS_WHILE_MARKED = {
    "file": "backend/app/hoc/cus/integrations/cus_cli.py",
    "old": "    load_all_skills()\n    if verbose:\n        print(f\"Creating run",
    "new": "    if not os.path.exists(os.environ[\"RUNPROOF_FAIL_WHILE\"]):\n        load_all_skills()\n"
           "    if verbose:\n        print(f\"Creating run",
}


def statuses(run) -> dict[str, tuple[str, str]]:
    return {t.name: (t.status, t.message) for t in run.tests}


@pytest.mark.suite_run
def test_include_ac4_proves_ac4_with_its_prerequisites_added(tmp_path, database_url):
    run = run_suite(tmp_path, env={"DATABASE_URL": database_url}, options=("--include", "AC4"))
    evidence = run.evidence
    assert run.rc == 0, [f"{n}: {m}" for n, (s, m) in statuses(run).items() if s != "PASS"]
    assert evidence["result"] == "PARTIAL" and not evidence["plan_complete"]
    assert evidence["acceptance"] == {"AC1": "NOT RUN", "AC2": "NOT RUN", "AC3": "NOT RUN", "AC4": "PASS", "AC5": "NOT RUN"}
    added = {each["name"]: each["reason"] for each in evidence["prerequisites_added"]}
    assert added[CLI_RUN] == "'Coordinator Snippet Runs Against The Run' reads the fact 'run', which it establishes"
    assert "The Target Is Configured" in added and "Steps Exist" in added  # AC4's chain is judged on the step rows
    assert all(status == "PASS" for status, _ in statuses(run).values())
    assert {t.name for t in run.tests if t.tags.match("prerequisite")} == set(added)
    assert "## Added to the selection as prerequisites" in (run.outdir / "evidence.md").read_text()
    assert "neighbour-earlier" not in {each["name"] for each in evidence["timeline"]}  # no beyond-plan test selected
    assert run.stdout.strip().splitlines()[-1].startswith(f"Green (exit code 0): all {len(run.tests)} tests ran and passed; "
                                                          "only part")


@pytest.mark.suite_run
def test_include_ac4_on_a_backend_that_fails_its_prerequisite_is_not_green(tmp_path, database_url):
    """The prerequisite that was added fails: AC4's tests are not reached, and that counts."""
    sut = mutated(tmp_path, "skills_not_loaded_by_run")
    run = run_suite(tmp_path, env={"DATABASE_URL": database_url}, variables={"SUT_ROOT": str(sut)},
                    options=("--include", "AC4"))
    tests = statuses(run)
    assert tests[CLI_RUN][0] == "FAIL" and run.evidence["result"] == "FAIL"
    ac4 = [name for name in tests if name != CLI_RUN and "Coordinator" in name and "Interpreter" not in name]
    assert ac4 and all(tests[n][0] == "FAIL" and tests[n][1].startswith("not reached: ") for n in ac4)
    unreached = [name for name, (status, message) in tests.items() if message.startswith("not reached: ")]
    assert set(ac4) <= set(unreached)
    assert run.rc == 1 + len(unreached), "every test that was not reached must count in the exit code"
    assert run.evidence["acceptance"]["AC4"] == "NOT REACHED"
    last = run.stdout.strip().splitlines()[-1]
    assert last.startswith(f"Not green (exit code {run.rc}): 1 failed, {len(unreached)} not reached"), last


@pytest.mark.suite_run
def test_a_beyond_plan_test_that_makes_no_run_starts_no_neighbour_interpreter(tmp_path, database_url):
    """The earlier neighbour's interpreter starts with the suite only when the test that makes the neighbours runs."""
    run = run_suite(tmp_path, env={"DATABASE_URL": database_url},
                    options=("--test", "The Backend's Code Did Not Change During The Run"))
    assert run.rc == 0, [f"{n}: {m}" for n, (s, m) in statuses(run).items() if s != "PASS"]
    assert CLI_RUN not in statuses(run)
    assert {each["name"] for each in run.evidence["timeline"]} == {"list-skills", "coordinator-probe",
                                                                  "coordinator-tests", "coverage-check"}


@pytest.mark.suite_run
def test_one_dependent_test_selected_with_test_runs_with_what_it_needs(tmp_path, database_url):
    run = run_suite(tmp_path, env={"DATABASE_URL": database_url}, options=("--test", "Steps Exist"))
    assert run.rc == 0, [f"{n}: {m}" for n, (s, m) in statuses(run).items() if s != "PASS"]
    assert run.evidence["result"] == "PARTIAL"
    assert run.evidence["acceptance"]["AC3"] == "PASS" and run.evidence["acceptance"]["AC1"] == "NOT RUN"
    assert statuses(run)["Steps Exist"][0] == "PASS"
    assert CLI_RUN in {each["name"] for each in run.evidence["prerequisites_added"]}


@pytest.mark.suite_run
def test_not_reached_counts_as_failed_when_nothing_can_be_added(tmp_path, database_url):
    """Without this project's listener the same run exits 0 (robot counts FAIL only): the check bites."""
    run = run_suite(tmp_path, env={"DATABASE_URL": database_url}, variables={"TENANT_ID": ""})
    tests = statuses(run)
    not_reached = [n for n, (s, m) in tests.items() if m.startswith("not reached")]
    assert not_reached and all(tests[n][0] == "FAIL" for n in not_reached)
    assert run.rc == min(len([s for s, _ in tests.values() if s == "FAIL"]), 250) and run.rc > 1
    assert run.evidence["result"] == "FAIL"
    assert {t["status"] for t in run.evidence["tests"] if t["name"] in not_reached} == {"NOT REACHED"}


def rerun_and_merge(tmp_path: Path, database_url: str, marker: Path, sut: Path, keep_failing: bool,
                    rerun_sut: Path | None = None):
    env = robot_environment(DATABASE_URL=database_url, RUNPROOF_FAIL_WHILE=str(marker))
    first = tmp_path / "first"
    marker.write_text("fail")
    done = subprocess.run(robot_command(first, {"SUT_ROOT": str(sut)}, "--console", "quiet"), env=env,
                          capture_output=True, text=True, timeout=SUITE_BOUND * 3)
    first_evidence = json.loads((first / "evidence.json").read_text())
    if not keep_failing:
        marker.unlink()
    rerun = tmp_path / "rerun"
    again = subprocess.run(robot_command(rerun, {"SUT_ROOT": str(rerun_sut or sut)}, "--console", "quiet", "--rerunfailed",
                                         str(first / "output.xml"), "--output", "rerun.xml"),
                           env=env, capture_output=True, text=True, timeout=SUITE_BOUND * 3)
    merged = tmp_path / "merged"
    rebot = [str(Path(sys.executable).with_name("rebot")), "--merge", "--prerebotmodifier",
             "runproof.robot_hooks.merged_verdict",
             "--outputdir", str(merged),
             "--output", "output.xml", str(first / "output.xml"), str(rerun / "rerun.xml")]
    combined = subprocess.run(rebot, env=env, capture_output=True, text=True, timeout=120)
    assert "[ ERROR ]" not in combined.stderr, combined.stderr  # rebot's exit code ignores a modifier it cannot import
    rerun_evidence = json.loads((rerun / "evidence.json").read_text())
    return (done.returncode, first_evidence), (again.returncode, rerun_evidence), (
        combined.returncode, ExecutionResult(str(merged / "output.xml")).suite)


@pytest.fixture
def flaky_backend(tmp_path) -> Path:
    return prepare(Mutant(name="fails-while-marked", defect="fails while a marker exists", edits=[FAILS_WHILE_MARKED]),
                   tmp_path / "sut")[0]


@pytest.mark.suite_run
def test_rerun_of_failed_tests_that_now_pass_merges_into_a_pass(tmp_path, database_url, flaky_backend):
    (rc1, ev1), (rc2, ev2), (rc3, merged) = rerun_and_merge(tmp_path, database_url, tmp_path / "marker",
                                                            flaky_backend, keep_failing=False)
    assert rc1 > 1 and ev1["result"] == "FAIL" and ev1["first_failure"].startswith(CLI_RUN)
    assert rc2 == 0 and ev2["result"] == "PARTIAL", ev2["result_line"]
    assert CLI_RUN not in {each["name"] for each in ev2["prerequisites_added"]}  # it was rerun: it had failed
    assert "The Target Is Configured" in {each["name"] for each in ev2["prerequisites_added"]}
    assert rc3 == 0, [f"{t.name}: {t.status}" for t in merged.all_tests if t.status != "PASS"]
    assert merged.metadata["Result"].startswith("PASS"), merged.metadata["Result"]
    assert merged.metadata["First failure"] == "none"
    assert "Timeline" not in merged.metadata  # the picture is in each run's own folder
    assert all(merged.metadata[ac].startswith(f"{ac}: PASS — ") for ac in ("AC1", "AC2", "AC3", "AC4", "AC5"))


@pytest.mark.suite_run
def test_rerun_that_keeps_failing_leaves_the_merged_verdict_fail(tmp_path, database_url, flaky_backend):
    (rc1, ev1), (rc2, ev2), (rc3, merged) = rerun_and_merge(tmp_path, database_url, tmp_path / "marker",
                                                            flaky_backend, keep_failing=True)
    assert rc1 > 1 and ev1["result"] == "FAIL"
    assert rc2 == rc1 and ev2["result"] == "FAIL"
    assert rc3 == rc1
    assert merged.metadata["Result"].startswith("FAIL"), merged.metadata["Result"]
    assert merged.metadata["First failure"].startswith(f"{CLI_RUN}: 2 rule(s) broken: runs.status: expected "
                                                       "'succeeded', observed ")
    assert merged.metadata["AC4"].startswith("AC4: NOT REACHED — ")


@pytest.mark.suite_run
def test_a_merge_of_runs_against_different_backend_code_is_not_green(tmp_path, database_url, flaky_backend):
    """"Fix the backend, then --rerunfailed": the rerun passes, but the first run's passes were about other code."""
    (rc1, ev1), (rc2, ev2), (rc3, merged) = rerun_and_merge(tmp_path, database_url, tmp_path / "marker",
                                                            flaky_backend, keep_failing=True,
                                                            rerun_sut=ROOT / "reference")
    assert rc1 > 1 and rc2 == 0, ev2["result_line"]
    assert rc3 > 0 and merged.metadata["Result"].startswith("FAIL"), merged.metadata["Result"]
    assert all(t.status == "FAIL" and "whose code differs, or cannot be shown to be the same, proves neither" in t.message
               for t in merged.all_tests)
    assert {t.metadata["Backend source"] for t in merged.all_tests} == {
        ev1["target"]["Backend source"], ev2["target"]["Backend source"]}
    # One cause, the one that makes every result moot; each test keeps what its own run found (issue 33).
    assert merged.metadata["Cause"].startswith("the backend's code changed between the merged runs")
    assert merged.metadata["First failure"] == merged.metadata["Cause"]
    assert not any(name.startswith("Cause ") for name in merged.metadata)
    own = {t.name: t.message.split("Its run said: ", 1)[1] for t in merged.all_tests}
    assert own[CLI_RUN].startswith("PASS — ") and "; the earlier run said: FAIL — 2 rule(s) broken: runs.status" in (
        own[CLI_RUN]), own[CLI_RUN]
    assert ev1["target"]["Backend source"] != ev2["target"]["Backend source"]


def test_pabot_is_refused_in_one_line(tmp_path):
    pabot = shutil.which("pabot", path=str(Path(sys.executable).parent))
    assert pabot, "robotframework-pabot is in requirements.txt"
    outdir = tmp_path / "pabot"
    command = [pabot, "--processes", "2", "--outputdir", str(outdir),  str(ROOT / "suites")]
    env = robot_environment(DATABASE_URL=None, PATH=f"{Path(pabot).parent}:{robot_environment()['PATH']}")
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=SUITE_BOUND * 3, cwd=tmp_path)
    assert result.returncode != 0
    assert "pabot is refused: the plan's steps depend on each other" in result.stdout + result.stderr
    suite = ExecutionResult(str(outdir / "output.xml")).suite
    assert suite.statistics.passed == 0 and suite.statistics.failed == suite.test_count > 0
    assert all("pabot is refused: the plan's steps depend on each other" in t.message for t in suite.all_tests)
    evidence = [json.loads(path.read_text()) for path in outdir.rglob("evidence.json")]
    assert evidence and all(each["result"] == "FAIL" and "pabot is refused" in each["first_failure"] for each in evidence)


@pytest.mark.suite_run
def test_two_suites_at_once_on_one_database_are_both_green(tmp_path, database_url):
    processes = {}
    for name in ("one", "two"):
        command = robot_command(tmp_path / name, None, "--console", "none")
        processes[name] = subprocess.Popen(command, env=robot_environment(DATABASE_URL=database_url),
                                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for name, process in processes.items():
        process.wait(timeout=SUITE_BOUND * 3)
    tenants = set()
    for name, process in processes.items():
        evidence = json.loads((tmp_path / name / "evidence.json").read_text())
        failures = [f"{t['name']}: {t['message']}" for t in evidence["tests"] if t["status"] != "PASS"]
        assert process.returncode == 0 and evidence["result"] == "PASS", (name, failures)
        tenants.add(evidence["tenant_id"])
    assert len(tenants) == 2, "each suite run has a tenant of its own by default"


@pytest.mark.suite_run
def test_a_run_of_this_tenant_made_by_another_client_is_named_as_such(tmp_path, database_url):
    sut = mutated(tmp_path, "another_client_creates_a_run_of_the_tenant")
    run = run_suite(tmp_path, env={"DATABASE_URL": database_url}, variables={"SUT_ROOT": str(sut)})
    assert run.rc != 0 and run.evidence["result"] == "FAIL"
    message = statuses(run)[CLI_RUN][1]
    assert "was created during this invocation by another client, not by this CLI" in message, message
    assert "leave TENANT_ID unset" in message


@pytest.mark.suite_run
def test_a_backend_whose_runs_halt_fails_ac1_on_the_proof_runs_own_hang_and_the_neighbour_on_its_own(tmp_path,
                                                                                                     database_url):
    """Issue 31: a neighbour's hang is that neighbour's finding; the proof run is still tried, and only what it does
    decides AC1. Each hang costs its own CLI_TIMEOUT, no more."""
    sut = mutated(tmp_path, "run_halted_cli_hangs")
    run = run_suite(tmp_path, env={"DATABASE_URL": database_url}, variables={"SUT_ROOT": str(sut), "CLI_TIMEOUT": "5s"})
    assert run.rc != 0 and run.evidence["result"] == "FAIL"
    first = run.first_failure
    assert first.name == CLI_RUN
    assert first.message.startswith("the customer CLI did not return within 5s; run "), first.message
    assert "neighbour" not in first.message
    (earlier,) = [n for n in run.evidence["neighbours"] if n.get("when") == "earlier"]
    assert "did not return within 5s" in earlier["error"]
    timeline = {entry["name"]: entry for entry in run.evidence["timeline"]}
    assert "customer-cli-run" in timeline
    # Two hangs one after the other (the earlier neighbour, then the proof run; the concurrent one overlaps them) and
    # the suite's own work, on two loaded cores: a third timeout would not fit.
    assert run.seconds < 5 * 2 + 12, f"{run.seconds:.1f}s: more than a CLI_TIMEOUT per hanging run was spent"


def test_prerequisites_are_found_through_the_keywords_of_resource_files(tmp_path):
    """A `Run Fact` read inside a resource keyword (where issue 19 moves them) still names its producer."""
    from runproof.facts.suite_model import fresh_suite, prerequisites, stale_dependents

    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "words.resource").write_text(
        "*** Keywords ***\nThe Run Is Checked\n    Inner Check\n\nInner Check\n    Run Fact    run    non-empty\n")
    (tmp_path / "s" / "a.robot").write_text(
        "*** Settings ***\nResource    words.resource\n\n*** Test Cases ***\nPrecondition\n    No Operation\n\n"
        "Maker\n    Depends On Test    Precondition\n\nReader\n    The Run Is Checked\n\nOther\n    No Operation\n")
    suite = fresh_suite(str(tmp_path / "s"))
    needed = prerequisites(suite, {"Reader"}, {"run": "Maker"})
    assert needed == {"Maker": "'Reader' reads the fact 'run', which it establishes",
                      "Precondition": "'Maker' depends on it (Depends On Test)"}
    assert stale_dependents(suite, {"Maker", "Precondition"}, {"run": "Maker"}) == {
        "Reader": "it reads the fact 'run', which 'Maker' establishes anew in this rerun"}


def coordinator_failing_while_marked(folder: Path) -> Path:
    """A copy of the reference whose coordinator raises while the file RUNPROOF_FAIL_WHILE names exists."""
    edit = {"file": "backend/app/hoc/cus/hoc_spine/orchestrator/coordinators/run_proof_coordinator.py",
            "old": "        store = logs_bridge.get_logs_bridge().traces_store_capability()\n",
            "new": "        import os\n        if os.path.exists(os.environ.get(\"RUNPROOF_FAIL_WHILE\", \"/nonexistent\")):\n"
                   "            raise RuntimeError(\"the coordinator fails while marked\")\n"
                   "        store = logs_bridge.get_logs_bridge().traces_store_capability()\n"}
    return prepare(Mutant(name="coordinator-fails-while-marked", defect="d", edits=[edit]), folder)[0]


@pytest.mark.suite_run
def test_a_rerun_that_makes_a_new_run_reruns_what_the_first_run_proved_of_the_old_one(tmp_path, database_url):
    """The coordinator fails once: the rerun reruns it with the CLI run it needs — a new run — and so every test that
    read the old run, although those passed; the merged verdict is about one run."""
    sut = coordinator_failing_while_marked(tmp_path / "sut")
    (rc1, ev1), (rc2, ev2), (rc3, merged) = rerun_and_merge(tmp_path, database_url, tmp_path / "marker", sut,
                                                            keep_failing=False)
    assert rc1 > 0 and ev1["result"] == "FAIL" and ev1["first_failure"].startswith("Coordinator Snippet Runs")
    assert ev1["acceptance"]["AC1"] == "PASS"
    added = {each["name"]: each["reason"] for each in ev2["prerequisites_added"]}
    assert added[CLI_RUN] == "'Coordinator Snippet Runs Against The Run' reads the fact 'run', which it establishes"
    assert added["Run Has Plan"] == f"it reads the fact 'run', which '{CLI_RUN}' establishes anew in this rerun"
    assert rc2 == 0 and ev2["result"] == "PARTIAL"
    assert rc3 == 0 and merged.metadata["Result"].startswith("PASS"), merged.metadata["Result"]
    tests = {t.name: t for t in merged.all_tests}
    assert "re-executed" in tests["Run Has Plan"].message and "re-executed" in tests[CLI_RUN].message
    assert merged.metadata["Run ID"] == ev2["run_id"] != ev1["run_id"]


@pytest.mark.parametrize(("first", "rerun", "fails"), [
    ("1111111111111111", "1111111111111111", set()),
    ("1111111111111111", "2222222222222222", {"a", "b"}),
    (None, "2222222222222222", {"a", "b"}),  # an older or dry run: its results carry no digest
    ("1111111111111111", None, {"a", "b"}),  # the rerun carries none: nothing is shown to be the last run's code
    ("unknown", "unknown", {"a", "b"}),  # stopped before the fingerprint
])
def test_a_merge_is_green_only_when_every_result_is_about_the_same_known_code(first, rerun, fails):
    from robot.result import TestSuite

    from runproof.robot_hooks.merged_verdict import refuse_other_code

    suite = TestSuite(name="Run Proof Test Plan v4")
    for name, digest in (("a", first), ("b", rerun)):
        test = suite.tests.create(name=name, status="PASS")
        if digest:
            test.metadata["Backend source"] = digest
    if rerun or first:
        suite.metadata["Backend source"] = rerun or first  # rebot's merge updates the first run's with the last's
    refuse_other_code(suite)
    assert {t.name for t in suite.tests if t.status == "FAIL"} == fails
    for test in suite.tests:
        if test.status == "FAIL":
            assert "proves neither — run the whole plan again" in test.message


def test_the_backend_source_digest_sees_code_in_a_symlinked_folder(tmp_path):
    from runproof.keywords.provenance import tree_fingerprint

    trees = []
    for version in ("one", "two"):
        code = tmp_path / f"code-{version}"
        code.mkdir()
        (code / "engine.py").write_text(f"VERSION = '{version}'\n")
        backend = tmp_path / f"backend-{version}"
        backend.mkdir()
        (backend / "main.py").write_text("import engine\n")
        (backend / "pkg").symlink_to(code, target_is_directory=True)
        (backend / "loop").symlink_to(backend, target_is_directory=True)  # walked once, not for ever
        trees.append(tree_fingerprint(backend))
    assert set(trees[0]) == {"main.py", "pkg/engine.py"}
    assert trees[0]["pkg/engine.py"] != trees[1]["pkg/engine.py"]
