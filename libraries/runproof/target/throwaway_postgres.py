"""A private, throwaway PostgreSQL server for the suite and its tests.

It is started from the machine's PostgreSQL binaries in a temporary directory, listens only on
127.0.0.1 (on a free port) and on a unix socket inside that directory, and is removed when stopped.
PostgreSQL refuses to run as root, so under root the server runs as an unprivileged system user.
With `log_statements=True` it logs every statement to `server.log` (the order of writes is evidence, issue 13).
With `supervised=True` the reaper stops it and removes its directory if the process that started it dies.
Under root its directory must be reachable by that user: in a private TMPDIR (mode 0700, as systemd's PrivateTmp or
some CI runners give) it is made in the first of /tmp and /var/tmp that is, or the start stops in one line naming
TMPDIR and the fix. Paths with spaces or non-ASCII characters are written quoted into postgresql.conf.
A run also removes the directories that killed runs left behind: only `runproof-pg-*`, only when the process that
made it and its server are both gone.
"""

from __future__ import annotations

import glob
import grp
import os
import pwd
import secrets
import shlex
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import psycopg2

from runproof.target.database_url import read_database_url
from runproof.target.process_output import failure_line

SUPERUSER = "runproof"
START_TIMEOUT = 30
MIGRATE_TIMEOUT = 120
UNPRIVILEGED_USERS = ("postgres", "nobody")
PREFIX = "runproof-pg-"
STATEMENT_LOGGING = {"log_statement": "all", "log_line_prefix": "%m [%p] "}
# Where the server's directory goes under root when TMPDIR is not reachable by the unprivileged user.
REACHABLE_FALLBACKS = ("/tmp", "/var/tmp")


def conf_value(value: object) -> str:
    """A postgresql.conf value, quoted (a path with spaces, quotes or non-ASCII characters stays one value)."""
    return "'" + str(value).replace("\\", "\\\\").replace("'", "''") + "'"


def reachable_by(path: Path, user: pwd.struct_passwd) -> bool:
    """Whether `user` can traverse every directory from / down to `path` (root's view of another user's access)."""
    groups = {user.pw_gid, *(g.gr_gid for g in grp.getgrall() if user.pw_name in g.gr_mem)}
    for directory in (path, *path.parents):
        try:
            info = directory.stat()
        except OSError:
            return False
        bit = (stat.S_IXUSR if info.st_uid == user.pw_uid else stat.S_IXGRP if info.st_gid in groups else stat.S_IXOTH)
        if not info.st_mode & bit:
            return False
    return True


def server_base(user: pwd.struct_passwd | None) -> Path:
    """The directory the server's own directory is made in: TMPDIR, unless the unprivileged user cannot reach it."""
    tmp = Path(tempfile.gettempdir())
    if user is None or reachable_by(tmp, user):
        return tmp
    for candidate in map(Path, REACHABLE_FALLBACKS):
        if candidate.is_dir() and os.access(candidate, os.W_OK) and reachable_by(candidate, user):
            return candidate
    blocked = next(d for d in (tmp, *tmp.parents) if not reachable_by(d, user) and reachable_by(d.parent, user))
    raise RuntimeError(f"TMPDIR '{tmp}' cannot be reached by the user '{user.pw_name}' that runs the throwaway "
                       f"PostgreSQL under root ({blocked} is mode {stat.S_IMODE(blocked.stat().st_mode):04o}), and "
                       f"neither can {' or '.join(REACHABLE_FALLBACKS)} — set TMPDIR to a directory every user can "
                       "traverse (chmod o+x), or give DATABASE_URL")


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
    """Stop the servers and remove the throwaway directories of runs that are gone (a killed run's leftovers).

    A directory is orphaned when the process its owner.pid records — by pid *and start time*, so a reused pid is not
    its owner — is gone. Its server is stopped by the pid its postmaster.pid records, and only if that process is the
    server of this very directory (`reaper.serves`): never by name, never another run's. When CI kills the whole tree
    (the reaper with it), the daemonized postmaster outlives it; the next run ends it here before it starts its own."""
    from runproof.target.reaper import alive, owner_alive, postmaster_pid, serves, stop_postgres

    removed = []
    bases = [tmp] if tmp else dict.fromkeys([tempfile.gettempdir(), *REACHABLE_FALLBACKS])
    for directory in (d for base in bases for d in Path(base).glob(f"{PREFIX}*")):
        try:
            owned = owner_alive((directory / "owner.pid").read_text())
        except (OSError, ValueError, IndexError):
            continue  # not fully made yet, or not made by this code
        if owned:
            continue
        server = postmaster_pid(directory)
        if server and alive(server) and not serves(server, directory):
            server = None  # the recorded pid is another process now: the server is gone
        if server and alive(server):
            stop_postgres(directory)
        else:
            shutil.rmtree(directory, ignore_errors=True)
        removed.append(str(directory))
    return removed


class ThrowawayPostgres:
    """Start with `start()`, get URLs from `create_database()`, always `stop()` (or use `with`)."""

    def __init__(self, log_statements: bool = False, supervised: bool = False, settings: dict | None = None,
                 files: dict[str, bytes] | None = None) -> None:
        """`settings`: postgresql.conf lines of the caller's (e.g. ssl, log_line_prefix); `files`: written into the
        data directory, readable only by the server's user (e.g. server.key and server.crt for ssl)."""
        self.log_statements = log_statements
        self.settings = {**(STATEMENT_LOGGING if log_statements else {}), **(settings or {})}
        self.files = files or {}
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
        self.dir = Path(tempfile.mkdtemp(prefix=PREFIX, dir=server_base(self._run_as)))
        from runproof.target.reaper import owner_record

        (self.dir / "owner.pid").write_text(owner_record())  # `PID START`: this process, not a later one with its pid
        if self.supervised:
            from runproof.target.reaper import Reaper

            Reaper.shared().watch_postgres(self.dir)
        pwfile = self.dir / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self._run_as:
            for path in (self.dir, pwfile):
                os.chown(path, self._run_as.pw_uid, self._run_as.pw_gid)
        try:
            data = self.dir / "data"
            self._pg("initdb", "-D", str(data), "-U", SUPERUSER, f"--pwfile={pwfile}",
                     "--auth=scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8" if self._has_c_utf8() else "--no-locale")
            for name, content in self.files.items():
                (data / name).write_bytes(content)
                (data / name).chmod(0o600)
                if self._run_as:
                    os.chown(data / name, self._run_as.pw_uid, self._run_as.pw_gid)
            # In postgresql.conf, quoted, rather than in pg_ctl -o, which a shell splits at spaces.
            settings = {"listen_addresses": "127.0.0.1", "port": self.port, "unix_socket_directories": self.dir,
                        "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "max_connections": 200,
                        **self.settings}
            with open(data / "postgresql.conf", "a") as conf:
                conf.writelines(f"{name} = {conf_value(value)}\n" for name, value in settings.items())
            self._pg("pg_ctl", "-D", str(data), "-l", str(self.dir / "server.log"), "-w",
                     "-t", str(START_TIMEOUT), "start", timeout=START_TIMEOUT + 5)
        except BaseException:
            self.stop()
            raise
        return self

    @staticmethod
    def _has_c_utf8() -> bool:
        return subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.lower().count("c.utf") > 0

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}:{quote(self.password)}@127.0.0.1:{self.port}/{database}"

    def socket_url(self, database: str = "postgres", form: str = "query") -> str:
        """The URL of the server's unix socket: `?host=<dir>&port=<port>` (form "query") or the directory
        percent-encoded as the host (form "host")."""
        if form == "host":
            return f"postgresql://{SUPERUSER}:{quote(self.password)}@{quote(str(self.dir), safe='')}:{self.port}/{database}"
        return f"postgresql://{SUPERUSER}:{quote(self.password)}@/{database}?host={quote(str(self.dir))}&port={self.port}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL (a plain postgresql:// URL with the password)."""
        conn = psycopg2.connect(**read_database_url(self.url()).connection_parameters(connect_timeout=5),
                                password=self.password)
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
            from runproof.target.reaper import Reaper

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

    The command runs through /bin/sh with BACKEND_PYTHON (the backend's interpreter) exported, so a backend whose
    migrations need tables created first can be given `"$BACKEND_PYTHON" <a step of yours> && "$BACKEND_PYTHON" -m
    alembic upgrade head`; DB_ROLE defaults to staging (contract §5).
    """
    command = command or migrate_command(python, revision)
    # BACKEND_PYTHON is exported so that a MIGRATE_COMMAND can say `"$BACKEND_PYTHON" -m alembic upgrade head`.
    env = {**os.environ, "DATABASE_URL": database_url, "DB_ROLE": os.environ.get("DB_ROLE", "staging"), "PYTHONPATH": ".",
           "BACKEND_PYTHON": python}
    from runproof.target.reaper import Reaper, kill_group

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

