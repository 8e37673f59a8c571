"""`make mutants`: run the suite against the healthy reference and every mutant of catalog.toml.

Each run gets a copy of reference/ with the mutant's edits and a fresh database (on one throwaway PostgreSQL that
logs every statement, given to the suite as STATEMENT_LOG), migrated by that copy's own alembic. The observed
failures are compared with the declared ones, as Robot Framework's own acceptance tests do: a mutant is killed as
declared when exactly its declared tests fail, *each with a message that matches its declared glob*, and every other
test passes or is "not reached". A declared test that fails for another reason is a false alarm.
Exit status 0 only when every mutant is killed as declared, nothing fails that was not declared, and every
check of the suite is killed by at least one mutant.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

from robot.api import ExecutionResult  # noqa: E402

from runproof.criteria import CRITERIA  # noqa: E402
from runproof.keywords.run_facts import NOT_REACHED  # noqa: E402
from runproof.robot_hooks.robot_command import robot_command, robot_environment  # noqa: E402
from runproof.target.throwaway_postgres import ThrowawayPostgres, free_port, migrate  # noqa: E402

CATALOG = Path(__file__).with_name("catalog.toml")
RUN_TIMEOUT = 300
BASE_VARIABLES = {"CLI_TIMEOUT": "60s", "PROBE_TIMEOUT": "60s", "PYTEST_TIMEOUT": "120s"}


class StaleMutant(Exception):
    """The mutant's edit no longer applies to the reference backend."""


@dataclass
class Mutant:
    name: str
    defect: str
    source: str = ""
    kills: dict[str, str] = field(default_factory=dict)  # test name -> glob of its expected failure message
    edits: list[dict] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    database_revision: str = "head"
    root: str = "reference"
    # False: the suite gets DATABASE_URL without STATEMENT_LOG, as against a database it does not own and whose
    # server does not log statements — what the suite then observes (the watcher) must still catch the defect.
    statement_log: bool = True


HEALTHY = Mutant(name="healthy", defect="the reference backend as it is")


def load_catalog(path: Path = CATALOG) -> list[Mutant]:
    return [Mutant(**entry) for entry in tomllib.loads(path.read_text())["mutant"]]


def apply_edits(mutant: Mutant, base: Path) -> None:
    for edit in mutant.edits:
        target = base / edit["file"]
        if edit["old"] == "":
            if target.exists():
                raise StaleMutant(f"{mutant.name}: {edit['file']} already exists")
            target.write_text(edit["new"])
            continue
        text = target.read_text()
        if text.count(edit["old"]) != 1:
            raise StaleMutant(f"{mutant.name}: the edit of {edit['file']} matches {text.count(edit['old'])} times, not once")
        target.write_text(text.replace(edit["old"], edit["new"]))


def prepare(mutant: Mutant, workdir: Path) -> tuple[Path, Path]:
    """A copy of reference/ (and of the suite, for suite mutants) with the mutant's edits applied. A suite copy is
    complete: suites/ and resources/ copied, the Python folders linked, and its default SUT_ROOT the reference copy."""
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache")
    sut = workdir / "reference"
    shutil.copytree(ROOT / "reference", sut, ignore=ignore)
    suite = ROOT
    if mutant.root == "suite":
        suite = workdir / "suite"
        for folder in ("suites", "resources"):
            shutil.copytree(ROOT / folder, suite / folder, ignore=ignore)
        for folder in ("libraries", "probe"):
            (suite / folder).symlink_to(ROOT / folder)
        (suite / "reference").symlink_to(sut)
    apply_edits(mutant, suite if mutant.root == "suite" else sut)
    return sut, suite


def outcomes_of(output: Path) -> tuple[dict[str, tuple[str, str]], dict[str, list[str]]]:
    """Each test's status and message, and the tests of each acceptance criterion (by tag)."""
    result = ExecutionResult(str(output))
    tests = list(result.suite.all_tests)
    criteria = {ac: [t.name for t in tests if t.tags.match(ac)] for ac in CRITERIA}
    return {t.name: (t.status, " ".join(t.message.split())) for t in tests}, criteria


def evidence_disagreements(evidence: dict, outcomes: dict, criteria: dict[str, list[str]]) -> list[str]:
    """evidence.json must report each criterion as its tests came out: PASS only if all of them passed."""
    problems = []
    for ac, names in criteria.items():
        statuses = {"SKIP" if outcomes[name][1].startswith(NOT_REACHED) and outcomes[name][0] == "FAIL"
                    else outcomes[name][0] for name in names}
        expected = ("NOT RUN" if not names else "FAIL" if "FAIL" in statuses else "PASS" if statuses == {"PASS"}
                    else "NOT REACHED")
        if evidence.get("acceptance", {}).get(ac) != expected:
            problems.append(f"evidence.json says {ac} {evidence.get('acceptance', {}).get(ac)}, its tests say {expected}")
    return problems


def message_matches(message: str, pattern: str) -> bool:
    """Robot's acceptance-test convention: the declared message is a glob over the whole (whitespace-folded) message."""
    return fnmatch.fnmatchcase(" ".join(message.split()), " ".join(pattern.split()))


@dataclass
class Run:
    mutant: Mutant
    outcomes: dict[str, tuple[str, str]] = field(default_factory=dict)
    broken_rules: set[str] = field(default_factory=set)  # the rules (libraries/runproof/rules/table.py) the evidence says FAIL
    rules_checked: set[str] = field(default_factory=set)  # the rules the evidence says PASS
    seconds: float = 0.0
    error: str = ""
    evidence_problems: list[str] = field(default_factory=list)
    causes: list[str] = field(default_factory=list)  # evidence.json's cause lines: how the run explained itself

    @property
    def failed(self) -> set[str]:
        """Tests that failed for a reason of their own; a test "not reached" is FAIL in Robot's model (so that the exit
        code counts it, run_selection) but is judged as not reached."""
        return {name for name, (status, message) in self.outcomes.items()
                if status == "FAIL" and not message.startswith(NOT_REACHED)}

    @property
    def not_reached(self) -> set[str]:
        return {name for name, (status, message) in self.outcomes.items()
                if status in ("FAIL", "SKIP") and message.startswith(NOT_REACHED)}

    @property
    def missed(self) -> list[str]:
        return sorted(set(self.mutant.kills) - self.failed)

    @property
    def wrong_reasons(self) -> list[str]:
        """Declared tests that failed, but with another message than the one declared."""
        return sorted(f"{name}: expected '{pattern}', got '{self.outcomes[name][1]}'"
                      for name, pattern in self.mutant.kills.items()
                      if name in self.failed and not message_matches(self.outcomes[name][1], pattern))

    @property
    def false_alarms(self) -> list[str]:
        """Failures nobody declared or with the wrong reason, and skips that are not "not reached" (for the healthy
        run: anything not PASS)."""
        undeclared = self.failed - set(self.mutant.kills)
        odd_skips = {name for name, (status, message) in self.outcomes.items()
                     if status == "SKIP" and not message.startswith(NOT_REACHED)}
        if self.mutant is HEALTHY:
            odd_skips |= self.not_reached
        return sorted(undeclared | odd_skips) + self.wrong_reasons + self.evidence_problems

    @property
    def killed(self) -> bool:
        return not self.error and not self.missed and not self.false_alarms and bool(self.outcomes)


def run_one(mutant: Mutant, postgres: ThrowawayPostgres, index: int, scratch: Path, options: tuple[str, ...] = ()) -> Run:
    run = Run(mutant)
    workdir = scratch / f"{index:02d}_{mutant.name}"
    workdir.mkdir()
    started = time.monotonic()
    try:
        sut, suite = prepare(mutant, workdir)
        variables = {**BASE_VARIABLES, **mutant.variables}
        url = variables.pop("DATABASE_URL", "").replace("{closed_port}", str(free_port()))
        if not url or "{url}" in url:  # {url}: a fresh migrated database's URL, inside a form of the mutant's
            fresh = postgres.create_database(f"mutant_{index:02d}")
            migrate(fresh, sut / "backend", revision=mutant.database_revision)
            url = url.replace("{url}", fresh) if url else fresh
        command = robot_command(workdir / "results", {"SUT_ROOT": str(sut), **variables}, "--log", "NONE", "--report",
                                "NONE", "--xunit", "NONE", "--console", "none", *options, suites=suite / "suites")
        env = robot_environment(DATABASE_URL=url, STATEMENT_LOG=str(postgres.log_file) if mutant.statement_log else "")
        subprocess.run(command, env=env, capture_output=True, timeout=RUN_TIMEOUT)
        run.outcomes, criteria = outcomes_of(workdir / "results" / "output.xml")
        evidence_file = workdir / "results" / "evidence.json"
        evidence = json.loads(evidence_file.read_text()) if evidence_file.exists() else {}
        run.causes = evidence.get("cause_lines", [])
        run.evidence_problems = evidence_disagreements(evidence, run.outcomes, criteria) if evidence else [
            "no evidence.json was written"]
        run.broken_rules = {name for name, rule in evidence.get("rules", {}).items() if rule["status"] == "FAIL"}
        # A rule an earlier test proves first is covered by that test's mutants (the test coverage below).
        run.rules_checked = {name for name, rule in evidence.get("rules", {}).items()
                             if rule["status"] == "PASS" and not rule.get("proved_by")}
    except (StaleMutant, RuntimeError, subprocess.TimeoutExpired, OSError) as exc:
        run.error = str(exc).splitlines()[0]
    run.seconds = time.monotonic() - started
    return run


def coverage(runs: list[Run], checks: list[str]) -> dict[str, list[str]]:
    """Every check of the suite, and the mutants that made it fail as declared."""
    return {check: [r.mutant.name for r in runs if r.mutant is not HEALTHY and check in r.failed
                    and check in r.mutant.kills] for check in checks}


def rule_coverage(runs: list[Run]) -> dict[str, list[str]]:
    """Every rule the healthy run checked (PASS), and the mutants killed as declared that broke it."""
    healthy = runs[0]
    checked = [name for name in sorted(healthy.rules_checked)]
    return {rule: [r.mutant.name for r in runs[1:] if r.killed and rule in r.broken_rules] for rule in checked}


def report(runs: list[Run], cover: dict[str, list[str]], seconds: float, workers: int) -> dict:
    mutants = [r for r in runs if r.mutant is not HEALTHY]
    print(f"{'mutant':34} {'verdict':9} {'failed':>6} {'secs':>5}  detail")
    for r in runs:
        verdict = "healthy" if r.mutant is HEALTHY and r.killed else "KILLED" if r.killed else "NOT KILLED"
        if r.mutant is HEALTHY and not r.killed:
            verdict = "FALSE ALARM"
        detail = r.error or "; ".join(filter(None, [f"missed: {', '.join(r.missed)}" if r.missed else "",
                                                      f"false alarms: {' | '.join(r.false_alarms)}" if r.false_alarms else ""]))
        print(f"{r.mutant.name:34} {verdict:9} {len(r.failed):>6} {r.seconds:5.1f}  {detail}")
    print("\nCoverage: every check of the suite and the mutants that make it fail")
    for check, killers in cover.items():
        print(f"  {check:68} {', '.join(killers) if killers else 'NOT COVERED: no mutant makes it fail'}")
    rules = rule_coverage(runs)
    print("\nRules: every rule the healthy run checked and the mutants that break it")
    for name, killers in rules.items():
        print(f"  {name:42} {', '.join(killers) if killers else 'NOT COVERED: no mutant breaks it'}")
    killed = sum(r.killed for r in mutants)
    false_alarms = sum(len(r.false_alarms) for r in runs)
    uncovered = [check for check, killers in cover.items() if not killers]
    uncovered_rules = [name for name, killers in rules.items() if not killers]
    print(f"rules: {len(rules) - len(uncovered_rules)}/{len(rules)} broken by a mutant")
    print(f"\ntime: {seconds:.1f}s for {len(runs)} suite runs on {workers} workers "
          f"({sum(r.seconds for r in runs):.1f}s of runs); uncovered checks: {len(uncovered)}")
    print(f"mutants: {killed}/{len(mutants)} killed as declared, {false_alarms} false alarms")
    return {
        "killed": killed, "total": len(mutants), "false_alarms": false_alarms, "uncovered": uncovered,
        "uncovered_rules": uncovered_rules, "rule_coverage": rules,
        "seconds": round(seconds, 1), "workers": workers, "coverage": cover,
        "runs": [{"name": r.mutant.name, "defect": r.mutant.defect, "source": r.mutant.source,
                  "declared": r.mutant.kills, "missed": r.missed, "wrong_reasons": r.wrong_reasons,
                  "failed": {n: m for n, (s, m) in sorted(r.outcomes.items()) if s == "FAIL"},
                  "false_alarms": r.false_alarms, "killed": r.killed, "error": r.error,
                  "seconds": round(r.seconds, 1), "causes": r.causes,
                  "not_reached": sorted(r.not_reached)} for r in runs],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--only", nargs="*", help="run only these mutants (and the healthy reference)")
    parser.add_argument("--output", type=Path, default=ROOT / "results" / "mutants.json")
    args = parser.parse_args()
    mutants = [m for m in load_catalog() if not args.only or m.name in args.only]
    started = time.monotonic()
    with ThrowawayPostgres(log_statements=True) as postgres, tempfile.TemporaryDirectory(prefix="runproof-mutants-") as scratch:
        with ThreadPoolExecutor(max_workers=args.workers) as pool:
            runs = list(pool.map(lambda item: run_one(item[1], postgres, item[0], Path(scratch)),
                                 enumerate([HEALTHY, *mutants])))
    checks = list(runs[0].outcomes)
    summary = report(runs, coverage(runs, checks), time.monotonic() - started, args.workers)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(summary, indent=2) + "\n")
    complete = not args.only
    ok = (summary["killed"] == summary["total"] and summary["false_alarms"] == 0 and runs[0].killed
          and (not complete or not (summary["uncovered"] or summary["uncovered_rules"])))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
