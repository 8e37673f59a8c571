"""Nothing a CI job passes to robot bends the verdict (issue 33, items 3 and 6): options that would let a test a
criterion needs end SKIP, or change the plan's order, are refused in one line; a beyond-plan finding the user chose to
downgrade is named everywhere and never reads as a plain PASS; runs and reruns are seen from Robot's own parsed
settings, however robot is started (a wrapper's `robot.run_cli()`, two runs in one process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from robot.api import ExecutionResult

from conftest import ROOT
from runproof.robot_hooks.robot_command import robot_command, robot_environment
from test_exit_code_is_proof import CLI_RUN
from test_hostile import SUITE_BOUND, mutated, row_counts, run_suite

# Whole suite runs: spread over pytest-xdist's workers, left out of `make test-fast`.
pytestmark = pytest.mark.suite_run

BEYOND_PLAN_FINDINGS = {"Every Row The Invocation Left Is Accounted For",
                        "The Internal CLI Creates No Customer Run When Its Commands Run"}


@pytest.fixture
def beyond_plan_defect(tmp_path) -> Path:
    """A backend whose defect only beyond-plan tests see: int_cli forwards `run` to the customer CLI."""
    return mutated(tmp_path, "int_cli_forwards_run")


@pytest.mark.parametrize(("option", "says"), [
    (("--skiponfailure", "AC1"), "--skiponfailure AC1 is refused: a test a criterion needs may not end SKIP"),
    (("--skiponfailure", "AC4"), "--skiponfailure AC4 is refused: a test a criterion needs may not end SKIP"),
    (("--skip", "AC1"), "--skip AC1 is refused: a test a criterion needs may not end SKIP"),
    (("--skiponfailure", "AC*"), "--skiponfailure AC* is refused"),
    (("--randomize", "all"), "--randomize is refused: the plan's steps run in the plan's order"),
    (("--randomize", "suites"), "--randomize is refused: the plan's steps run in the plan's order"),
])
def test_an_option_that_would_bend_the_verdict_is_refused_in_one_line(tmp_path, database_url, beyond_plan_defect,
                                                                     option, says):
    before = row_counts(database_url)
    run = run_suite(tmp_path, env={"DATABASE_URL": database_url}, variables={"SUT_ROOT": str(beyond_plan_defect)},
                    options=option)
    assert run.rc != 0
    refusals = [line for line in run.stderr.splitlines() if line.startswith("runproof: ")]
    assert len(refusals) == 1 and says in refusals[0], run.stderr
    tests = run.tests
    assert tests and all(t.status == "FAIL" for t in tests), {t.name: t.status for t in tests if t.status != "FAIL"}
    assert all(says in t.message for t in tests if not t.tags.match("beyond-plan"))
    evidence = run.evidence
    assert evidence["result"] == "FAIL" and says in evidence["cause_lines"][0], evidence["cause_lines"]
    assert len(evidence["causes"]) == 1
    assert run.stdout.strip().splitlines()[-1].startswith(f"Not green (exit code {run.rc})")
    assert row_counts(database_url) == before, "a refused run wrote to the target database"


def test_a_downgraded_beyond_plan_finding_is_named_and_never_a_plain_pass(tmp_path, database_url, beyond_plan_defect):
    """`--skiponfailure beyond-plan` is the user's explicit choice: Robot then exits 0, and everything says why."""
    run = run_suite(tmp_path, env={"DATABASE_URL": database_url}, variables={"SUT_ROOT": str(beyond_plan_defect)},
                    options=("--skiponfailure", "beyond-plan"))
    evidence = run.evidence
    assert run.rc == 0, [f"{t.name}: {t.message}" for t in run.tests if t.status == "FAIL"]
    assert evidence["result"] == "DOWNGRADED" and evidence["result"] != "PASS"
    assert evidence["result_line"].startswith("DOWNGRADED — ") and "2 beyond-plan findings were downgraded" in (
        evidence["result_line"])
    downgraded = {each["name"]: each["finding"] for each in evidence["downgraded"]}
    assert set(downgraded) == BEYOND_PLAN_FINDINGS
    assert downgraded["The Internal CLI Creates No Customer Run When Its Commands Run"].startswith(
        "int_cli creates customer runs")
    assert {t["name"] for t in evidence["tests"] if t["status"] == "DOWNGRADED"} == BEYOND_PLAN_FINDINGS
    assert evidence["acceptance"] == dict.fromkeys(("AC1", "AC2", "AC3", "AC4", "AC5"), "PASS")
    markdown = (run.outdir / "evidence.md").read_text()
    assert markdown.splitlines()[2].startswith("**Result:** DOWNGRADED")
    for name, finding in downgraded.items():
        assert f"**Downgraded:** {name}: " in markdown
        assert f"Downgraded: {name}: {finding}" in run.stdout
    last = run.stdout.strip().splitlines()[-1]
    assert last.startswith("Exit code 0, not a plain green: 2 beyond-plan findings downgraded"), last
    assert "Green (exit code 0)" not in run.stdout
    report = ExecutionResult(str(run.outdir / "output.xml")).suite
    assert report.metadata["Result"].startswith("DOWNGRADED")
    assert all(name in report.metadata["Downgraded"] for name in BEYOND_PLAN_FINDINGS)
    # junit.xml: each downgraded finding a <skipped> case with its finding, the verdict DOWNGRADED.
    from junitparser import Skipped

    from test_ci_results import cases, properties, read_junit

    junit = read_junit(run.outdir / "junit.xml")
    skipped = {name: result[0] for name, result in cases(junit).items() if result and isinstance(result[0], Skipped)}
    assert set(skipped) == BEYOND_PLAN_FINDINGS
    assert all(each._elem.text == f"downgraded by the run's --skiponfailure/--skip: {downgraded[name]}"
               for name, each in skipped.items())
    assert properties(junit)[0]["Result"].startswith("DOWNGRADED")


def test_a_needed_test_skipped_by_an_option_not_aimed_at_it_is_turned_back_into_a_failure():
    """`--skiponfailure beyond-plan` also matches the AC2 test that is beyond-plan too: that one may not end SKIP."""
    from robot.result import TestCase

    from runproof.keywords.run_selection import _NoNeededTestSkips
    from runproof.run_settings import aimed_at_needed

    ac2 = TestCase(name="Plan Generation Ran Through generate_plan_for_run In A Real Run", tags=["AC2", "beyond-plan"],
                   status="SKIP", message="Failed test skipped using 'beyond-plan' tag.\n\nOriginal failure:\nno plan")
    beyond = TestCase(name="Beyond", tags=["beyond-plan"], status="SKIP", message=ac2.message)
    assert aimed_at_needed("beyond-plan", [ac2, beyond]) == []
    assert aimed_at_needed("AC*", [ac2, beyond]) == [ac2]
    for test in (ac2, beyond):
        _NoNeededTestSkips().end_test(None, test)
    assert ac2.status == "FAIL" and ac2.message.startswith("no plan — turned back into a failure")
    assert beyond.status == "SKIP"


WRAPPER = """import json, sys
import robot
arguments = json.loads(open(sys.argv[1]).read())
codes = [robot.run_cli(each, exit=False) for each in arguments]
print(json.dumps(codes))
"""


def run_in_one_process(tmp_path: Path, *runs: list[str], env: dict[str, str] | None = None):
    """Start robot by `robot.run_cli()` from a wrapper, once per argument list, in one process whose own argv names
    none of the robot options."""
    (tmp_path / "wrapper.py").write_text(WRAPPER)
    (tmp_path / "runs.json").write_text(json.dumps(list(runs)))
    done = subprocess.run([sys.executable, str(tmp_path / "wrapper.py"), str(tmp_path / "runs.json")],
                          env=robot_environment(**(env or {})), capture_output=True, text=True,
                          timeout=SUITE_BOUND * 3 * len(runs), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_two_runs_in_one_process_get_tenants_of_their_own(tmp_path):
    suite = tmp_path / "tenants"
    suite.mkdir()
    for name in ("one", "two"):  # two suite files of one run: the same tenants
        (suite / f"{name}.robot").write_text(
            "*** Settings ***\nVariables    runproof.robot_hooks.run_tenants\n\n*** Test Cases ***\n"
            f"{name}\n    Set Tags    ${{RUN_TENANT_ID}}    ${{RUN_OTHER_TENANT_ID}}\n")
    runs = [["--outputdir", str(tmp_path / f"run{n}"), "--console", "none", "--log", "NONE", "--report", "NONE",
             str(suite)] for n in (1, 2)]
    assert run_in_one_process(tmp_path, *runs) == [0, 0]
    tenants = []
    for n in (1, 2):
        tests = list(ExecutionResult(str(tmp_path / f"run{n}" / "output.xml")).suite.all_tests)
        assert len({tuple(t.tags) for t in tests}) == 1, "every suite file of one run sees the same tenants"
        tenants.append(set(tests[0].tags))
    assert len(tenants[0]) == 2 and not tenants[0] & tenants[1], "each run in one process has tenants of its own"


def test_a_rerun_started_by_run_cli_from_a_wrapper_reruns_what_a_new_run_makes_stale(tmp_path, database_url):
    """The coordinator fails once; the rerun, started by `robot.run_cli([..., '--rerunfailed', ...])`, reruns the CLI
    run it needs and every test that read the old run (tests/test_exit_code_is_proof.py does the same from a shell)."""
    from test_exit_code_is_proof import coordinator_failing_while_marked

    sut = coordinator_failing_while_marked(tmp_path / "sut")
    marker = tmp_path / "marker"
    marker.write_text("fail")
    env = {"DATABASE_URL": database_url, "RUNPROOF_FAIL_WHILE": str(marker)}
    first = tmp_path / "first"
    done = subprocess.run(robot_command(first, {"SUT_ROOT": str(sut)}, "--console", "quiet"),
                          env=robot_environment(**env), capture_output=True, text=True, timeout=SUITE_BOUND * 3)
    assert done.returncode > 0
    marker.unlink()
    rerun = tmp_path / "rerun"
    arguments = robot_command(rerun, {"SUT_ROOT": str(sut)}, "--console", "quiet", "--rerunfailed",
                              str(first / "output.xml"))[3:]  # without `python -m robot`
    assert run_in_one_process(tmp_path, arguments, env=env) == [0]
    evidence = json.loads((rerun / "evidence.json").read_text())
    added = {each["name"]: each["reason"] for each in evidence["prerequisites_added"]}
    assert added["Run Has Plan"] == f"it reads the fact 'run', which '{CLI_RUN}' establishes anew in this rerun"
    assert evidence["run_id"] != json.loads((first / "evidence.json").read_text())["run_id"]


def test_no_part_of_the_suite_reads_sys_argv():
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "libraries" / "runproof").rglob("*.py")
                 if "sys.argv" in path.read_text().replace("never from `sys.argv`", "")]
    assert offenders == []
