"""`runproof-verify FOLDER [--public-key PEM] [--database-url URL]`: does the output folder still say what its run found?

Checks, each failure one line naming the file, field or row:
- every subject of the attestation has the attested sha256 (a missing file is a failure too);
- with a public key: the DSSE envelope's signature (an unsigned envelope then fails);
- the statement inside the envelope is the statement file beside it, and the predicate file is its predicate;
- evidence.json and evidence.md say what output.xml says: the result, the result line, each criterion and each test's
  status, recomputed from output.xml with Robot's result model and the evidence's own judgement — never read from the
  evidence; the attested predicate says the same;
- with DATABASE_URL (or --database-url): on a read-only connection, the run's step rows still give the attested root
  hash (rules/hash_chain.py), with the attested statuses, and the run row the attested status;
- for a merge: each merged run's attestation has the sha256 the merge names, and verifies in turn.
Exit 0 only when everything checked holds; the last lines say what was not checked.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
from pathlib import Path

from runproof.attestation import ENVELOPE, PREDICATE, PREDICATE_TYPE, STATEMENT, STATEMENT_TYPE
from runproof.attestation.signing import KeyProblem, load_public_key, read_envelope, verify_signature
from runproof.attestation.statement import sha256
from runproof.criteria import CRITERIA
from runproof.evidence.masking import mask, one_line
from runproof.evidence.report import cell
from runproof.rules.hash_chain import root_hash

MD_RESULT = re.compile(r"^\*\*Result:\*\* (.*?)\s*$")
MD_CRITERION = re.compile(r"^\| (AC\d) \| .* \| ([A-Z][A-Z ]*[A-Z]) \| [^|]* \|\s*$")
TERMINATED = "Execution terminated by signal"


class Report:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.checked: list[str] = []
        self.unchecked: list[str] = []

    def fail(self, line: str) -> None:
        self.failures.append(mask(one_line(line, 600)))


def recompute(output: Path, merge: bool) -> dict:
    """The evidence's judgement of output.xml, as the evidence library (a run) or merged_verdict (a merge) makes it."""
    from robot.api import ExecutionResult

    from runproof.keywords.evidence import judge_result
    from runproof.robot_hooks.merged_verdict import merged_message

    suite = ExecutionResult(str(output)).suite
    outcomes = {test.name: (test.status, merged_message(test.message)) for test in suite.all_tests}
    document = judge_result(suite, outcomes, prerequisites_apart=not merge)
    if any(TERMINATED in test.message for test in suite.all_tests):
        document["result"] = "INCOMPLETE"  # the evidence knew the signal; output.xml only that the run was stopped
        document["result_line"] = None
    return document


def compare_verdict(report: Report, where: str, said: dict, truth: dict) -> None:
    """`said` (an evidence document or a predicate's fields) against the verdict recomputed from output.xml."""
    if said.get("result") != truth["result"]:
        report.fail(f"{where}: result is {said.get('result')!r}, output.xml says {truth['result']!r}")
    if truth["result_line"] is not None and "result_line" in said and said["result_line"] != truth["result_line"]:
        report.fail(f"{where}: result_line is {said['result_line']!r}, output.xml says {truth['result_line']!r}")
    for ac in CRITERIA:
        stated = (said.get("acceptance") or {}).get(ac)
        if stated != truth["acceptance"][ac]:
            report.fail(f"{where}: acceptance.{ac} is {stated!r}, output.xml says {truth['acceptance'][ac]!r}")


def _json_or_none(path: Path):
    try:
        return json.loads(path.read_text(errors="replace"))
    except ValueError:
        return None


def check_evidence(report: Report, folder: Path, truth: dict) -> None:
    json_path, md_path = folder / "evidence.json", folder / "evidence.md"
    document = None
    if json_path.is_file():
        try:
            document = json.loads(json_path.read_text(errors="replace"))
        except ValueError as exc:  # an edit that breaks the JSON is one failure line, beside its digest's
            report.fail(f"evidence.json: not JSON any more ({type(exc).__name__}: {' '.join(str(exc).split())[:120]})")
    if isinstance(document, dict):
        compare_verdict(report, "evidence.json", document, truth)
        stated = {t["name"]: t["status"] for t in document.get("tests", [])}
        for test in truth["tests"]:
            if stated.get(test["name"]) != test["status"]:
                report.fail(f"evidence.json: tests[{test['name']!r}].status is {stated.get(test['name'])!r}, "
                            f"output.xml says {test['status']!r}")
        for name in set(stated) - {t["name"] for t in truth["tests"]}:
            report.fail(f"evidence.json: tests[{name!r}] is not in output.xml")
        report.checked.append("evidence.json against output.xml")
    if md_path.is_file():
        results, criteria = [], {}
        for number, line in enumerate(md_path.read_text(errors="replace").splitlines(), 1):
            if found := MD_RESULT.match(line):
                results.append((number, found.group(1)))
            elif found := MD_CRITERION.match(line):
                criteria.setdefault(found.group(1), []).append((number, found.group(2)))
        want = cell(truth["result_line"]) if truth["result_line"] else None
        if not results:
            report.fail("evidence.md: no **Result:** line")
        for number, said in results:
            if (want and said != want) or (not want and not said.startswith(truth["result"])):
                report.fail(f"evidence.md line {number}: Result is {said!r}, output.xml says {want or truth['result']!r}")
        for ac in CRITERIA:
            if not criteria.get(ac):
                report.fail(f"evidence.md: no line for {ac} in '6. Acceptance Criteria'")
            for number, said in criteria.get(ac, []):
                if said != truth["acceptance"][ac]:
                    report.fail(f"evidence.md line {number}: {ac} is {said!r}, output.xml says "
                                f"{truth['acceptance'][ac]!r}")
        report.checked.append("evidence.md against output.xml")


def check_database(report: Report, url: str, ours: dict) -> None:
    """The run's rows, on a read-only connection: the run's status, each attested step, the root hash they give."""
    import psycopg2

    run_id = ours.get("runId")
    if not run_id:
        report.unchecked.append("the database: the attestation names no run id (the run made none)")
        return
    try:
        connection = psycopg2.connect(url, connect_timeout=10)
    except psycopg2.Error as exc:
        report.fail(f"database: cannot connect: {one_line(mask(str(exc)))}")
        return
    with contextlib.closing(connection):
        connection.set_session(readonly=True, autocommit=True)
        with connection.cursor() as cursor:
            cursor.execute("SET default_transaction_read_only = on")
            cursor.execute("SELECT status FROM runs WHERE id = %s", (run_id,))
            row = cursor.fetchone()
            if row is None:
                report.fail(f"database: runs row id={run_id} is missing")
            elif ours.get("runStatus") and row[0] != ours["runStatus"]:
                report.fail(f"database: runs row id={run_id}: status is {row[0]!r}, attested {ours['runStatus']!r}")
            cursor.execute("SELECT s.trace_id, s.step_index, s.skill_name, s.status FROM aos_trace_steps s "
                           "JOIN aos_traces t ON t.trace_id = s.trace_id WHERE t.run_id = %s "
                           "ORDER BY s.step_index, s.trace_id", (run_id,))
            rows = cursor.fetchall()
    found = {int(index): (trace, skill, status) for trace, index, skill, status in rows}
    attested = {int(step["stepIndex"]): step for step in ours.get("steps", [])}
    for index, step in attested.items():
        if index not in found:
            report.fail(f"database: aos_trace_steps row step_index={index} of run {run_id} is missing")
            continue
        trace, skill, status = found[index]
        row_name = f"aos_trace_steps row trace_id={trace} step_index={index}"
        if skill != step["skillName"]:
            report.fail(f"database: {row_name}: skill_name is {skill!r}, attested {step['skillName']!r}")
        if status != step["status"]:
            report.fail(f"database: {row_name}: status is {status!r}, attested {step['status']!r}")
    for index in sorted(set(found) - set(attested)):
        report.fail(f"database: aos_trace_steps row trace_id={found[index][0]} step_index={index} was not attested")
    recomputed = root_hash(run_id, [(index, skill, status) for _, index, skill, status in rows])
    if ours.get("rootHash") and recomputed != ours["rootHash"]:
        report.fail(f"database: the step rows of run {run_id} give root hash {recomputed}, attested {ours['rootHash']}")
    report.checked.append(f"the database rows of run {run_id} (read-only)")


def verify(folder: Path, key=None, database_url: str | None = None, report: Report | None = None,
           prefix: str = "", seen: set | None = None) -> Report:
    """Check `folder` (see the module's doc); failures and what was (not) checked are added to `report`."""
    report = report or Report()
    seen = seen if seen is not None else set()
    folder = folder.resolve()
    if folder in seen:
        return report
    seen.add(folder)
    start = len(report.failures)

    def checked(what: str) -> None:
        report.checked.append(f"{what} (in {prefix.rstrip('/')})" if prefix else what)

    envelope_path = folder / ENVELOPE
    if not envelope_path.is_file():
        report.fail(f"{prefix}{ENVELOPE}: missing — this folder has no attestation")
        return report
    try:
        wrapped = read_envelope(envelope_path.read_text())
        document = json.loads(wrapped.payload)
    except (ValueError, KeyError, TypeError) as exc:
        report.fail(f"{prefix}{ENVELOPE}: not a DSSE envelope of a JSON statement ({one_line(exc)})")
        return report
    if document.get("_type") != STATEMENT_TYPE or document.get("predicateType") != PREDICATE_TYPE:
        report.fail(f"{prefix}{ENVELOPE}: payload is not an in-toto Statement v1 with the Test Result predicate")
        return report
    # Signature.
    if key is not None:
        if problem := verify_signature(wrapped, key):
            report.fail(f"{prefix}{ENVELOPE}: signature: {problem}")
        else:
            checked(f"{prefix}{ENVELOPE}: signature")
    elif not prefix:
        report.unchecked.append("the signature: no public key given (--public-key)"
                                + ("; the envelope is unsigned" if not wrapped.signatures else ""))
    # The readable copies say what the envelope says.
    for name, expected in ((STATEMENT, document), (PREDICATE, document.get("predicate"))):
        path = folder / name
        if path.is_file() and _json_or_none(path) != expected:
            report.fail(f"{prefix}{name}: differs from the statement in {ENVELOPE}")
    # Subjects.
    for subject in document.get("subject", []):
        path = folder / subject["name"]
        if not path.is_file():
            report.fail(f"{prefix}{subject['name']}: missing (an attested subject)")
        elif sha256(path) != subject["digest"].get("sha256"):
            report.fail(f"{prefix}{subject['name']}: sha256 {sha256(path)} is not the attested "
                        f"{subject['digest'].get('sha256')}")
    checked(f"{len(document.get('subject', []))} subject digests")
    # The verdict, recomputed from output.xml.
    predicate = document["predicate"]
    ours = predicate.get("runproof", {})
    kinds = {s.get("annotations", {}).get("kind"): s["name"] for s in document.get("subject", [])}
    output = folder / kinds["output"] if "output" in kinds else None
    truth = None
    if output is not None and output.is_file():
        try:
            truth = recompute(output, merge=ours.get("kind") == "merge")
        except Exception as exc:  # noqa: BLE001 - an edited output.xml Robot cannot read is one failure line
            report.fail(f"{prefix}{kinds['output']}: Robot's result model cannot read it ({type(exc).__name__})")
    if truth is not None:
        local = Report()
        check_evidence(local, folder, truth)
        compare_verdict(local, f"{PREDICATE}: runproof", {"result": ours.get("result"), "acceptance":
                        ours.get("acceptance"), "result_line": ours.get("verdict")}, truth)
        failed = sorted(t["name"] for t in truth["tests"] if t["status"] != "PASS")
        if sorted(predicate.get("failedTests", [])) != failed:
            local.fail(f"{PREDICATE}: failedTests are not the tests output.xml says did not pass")
        report.failures += [f"{prefix}{line}" for line in local.failures]
        for line in local.checked + ["the predicate against output.xml"]:
            checked(line)
    elif output is None:
        report.unchecked.append(f"{prefix}the verdict: the attestation names no output.xml")
    # The database.
    if database_url and ours.get("kind") == "run":
        local = Report()
        check_database(local, database_url, ours)
        report.failures += [f"{prefix}{line}" for line in local.failures]
        for line in local.checked:
            checked(line)
        report.unchecked += [f"{line} (in {prefix.rstrip('/')})" if prefix else line for line in local.unchecked]
    elif not database_url and ours.get("kind") == "run" and not prefix:
        report.unchecked.append("the database rows: no DATABASE_URL given (--database-url)")
    # The runs a merge holds.
    for run in ours.get("merges", []) if ours.get("kind") == "merge" else []:
        name = run["attestation"]
        path = folder / name
        if run.get("missing") or not path.is_file():
            report.fail(f"{prefix}{name}: the attestation of a merged run is missing")
            continue
        if sha256(path) != run.get("sha256"):
            report.fail(f"{prefix}{name}: sha256 {sha256(path)} is not the {run.get('sha256')} the merge names")
        verify(path.parent, key, database_url, report, prefix=f"{prefix}{Path(name).parent.as_posix()}/", seen=seen)
    if len(report.failures) == start:
        checked(f"the {ours.get('kind', 'run')} attestation holds: {ours.get('verdict')}")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="runproof-verify", description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="the output folder (results/)")
    parser.add_argument("--public-key", help="the Ed25519 public key (PEM) that must have signed the attestation")
    parser.add_argument("--database-url", default=None,
                        help="the database the run read (default: environment DATABASE_URL); read-only")
    args = parser.parse_args(argv)
    database_url = args.database_url or os.environ.get("DATABASE_URL") or None
    key = None
    if args.public_key:
        try:
            key = load_public_key(args.public_key)
        except KeyProblem as problem:
            print(f"FAIL {problem}")
            return 2
    report = verify(args.folder, key, database_url)
    for line in report.failures:
        print(f"FAIL {line}")
    for line in report.checked:
        print(f"checked: {line}")
    for line in report.unchecked:
        print(f"not checked: {line}")
    if report.failures:
        print(f"runproof-verify: {args.folder}: {len(report.failures)} failures")
        return 1
    print(f"runproof-verify: {args.folder}: everything checked holds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
