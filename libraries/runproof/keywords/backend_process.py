"""Backend processes: every command the suite runs in the backend's interpreter, started and awaited one way.

Started by Robot's Process library (its own session, its command line logged, killed at the end), registered with
the reaper so that it dies with the suite even on SIGKILL, and awaited by `communicate(timeout)`, which returns the
moment the process ends (Process's own wait polls every 0.1 s). The log shows each command as the plan writes it —
working directory, the plan's environment assignments with the password masked, the arguments — then its exit code,
stdout and stderr, once. A timeout, a crash or a non-zero exit becomes one masked, actionable line.

The environment itself is never logged. Robot's Process library logs, at DEBUG, `Process configuration:` with the
whole `env` dictionary (robot/libraries/Process.py, `_log_start`), except the values given to it as `Secret`, which
it shows as `<secret>`: so every value is handed over as a `Secret` (Process's public contract; the child still gets
the plain values), and the `secret_masking` listener shortens that line's `env:` to a count of the variables.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from robot.api import logger
from robot.api.deco import keyword, library
from robot.api.types import Secret
from robot.libraries.Process import Process

from runproof.target.backend_env import BackendEnvironment
from runproof.evidence.masking import mask, one_line
from runproof.target.process_output import dependency_hint, failure_line
from runproof import DOC_FORMAT, VERSION
from runproof.target.reaper import Reaper


@dataclass(repr=False)
class BackendResult:
    """What a finished backend process left: exit code, output, and whether it was killed at its timeout."""

    rc: int
    stdout: str
    stderr: str
    timed_out: bool

    def __repr__(self) -> str:
        # Robot logs `${result} = <repr>` for every assignment: the output itself was logged once, when it was read.
        return f"<exit code {self.rc}, {len(self.stdout)} characters of stdout, {len(self.stderr)} of stderr>"

    __str__ = __repr__


class BackendProcessFailed(AssertionError):
    ROBOT_SUPPRESS_NAME = True


def decode(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", errors="replace")


@library(scope="GLOBAL", version=VERSION, doc_format=DOC_FORMAT)
class BackendProcess:
    """Starts and awaits the backend's commands from backend/, in the plan's environment, each with a timeout."""

    def __init__(self) -> None:
        self._process = Process()
        self._python = ""
        self._cwd = ""
        self._env = BackendEnvironment({})
        self._what: dict[str, str] = {}
        self._commands: dict[str, tuple[list[str], BackendEnvironment]] = {}
        self._timeline: dict[str, dict] = {}
        self._epoch = time.monotonic()

    @keyword
    def configure_backend_processes(self, python: str, backend_dir: str, env: BackendEnvironment) -> None:
        """Every later backend process runs `python` in `backend_dir` with `env` (the plan's environment, as
        `Backend Environment` returns it: logged as the plan's assignments only).

        Example: `Configure Backend Processes    ${PYTHON}    ${BACKEND_DIR}    ${env}`
        """
        self._python, self._cwd, self._env = python, backend_dir, env

    @keyword
    def start_backend_process(self, name: str, *arguments: str, what: str, stdin: str = "NONE",
                              pythonpath: str = "", env: dict | None = None) -> str:
        """Start `python ARGUMENTS` in the background; `stdin=PIPE` lets `Wait For Backend Process` give it input.

        Given `name` — how later keywords refer to it; `what` — how failures name it ("the customer CLI");
        `pythonpath` — a folder of the suite's own appended to this process's PYTHONPATH (after the plan's `.`);
        `env` — variables for this process only, over the plan's environment. The process starts cold, as the plan
        writes it: nothing is imported or run for it before this keyword.
        Returns `name`.

        Example: `Start Backend Process    list-skills    -m    ${CUS_CLI_MODULE}    list-skills    what=cus_cli list-skills`
        """
        command = [self._python, *arguments]
        variables = BackendEnvironment({**self._env.variables, **(env or {})})
        if pythonpath:
            variables.variables["PYTHONPATH"] = os.pathsep.join(filter(None, (variables.get("PYTHONPATH"), pythonpath)))
        logger.info(self.as_the_plan_writes_it(command, variables))
        self._commands[name] = (command, variables)
        hidden = {variable: Secret(value) for variable, value in variables.variables.items()}  # see the module's doc
        popen = self._process.start_process(*command, cwd=self._cwd, env=hidden, alias=name, stdin=stdin)
        Reaper.shared().watch_process(popen.pid)
        self._what[name] = what
        # Monotonic seconds for durations (the bench), wall-clock UTC to set them beside the database's timestamps.
        self._timeline[name] = {"name": name, "what": what, "started": round(time.monotonic() - self._epoch, 3),
                                "started_utc": _utc_now()}
        return name

    def as_the_plan_writes_it(self, command: list[str], env: BackendEnvironment | None = None) -> str:
        """`$ cd backend` and `$ PYTHONPATH=. USE_POSTGRES_TRACES=true DATABASE_URL='postgresql://u:***@h:p/db' …`."""
        env = self._env if env is None else env
        return mask(f"$ cd {shlex.quote(self._cwd)}\n$ {env.assignments()} {shlex.join(command)}")

    @keyword
    def wait_for_backend_process(self, name: str, timeout: timedelta, input: str | None = None,
                                 expect_success: bool = True) -> BackendResult:
        """Wait for `name` (giving it `input` on stdin), log what it printed, and fail in one line when it failed.

        Given `timeout` — killed and reported when exceeded; `expect_success` — False returns a non-zero exit
        instead of failing (the caller judges it). A timeout always fails.
        Returns a result with `rc`, `stdout`, `stderr`, `timed_out`.

        Example: `${result}=    Wait For Backend Process    list-skills    ${CLI_TIMEOUT}`
        """
        popen = self._process.get_process_object(name)
        what = self._what.get(name, name)
        try:
            stdout, stderr = popen.communicate(None if input is None else input.encode(), timeout.total_seconds())
            result = BackendResult(popen.returncode, decode(stdout), decode(stderr), False)
        except subprocess.TimeoutExpired:
            self._process.terminate_process(name, kill=True)
            stdout, stderr = popen.communicate()
            result = BackendResult(-9, decode(stdout), decode(stderr), True)
        Reaper.shared().forget_process(popen.pid)
        self._timeline[name]["ended"] = round(time.monotonic() - self._epoch, 3)
        self._timeline[name]["ended_utc"] = _utc_now()
        logger.info(mask(f"{what}: exit code {result.rc}{' (killed at its timeout)' if result.timed_out else ''}\n"
                         f"--- stdout ---\n{result.stdout or '(empty)'}\n--- stderr ---\n{result.stderr or '(empty)'}"))
        if result.timed_out:
            raise BackendProcessFailed(one_line(f"{what} did not return within {_seconds(timeout)}"))
        if result.rc != 0 and expect_success:
            raise BackendProcessFailed(self.failure_reason(result, what))
        return result

    def failure_reason(self, result: BackendResult, what: str) -> str:
        crashed = "crashed" if result.rc < 0 or result.rc > 2 else "failed"
        reason = failure_line(result.stderr, result.stdout) + dependency_hint(result.stderr, self._python)
        return one_line(f"{what} {crashed} (exit {result.rc}): {reason}")

    @keyword
    def backend_environment_value(self, name: str) -> str | None:
        """The value of `name` in the environment every backend process gets (None when unset), masked: Robot logs
        what a keyword returns.

        Example: `${value}=    Backend Environment Value    USE_POSTGRES_TRACES`
        """
        value = self._env.get(name)
        return None if value is None else mask(value)

    @keyword
    def backend_process_was_started(self, name: str) -> bool:
        """True when a process called `name` was started (and so must be awaited or is still running).

        Example: `${started}=    Backend Process Was Started    coordinator-tests`
        """
        return name in self._what

    @keyword
    def backend_process_timeline(self) -> list[dict]:
        """Start and end of every backend process: seconds since the suite started (`started`, `ended`, for the
        benchmark) and wall-clock UTC (`started_utc`, `ended_utc`, ISO 8601, for the run's timeline picture). A
        process not awaited (still running, to be killed at the end) has `still_running_utc`, the moment of asking.

        Example: `${timeline}=    Backend Process Timeline`
        """
        return [dict(entry, seconds=round(entry["ended"] - entry["started"], 3)) if "ended" in entry
                else dict(entry, still_running_utc=_utc_now()) if self._running(name)
                else entry for name, entry in self._timeline.items()]

    def _running(self, name: str) -> bool:
        try:
            return self._process.get_process_object(name).poll() is None
        except (RuntimeError, ValueError):  # Process's "Non-existing index or alias"
            return False

    @keyword
    def kill_all_backend_processes(self) -> None:
        """Nothing the suite started outlives it.

        Example: `Kill All Backend Processes`
        """
        self._process.terminate_all_processes(kill=True)


def _utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _seconds(timeout: timedelta) -> str:
    seconds = timeout.total_seconds()
    return f"{seconds:g}s"
