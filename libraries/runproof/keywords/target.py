"""The system under test: which backend, which interpreter, which database, and the environment of every backend
process. Bad input is rejected here, in one line, before anything touches the target database."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from robot.api import logger
from robot.api.deco import keyword, library
from robot.api.types import Secret

from runproof.target.backend_env import BackendEnvironment, backend_environment
from runproof.target.http_call_answer import HttpCallAnswer
from runproof.evidence.masking import mask, register
from runproof import DOC_FORMAT, VERSION
from runproof.target.reaper import Reaper
from runproof.target.throwaway_postgres import ThrowawayPostgres, migrate, migrate_command, sweep_orphaned_directories

CUS_CLI = "app/hoc/cus/integrations/cus_cli.py"
# runs.tenant_id is free text in the backend, but aos_traces.tenant_id is varchar(64): keep ids that fit both.
IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


class TargetError(ValueError):
    """A target the suite cannot test; Robot shows its message without the class name."""

    ROBOT_SUPPRESS_NAME = True


@library(scope="GLOBAL", version=VERSION, doc_format=DOC_FORMAT)
class Target:
    """Resolves and starts what the plan runs against; every message it raises is one masked line."""

    def __init__(self) -> None:
        self.postgres: ThrowawayPostgres | None = None
        self.http_call_answer: HttpCallAnswer | None = None
        self.sqlite_files: dict[str, str] = {}
        self.private_sqlite = ""
        self.setup_failure = ""

    @keyword
    def record_setup_failure(self, error: str) -> None:
        """Keep the suite setup's one-line reason for failing; `Setup Should Have Succeeded` reports it in the first
        precondition test (the setup itself never fails, so that every test runs and says why it was not reached).

        - `error`: the message of what failed. Returns nothing.

        Example: `Record Setup Failure    ${error}`
        """
        self.setup_failure = mask(" ".join(str(error).split()))

    @keyword
    def setup_should_have_succeeded(self) -> None:
        """Fails with the suite setup's recorded reason, if it recorded one.

        - Returns nothing; raises `TargetError` with the one-line reason.

        Example: `Setup Should Have Succeeded`
        """
        if self.setup_failure:
            raise TargetError(self.setup_failure)

    @keyword
    def resolve_backend(self, sut_root: str) -> str:
        """The backend/ directory of SUT_ROOT, which must hold the plan's customer CLI (contract §1).

        - `sut_root`: the repository root. Returns the absolute backend/ path; raises `TargetError` in one line.

        Example: `${backend}=    Resolve Backend    ${SUT_ROOT}`
        """
        backend = Path(sut_root).expanduser().resolve() / "backend"
        if not Path(sut_root).is_dir():
            raise TargetError(f"SUT_ROOT '{sut_root}' does not exist — set SUT_ROOT to the repository root that contains backend/")
        if not (backend / CUS_CLI).is_file():
            raise TargetError(f"SUT_ROOT '{sut_root}' is not a backend: {backend / CUS_CLI} is missing — "
                              "set SUT_ROOT to the repository root that contains backend/")
        return str(backend)

    @keyword
    def resolve_backend_python(self, backend_python: str) -> str:
        """BACKEND_PYTHON as an absolute path; empty means the interpreter running the suite.

        - `backend_python`: a path or a name on PATH. Returns the absolute path; raises `TargetError` in one line.

        Example: `${python}=    Resolve Backend Python    ${BACKEND_PYTHON}`
        """
        if not backend_python:
            return sys.executable
        found = shutil.which(backend_python)
        if not found:
            raise TargetError(f"BACKEND_PYTHON '{backend_python}' is not an executable — "
                              "set BACKEND_PYTHON to the interpreter that has the backend's dependencies")
        return found

    @keyword
    def validate_run_inputs(self, tenant_id: str, agent_id: str, other_tenant_id: str) -> None:
        """TENANT_ID, AGENT_ID and OTHER_TENANT_ID are usable ids, and the two tenants differ.

        Example: `Validate Run Inputs    ${TENANT_ID}    ${AGENT_ID}    ${OTHER_TENANT_ID}`
        """
        if not tenant_id.strip():
            raise TargetError("TENANT_ID is empty — the plan needs an explicit tenant: set TENANT_ID")
        if not IDENTIFIER.fullmatch(tenant_id):
            raise TargetError(f"TENANT_ID '{tenant_id[:80]}' is malformed — use 1-64 letters, digits, '.', '_', ':' or '-' "
                              "(a UUID is typical)")
        if agent_id and not IDENTIFIER.fullmatch(agent_id):
            raise TargetError(f"AGENT_ID '{agent_id[:80]}' is malformed — use the id printed by "
                              "`cus_cli create-agent`, or leave AGENT_ID empty to create one")
        if not IDENTIFIER.fullmatch(other_tenant_id) or other_tenant_id == tenant_id:
            raise TargetError(f"OTHER_TENANT_ID '{other_tenant_id[:80]}' must be a valid tenant id different from TENANT_ID")

    @keyword
    def tenants_that_must_not_see_the_run(self, tenant_id: str, other_tenant_id: str) -> list[str]:
        """OTHER_TENANT_ID, then the tenants most likely to leak into the run's tenant under a careless comparison: a
        prefix of it, a case variant, a longer id that starts with it (contract §6: the store filters by tenant).

        - `tenant_id`: the run's tenant; `other_tenant_id`: the configured other tenant.
        - Returns the distinct tenants, none equal to `tenant_id`.

        Example: `@{others}=    Tenants That Must Not See The Run    ${TENANT_ID}    ${OTHER_TENANT_ID}`
        """
        variants = [other_tenant_id, tenant_id[:-1], tenant_id.swapcase(), tenant_id.upper(), tenant_id.lower(),
                    f"{tenant_id}0"]
        return [t for t in dict.fromkeys(variants) if t and t != tenant_id][:5]

    @keyword
    def remove_what_killed_runs_left_behind(self) -> list[str]:
        """Stops the throwaway PostgreSQL servers and removes the directories of earlier runs that were killed before
        they could (issue 33: a killed tree leaves nothing running past the next run's start). Done at every run's
        start, whichever database it uses: a run against DATABASE_URL sweeps as one that starts its own does. Only
        `runproof-pg-*` directories whose recorded owner (pid and start time) is gone; never a server by name.

        - Returns the directories removed (each also logged); raises nothing: a leftover that cannot be removed now is
          left for the next run.

        Example: `Remove What Killed Runs Left Behind`
        """
        removed = sweep_orphaned_directories()
        for leftover in removed:
            logger.info(f"removed {leftover}, left behind by a run that was killed")
        return removed

    @keyword
    def start_throwaway_database(self, backend_dir: str, backend_python: str, migrate_with: str = "") -> Secret:
        """A private PostgreSQL on 127.0.0.1 that logs every statement, migrated by MIGRATE_COMMAND (default: the
        backend's own `alembic upgrade head`).

        Returns the database URL as a Secret (its password is masked from here on).

        Example: `${url}=    Start Throwaway Database    ${BACKEND_DIR}    ${PYTHON}    ${MIGRATE_COMMAND}`
        """
        try:
            self.postgres = ThrowawayPostgres(log_statements=True, supervised=True).start()
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            raise TargetError(f"the throwaway PostgreSQL did not start: {' '.join(str(exc).split())[:400]}") from None
        register(self.postgres.password)
        url = self.postgres.create_database(f"runproof_{uuid.uuid4().hex[:8]}")
        register(url)
        try:
            migrate(url, backend_dir, python=backend_python, command=migrate_with)
        except RuntimeError as exc:
            raise TargetError(mask(exc)) from None
        logger.info(f"Throwaway PostgreSQL on 127.0.0.1:{self.postgres.port}, migrated with "
                    f"`{migrate_with or migrate_command(backend_python)}`; statements logged to {self.postgres.log_file}")
        return Secret(url)

    @keyword
    def statement_log_of_the_throwaway_database(self) -> str:
        """The server log of the suite's own PostgreSQL (every statement), or empty when the suite owns no database.

        Example: `${log}=    Statement Log Of The Throwaway Database`
        """
        return str(self.postgres.log_file) if self.postgres else ""

    @keyword
    def stop_throwaway_database(self) -> None:
        """Stop the suite's own PostgreSQL and remove its directory (nothing when there is none).

        Example: `Stop Throwaway Database`
        """
        if self.postgres:
            self.postgres.stop()
            self.postgres = None

    @keyword("Start The Local HTTP Call Answer")
    def start_http_call_answer(self) -> str:
        """Answers the stub plan's http_call on 127.0.0.1 so a run of the reference needs no internet.

        Returns the URL the reference's stub planner calls (REFERENCE_HTTP_CALL_URL).

        Example: `${url}=    Start The Local HTTP Call Answer`
        """
        self.http_call_answer = HttpCallAnswer().start()
        return self.http_call_answer.url

    @keyword("HTTP Call Environment For")
    def http_call_environment_for(self, name: str) -> dict:
        """The environment that gives the backend process `name` a URL of its own on the local http_call answer
        (REFERENCE_HTTP_CALL_URL, which the real backend ignores), so that its requests are counted as its own.
        Empty when the suite answers no http_call.

        Example: `${env}=    HTTP Call Environment For    customer-cli-run`
        """
        if not self.http_call_answer:
            return {}
        return {"REFERENCE_HTTP_CALL_URL": self.http_call_answer.url_for(name)}

    @keyword("HTTP Call Environment That Fails For")
    def http_call_environment_that_fails_for(self, name: str) -> dict:
        """The environment that makes the http_call of the backend process `name` fail (contract §3: the skill then
        returns status 'error' without raising, the step is recorded failed, the run still succeeds): on the
        reference a URL that is never answered (REFERENCE_HTTP_CALL_URL), and for the real URL an HTTPS_PROXY that
        answers no tunnel. A NO_PROXY of the suite's environment that names the real host still lets that call
        through: the step then succeeds and its rule says so.

        Example: `${env}=    HTTP Call Environment That Fails For    neighbour-concurrent`
        """
        if not self.http_call_answer:
            return {}
        proxy = self.http_call_answer.unanswered_proxy
        return {"REFERENCE_HTTP_CALL_URL": self.http_call_answer.unanswered_url_for(name),
                "HTTPS_PROXY": proxy, "https_proxy": proxy}

    @keyword("Requests To The Local HTTP Call Answer")
    def requests_to_http_call_answer(self, url: str, earlier: int = 0) -> int | None:
        """How many requests reached `url` on the suite's own http_call answer, less `earlier` — those of a run that
        used the same URL and ended before (the earlier neighbour shares the proof run's URL); None when `url` is
        not the suite's answer (the backend called something else, e.g. the real api.github.com through HTTPS_PROXY).

        Example: `${hits}=    Requests To The Local HTTP Call Answer    ${url}    earlier=${1}`
        """
        if not self.http_call_answer or not url or not url.startswith(self.http_call_answer.url):
            return None
        return self.http_call_answer.hits_on(url) - int(earlier)

    @keyword("Stop The Local HTTP Call Answer")
    def stop_http_call_answer(self) -> None:
        """Stop the local HTTP answer (nothing when it was not started).

        Example: `Stop The Local HTTP Call Answer`
        """
        if self.http_call_answer:
            self.http_call_answer.stop()
            self.http_call_answer = None

    @keyword
    def backend_environment(self, database_url: Secret, use_postgres_traces: str, http_url: str,
                            sqlite_trace_file: str) -> BackendEnvironment:
        """The plan's environment (PYTHONPATH=. USE_POSTGRES_TRACES DATABASE_URL) over the suite's own environment.

        The backend's SQLite trace store is pointed at a file private to this run (AOS_TRACE_DB_PATH, which the
        reference honours), so two suites on one machine cannot see each other's fallback; SQLITE_TRACE_FILE, the
        path a backend with a fixed path uses, is watched too. Both are fingerprinted now.
        Returns the environment wrapped so that Robot, which logs `${env} = …` for every assignment (and every
        argument at TRACE), shows only the plan's assignments with the password masked, never the inherited
        variables (the CI job's tokens and keys) nor their names.

        Example: `${env}=    Backend Environment    ${url}    true    ${http}    ${SQLITE_TRACE_FILE}`
        """
        self.private_sqlite = str(Path(tempfile.gettempdir()) / f"runproof-sqlite-{uuid.uuid4().hex[:12]}" / "traces.db")
        Reaper.shared().watch_folder(Path(self.private_sqlite).parent)  # a fallback's file goes with the suite
        self.sqlite_files = {path: fingerprint(path) for path in dict.fromkeys((sqlite_trace_file, self.private_sqlite))}
        return BackendEnvironment(backend_environment(database_url.value, use_postgres_traces,
                                                      REFERENCE_HTTP_CALL_URL=http_url, AOS_TRACE_DB_PATH=self.private_sqlite))

    @keyword
    def sqlite_trace_files_should_be_untouched(self) -> str:
        """Every watched SQLite trace file is as it was before the first backend process (absent, usually).

        Returns a line describing what was compared.

        Example: `${detail}=    SQLite Trace Files Should Be Untouched`
        """
        changed = [f"{path} was {before}, now {fingerprint(path)}" for path, before in self.sqlite_files.items()
                   if fingerprint(path) != before]
        if changed:
            raise AssertionError(f"the SQLite fallback was used: {'; '.join(changed)}")
        return "; ".join(f"{path}: {before}" for path, before in self.sqlite_files.items())

    @keyword
    def remove_private_sqlite_file(self) -> None:
        """The run's private SQLite path and its folder go at the end (a fallback may have created them).

        Example: `Remove Private SQLite File`
        """
        if self.private_sqlite:
            shutil.rmtree(Path(self.private_sqlite).parent, ignore_errors=True)


def fingerprint(path: str) -> str:
    """`absent`, or the size and sha256 of the file: compared before and after to prove it was not touched."""
    file = Path(path)
    if not file.exists():
        return "absent"
    return f"{file.stat().st_size} bytes, sha256 {hashlib.sha256(file.read_bytes()).hexdigest()[:16]}"
