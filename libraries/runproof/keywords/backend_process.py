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

import json
import os
import shlex
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

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
        self._niceness: dict[str, int] = {}
        self._channels: dict[str, str] = {}
        self._open_channels: dict[str, int] = {}
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
                              pythonpath: str = "", env: dict | None = None, niceness: int = 0,
                              channel: str = "") -> str:
        """Start `python ARGUMENTS` in the background; `stdin=PIPE` lets `Wait For Backend Process` give it input.

        Given `name` — how later keywords refer to it; `what` — how failures name it ("the customer CLI");
        `pythonpath` — a folder of the suite's own appended to this process's PYTHONPATH (after the plan's `.`);
        `env` — variables for this process only, over the plan's environment; `niceness` — above 0 for work off the
        run's critical path (the POSIX nice value, `os.setpriority`): on a machine with fewer cores than runnable
        processes, the plan's chain (list-skills, the CLI runs) gets the CPU first; `channel` — the named pipe on which
        the process waits for `Send To Backend Process` and `Release Backend Process` (probe/call_tracer.py's
        `--arguments-from`).
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
        if niceness:
            lower_priority(popen.pid, niceness)
        self._niceness[name] = niceness
        if channel:
            self._channels[name] = channel
        self._what[name] = what
        # Monotonic seconds for durations (the bench), wall-clock UTC to set them beside the database's timestamps.
        self._timeline[name] = {"name": name, "what": what, "started": round(time.monotonic() - self._epoch, 3),
                                "started_utc": _utc_now()}
        if channel:
            self._timeline[name]["released"] = False  # waiting for its arguments: none of its command has run
        return name

    @keyword
    def send_to_backend_process(self, name: str, message: str) -> None:
        """Write `message` as one JSON line on the channel of `name` (a process started with `channel=`), which stays
        open for the next message: e.g. `import` tells probe/call_tracer.py to import the watched functions' modules.

        Raises `BackendProcessFailed` when `name` has no channel or has ended.

        Example: `Send To Backend Process    neighbour-earlier    import`
        """
        self._write_to_channel(name, json.dumps(message))

    @keyword
    def release_backend_process(self, name: str, *arguments: str) -> None:
        """Give a process started with `channel=` the rest of its command line, as one JSON list on its channel (closed
        once the process is awaited). The log shows the whole command as it now runs; the timeline starts the process's bar here
        (`warm_started` keeps when its interpreter started).

        Given `name` — a process started with `channel=`; `arguments` — appended to its command line.
        Raises `BackendProcessFailed` when no such process was started, or when it has ended.

        Example: `Release Backend Process    neighbour-earlier    run    --agent-id    ${agent}`
        """
        # The suite's end stays open until the process is awaited or killed: a pipe whose last writer closes before
        # the reader opened it loses what was written (a tracer still importing would wait for ever).
        self._write_to_channel(name, json.dumps(list(arguments)))
        command, variables = self._commands[name]
        channel = self._channels[name]
        shown = command
        if channel in command[1:]:  # shown without the channel and the option that names it
            at = command.index(channel)
            shown = [*command[:at - 1], *command[at + 1:]]
        logger.info(self.as_the_plan_writes_it([*shown, *arguments], variables)
                    + f"\n(the command as it runs; its interpreter started with the suite and was given the arguments"
                      f" after the module now, on {channel})")
        entry = self._timeline[name]
        entry["warm_started"], entry["warm_started_utc"] = entry["started"], entry["started_utc"]
        entry["started"], entry["started_utc"] = round(time.monotonic() - self._epoch, 3), _utc_now()
        entry["released"] = True

    def _write_to_channel(self, name: str, line: str) -> None:
        if name not in self._channels:
            raise BackendProcessFailed(f"{name} was not started with a channel: nothing waits for what is sent")
        popen = self._process.get_process_object(name)
        if popen.poll() is not None:
            raise BackendProcessFailed(one_line(f"{self._what.get(name, name)} ended (exit {popen.returncode}) "
                                                f"before it was given what it waited for"))
        if name not in self._open_channels:
            # Read and write: opening a named pipe so never blocks (Linux), and what is written waits in the pipe
            # until the process opens its end, as long as this end stays open.
            self._open_channels[name] = os.open(self._channels[name], os.O_RDWR)
        os.write(self._open_channels[name], line.encode() + b"\n")

    def _close_channel(self, name: str) -> None:
        descriptor = self._open_channels.pop(name, None)
        if descriptor is not None:
            os.close(descriptor)

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
        # What a process at a lower priority ran and waited before this wait: not this timeout's (see _starved).
        before = cpu_seconds(popen.pid) if self._niceness.get(name) else None
        try:
            stdout, stderr = popen.communicate(None if input is None else input.encode(), timeout.total_seconds())
            result = BackendResult(popen.returncode, decode(stdout), decode(stderr), False)
        except subprocess.TimeoutExpired:
            after = cpu_seconds(popen.pid) if before else None  # before the kill: starved is the machine's doing
            cpu = (after[0] - before[0], after[1] - before[1]) if before and after else None
            self._process.terminate_process(name, kill=True)
            stdout, stderr = popen.communicate()
            result = BackendResult(-9, decode(stdout), decode(stderr), True)
        Reaper.shared().forget_process(popen.pid)
        self._close_channel(name)
        self._timeline[name]["ended"] = round(time.monotonic() - self._epoch, 3)
        self._timeline[name]["ended_utc"] = _utc_now()
        logger.info(mask(f"{what}: exit code {result.rc}{' (killed at its timeout)' if result.timed_out else ''}\n"
                         f"--- stdout ---\n{result.stdout or '(empty)'}\n--- stderr ---\n{result.stderr or '(empty)'}"))
        if result.timed_out:
            raise BackendProcessFailed(one_line(f"{what} did not return within {_seconds(timeout)}"
                                                + self._starved(name, cpu, timeout)))
        if result.rc != 0 and expect_success:
            raise BackendProcessFailed(self.failure_reason(result, what))
        return result

    def _starved(self, name: str, cpu: tuple[float, float] | None, timeout: timedelta) -> str:
        """For a process started at a lower priority that spent a quarter of this wait waiting for a CPU (the run queue
        time of its main thread during the wait, /proc/PID/schedstat): a busy machine, not a slow or hung backend, so
        the message says so (one that was not waiting hung by itself)."""
        niceness = self._niceness.get(name, 0)
        if not niceness or cpu is None or cpu[1] < timeout.total_seconds() / 4:
            return ""
        return (f" (it ran at nice {niceness}: it ran {cpu[0]:.1f}s and waited {cpu[1]:.1f}s for a CPU — the machine"
                f" was busy, not the backend slow; NICE_OFF_THE_CHAIN=0 or a longer timeout)")

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
        for name in list(self._open_channels):
            self._close_channel(name)
        self._process.terminate_all_processes(kill=True)


def lower_priority(pid: int, niceness: int) -> None:
    """Give a started process the nice value `niceness` — only ever a lower priority, which needs no privilege.

    With autogrouping (Linux's default, /proc/sys/kernel/sched_autogroup_enabled), the CPU is shared between
    sessions first, and a process's nice value only counts inside its own session; Robot's Process starts each process
    in a session of its own, so that session's autogroup gets the nice value too (sched(7), /proc/PID/autogroup).
    A process that has already ended, or a system without either, keeps its priority: only the schedule changes."""
    try:
        os.setpriority(os.PRIO_PROCESS, pid, niceness)
        if os.getsid(pid) == pid:  # its own session: the autogroup is its alone
            Path(f"/proc/{pid}/autogroup").write_text(f"{niceness}\n")
    except (OSError, AttributeError):
        pass


def cpu_seconds(pid: int) -> tuple[float, float] | None:
    """Seconds a running process ran on a CPU and waited on a run queue for one (Linux /proc/PID/schedstat), or None
    where they cannot be read."""
    try:
        ran, waited = Path(f"/proc/{pid}/schedstat").read_text().split()[:2]
        return int(ran) / 1e9, int(waited) / 1e9
    except (OSError, ValueError):
        return None


def _utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _seconds(timeout: timedelta) -> str:
    seconds = timeout.total_seconds()
    return f"{seconds:g}s"
