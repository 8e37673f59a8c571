"""The suite's schedule (issue 25, "Keep the speed"): what starts early, at which priority, and what waits.

The earlier neighbour's interpreter starts with the suite and imports the run's modules while §0 runs; nothing of
the command runs before it is released with its arguments, and a suite that stops first leaves it having run
nothing. Work off the plan's chain runs at a lower priority, for the process and for its session's autogroup."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from backend_env import BackendEnvironment
from backend_process import BackendProcess, BackendProcessFailed, lower_priority

ROOT = Path(__file__).resolve().parents[1]
TRACER = ROOT / "probe" / "call_tracer.py"

# A product of three modules: the CLI imports `top` at its top and `engine` inside its handler (as the real
# cus_cli imports the plan generator and the runner); each module body leaves a mark when it runs.
MODULES = {
    "top.py": "import pathlib\npathlib.Path('imported-top').touch()\n",
    "engine.py": "import pathlib\npathlib.Path('imported-engine').touch()\n\ndef work(goal):\n    return goal.upper()\n",
    "cli.py": ("import pathlib\nimport sys\n\nimport top\n\npathlib.Path('cli-body-ran').touch()\n\n\n"
               "def main():\n    from engine import work\n    print(work(sys.argv[1]))\n\n\n"
               "if __name__ == '__main__':\n    main()\n"),
}


def product(folder: Path) -> Path:
    for name, text in MODULES.items():
        (folder / name).write_text(text)
    return folder


def waiting_tracer(folder: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(TRACER), "--record", str(folder / "path.json"), "--watch",
                             "engine:work", "--arguments-on-stdin", "-m", "cli"], cwd=folder, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} did not appear"
        time.sleep(0.02)


def test_a_waiting_tracer_imports_the_modules_and_runs_nothing_until_released(tmp_path):
    folder = product(tmp_path)
    tracer = waiting_tracer(folder)
    wait_for(folder / "imported-engine")  # the watched function's module, imported inside the handler
    assert (folder / "imported-top").exists()
    time.sleep(0.2)
    assert tracer.poll() is None, "it must wait for its arguments"
    assert not (folder / "cli-body-ran").exists(), "the CLI's own module body ran before it was released"
    assert not (folder / "path.json").exists()
    stdout, stderr = tracer.communicate(json.dumps(["released"]) + "\n", timeout=20)
    assert tracer.returncode == 0, stderr
    assert stdout == "RELEASED\n"
    record = json.loads((folder / "path.json").read_text())
    assert record["watched"]["engine:work"]["calls"] == 1 and record["exit"] == 0
    assert record["watched"]["engine:work"]["chain"] == ["cli:<module>", "cli:main", "engine:work"]


def test_a_tracer_never_released_runs_nothing(tmp_path):
    folder = product(tmp_path)
    tracer = waiting_tracer(folder)
    stdout, stderr = tracer.communicate("", timeout=20)
    assert tracer.returncode == 0, stderr
    assert stdout == ""
    assert not (folder / "cli-body-ran").exists() and not (folder / "path.json").exists()


def test_a_module_that_cannot_be_imported_early_fails_where_python_m_would(tmp_path):
    folder = product(tmp_path)
    (folder / "engine.py").write_text("raise ImportError('engine is broken')\n")
    tracer = waiting_tracer(folder)
    _, stderr = tracer.communicate(json.dumps(["x"]) + "\n", timeout=20)
    assert tracer.returncode == 1
    assert stderr.rstrip().endswith("ImportError: engine is broken")  # raised by the handler's own import


def test_work_off_the_chain_runs_at_a_lower_priority_with_its_autogroup(tmp_path):
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"], start_new_session=True)
    try:
        lower_priority(process.pid, 10)
        assert os.getpriority(os.PRIO_PROCESS, process.pid) == 10
        autogroup = Path(f"/proc/{process.pid}/autogroup")
        if autogroup.exists():
            assert autogroup.read_text().split()[-1] == "10", autogroup.read_text()
    finally:
        process.kill()
        process.wait()


def test_an_ended_process_keeps_the_schedule_unchanged():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    lower_priority(process.pid, 10)  # no error: only the schedule would have changed


def test_releasing_a_process_that_was_never_started_fails_in_one_line():
    library = BackendProcess()
    with pytest.raises(BackendProcessFailed, match="^neighbour-earlier was not started with the suite: nothing "
                                                   "waits for its arguments$"):
        library.release_backend_process("neighbour-earlier", "run")


def test_releasing_logs_the_whole_command_and_restarts_its_timeline(tmp_path):
    folder = product(tmp_path)
    library = BackendProcess()
    library.configure_backend_processes(sys.executable, str(folder), BackendEnvironment({"PYTHONPATH": "."}))
    library.start_backend_process("traced", str(TRACER), "--record", str(folder / "path.json"), "--watch",
                                  "engine:work", "--arguments-on-stdin", "-m", "cli", what="the traced CLI",
                                  stdin="PIPE")
    try:
        wait_for(folder / "imported-engine")
        started = library.backend_process_timeline()[0]["started"]
        library.release_backend_process("traced", "hello")
        result = library.wait_for_backend_process("traced", timedelta(seconds=20))
    finally:
        library.kill_all_backend_processes()
    assert result.stdout == "HELLO\n"
    entry = library.backend_process_timeline()[0]
    assert entry["warm_started"] == started and entry["started"] > started and entry["seconds"] >= 0


def test_early_work_is_started_only_for_a_fact_the_run_can_establish():
    from types import SimpleNamespace

    from run_facts import CLI_RUN, RunFacts, UnknownFact

    facts = RunFacts()
    facts._selected_tests = [SimpleNamespace(name="The Target Is Configured")]
    assert not facts.fact_can_be_established("neighbours")
    assert facts.fact_can_be_established("target database")  # the suite setup establishes it
    facts._selected_tests.append(SimpleNamespace(name=CLI_RUN))
    assert facts.fact_can_be_established("neighbours")
    with pytest.raises(UnknownFact, match="no test establishes a fact called 'neighbors'"):
        facts.fact_can_be_established("neighbors")
