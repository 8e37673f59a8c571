"""A small supervisor that kills what the suite started when the suite dies — also on SIGKILL.

Run as `python reaper.py`, in a session of its own, with a pipe on standard input whose write end only the suite
holds. The suite tells it `pid N` for every backend process, `pgdata DIR` for its throwaway PostgreSQL and `folder DIR`
for a temporary folder of its own (and `forget ...` once it has cleaned up itself). End of input means the suite is
gone: it kills every remembered process group, stops the remembered PostgreSQL servers and removes their directories
and the remembered folders, then exits.

Why a supervisor rather than a parent-death signal (PR_SET_PDEATHSIG): that signal follows the *thread* that forked
the child, is cleared when the child changes credentials (the throwaway PostgreSQL runs as an unprivileged user
under root), never reaches the postmaster that pg_ctl daemonizes, and cannot remove a data directory.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STOP_WAIT = 10.0


class Reaper:
    """The suite's side: starts the supervisor once per process and tells it what to clean up."""

    _instance: "Reaper | None" = None

    def __init__(self) -> None:
        self._process = subprocess.Popen([sys.executable, __file__], stdin=subprocess.PIPE, start_new_session=True,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @classmethod
    def shared(cls) -> "Reaper":
        if cls._instance is None or cls._instance._process.poll() is not None:
            cls._instance = cls()
        return cls._instance

    def _say(self, line: str) -> None:
        try:
            self._process.stdin.write(f"{line}\n".encode())
            self._process.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    def watch_process(self, pid: int) -> None:
        self._say(f"pid {pid}")

    def forget_process(self, pid: int) -> None:
        self._say(f"forget-pid {pid}")

    def watch_postgres(self, directory: Path | str) -> None:
        self._say(f"pgdata {directory}")

    def forget_postgres(self, directory: Path | str) -> None:
        self._say(f"forget-pgdata {directory}")

    def watch_folder(self, directory: Path | str) -> None:
        """Remove `directory` when the suite is gone, however it ended (a named pipe in it too)."""
        self._say(f"folder {directory}")

    def temporary_folder(self, prefix: str) -> str:
        """A new folder of the suite's own (`tempfile.mkdtemp`), removed when the suite is gone, however it ended."""
        folder = tempfile.mkdtemp(prefix=prefix)
        self.watch_folder(folder)
        return folder


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_start(pid: int) -> int | None:
    """When process `pid` started (clock ticks since boot, /proc/PID/stat field 22), or None when it does not exist:
    a pid with its start time names one process, also after the pid is reused."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[19])
    except (OSError, ValueError, IndexError):
        return None


def owner_record() -> str:
    """What a throwaway directory records of the process that owns it: `PID START` (owner.pid)."""
    return f"{os.getpid()} {process_start(os.getpid()) or ''}".strip()


def owner_alive(record: str) -> bool:
    """Whether the owner an owner.pid names is still that process (`PID START`; an older `PID` alone: alive)."""
    parts = record.split()
    pid = int(parts[0])
    if len(parts) < 2:
        return alive(pid)
    return process_start(pid) == int(parts[1])


def serves(pid: int, directory: Path) -> bool:
    """Whether `pid` is the postmaster of `directory`'s data folder (its command line names the folder), so that a
    reused pid is never signalled."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    return str(directory / "data") in command


def postmaster_pid(directory: Path) -> int | None:
    try:
        return int((directory / "data" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def stop_postgres(directory: Path) -> None:
    """Immediate shutdown (SIGQUIT), then SIGKILL if it lingers; then the directory goes."""
    pid = postmaster_pid(directory)
    if pid is None and directory.exists():
        time.sleep(1.0)  # pg_ctl may be starting it right now
        pid = postmaster_pid(directory)
    if pid and alive(pid):
        os.kill(pid, signal.SIGQUIT)
        deadline = time.monotonic() + STOP_WAIT
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    shutil.rmtree(directory, ignore_errors=True)


def kill_group(pid: int) -> None:
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def supervise(lines) -> None:
    pids: set[int] = set()
    directories: set[str] = set()
    folders: set[str] = set()
    for line in lines:
        verb, _, argument = line.decode(errors="replace").strip().partition(" ")
        if verb == "pid":
            pids.add(int(argument))
        elif verb == "forget-pid":
            pids.discard(int(argument))
        elif verb == "pgdata":
            directories.add(argument)
        elif verb == "forget-pgdata":
            directories.discard(argument)
        elif verb == "folder":
            folders.add(argument)
    for pid in pids:
        kill_group(pid)
    for directory in directories:
        stop_postgres(Path(directory))
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C in the suite's terminal is the suite's to handle
    supervise(sys.stdin.buffer)
