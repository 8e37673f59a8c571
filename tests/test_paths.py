"""Where the suite runs from: a checkout whose path has a space and non-ASCII characters (`make run`, the activated
environment, plain `robot` without activation, a TMPDIR, BACKEND_PYTHON and output folder with spaces), the plan
file missing beside such a checkout, and a private TMPDIR (mode 0700) as root."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg2
import pytest

from runproof.target import throwaway_postgres
from conftest import ROOT
from runproof.keywords.provenance import plan_file_read
from runproof.target.throwaway_postgres import ThrowawayPostgres

VERDICT = "Run Proof Test Plan v4: PASS"
COPIED = ("Makefile", "robot.args", "requirements.txt", "suites", "resources", "libraries", "probe", "pyproject.toml",
          "reference")


def run(command, cwd: Path, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("ROBOT_OPTIONS", "VIRTUAL_ENV", "DATABASE_URL")}
    return subprocess.run(command, cwd=cwd, env={**environment, **(env or {})}, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """A copy of this project at a path with a space and non-ASCII characters, alone (no plan file beside it)."""
    copy = tmp_path_factory.mktemp("paths") / "my checkout ü"
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".venv", "results")
    (copy / "results").mkdir(parents=True)
    for name in COPIED:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, copy / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, copy / name)
    return copy


@pytest.fixture(scope="module")
def make_run(checkout) -> subprocess.CompletedProcess:
    return run(["make", "run"], checkout)


@pytest.mark.suite_run
def test_make_run_in_a_checkout_whose_path_has_a_space(checkout, make_run):
    assert make_run.returncode == 0, make_run.stdout[-2000:] + make_run.stderr[-2000:]
    assert "Opening argument file" not in make_run.stderr
    assert VERDICT in make_run.stdout and make_run.stdout.count(VERDICT) == 1
    for name in ("evidence.md", "evidence.json", "xunit.xml", "report.html"):
        assert (checkout / "results" / name).is_file(), name


@pytest.mark.suite_run
def test_a_missing_plan_file_is_recorded_as_not_read_and_is_no_failure(checkout, make_run):
    provenance = json.loads((checkout / "results" / "evidence.json").read_text())["provenance"]
    assert provenance["plan_implemented"] == "Run Proof Test Plan v4 (2026-02-09)"
    assert provenance["plan_file_read"] is False and provenance["plan_file_note"].startswith("not read: ")
    assert "does not exist" in provenance["plan_file_note"]
    assert not {"plan_file_sha256", "plan_file_title", "plan_file_date"} & provenance.keys()


@pytest.mark.suite_run
def test_plain_robot_in_the_activated_environment_gives_the_evidence_and_the_verdict_once(checkout, make_run):
    """No ROBOT_OPTIONS, no listener: the evidence library itself prints the verdict and writes the evidence."""
    result = run(["bash", "-c", ". .venv/bin/activate && robot --console quiet suites/"], checkout)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert result.stdout.count(VERDICT) == 1
    assert (checkout / "evidence.json").is_file()


@pytest.mark.suite_run
def test_plain_robot_without_activation_still_gives_the_evidence_and_the_verdict(checkout, make_run, tmp_path):
    scratch = tmp_path / "tmp dir ü"
    scratch.mkdir()
    scratch.chmod(0o755)
    outdir = tmp_path / "out put ü"
    result = run([str(checkout / ".venv/bin/robot"), "--outputdir", str(outdir), str(checkout / "suites")], tmp_path,
                 env={"TMPDIR": str(scratch), "BACKEND_PYTHON": str(checkout / ".venv/bin/python")})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert result.stdout.count(VERDICT) == 1 and f"Evidence: {outdir / 'evidence.md'}" in result.stdout
    assert (outdir / "evidence.json").is_file() and (outdir / "evidence.md").is_file()
    assert not (outdir / "xunit.xml").exists(), "without robot.args there is no xUnit file (docs/configuration.md says so)"
    evidence = json.loads((outdir / "evidence.json").read_text())
    assert evidence["target"]["Backend Python"] == str(checkout / ".venv/bin/python")
    assert not list(scratch.glob("runproof-pg-*")), "the throwaway PostgreSQL was left behind"


def test_a_plan_file_that_is_read_is_recorded_with_its_hash(tmp_path):
    plan = tmp_path / "plan.md"
    plan.write_text("# Run Proof Test Plan v4 (HOC)\n\n**Date:** 2026-02-09  \n")
    read = plan_file_read(str(plan))
    assert read["plan_file_read"] is True and read["plan_file_title"] == "Run Proof Test Plan v4 (HOC)"
    assert read["plan_file_sha256"] == hashlib.sha256(plan.read_bytes()).hexdigest()
    assert plan_file_read(str(tmp_path / "missing.md"))["plan_file_read"] is False


@pytest.fixture
def private_tmpdir(monkeypatch):
    """A TMPDIR of mode 0700 (systemd's PrivateTmp, some CI runners), as the suite's process sees it."""
    private = Path(tempfile.mkdtemp(prefix="private-", dir="/tmp"))
    private.chmod(0o700)
    monkeypatch.setenv("TMPDIR", str(private))
    monkeypatch.setattr(tempfile, "tempdir", None)
    yield private
    shutil.rmtree(private, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="a private TMPDIR matters only when the server runs as another user")
def test_a_private_tmpdir_as_root_works(private_tmpdir):
    private = private_tmpdir
    with ThrowawayPostgres() as server:
        assert not str(server.dir).startswith(str(private)), "made where the server's user cannot reach it"
        with psycopg2.connect(server.url(), connect_timeout=5) as conn, conn.cursor() as cur:
            cur.execute("SELECT 1")
            assert cur.fetchone() == (1,)
        made = server.dir
    assert not made.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="a private TMPDIR matters only when the server runs as another user")
def test_a_private_tmpdir_as_root_with_nowhere_else_stops_in_one_line(private_tmpdir, monkeypatch):
    private = private_tmpdir
    monkeypatch.setattr(throwaway_postgres, "REACHABLE_FALLBACKS", (str(private),))
    with pytest.raises(RuntimeError) as error:
        ThrowawayPostgres().start()
    message = str(error.value)
    assert "\n" not in message and f"TMPDIR '{private}' cannot be reached by the user" in message
    assert f"({private} is mode 0700)" in message and "set TMPDIR to a directory every user can traverse" in message
    assert not list(private.glob("runproof-pg-*"))


def test_the_documented_migrate_command_gets_the_backends_interpreter(tmp_path, postgres):
    """docs/real-backend.md's recipe as written: a base-table step through psql, then "$BACKEND_PYTHON" -m alembic, with a
    BACKEND_PYTHON whose path has a space (exported to the command by the suite, quoted by the command)."""
    from conftest import REFERENCE_BACKEND
    from runproof.target.throwaway_postgres import migrate

    interpreter = tmp_path / "back end ü" / "python"
    interpreter.parent.mkdir()
    interpreter.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    interpreter.chmod(0o755)
    base_tables = tmp_path / "base tables.sql"
    base_tables.write_text("CREATE TABLE base_step_ran (id int);\n")
    url = postgres.create_database(f"recipe_{os.getpid()}")
    command = (f'psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -q -f "{base_tables}" && '
               '"$BACKEND_PYTHON" -m alembic upgrade head')
    migrate(url, REFERENCE_BACKEND, python=str(interpreter), command=command)
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT to_regclass('base_step_ran') IS NOT NULL, (SELECT count(*) FROM alembic_version)")
        assert cur.fetchone() == (True, 1)
