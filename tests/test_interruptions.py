"""An interrupted run earns no verdict. Whole-suite runs, on the suite's own throwaway PostgreSQL, are stopped with
SIGTERM, with SIGINT twice and with SIGKILL at three moments — in the suite setup (during the migration), during the
plan's CLI run, and during the coordinator step — in an output folder that holds an earlier *passing* run. Each case:
no process and no throwaway data directory is left, the evidence says INCOMPLETE (or FAIL) with the cause, no
criterion is PASS on a test that did not pass, and none of the earlier run's files is left looking current."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from canaries import assert_no_leak, environment_canaries
from runproof.criteria import CRITERIA
from matrix import Mutant, prepare
from runproof.robot_hooks.robot_command import robot_command, robot_environment
from test_hostile import processes_under

# The test here starts a whole suite run: `make test-fast` leaves it out.
pytestmark = pytest.mark.suite_run

STALL = "time.sleep(60)"
MARK = 'open(os.path.join(os.environ["RUNPROOF_MARK"], "{stage}"), "w").close()'
STAGES = {
    "setup": [],
    "cli-run": [{"file": "backend/app/hoc/cus/integrations/cus_cli.py", "old": "    result = execute_run_sync(run_id, wait=wait)\n",
                 "new": f"    if goal.startswith('Run proof v4 validation run'):\n        {MARK.format(stage='cli-run')}\n        {STALL}\n"
                        "    result = execute_run_sync(run_id, wait=wait)\n"}],
    "coordinator": [{"file": "backend/app/hoc/cus/hoc_spine/orchestrator/coordinators/run_proof_coordinator.py",
                     "old": "        store = logs_bridge.get_logs_bridge().traces_store_capability()\n",
                     "new": f"        import os, time\n        {MARK.format(stage='coordinator')}\n        {STALL}\n"
                            "        store = logs_bridge.get_logs_bridge().traces_store_capability()\n"}],
}
SIGNALS = {"SIGTERM": [signal.SIGTERM], "SIGINT twice": [signal.SIGINT, signal.SIGINT], "SIGKILL": [signal.SIGKILL]}
EARLIER = {"result": "PASS", "run_id": "an-earlier-run", "acceptance": dict.fromkeys(CRITERIA, "PASS")}


def suite_folders(tmp: Path) -> set[Path]:
    """Every temporary folder of the suite: the throwaway PostgreSQL's, the call tracer's (with its named pipe), the
    coordinator tests' observations."""
    return set(tmp.glob("runproof-*"))


def throwaway_servers(tmp: Path) -> set[str]:
    """PostgreSQL processes started on a throwaway data directory under `tmp` (their command line names it)."""
    return {line for line in processes_under(tmp / "runproof-pg-") if "postgres" in line}


def an_earlier_passing_run(outdir: Path) -> None:
    outdir.mkdir(parents=True)
    (outdir / "evidence.json").write_text(json.dumps(EARLIER))
    (outdir / "evidence.md").write_text("**Result:** PASS — an earlier run\n")
    for name in ("report.html", "log.html", "xunit.xml"):
        (outdir / name).write_text("an earlier passing run")


def wait_for(path: Path, process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, f"the suite ended (rc {process.returncode}) before reaching {path.name}"
        assert time.monotonic() < deadline, f"the suite did not reach {path.name} within {seconds}s"
        time.sleep(0.05)


def wait_until_gone(check, seconds: float = 15.0):
    deadline = time.monotonic() + seconds
    while (left := check()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


@pytest.mark.parametrize("signals", SIGNALS, ids=list(SIGNALS))
@pytest.mark.parametrize("stage", STAGES, ids=list(STAGES))
def test_an_interrupted_run_leaves_no_verdict_and_nothing_running(tmp_path, stage, signals, http_call_answer, private_tmp):
    sut = prepare(Mutant(name=stage, defect="stalls", edits=STAGES[stage]), tmp_path / "sut")[0]
    mark = tmp_path / "mark"
    mark.mkdir()
    outdir = tmp_path / "results"
    an_earlier_passing_run(outdir)
    variables = {"SUT_ROOT": str(sut)}
    if stage == "setup":
        variables["MIGRATE_COMMAND"] = f'touch "$RUNPROOF_MARK/setup"; {STALL.replace("time.sleep(", "sleep ").rstrip(")")}'

    started = time.time()
    planted = environment_canaries()  # and scanned for at the end: an interrupted run leaks nothing either
    suite = subprocess.Popen(robot_command(outdir, variables, "--console", "none", "--loglevel", "TRACE"),
                             env=robot_environment(DATABASE_URL=None, RUNPROOF_MARK=str(mark), TMPDIR=str(private_tmp),
                                                   **planted),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(mark / stage, suite, 60)
        for number in SIGNALS[signals]:
            suite.send_signal(number)
            time.sleep(0.3)
        suite.wait(timeout=60)
    finally:
        if suite.poll() is None:
            suite.kill()
    assert suite.returncode != 0
    assert_no_leak(outdir, planted.values(), console=suite.stdout.read() + suite.stderr.read())

    assert not wait_until_gone(lambda: processes_under(tmp_path)), "processes outlived the suite"
    assert not wait_until_gone(lambda: throwaway_servers(private_tmp)), "a throwaway PostgreSQL kept running"
    assert not wait_until_gone(lambda: suite_folders(private_tmp)), "a temporary folder of the suite was left"

    evidence = json.loads((outdir / "evidence.json").read_text())
    assert evidence["result"] in ("INCOMPLETE", "FAIL") and evidence.get("run_id") != "an-earlier-run"
    cause = evidence["stop_reason"] or ""
    if signals != "SIGKILL":
        assert ("SIGTERM" if signals == "SIGTERM" else "SIGINT") in cause, cause
        if stage == "cli-run":  # the test the signal stopped is named, also once Robot has failed the rest
            assert "during 'Customer CLI Creates A Run With Explicit Tenant And Origin'" in cause, cause
    else:
        assert evidence["result"] == "INCOMPLETE" and "did not finish" in cause, cause
    passed = {t["name"] for t in evidence["tests"] if t["status"] == "PASS"}
    for ac, verdict in evidence["acceptance"].items():
        if verdict == "PASS":
            assert all(t["name"] in passed for t in evidence["criteria_tests"][ac]), f"{ac} PASS on a test that did not pass"
    assert "an earlier run" not in (outdir / "evidence.md").read_text()
    for name in ("report.html", "log.html", "xunit.xml"):
        path = outdir / name
        assert not path.exists() or path.stat().st_mtime >= started - 1, f"the earlier run's {name} looks current"
