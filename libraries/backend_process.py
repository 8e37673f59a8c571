"""Backend processes: started, configured and cleaned up by Robot's Process library; waited for efficiently.

Process's own wait with a timeout polls every 0.1 s, and three backend processes sit one after another on the
plan's critical path. Here the wait is `communicate(timeout)`, which returns the moment the process ends; on timeout
the process is killed and reported as timed out (rc -9, like Process). Everything else stays Process's: the
command line it logs, Secret values in the environment, and killing whatever is left at the end.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import timedelta

from robot.api.deco import keyword, library
from robot.libraries.Process import Process


@dataclass
class BackendResult:
    rc: int
    stdout: str
    stderr: str
    timed_out: bool


def decode(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", errors="replace")


@library(scope="GLOBAL")
class BackendProcess:
    def __init__(self) -> None:
        self._process = Process()

    @keyword
    def start_backend_process(self, *command: str, cwd: str, env: dict, alias: str, stdin: str = "NONE") -> str:
        """Start a backend process in the background; `stdin=PIPE` lets `Wait For Backend Process` give it input."""
        self._process.start_process(*command, cwd=cwd, env=env, alias=alias, stdin=stdin)
        return alias

    @keyword
    def wait_for_backend_process(self, alias: str, timeout: timedelta, input: str | None = None) -> BackendResult:
        popen = self._process.get_process_object(alias)
        try:
            stdout, stderr = popen.communicate(None if input is None else input.encode(), timeout.total_seconds())
            return BackendResult(popen.returncode, decode(stdout), decode(stderr), False)
        except subprocess.TimeoutExpired:
            popen.kill()
            stdout, stderr = popen.communicate()
            return BackendResult(-9, decode(stdout), decode(stderr), True)

    @keyword
    def kill_all_backend_processes(self) -> None:
        """Nothing the suite started outlives it."""
        self._process.terminate_all_processes(kill=True)
