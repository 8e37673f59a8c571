"""A private, throwaway PostgreSQL server for the suite and its tests.

It is started from the machine's PostgreSQL binaries in a temporary directory, listens only on
127.0.0.1 (on a free port) and on a unix socket inside that directory, and is removed when stopped.
PostgreSQL refuses to run as root, so under root the server runs as an unprivileged system user.
With `log_statements=True` it logs every statement to `server.log` (the order of writes is evidence, issue 13).
With `supervised=True` the reaper stops it and removes its directory if the process that started it dies.
A run also removes the directories that killed runs left behind: only `runproof-pg-*`, only when the process that
made it and its server are both gone.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import psycopg2

from process_output import failure_line

SUPERUSER = "runproof"
START_TIMEOUT = 30
MIGRATE_TIMEOUT = 120
UNPRIVILEGED_USERS = ("postgres", "nobody")
PREFIX = "runproof-pg-"
STATEMENT_LOGGING = "log_statement = 'all'\nlog_line_prefix = '%m [%p] '\n"


def find_pg_bin() -> Path:
    """The directory holding initdb/pg_ctl: $PG_BIN, the newest Debian install, or PATH."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if debian:
        return Path(debian[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise RuntimeError("PostgreSQL server binaries not found (initdb) — run `make setup` or install the Debian package postgresql")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sweep_orphaned_directories(tmp: str | None = None) -> list[str]:
    """Remove throwaway directories whose maker and server are both gone (a killed run's leftovers)."""
    from reaper import alive, postmaster_pid

    removed = []
    for directory in Path(tmp or tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            owner = int((directory / "owner.pid").read_text())
        except (OSError, ValueError):
            continue  # not fully made yet, or not made by this code
        server = postmaster_pid(directory)
        if not alive(owner) and not (server and alive(server)):
            shutil.rmtree(directory, ignore_errors=True)
            removed.append(str(directory))
    return removed


class ThrowawayPostgres:
    """Start with `start()`, get URLs from `create_database()`, always `stop()` (or use `with`)."""

    def __init__(self, log_statements: bool = False, supervised: bool = False) -> None:
        self.log_statements = log_statements
        self.supervised = supervised
        self.bin = find_pg_bin()
        self.port = free_port()
        # Not hex: masking matches any 6-character window of a secret, and hex windows would mask parts of hashes.
        self.password = secrets.token_urlsafe(24)
        self.dir: Path | None = None
        self._run_as: pwd.struct_passwd | None = self._unprivileged_user() if os.geteuid() == 0 else None

    @staticmethod
    def _unprivileged_user() -> pwd.struct_passwd:
        for name in UNPRIVILEGED_USERS:
            try:
                return pwd.getpwnam(name)
            except KeyError:
                continue
        raise RuntimeError("running as root but no unprivileged user (postgres, nobody) exists to run PostgreSQL")

    def _pg(self, tool: str, *args: str, timeout: float = START_TIMEOUT) -> None:
        command = [str(self.bin / tool), *args]
        kwargs = {"user": self._run_as.pw_uid, "group": self._run_as.pw_gid, "extra_groups": []} if self._run_as else {}
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.dir, **kwargs)
        if result.returncode != 0:
            output = " ".join((result.stderr.strip() or result.stdout.strip()).split())
            raise RuntimeError(f"{tool} failed ({result.returncode}): {output[:400]}")

    @property
    def log_file(self) -> Path | None:
        """The server log, holding every statement when log_statements is on."""
        return self.dir / "server.log" if self.dir else None

    def start(self) -> "ThrowawayPostgres":
        self.dir = Path(tempfile.mkdtemp(prefix=PREFIX))
        (self.dir / "owner.pid").write_text(str(os.getpid()))
        if self.supervised:
            from reaper import Reaper

            Reaper.shared().watch_postgres(self.dir)
        pwfile = self.dir / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self._run_as:
            for path in (self.dir, pwfile):
                os.chown(path, self._run_as.pw_uid, self._run_as.pw_gid)
        try:
            self._pg("initdb", "-D", str(self.dir / "data"), "-U", SUPERUSER, f"--pwfile={pwfile}",
                     "--auth=scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8" if self._has_c_utf8() else "--no-locale")
            if self.log_statements:
                with open(self.dir / "data" / "postgresql.conf", "a") as conf:
                    conf.write(STATEMENT_LOGGING)
            options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.dir} "
                       "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
            self._pg("pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "server.log"), "-w",
                     "-t", str(START_TIMEOUT), "-o", options, "start", timeout=START_TIMEOUT + 5)
        except BaseException:
            self.stop()
            raise
        return self

    @staticmethod
    def _has_c_utf8() -> bool:
        return subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.lower().count("c.utf") > 0

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}:{quote(self.password)}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL (a plain postgresql:// URL with the password)."""
        conn = psycopg2.connect(self.url(), connect_timeout=5)
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{name}"')
        finally:
            conn.close()
        return self.url(name)

    def stop(self) -> None:
        if self.dir is None:
            return
        if (self.dir / "data" / "postmaster.pid").exists():
            try:
                self._pg("pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(self.dir, ignore_errors=True)
        if self.supervised:
            from reaper import Reaper

            Reaper.shared().forget_postgres(self.dir)
        self.dir = None

    def __enter__(self) -> "ThrowawayPostgres":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def migrate_command(python: str = sys.executable, revision: str = "head") -> str:
    """The default MIGRATE_COMMAND: the backend's own alembic, as `alembic upgrade head` from backend/."""
    return f"{shlex.quote(python)} -m alembic upgrade {shlex.quote(revision)}"


def migrate(database_url: str, backend_dir: str | Path, python: str = sys.executable, revision: str = "head",
            command: str = "") -> None:
    """Run `command` (default: the backend's `alembic upgrade <revision>`) in backend/ with DATABASE_URL set.

    The command runs through /bin/sh, so a backend whose migrations need tables created first can be given
    `python create_base_tables.py && python -m alembic upgrade head`; DB_ROLE defaults to staging (contract §5).
    """
    command = command or migrate_command(python, revision)
    env = {**os.environ, "DATABASE_URL": database_url, "DB_ROLE": os.environ.get("DB_ROLE", "staging"), "PYTHONPATH": "."}
    from reaper import Reaper, kill_group

    # A session of its own, watched by the reaper: an interrupted or killed suite leaves no migration behind.
    process = subprocess.Popen(["/bin/sh", "-c", command], cwd=backend_dir, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    Reaper.shared().watch_process(process.pid)
    try:
        stdout, stderr = process.communicate(timeout=MIGRATE_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"the migration `{command}` did not finish within {MIGRATE_TIMEOUT}s in {backend_dir}") from None
    finally:
        if process.poll() is None:
            kill_group(process.pid)
            process.wait()
        Reaper.shared().forget_process(process.pid)
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    if result.returncode != 0:
        name = "alembic upgrade head" if command == migrate_command(python, revision) and revision == "head" else (
            f"alembic upgrade {revision}" if command == migrate_command(python, revision) else f"the migration `{command}`")
        raise RuntimeError(f"{name} failed in {backend_dir}: {failure_line(result.stderr, result.stdout)}")

