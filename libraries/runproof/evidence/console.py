"""The console's verdict: one `Cause:` line per independent cause of failure, one line per criterion, and where evidence.md is, printed however `robot` is started.

The evidence library prints them itself when the top suite ends, just before Robot's own `Output:` lines: a
listener named only in robot.args would be lost on a plain `robot suites/` (robotframework-browser's ADR 0004 turned
its listener into a library for the same reason), so the verdict never depends on how robot was invoked.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from runproof.criteria import CRITERIA
from runproof.evidence.report import verdict_line



def verdict_lines(outdir: Path, document: dict | None = None) -> list[str]:
    """The verdict of `document` — this run's, as the evidence library holds it — or of evidence.json in `outdir`;
    nothing when there is none. The evidence library passes its own document: a file it could not write may hold an
    earlier run's verdict, which must never be printed as this run's."""
    if document is None:
        if not (outdir / "evidence.json").is_file():
            return []
        document = json.loads((outdir / "evidence.json").read_text())
    lines = [f"Run Proof Test Plan v4: {document.get('result_line', document.get('result'))}"]
    lines += [f"  Cause: {line}" for line in document.get("cause_lines", [])]
    lines += [f"  Downgraded: {each['name']}: {each['finding']}" for each in document.get("downgraded", [])]
    lines += [f"  {verdict_line(ac, document)}" for ac in CRITERIA]
    lines.append(f"Evidence: {outdir / 'evidence.md'}")
    lines.append(why_the_exit_code(document))
    return lines


def print_verdict(outdir: Path, document: dict | None = None) -> None:
    """Print the verdict (of `document`, else of evidence.json in `outdir`) on the console (Robot's own stdout, not
    the captured one)."""
    if lines := verdict_lines(outdir, document):
        print("\n".join(lines), file=sys.__stdout__)


def why_the_exit_code(document: dict) -> str:
    """The console's last line: whether the run is green, and why not. Robot's exit code is the number of tests that
    did not pass — failed or not reached (run_selection makes a test that was not reached FAIL) — capped at 250."""
    statuses = [test["status"] for test in document.get("tests", [])]
    failed, not_reached = statuses.count("FAIL"), statuses.count("NOT REACHED")
    downgraded = statuses.count("DOWNGRADED")
    if not statuses:
        return "Not green: no test ran"
    if failed + not_reached == 0 and downgraded:
        return (f"Exit code 0, not a plain green: {downgraded} beyond-plan finding{'s' if downgraded != 1 else ''}"
                f" downgraded to SKIP by this run's --skiponfailure/--skip (named above and in evidence.md)")
    if failed + not_reached == 0:
        scope = "; only part of the plan was selected" if document.get("result") == "PARTIAL" else ""
        return f"Green (exit code 0): all {len(statuses)} tests ran and passed{scope}"
    reasons = [f"{failed} failed"] if failed else []
    if not_reached:
        reasons.append(f"{not_reached} not reached, which proves nothing and counts as failed")
    first = f" — first failure: {document['first_failure']}" if document.get("first_failure") else ""
    return f"Not green (exit code {min(failed + not_reached, 250)}): {', '.join(reasons)}{first}"
