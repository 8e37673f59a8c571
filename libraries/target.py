"""The system under test: which backend, which interpreter, which database, and the environment of every backend
process the suite starts. Bad input is rejected here, in one line, before anything touches the target database."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
import uuid
from pathlib import Path

from robot.api import logger
from robot.api.deco import keyword, library
from robot.api.types import Secret

from local_http_target import LocalHttpTarget
from throwaway_postgres import ThrowawayPostgres, migrate

CUS_CLI = "app/hoc/cus/integrations/cus_cli.py"
# runs.tenant_id is free text in the backend, but aos_traces.tenant_id is varchar(64): keep ids that fit both.
TENANT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


class TargetError(ValueError):
    """A target the suite cannot test; Robot shows its message without the class name."""

    ROBOT_SUPPRESS_NAME = True


@library(scope="GLOBAL")
class Target:
    def __init__(self) -> None:
        self.postgres: ThrowawayPostgres | None = None
        self.http_target: LocalHttpTarget | None = None

    @keyword
    def resolve_backend(self, sut_root: str) -> str:
        """The backend/ directory of SUT_ROOT, which must hold the plan's customer CLI."""
        backend = Path(sut_root).expanduser().resolve() / "backend"
        if not Path(sut_root).is_dir():
            raise TargetError(f"SUT_ROOT '{sut_root}' does not exist — set SUT_ROOT to the repository root that contains backend/")
        if not (backend / CUS_CLI).is_file():
            raise TargetError(f"SUT_ROOT '{sut_root}' is not a backend: {backend / CUS_CLI} is missing — "
                             "set SUT_ROOT to the repository root that contains backend/")
        return str(backend)

    @keyword
    def resolve_backend_python(self, backend_python: str) -> str:
        """BACKEND_PYTHON as an absolute path; empty means the interpreter running the suite."""
        if not backend_python:
            return sys.executable
        found = shutil.which(backend_python)
        if not found:
            raise TargetError(f"BACKEND_PYTHON '{backend_python}' is not an executable — "
                             "set BACKEND_PYTHON to the interpreter that has the backend's dependencies")
        return found

    @keyword
    def validate_run_inputs(self, tenant_id: str, agent_id: str) -> None:
        if not tenant_id.strip():
            raise TargetError("TENANT_ID is empty — the plan needs an explicit tenant: set TENANT_ID")
        if not TENANT_ID.fullmatch(tenant_id):
            raise TargetError(f"TENANT_ID '{tenant_id[:80]}' is malformed — use 1-64 letters, digits, '.', '_', ':' or '-' "
                             "(a UUID is typical)")
        if agent_id and not TENANT_ID.fullmatch(agent_id):
            raise TargetError(f"AGENT_ID '{agent_id[:80]}' is malformed — use the id printed by "
                             "`cus_cli create-agent`, or leave AGENT_ID empty to create one")

    @keyword
    def start_throwaway_database(self, backend_dir: str, backend_python: str) -> Secret:
        """A private PostgreSQL on 127.0.0.1 with one database, migrated to head by the backend's own alembic."""
        self.postgres = ThrowawayPostgres().start()
        url = self.postgres.create_database(f"runproof_{uuid.uuid4().hex[:8]}")
        try:
            migrate(url, backend_dir, python=backend_python)
        except RuntimeError as exc:  # the password is not registered for masking yet
            raise TargetError(str(exc).replace(self.postgres.password, "***")) from None
        logger.info(f"Throwaway PostgreSQL on 127.0.0.1:{self.postgres.port}, migrated to head")
        return Secret(url)

    @keyword
    def stop_throwaway_database(self) -> None:
        if self.postgres:
            self.postgres.stop()
            self.postgres = None

    @keyword
    def start_local_http_target(self) -> str:
        """Answers the stub plan's http_call on 127.0.0.1 so a run needs no internet."""
        self.http_target = LocalHttpTarget().start()
        return self.http_target.url

    @keyword
    def stop_local_http_target(self) -> None:
        if self.http_target:
            self.http_target.stop()
            self.http_target = None

    @keyword
    def backend_environment(self, database_url: Secret, use_postgres_traces: str, **extra: str) -> dict:
        """The plan's environment (PYTHONPATH=. USE_POSTGRES_TRACES DATABASE_URL) over the suite's own environment."""
        env = {name: value for name, value in os.environ.items() if name not in ("ENV", "AOS_ENVIRONMENT")}
        env.update(extra, PYTHONPATH=".", USE_POSTGRES_TRACES=use_postgres_traces)
        env["DATABASE_URL"] = database_url
        return env

    @keyword
    def file_fingerprint(self, path: str) -> str:
        """`absent`, or the size and sha256 of the file: compared before and after to prove it was not touched."""
        file = Path(path)
        if not file.exists():
            return "absent"
        return f"{file.stat().st_size} bytes, sha256 {hashlib.sha256(file.read_bytes()).hexdigest()[:16]}"
