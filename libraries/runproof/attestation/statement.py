"""The in-toto Statement v1 of a run or a merge: its subjects and its Test Result predicate, extended with `runproof`.

Built with the in-toto attestation framework's Python bindings (`in_toto_attestation`: Statement, ResourceDescriptor
and the Test Result predicate's message), so the fields are the framework's, spelt as it spells them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import datetime, timezone
from pathlib import Path

from google.protobuf import json_format
from in_toto_attestation.predicates.test_result.v0 import test_result_pb2
from in_toto_attestation.v1.resource_descriptor import ResourceDescriptor
from in_toto_attestation.v1.statement import Statement

from runproof import CHECKOUT
from runproof.attestation import PREDICATE_TYPE
from runproof.criteria import CRITERIA
from runproof.evidence.masking import mask
from runproof.evidence.report import verdict_line

# The evidence's result, as the Test Result predicate names it (PARTIAL: a verdict on part of the plan only).
RESULT = {"PASS": "PASSED", "PARTIAL": "WARNED", "FAIL": "FAILED", "INCOMPLETE": "FAILED"}
ALEMBIC = re.compile(r"alembic_version is (\S+?),? ")
USERINFO = re.compile(r"(?<=://)([^:@/\s]+)(?::[^@/\s]*)?@")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def subject_name(path: Path, folder: Path) -> str:
    """The subject's name: its path relative to the attestation's folder."""
    return Path(os.path.relpath(path.resolve(), folder.resolve())).as_posix()


def subjects(files: dict[str, Path], folder: Path) -> list:
    """One ResourceDescriptor per existing file, named relative to `folder`, with its sha256 and its kind."""
    found = []
    for kind, path in files.items():
        if path is not None and Path(path).is_file():
            descriptor = ResourceDescriptor(name=subject_name(Path(path), folder), digest={"sha256": sha256(path)},
                                            annotations={"kind": kind})
            found.append(descriptor.pb)
    return found


def database_identity(target: dict) -> str | None:
    """The database the run read, as the evidence names it, without user password (the evidence masks it as `***`;
    here the password part goes altogether)."""
    database = target.get("Database")
    return USERINFO.sub(r"\1@", database) if database else None


def alembic_head(document: dict) -> str | None:
    for test in document.get("tests", []):
        if found := ALEMBIC.search(test.get("message") or ""):
            return found.group(1)
    return None


def attested_steps(document: dict) -> list[dict]:
    """The step rows that gave the suite's root hash, as the hash chain's links name them (`index:skill:status`,
    with the status as stored)."""
    steps = []
    for link in (document.get("hash_chain") or {}).get("links", [])[1:]:
        index, rest = link["input"].split(":", 1)
        skill = rest.rsplit(":", 1)[0]
        steps.append({"stepIndex": int(index), "skillName": skill, "status": link.get("stored_status")})
    return steps


def test_result(result: str, tests: list[dict], configuration: list) -> dict:
    """The Test Result predicate (v0.1) of `tests` (name and evidence status): NOT REACHED counts as failed."""
    predicate = test_result_pb2.TestResult(
        result=RESULT.get(result, "FAILED"),
        passed_tests=[t["name"] for t in tests if t["status"] == "PASS"],
        failed_tests=[t["name"] for t in tests if t["status"] != "PASS"],
        configuration=configuration)
    return json_format.MessageToDict(predicate)


def configuration(document: dict) -> list:
    """What configured the run: the suite's commit and argument file, the plan file, the backend's source."""
    provenance = document.get("provenance") or {}
    found = []
    if commit := provenance.get("suite_commit"):
        found.append(ResourceDescriptor(name="runproof suite", digest={"gitCommit": commit}).pb)
    if (CHECKOUT / "robot.args").is_file():
        found.append(ResourceDescriptor(name="robot.args", digest={"sha256": sha256(CHECKOUT / "robot.args")}).pb)
    if plan := provenance.get("plan_file_sha256"):
        found.append(ResourceDescriptor(name=provenance.get("plan_file_title") or "plan",
                                        digest={"sha256": plan}).pb)
    if backend := (document.get("target") or {}).get("Backend source"):
        found.append(ResourceDescriptor(name="backend source", annotations={"fingerprint": backend}).pb)
    return found


def run_predicate(document: dict) -> dict:
    """The predicate of one run, from its evidence document (what evidence.json holds)."""
    target = document.get("target") or {}
    provenance = document.get("provenance") or {}
    chain = document.get("hash_chain") or {}
    predicate = test_result(document["result"], document.get("tests", []), configuration(document))
    predicate["runproof"] = {
        "kind": "run",
        "result": document["result"],
        "verdict": document.get("result_line"),
        "criteria": {ac: verdict_line(ac, document) for ac in CRITERIA},
        "acceptance": document.get("acceptance", {}),
        "runId": document.get("run_id"),
        "runStatus": document.get("run_status"),
        "tenantId": document.get("tenant_id") or target.get("Tenant ID"),
        "originSystemId": document.get("origin_system_id") or target.get("Origin System ID"),
        "rootHash": chain.get("suite_root") or document.get("root_hash"),
        "steps": attested_steps(document),
        "backendSource": target.get("Backend source"),
        "backendCommit": provenance.get("backend_commit"),
        "alembicHead": alembic_head(document),
        "suiteCommit": provenance.get("suite_commit"),
        "database": database_identity(target),
        "startedAt": document.get("started_at"),
        "generatedAt": document.get("generated_at"),
    }
    return predicate


def merge_predicate(document: dict, suite, merged: list[dict]) -> dict:
    """The predicate of a rebot merge: the merged verdict (`merged_verdict`), the criterion lines as the merged
    suite shows them, and the attestations of the runs it merges (`merged`: name, sha256, run id, verdict)."""
    predicate = test_result(document["result"], document.get("tests", []), configuration(document))
    predicate["runproof"] = {
        "kind": "merge",
        "result": document["result"],
        "verdict": document.get("result_line"),
        "criteria": {ac: suite.metadata.get(ac, verdict_line(ac, document)) for ac in CRITERIA},
        "acceptance": document.get("acceptance", {}),
        "backendSource": suite.metadata.get("Backend source"),
        "merges": merged,
    }
    return predicate


def statement(subject_list: list, predicate: dict) -> dict:
    """The Statement v1 as a JSON document, masked (no secret the run knew may be in it), validated by the bindings."""
    predicate = dict(predicate)
    predicate["runproof"] = {**predicate["runproof"],
                             "attestedAt": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    masked = json.loads(mask(json.dumps(predicate, default=str)))
    built = Statement(subject_list, PREDICATE_TYPE, masked)
    built.validate()
    document = json_format.MessageToDict(built.pb)
    document["predicate"] = masked  # as written: Struct would turn every integer into a float
    return document


def payload(document: dict) -> bytes:
    """The bytes that are signed: the Statement as canonical-ish JSON (sorted keys, no spaces)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def merged_runs(folder: Path, run_folders: list[str]) -> list[dict]:
    """The attestation of each run whose results a merge holds (each test names its run's folder): its name relative
    to the merge's folder, its sha256, the run's id and verdict — or that it is missing."""
    from runproof.attestation import ENVELOPE, STATEMENT

    runs = []
    for run_folder in dict.fromkeys(run_folders):
        attestation = Path(run_folder) / ENVELOPE
        entry = {"attestation": subject_name(attestation, folder)}
        if attestation.is_file():
            entry["sha256"] = sha256(attestation)
            try:
                ours = json.loads((Path(run_folder) / STATEMENT).read_text())["predicate"]["runproof"]
                entry.update(runId=ours.get("runId"), verdict=ours.get("verdict"))
            except (OSError, ValueError, KeyError):
                pass
        else:
            entry["missing"] = True
        runs.append(entry)
    return runs
