"""The attestation every run leaves, and `runproof-verify` (issue 34, docs/attestation.md).

Three suite runs for the whole module: a healthy run signed with an Ed25519 key given as a PEM value in
RUNPROOF_SIGNING_KEY (with the hostile tests' canaries planted), a failing run (a mutant whose coordinator snippet
crashes), and a rerun of one test merged with the first by rebot. Every edit a test makes to a shared folder or row is
undone in the same test.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg2
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from canaries import artefact_texts, assert_no_leak, leaks
from conftest import REFERENCE_BACKEND
from runproof.attestation import ENVELOPE, PREDICATE, STATEMENT
from runproof.attestation.writer import write_attestation
from runproof.robot_hooks.robot_command import robot_environment
from runproof.target.throwaway_postgres import migrate
from test_hostile import mutated, run_suite

# Whole suite runs: spread over pytest-xdist's workers, left out of `make test-fast`.
pytestmark = pytest.mark.suite_run

VERIFY = str(Path(sys.executable).with_name("runproof-verify"))
REBOT = str(Path(sys.executable).with_name("rebot"))


def key_pair(folder: Path) -> tuple[str, Path]:
    """A new Ed25519 key: its private half as a PEM value, its public half as a PEM file."""
    private = Ed25519PrivateKey.generate()
    public = folder / f"public-{uuid.uuid4().hex[:8]}.pem"
    public.write_bytes(private.public_key().public_bytes(serialization.Encoding.PEM,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo))
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return pem, public


def verify(folder: Path, *options: str, database_url: str | None = None) -> subprocess.CompletedProcess:
    env = robot_environment(DATABASE_URL=database_url)
    return subprocess.run([VERIFY, str(folder), *options], env=env, capture_output=True, text=True, timeout=120)


def failures(done: subprocess.CompletedProcess) -> list[str]:
    return [line for line in done.stdout.splitlines() if line.startswith("FAIL ")]


@pytest.fixture(scope="module")
def module_database(postgres) -> str:
    url = postgres.create_database(f"t_{uuid.uuid4().hex[:12]}")
    migrate(url, REFERENCE_BACKEND)
    return url


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("keys")
    pem, public = key_pair(folder)
    _, other = key_pair(folder)
    return {"pem": pem, "public": public, "other": other}


@pytest.fixture(scope="module")
def signed_run(tmp_path_factory, module_database, keys):
    tmp = tmp_path_factory.mktemp("signed")
    run = run_suite(tmp, env={"DATABASE_URL": module_database, "RUNPROOF_SIGNING_KEY": keys["pem"]})
    assert run.rc == 0, run.stdout[-2000:]
    return run


@pytest.fixture(scope="module")
def failed_run(tmp_path_factory, module_database):
    tmp = tmp_path_factory.mktemp("failed")
    run = run_suite(tmp, env={"DATABASE_URL": module_database},
                    variables={"SUT_ROOT": str(mutated(tmp, "coordinator_snippet_crashes"))})
    assert run.rc != 0 and run.evidence["result"] == "FAIL"
    return run


def test_every_run_leaves_an_attestation_that_verifies_untouched(signed_run, keys, module_database):
    outdir = signed_run.outdir
    statement = json.loads((outdir / STATEMENT).read_text())
    names = {subject["name"] for subject in statement["subject"]}
    assert names == {"output.xml", "evidence.json", "evidence.md", "xunit.xml", "junit.xml", "report.html", "log.html",
                     "timeline.svg"}
    assert statement["predicateType"] == "https://in-toto.io/attestation/test-result/v0.1"
    ours = statement["predicate"]["runproof"]
    evidence = signed_run.evidence
    assert ours["verdict"] == evidence["result_line"] and ours["runId"] == evidence["run_id"]
    assert ours["rootHash"] == evidence["root_hash"] and ours["alembicHead"]
    assert ":***@" not in ours["database"] and "@" in ours["database"]
    assert "Attestation: " in signed_run.stderr and "signed by Ed25519 key" in signed_run.stderr  # stdout ends on the exit code's reason
    assert signed_run.stdout.strip().splitlines()[-1].startswith("Green (exit code 0)")
    done = verify(outdir, "--public-key", str(keys["public"]), database_url=module_database)
    assert done.returncode == 0, done.stdout
    assert "not checked" not in done.stdout
    bare = verify(outdir)
    assert bare.returncode == 0, bare.stdout
    assert "not checked: the signature: no public key given" in bare.stdout
    assert "not checked: the database rows: no DATABASE_URL given" in bare.stdout


@pytest.mark.parametrize("subject", ["output.xml", "evidence.json", "evidence.md", "xunit.xml", "junit.xml", "report.html",
                                     "log.html", "timeline.svg"])
def test_one_byte_changed_in_any_subject_fails_naming_the_file(signed_run, tmp_path, subject):
    """In the middle, and at the first byte, which breaks the file's own syntax: each a failure line naming the
    file's digest, never a traceback (an evidence.json that is no JSON any more once crashed the verifier)."""
    for where in ("middle", "first"):
        copy = tmp_path / where
        shutil.copytree(signed_run.outdir, copy)
        data = bytearray((copy / subject).read_bytes())
        position = len(data) // 2 if where == "middle" else 0
        data[position] = ord("x") if data[position] != ord("x") else ord("y")
        (copy / subject).write_bytes(bytes(data))
        done = verify(copy)
        assert done.returncode != 0 and "Traceback" not in done.stderr, (where, done.stderr[-600:])
        assert any(line.startswith(f"FAIL {subject}: sha256 ") for line in failures(done)), (where, done.stdout)


def test_a_pass_pasted_into_the_evidence_of_a_failed_run_fails(failed_run, tmp_path):
    copy = tmp_path / "results"
    shutil.copytree(failed_run.outdir, copy)
    assert verify(copy).returncode == 0
    markdown = copy / "evidence.md"
    lines = markdown.read_text().splitlines()
    result = next(i for i, line in enumerate(lines) if line.startswith("**Result:** FAIL"))
    lines[result] = "**Result:** PASS — 49 tests passed  "
    markdown.write_text("\n".join(lines) + "\n")
    done = verify(copy)
    assert done.returncode != 0
    assert "FAIL evidence.md: sha256 " in done.stdout, done.stdout
    # Written anew over the edit (unsigned: anyone can), the digests hold, but output.xml still says FAIL.
    predicate = json.loads((copy / PREDICATE).read_text())
    files = {s["annotations"]["kind"]: copy / s["name"] for s in json.loads((copy / STATEMENT).read_text())["subject"]}
    write_attestation(copy, files, predicate, None)
    done = verify(copy)
    assert done.returncode != 0
    assert f"FAIL evidence.md line {result + 1}: Result is 'PASS — 49 tests passed', output.xml says 'FAIL" in done.stdout, \
        done.stdout


def test_the_wrong_public_key_fails(signed_run, keys):
    done = verify(signed_run.outdir, "--public-key", str(keys["other"]))
    assert done.returncode != 0
    assert failures(done) == [f"FAIL {ENVELOPE}: signature: no signature verifies with the public key "
                              + failures(done)[0].split("public key ", 1)[1]], done.stdout


def test_an_unsigned_attestation_says_so_and_fails_a_key(failed_run, keys):
    envelope = json.loads((failed_run.outdir / ENVELOPE).read_text())
    assert envelope["signatures"] == [] and envelope["runproofNote"].startswith("unsigned: no signing key was given")
    assert "unsigned: no signing key was given" in failed_run.stderr
    done = verify(failed_run.outdir, "--public-key", str(keys["public"]))
    assert done.returncode != 0 and f"FAIL {ENVELOPE}: signature: it is unsigned" in done.stdout


def test_a_step_row_changed_after_the_run_fails_naming_the_row(signed_run, module_database):
    run_id = signed_run.evidence["run_id"]
    with contextlib.closing(psycopg2.connect(module_database)) as conn, conn.cursor() as cur:
        conn.autocommit = True
        cur.execute("SELECT s.trace_id, s.step_index, s.status FROM aos_trace_steps s JOIN aos_traces t "
                    "ON t.trace_id = s.trace_id WHERE t.run_id = %s ORDER BY s.step_index LIMIT 1", (run_id,))
        trace_id, index, status = cur.fetchone()
        # The backend's table is append-only (a trigger refuses updates): tampering goes around it, as an owner can.
        cur.execute("ALTER TABLE aos_trace_steps DISABLE TRIGGER USER")
        cur.execute("UPDATE aos_trace_steps SET status = 'failure' WHERE trace_id = %s AND step_index = %s",
                    (trace_id, index))
        try:
            done = verify(signed_run.outdir, database_url=module_database)
        finally:
            cur.execute("UPDATE aos_trace_steps SET status = %s WHERE trace_id = %s AND step_index = %s",
                        (status, trace_id, index))
            cur.execute("ALTER TABLE aos_trace_steps ENABLE TRIGGER USER")
    assert done.returncode != 0
    assert verify(signed_run.outdir, database_url=module_database).returncode == 0  # restored: it verifies again
    assert (f"FAIL database: aos_trace_steps row trace_id={trace_id} step_index={index}: status is 'failure', "
            f"attested {status!r}") in failures(done), done.stdout
    assert any(line.startswith(f"FAIL database: the step rows of run {run_id} give root hash ")
               for line in failures(done)), done.stdout


def test_a_merge_is_attested_and_fails_when_a_merged_run_was_edited(signed_run, tmp_path, module_database, keys):
    rerun = tmp_path / "rerun"
    again = run_suite(tmp_path, env={"DATABASE_URL": module_database, "RUNPROOF_SIGNING_KEY": keys["pem"]}, outdir=rerun,
                      options=("--test", "Steps Exist", "--output", "rerun.xml"))
    assert again.rc == 0, again.stdout[-2000:]
    merged = tmp_path / "merged"
    rebot = [REBOT, "--merge", "--prerebotmodifier", "runproof.robot_hooks.merged_verdict", "--outputdir",
             str(merged), "--output", "output.xml", str(signed_run.outdir / "output.xml"), str(rerun / "rerun.xml")]
    combined = subprocess.run(rebot, env=robot_environment(RUNPROOF_SIGNING_KEY=keys["pem"]), capture_output=True,
                              text=True, timeout=120)
    assert combined.returncode == 0, combined.stdout + combined.stderr
    statement = json.loads((merged / STATEMENT).read_text())
    ours = statement["predicate"]["runproof"]
    assert ours["kind"] == "merge" and ours["result"] == "PASS"
    named = {run["attestation"] for run in ours["merges"]}
    assert len(named) == 2 and f"../rerun/{ENVELOPE}" in named, named  # the first run's and the rerun's
    done = verify(merged, "--public-key", str(keys["public"]))
    assert done.returncode == 0, done.stdout
    # One byte of the first run's evidence.md: the merge no longer verifies, and says which file.
    markdown = signed_run.outdir / "evidence.md"
    original = markdown.read_bytes()
    try:
        markdown.write_bytes(original.replace(b"evidence", b"evidencE", 1))
        done = verify(merged)
    finally:
        markdown.write_bytes(original)
    assert done.returncode != 0
    assert any(line.startswith("FAIL ") and line.endswith("is not the attested " + next(
        s["digest"]["sha256"] for s in json.loads((signed_run.outdir / STATEMENT).read_text())["subject"]
        if s["name"] == "evidence.md")) and "/evidence.md: sha256 " in line for line in failures(done)), done.stdout


def test_no_secret_reaches_the_attestation(signed_run, keys):
    assert_no_leak(signed_run.outdir, signed_run.planted.values(), console=signed_run.stdout + signed_run.stderr)
    body = "".join(keys["pem"].splitlines()[1:-1])
    texts = {name: text for name, text in artefact_texts(signed_run.outdir).items() if name.startswith("attestation")}
    assert len(texts) == 3
    texts["(console)"] = signed_run.stdout + signed_run.stderr
    assert not leaks(texts, [body]), leaks(texts, [body])
