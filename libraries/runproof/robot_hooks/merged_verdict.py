"""The verdict of a merged run: `rebot --merge --prerebotmodifier runproof.robot_hooks.merged_verdict --output output.xml
first.xml rerun.xml` (without --output rebot writes no output.xml; docs/exit-code-selection-rerun-merge.md).

rebot's merge replaces each rerun test in the first run's tree, but keeps the rerun's suite metadata as it is — a
rerun of the failed tests says "PARTIAL — only part of the plan was selected" over a run that may still be failing.
This modifier recomputes `Result`, `First failure` and the criterion lines from the merged tests, with the same
judgement as the evidence (`evidence.judge_result`). The statuses it reads are the merged ones, so rebot's exit code
and the Result agree: a rerun that really passed turns the merged verdict PASS; a rerun that kept failing, or could not
re-establish its prerequisites (its tests are then "not reached", which counts as failed), leaves it FAIL.
Rebot rewrites the message of a merged test as HTML ("New status: … New message: …"); the new message is read back.

Each test's result carries the digest of the backend source it ran against (metadata `Backend source`, given by the
evidence listener). A merge of runs against different code — "fix the backend, then --rerunfailed" — proves nothing
about either: unless every test carries the same known digest, every test is made FAIL, its message naming the digests,
so the merged verdict is FAIL and rebot's exit code is not 0.

The merge gets its own attestation (runproof.attestation): rebot's output.xml, log.html and report.html by digest, the
merged verdict, and the attestations of the runs whose results it holds (each test names its run's folder, metadata
`Evidence folder`), signed with RUNPROOF_SIGNING_KEY when that is set. `runproof-verify` follows them.
"""

from __future__ import annotations

import html
import os
import re

from robot.api import SuiteVisitor

from runproof.attestation import KEY_ENVIRONMENT
from runproof.attestation.statement import merge_predicate, merged_runs
from runproof.attestation.writer import Attester
from runproof.criteria import CRITERIA
from runproof.keywords.evidence import BACKEND_SOURCE, RUN_FOLDER, judge_result, show_verdict
from runproof.robot_hooks.junit import register as register_junit

NEW_MESSAGE = re.compile(r'<span class="new-message">New message:</span> (.*?)<br>', re.S)
OLD = re.compile(r'<span class="old-status">Old status:</span> <span class="\w+">(\w+)</span><br>'
                 r'(?:<span class="old-message">Old message:</span> (.*?)<br>)?', re.S)
ADDED = re.compile(r"^\*HTML\* Test added from merged output\.(?:<hr>(.*))?$", re.S)


def merged_message(message: str) -> str:
    """A test's own one-line message, also when rebot's merge wrapped it in HTML."""
    if message.startswith("*HTML*"):
        found = NEW_MESSAGE.search(message) or ADDED.match(message)
        message = html.unescape(found.group(1) or "") if found else ""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    while len(lines) > 1 and lines[0] in ("Parent suite setup failed:", "Suite setup failed:", "Setup failed:"):
        lines = lines[1:]
    return lines[0] if lines else ""


class merged_verdict(SuiteVisitor):  # noqa: N801 — the name rebot's --prerebotmodifier is given
    """Recompute the top suite's verdict from the merged tests."""

    def visit_suite(self, suite) -> None:
        if suite.parent is not None:
            return
        changed = refuse_other_code(suite)
        outcomes = {test.name: (test.status, merged_message(test.message)) for test in suite.all_tests}
        proofs = {ac: suite.metadata.get(ac, "") for ac in CRITERIA}  # the rerun's own lines, with their values
        document = judge_result(suite, outcomes)
        if changed:  # one cause, the one that makes every result moot: the code changed between the runs
            document["cause_lines"] = [changed]
            document["first_failure"] = changed
        show_verdict(suite, document)
        for ac in CRITERIA:
            if document["acceptance"][ac] != "PASS":
                continue
            if proofs[ac].startswith(f"{ac}: PASS"):
                suite.metadata[ac] = proofs[ac]
            else:  # proved by the first run: each passing test's message states the value that proved it
                tests = [t for t in suite.all_tests if t.tags.match(ac)]
                suite.metadata[ac] = f"{ac}: PASS — {tests[0].name}: {outcomes[tests[0].name][1]}" + (
                    f" (and {len(tests) - 1} more passed)" if len(tests) > 1 else "")
        suite.metadata.pop("Timeline", None)  # each run's picture stays in its own output folder, not the merged one
        suite.metadata["Merged"] = "yes: the verdict is computed from the merged tests (merged_verdict)"
        register_junit(suite)  # junit.xml of the merge, beside the first result file rebot writes
        folders = [test.metadata.get(RUN_FOLDER, "") for test in suite.all_tests]
        folders = [folder for folder in folders if folder]
        Attester(None, lambda folder: merge_predicate(document, suite, merged_runs(folder, folders)),
                 os.environ.get(KEY_ENVIRONMENT)).register()


def refuse_other_code(suite) -> str | None:
    """Unless every test's result carries the same known digest, make every test FAIL: a merge of runs whose code
    differs — or cannot be shown to be the same (a result without a digest: an older or a dry run, a run stopped before
    the fingerprint) — proves nothing about either. Each test keeps its own run's outcome and message after the reason
    (what that run found is still worth reading). Returns the one cause, or None when the code is the same."""
    digests = {test.metadata.get(BACKEND_SOURCE, "") for test in suite.all_tests}
    if len(digests) == 1 and known(next(iter(digests))):
        return None
    current = suite.metadata.get(BACKEND_SOURCE, "")
    shown = ", ".join(sorted(digest if known(digest) else "unknown" for digest in digests))
    for test in suite.all_tests:
        proved_on = test.metadata.get(BACKEND_SOURCE, "")
        own = merged_message(test.message)
        old = OLD.search(test.message) if test.message.startswith("*HTML*") else None
        earlier = (f"; the earlier run said: {old.group(1)}"
                   + (f" — {merged_message(html.unescape(old.group(2)))}" if old.group(2) else "")) if old else ""
        test.message = (f"proved on backend source {proved_on if known(proved_on) else 'of unknown digest'}, in a"
                        f" merge whose results carry {len(digests)} digests (the last run's:"
                        f" {current if known(current) else 'unknown'}): a merge of runs whose code differs, or cannot"
                        f" be shown to be the same, proves neither — run the whole plan again. Its run said:"
                        f" {test.status}" + (f" — {own}" if own else "") + earlier)
        test.status = "FAIL"
    return (f"the backend's code changed between the merged runs (backend source digests {shown}): a merge of runs "
            f"whose code differs proves neither — run the whole plan again; each test keeps its own run's message")


def known(digest: str) -> bool:
    return bool(re.fullmatch(r"[0-9a-f]{16}", digest or ""))
