"""The suite's schedule (issue 25, "Keep the speed"): what starts early, at which priority, and what waits.

The earlier neighbour's interpreter starts with the suite and imports what its CLI imports at its top; it imports the
run's modules only when told (once §0's database checks passed), and nothing of the command runs before it is released
with its arguments; a suite that stops first leaves it having run nothing. An early import that fails makes the run a
cold one, so the failure is python -m's own. Work off the plan's chain runs at a lower priority, for the process and
for its session's autogroup; one of them killed at its timeout says how much CPU it had."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from runproof.target.backend_env import BackendEnvironment
from runproof.keywords.backend_process import BackendProcess, BackendProcessFailed, lower_priority

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


def waiting_tracer(folder: Path) -> tuple[subprocess.Popen, Path]:
    channel = folder / "arguments"
    os.mkfifo(channel)
    tracer = subprocess.Popen([sys.executable, str(TRACER), "--record", str(folder / "path.json"), "--watch",
                               "engine:work", "--arguments-from", str(channel), "-m", "cli"], cwd=folder,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return tracer, channel


def tell(channel: Path, *messages) -> None:
    with open(channel, "w") as writer:
        for message in messages:
            writer.write(json.dumps(message) + "\n")


def wait_for(path: Path, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} did not appear"
        time.sleep(0.02)


def test_a_waiting_tracer_imports_what_it_is_told_and_runs_nothing_until_released(tmp_path):
    folder = product(tmp_path)
    tracer, channel = waiting_tracer(folder)
    wait_for(folder / "imported-top")  # the CLI's top-level import, at once
    time.sleep(0.3)
    assert not (folder / "imported-engine").exists(), "the run's modules are imported only when told"
    writer = os.open(channel, os.O_RDWR)  # as the suite opens it: kept open between the messages
    os.write(writer, b'"import"\n')
    wait_for(folder / "imported-engine")
    time.sleep(0.2)
    assert tracer.poll() is None, "it must wait for its arguments"
    assert not (folder / "cli-body-ran").exists(), "the CLI's own module body ran before it was released"
    assert not (folder / "path.json").exists()
    os.write(writer, json.dumps(["released"]).encode() + b"\n")
    os.close(writer)
    stdout, stderr = tracer.communicate(timeout=20)
    assert tracer.returncode == 0, stderr
    assert stdout == "RELEASED\n"
    record = json.loads((folder / "path.json").read_text())
    assert record["watched"]["engine:work"]["calls"] == 1 and record["exit"] == 0
    assert record["watched"]["engine:work"]["chain"] == ["cli:<module>", "cli:main", "engine:work"]


def test_a_tracer_never_released_runs_nothing(tmp_path):
    folder = product(tmp_path)
    tracer, channel = waiting_tracer(folder)
    tell(channel, "import")  # then the suite goes away: end of file
    stdout, stderr = tracer.communicate(timeout=20)
    assert tracer.returncode == 0, stderr
    assert stdout == ""
    assert not (folder / "cli-body-ran").exists() and not (folder / "path.json").exists()


def test_an_early_import_that_fails_makes_the_run_a_cold_one(tmp_path):
    """A module that registers something and then fails: imported twice in one interpreter, it would fail on the
    registration; the cold run fails as python -m does, on the missing dependency."""
    folder = product(tmp_path)
    (folder / "registry.py").write_text("names = []\n")
    (folder / "engine.py").write_text("import registry\nif 'engine' in registry.names:\n"
                                      "    raise ValueError('engine registered twice')\n"
                                      "registry.names.append('engine')\nimport missing_dependency\n")
    tracer, channel = waiting_tracer(folder)
    tell(channel, "import", ["x"])
    _, stderr = tracer.communicate(timeout=20)
    assert tracer.returncode == 1
    assert stderr.rstrip().endswith("ModuleNotFoundError: No module named 'missing_dependency'"), stderr
    record = json.loads((folder / "path.json").read_text())
    assert record["exit"] == 1 and record["cold_because"] == "importing engine early raised ModuleNotFoundError"


def test_a_module_reading_argv_while_imported_early_sees_its_file_and_no_arguments(tmp_path):
    folder = product(tmp_path)
    (folder / "top.py").write_text("import pathlib, sys\npathlib.Path('argv').write_text(repr(sys.argv))\n")
    tracer, channel = waiting_tracer(folder)
    tell(channel, ["x"])
    tracer.communicate(timeout=20)
    assert (folder / "argv").read_text() == repr([str(folder / "cli.py")])


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
    with pytest.raises(BackendProcessFailed, match="^neighbour-earlier was not started with a channel: nothing "
                                                   "waits for what is sent$"):
        library.release_backend_process("neighbour-earlier", "run")


def test_releasing_logs_the_whole_command_and_restarts_its_timeline(tmp_path):
    folder = product(tmp_path)
    channel = folder / "arguments"
    os.mkfifo(channel)
    library = BackendProcess()
    library.configure_backend_processes(sys.executable, str(folder), BackendEnvironment({"PYTHONPATH": "."}))
    library.start_backend_process("traced", str(TRACER), "--record", str(folder / "path.json"), "--watch",
                                  "engine:work", "--arguments-from", str(channel), "-m", "cli",
                                  what="the traced CLI", channel=str(channel))
    try:
        wait_for(folder / "imported-top")
        assert library.backend_process_timeline()[0]["released"] is False
        started = library.backend_process_timeline()[0]["started"]
        library.send_to_backend_process("traced", "import")
        library.release_backend_process("traced", "hello")
        result = library.wait_for_backend_process("traced", timedelta(seconds=20))
    finally:
        library.kill_all_backend_processes()
    assert result.stdout == "HELLO\n"
    entry = library.backend_process_timeline()[0]
    assert entry["warm_started"] == started and entry["started"] > started and entry["seconds"] >= 0
    assert entry["released"] is True


def test_a_process_at_a_lower_priority_that_hangs_is_not_blamed_on_the_machine(tmp_path):
    library = BackendProcess()
    library.configure_backend_processes(sys.executable, str(tmp_path), BackendEnvironment({}))
    library.start_backend_process("slow", "-c", "import time; time.sleep(30)", what="the coordinator probe",
                                  niceness=10)
    try:
        with pytest.raises(BackendProcessFailed, match=r"^the coordinator probe did not return within 0.5s$"):
            library.wait_for_backend_process("slow", timedelta(seconds=0.5))
    finally:
        library.kill_all_backend_processes()


def test_a_process_at_a_lower_priority_starved_of_cpu_says_the_machine_was_busy(tmp_path):
    """Two busy loops per core at the normal priority beside it: the niced process mostly waits for a CPU."""
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2 * (os.cpu_count() or 1))]
    library = BackendProcess()
    library.configure_backend_processes(sys.executable, str(tmp_path), BackendEnvironment({}))
    library.start_backend_process("spin", "-c", "while True: pass", what="the coordinator tests", niceness=19)
    try:
        with pytest.raises(BackendProcessFailed, match=r"^the coordinator tests did not return within 1s \(it ran at "
                                                       r"nice 19: it ran \d+\.\ds and waited \d+\.\ds for a CPU — "
                                                       r"the machine was busy, not the backend slow"):
            library.wait_for_backend_process("spin", timedelta(seconds=1))
    finally:
        library.kill_all_backend_processes()
        for process in busy:
            process.kill()
            process.wait()


def test_early_work_is_started_only_for_a_fact_the_run_can_establish():
    from types import SimpleNamespace

    from runproof.keywords.run_facts import CLI_RUN, RunFacts, UnknownFact

    facts = RunFacts()
    facts._selected_tests = [SimpleNamespace(name="The Target Is Configured")]
    assert not facts.fact_can_be_established("neighbours")
    assert facts.fact_can_be_established("target database")  # the suite setup establishes it
    facts._selected_tests.append(SimpleNamespace(name=CLI_RUN))
    assert facts.fact_can_be_established("neighbours")
    with pytest.raises(UnknownFact, match="no test establishes a fact called 'neighbors'"):
        facts.fact_can_be_established("neighbors")


def test_a_process_never_released_is_named_so_on_the_timeline():
    from runproof.keywords.run_timeline import timeline_events

    processes = [{"name": "neighbour-earlier", "started_utc": "2026-11-29T13:00:00+00:00", "released": False},
                 {"name": "customer-cli-run", "started_utc": "2026-11-29T13:00:01+00:00",
                  "ended_utc": "2026-11-29T13:00:02+00:00"}]
    labels = [event["label"] for event in timeline_events(processes, None, [], [], None)]
    assert labels == ["neighbour-earlier (waited, never released)", "customer-cli-run"]


def test_the_timeline_shows_the_waiting_interpreter_and_a_process_killed_at_the_end():
    from runproof.keywords.run_timeline import timeline_events

    processes = [{"name": "neighbour-earlier", "warm_started_utc": "2026-11-29T13:00:00+00:00",
                  "started_utc": "2026-11-29T13:00:01+00:00", "ended_utc": "2026-11-29T13:00:02+00:00",
                  "released": True},
                 {"name": "coordinator-tests", "started_utc": "2026-11-29T13:00:00+00:00",
                  "still_running_utc": "2026-11-29T13:00:05+00:00"}]
    events = timeline_events(processes, None, [], [], None)
    assert [(e["label"], e["start"][17:19], e["end"][17:19]) for e in events] == [
        ("neighbour-earlier (interpreter waiting)", "00", "01"), ("neighbour-earlier", "01", "02"),
        ("coordinator-tests (not awaited: killed at the end)", "00", "05")]
