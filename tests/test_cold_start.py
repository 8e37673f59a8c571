"""Every backend process starts as the plan writes it (issue 30): a cold `python -m …` from backend/, its whole
command line given at its start. The call tracer that observes the earlier neighbour's path runs the module as
`python -m` would — module bodies once, in their order, `sys.argv` as python -m sets it — and nothing of the
command is imported or run before the process starts."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from robot.api import TestSuiteBuilder as SuiteBuilder

from runproof.keywords.backend_process import BackendProcess, BackendProcessFailed
from runproof.target.backend_env import BackendEnvironment

ROOT = Path(__file__).resolve().parents[1]
TRACER = ROOT / "probe" / "call_tracer.py"

# A product of three modules: the CLI imports `top` at its top and `engine` inside its handler (as the real
# cus_cli imports the plan generator and the runner); each module body leaves a mark when it runs.
MODULES = {
    "top.py": "import pathlib\npathlib.Path('imported-top').touch()\n",
    "engine.py": "import pathlib\npathlib.Path('imported-engine').touch()\n\ndef work(goal):\n    return goal.upper()\n",
    "cli.py": ("import pathlib\nimport sys\n\nimport top\n\npathlib.Path('argv').write_text(repr(sys.argv))\n\n\n"
               "def main():\n    from engine import work\n    print(work(sys.argv[1]))\n\n\n"
               "if __name__ == '__main__':\n    main()\n"),
}


def product(folder: Path) -> Path:
    for name, text in MODULES.items():
        (folder / name).write_text(text)
    return folder


def traced(folder: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(TRACER), "--record", str(folder / "path.json"), "--watch",
                           "engine:work", "-m", "cli", *arguments], cwd=folder, capture_output=True, text=True,
                          timeout=30)


def test_the_traced_run_is_the_run_python_m_gives(tmp_path):
    folder = product(tmp_path)
    plain = subprocess.run([sys.executable, "-m", "cli", "hello"], cwd=folder, capture_output=True, text=True,
                           timeout=30)
    plain_argv = (folder / "argv").read_text()
    result = traced(folder, "hello")
    assert (result.returncode, result.stdout) == (plain.returncode, plain.stdout) == (0, "HELLO\n")
    assert (folder / "argv").read_text() == plain_argv == repr([str(folder / "cli.py"), "hello"])
    record = json.loads((folder / "path.json").read_text())
    assert record["exit"] == 0 and record["watched"]["engine:work"]["calls"] == 1
    assert record["watched"]["engine:work"]["chain"] == ["cli:<module>", "cli:main", "engine:work"]


def test_a_failing_import_fails_where_and_as_python_m_gives_it(tmp_path):
    folder = product(tmp_path)
    (folder / "engine.py").write_text("import missing_dependency\n")
    result = traced(folder, "x")
    assert result.returncode == 1
    assert result.stderr.rstrip().endswith("ModuleNotFoundError: No module named 'missing_dependency'"), result.stderr
    record = json.loads((folder / "path.json").read_text())
    assert record["exit"] == 1 and record["watched"]["engine:work"]["calls"] == 0


def test_a_process_that_hangs_fails_in_one_line_at_its_timeout(tmp_path):
    library = BackendProcess()
    library.configure_backend_processes(sys.executable, str(tmp_path), BackendEnvironment({}))
    library.start_backend_process("slow", "-c", "import time; time.sleep(30)", what="the coordinator probe")
    try:
        with pytest.raises(BackendProcessFailed, match=r"^the coordinator probe did not return within 0.5s$"):
            library.wait_for_backend_process("slow", timedelta(seconds=0.5))
    finally:
        library.kill_all_backend_processes()


def test_every_backend_process_the_suite_starts_is_given_its_whole_command_at_its_start():
    """No keyword of the suite starts a process that waits for its command line, or changes its priority: the
    library has no such argument, and no resource passes one."""
    import inspect

    parameters = set(inspect.signature(BackendProcess.start_backend_process).parameters)
    assert parameters == {"self", "name", "arguments", "what", "stdin", "pythonpath", "env"}
    assert not {"release_backend_process", "send_to_backend_process"} & set(dir(BackendProcess))
    texts = "\n".join(path.read_text() for path in [*(ROOT / "resources").glob("*.resource"),
                                                     *(ROOT / "suites").glob("*.robot")])
    for word in ("niceness=", "channel=", "Release Backend Process", "arguments_later"):
        assert word not in texts, f"{word} is back in the resources"
    suite = SuiteBuilder().build(str(ROOT / "suites"))
    assert suite.test_count > 30  # the tree was read


def test_a_process_killed_at_the_end_is_named_so_on_the_timeline():
    from runproof.keywords.run_timeline import timeline_events

    processes = [{"name": "neighbour-earlier", "started_utc": "2026-11-29T13:00:01+00:00",
                  "ended_utc": "2026-11-29T13:00:02+00:00"},
                 {"name": "coordinator-tests", "started_utc": "2026-11-29T13:00:00+00:00",
                  "still_running_utc": "2026-11-29T13:00:05+00:00"}]
    events = timeline_events(processes, None, [], [], None)
    assert [(e["label"], e["start"][17:19], e["end"][17:19]) for e in events] == [
        ("neighbour-earlier", "01", "02"), ("coordinator-tests (not awaited: killed at the end)", "00", "05")]
