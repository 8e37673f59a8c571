"""Shared fixtures: one throwaway PostgreSQL server per test session, a fresh migrated database per test."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

from runproof.target.backend_env import backend_environment  # noqa: E402
from runproof.target.http_call_answer import HttpCallAnswer  # noqa: E402
from runproof.target.throwaway_postgres import ThrowawayPostgres, migrate  # noqa: E402

# The defect matrix's plugin (tests/mutants/matrix_plugin.py): --matrix-results, and the judgement of the whole matrix;
# pytester, to run it in a session of its own (tests/test_matrix_session.py).
pytest_plugins = ["matrix_plugin", "pytester"]

REFERENCE_BACKEND = ROOT / "reference" / "backend"
CLI = "app.hoc.cus.integrations.cus_cli"
TIMEOUT = 60


class SuiteRunNotMarked(Exception):
    """A test that starts a whole suite run must say so (the suite_run marker): `make test-fast` leaves it out."""


def starts_a_suite_run(args) -> bool:
    """`python -m robot`, a `robot` executable, `make run|suite|test`, or a shell command line doing one of them."""
    command = [str(arg) for arg in args] if isinstance(args, (list, tuple)) else str(args).split()
    if "--dryrun" in command:
        return False
    return (any(command[i:i + 2] == ["-m", "robot"] for i in range(len(command)))
            or any(Path(word).name == "robot" for word in command)
            or (bool(command) and Path(command[0]).name == "make" and bool({"run", "suite", "test"} & set(command[1:])))
            or any(" " in word and starts_a_suite_run(word.replace("&&", " ").replace(";", " ").split())
                   for word in command))


@pytest.fixture(autouse=True)
def suite_runs_are_marked(request, monkeypatch):
    """Outside tests marked suite_run, starting `python -m robot` (robot_command) raises SuiteRunNotMarked."""
    if request.node.get_closest_marker("suite_run"):
        return
    popen = subprocess.Popen

    class Guarded(popen):
        def __init__(self, args, *rest, **kwargs):
            if starts_a_suite_run(args):
                raise SuiteRunNotMarked(f"{request.node.nodeid} starts a suite run ({' '.join(map(str, args[:3]))} "
                                        "...) but is not marked @pytest.mark.suite_run")
            super().__init__(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", Guarded)


@pytest.fixture
def private_tmp():
    """A short TMPDIR of the test's own for a suite that starts its own PostgreSQL: what it leaves there is its own,
    whatever else runs on the machine (the server's socket lives in it, so the path must stay short)."""
    folder = Path(tempfile.mkdtemp(prefix="rp-", dir="/tmp"))
    folder.chmod(0o755)  # the throwaway PostgreSQL runs as an unprivileged user under root
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres():
    with ThrowawayPostgres() as server:
        yield server


@pytest.fixture(scope="session")
def http_call_answer():
    with HttpCallAnswer() as target:
        yield target


@pytest.fixture
def database_url(postgres) -> str:
    url = postgres.create_database(f"t_{uuid.uuid4().hex[:12]}")
    migrate(url, REFERENCE_BACKEND)
    return url


@dataclass
class Backend:
    """Runs the reference backend's commands the way the plan does: from backend/, with PYTHONPATH=."""

    env: dict[str, str]
    root: Path = REFERENCE_BACKEND

    def run(self, *args: str, env: dict[str, str] | None = None, timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, *args], cwd=self.root, env={**self.env, **(env or {})},
                              capture_output=True, text=True, timeout=timeout)

    def cli(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return self.run("-m", CLI, *args, **kwargs)

    def create_agent(self) -> str:
        result = self.cli("create-agent", "--name", "pytest")
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().split(": ", 1)[1]

    def probe(self, run_id: str, tenant_id: str, other_tenant: str | None = None, **kwargs) -> subprocess.CompletedProcess:
        extra = ["--other-tenant", other_tenant] if other_tenant else []
        return self.run(str(ROOT / "probe" / "coordinator_probe.py"), "--run-id", run_id, "--tenant-id", tenant_id,
                        *extra, **kwargs)


@pytest.fixture
def backend(database_url, http_call_answer, tmp_path) -> Backend:
    env = backend_environment(database_url, "true", REFERENCE_HTTP_CALL_URL=http_call_answer.url,
                              AOS_TRACE_DB_PATH=str(tmp_path / "traces.db"))
    return Backend(env)
