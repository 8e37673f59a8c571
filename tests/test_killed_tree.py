"""A killed tree leaves nothing running (issue 33, item 5): CI kills robot and every descendant — the reaper with
them — with SIGKILL while the suite's throwaway PostgreSQL runs. pg_ctl daemonizes the postmaster, so it is no
descendant and outlives the kill; the next run stops it (its owning run is gone: recorded pid and start time, never
a name) and removes its data folder before it starts its own."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from matrix import Mutant, prepare
from runproof.robot_hooks.robot_command import robot_command, robot_environment
from runproof.target.reaper import alive, owner_alive, owner_record, postmaster_pid, process_start
from test_interruptions import STAGES, throwaway_servers, wait_for, wait_until_gone

# Whole suite runs: spread over pytest-xdist's workers, left out of `make test-fast`.
pytestmark = pytest.mark.suite_run

SUITE_LIMIT = 180


def descendants(root: int) -> set[int]:
    """`root` and every process below it, by parent pid."""
    children: dict[int, set[int]] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, set()).add(int(proc.name))
    found, stack = set(), [root]
    while stack:
        pid = stack.pop()
        if pid not in found:
            found.add(pid)
            stack.extend(children.get(pid, ()))
    return found


def kill_tree(root: int) -> None:
    """Stop robot and every descendant (so none can start another), then SIGKILL them all."""
    stopped: set[int] = set()
    while fresh := descendants(root) - stopped:
        for pid in fresh:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
        stopped |= fresh
    for pid in stopped:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def test_an_owner_is_its_pid_and_its_start_time():
    assert owner_alive(owner_record())
    pid = os.getpid()
    assert not owner_alive(f"{pid} {process_start(pid) + 1}"), "a reused pid is not the owner"
    done = subprocess.Popen(["true"])
    done.wait(timeout=10)
    assert not owner_alive(f"{done.pid} 1")


# The next run sweeps whichever database it uses: its own throwaway one, or a DATABASE_URL (here one nothing answers:
# the one test selected only checks the configuration, so no database is touched).
NEXT_RUN_DATABASE = {"throwaway": None, "database-url": "postgresql://runproof@127.0.0.1:1/nothing_here"}


@pytest.mark.parametrize("next_run", NEXT_RUN_DATABASE)
def test_after_the_whole_tree_is_killed_the_next_run_ends_the_server_it_left(tmp_path, private_tmp, next_run):
    sut = prepare(Mutant(name="stalls-in-the-cli-run", defect="stalls", edits=STAGES["cli-run"]), tmp_path / "sut")[0]
    mark = tmp_path / "marks"
    mark.mkdir()
    env = robot_environment(DATABASE_URL=None, TMPDIR=str(private_tmp), RUNPROOF_MARK=str(mark))
    first = subprocess.Popen(robot_command(tmp_path / "first", {"SUT_ROOT": str(sut), "CLI_TIMEOUT": "90s"},
                                           "--console", "none"), env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for(mark / "cli-run", first, SUITE_LIMIT)  # the throwaway server runs, the plan's CLI run stalls
        directory, = private_tmp.glob("runproof-pg-*")
        server = postmaster_pid(directory)
        assert server and alive(server)
        kill_tree(first.pid)
        first.wait(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(first.pid, signal.SIGKILL)
    time.sleep(1.0)
    assert alive(server) and throwaway_servers(private_tmp), "the killed tree took its server with it: nothing to prove"

    second = subprocess.run(robot_command(tmp_path / "second", None, "--console", "none",
                                          "--test", "The Target Is Configured"),
                            env={**env, "DATABASE_URL": NEXT_RUN_DATABASE[next_run] or ""},
                            capture_output=True, text=True, timeout=SUITE_LIMIT)
    assert second.returncode == 0, second.stderr
    assert not wait_until_gone(lambda: alive(server)), "the server of the killed run still runs"
    assert not directory.exists(), "the killed run's data folder is still there"
    assert not wait_until_gone(lambda: throwaway_servers(private_tmp)), "a throwaway PostgreSQL kept running"
    assert not list(private_tmp.glob("runproof-pg-*")), "a throwaway data folder was left"
