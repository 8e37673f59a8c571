"""A private, throwaway PostgreSQL server for the suite and its tests.

It is started from the machine's PostgreSQL binaries in a temporary directory, listens only on
127.0.0.1 (on a free port) and on a unix socket inside that directory, and is removed when stopped.
PostgreSQL refuses to run as root, so under root the server runs as an unprivileged system user.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import psycopg2

SUPERUSER = "runproof"
START_TIMEOUT = 30
MIGRATE_TIMEOUT = 120
UNPRIVILEGED_USERS = ("postgres", "nobody")


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


class ThrowawayPostgres:
    """Start with `start()`, get URLs from `create_database()`, always `stop()` (or use `with`)."""

    def __init__(self) -> None:
        self.bin = find_pg_bin()
        self.port = free_port()
        self.password = secrets.token_hex(16)
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
            raise RuntimeError(f"{tool} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}")

    def start(self) -> "ThrowawayPostgres":
        self.dir = Path(tempfile.mkdtemp(prefix="runproof-pg-"))
        pwfile = self.dir / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self._run_as:
            for path in (self.dir, pwfile):
                os.chown(path, self._run_as.pw_uid, self._run_as.pw_gid)
        try:
            self._pg("initdb", "-D", str(self.dir / "data"), "-U", SUPERUSER, f"--pwfile={pwfile}",
                     "--auth=scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8" if self._has_c_utf8() else "--no-locale")
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
        self.dir = None

    def __enter__(self) -> "ThrowawayPostgres":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def migrate(database_url: str, backend_dir: str | Path, python: str = sys.executable, revision: str = "head") -> None:
    """Run the backend's own alembic migrations (`alembic upgrade <revision>`) against the database."""
    env = {**os.environ, "DATABASE_URL": database_url, "DB_ROLE": os.environ.get("DB_ROLE", "staging"), "PYTHONPATH": "."}
    result = subprocess.run([python, "-m", "alembic", "upgrade", revision], cwd=backend_dir, env=env,
                            capture_output=True, text=True, timeout=MIGRATE_TIMEOUT)
    if result.returncode != 0:
        raise RuntimeError(f"alembic upgrade {revision} failed in {backend_dir}: {failure_line(result.stderr or result.stdout)}")


def failure_line(output: str) -> str:
    """The last `SomeError: message` line of a traceback (not SQLAlchemy's trailing link), or the last line."""
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"^[\w.]+(Error|Exception|Exit)\b", line)]
    return (errors or lines or ["no output"])[-1][:300]
