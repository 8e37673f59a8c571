"""The defect matrix's library: the catalog, a mutant's copy of the reference, one suite run and its judgement.

The matrix itself is pytest's: tests/mutants/test_mutants.py has one test per mutant (and one for the healthy
reference), spread over cores by pytest-xdist and over CI jobs by pytest-split; tests/mutants/judge_matrix.py judges
the recorded results of all of them (every check covered, every rule broken) — see docs/ci-matrix.md.

Each run gets a copy of reference/ with the mutant's edits and a fresh database (on the worker's own throwaway
PostgreSQL that logs every statement, given to the suite as STATEMENT_LOG), migrated by that copy's own alembic. The
observed failures are compared with the declared ones, as Robot Framework's own acceptance tests do: a mutant is
killed as declared when exactly its declared tests fail, *each with a message that matches its declared glob*, and
every other test passes or is "not reached". A declared test that fails for another reason is a false alarm.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import shutil
import subprocess
import time
import uuid
import tomllib
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


    def findings(self) -> list[str]:
        """What the matrix says about this run, one line each: which test should have failed, which did, and with
        which message. Empty when the run is killed as declared (or, for the healthy run, all green)."""
        lines = [f"the run did not complete: {self.error}"] if self.error else []
        if not self.outcomes and not self.error:
            lines.append("the run left no test results (output.xml)")
        for name in self.missed:
            status, message = self.outcomes.get(name, ("ABSENT", ""))
            how = ("it is not a test of the suite" if status == "ABSENT"
                   else f"it was {message}" if name in self.not_reached else f"it {status}ED" if status == "PASS"
                   else f"it is {status}: {message}")
            lines.append(f"'{name}' should have failed with '{self.mutant.kills[name]}' — {how}")
        for name, pattern in sorted(self.mutant.kills.items()):
            if name in self.failed and not message_matches(self.outcomes[name][1], pattern):
                lines.append(f"'{name}' failed as declared but for another reason: expected '{pattern}', "
                             f"got '{self.outcomes[name][1]}'")
        for name in sorted(self.failed - set(self.mutant.kills)):
            lines.append(f"'{name}' failed and no failure of it is declared (false alarm): '{self.outcomes[name][1]}'")
        for name, (status, message) in sorted(self.outcomes.items()):
            if status == "SKIP" and not message.startswith(NOT_REACHED):
                lines.append(f"'{name}' was skipped (false alarm): '{message}'")
            elif self.mutant is HEALTHY and name in self.not_reached:
                lines.append(f"'{name}' was not reached on the healthy reference (false alarm): '{message}'")
        lines += [f"{problem} (false alarm)" for problem in self.evidence_problems]
        return lines

    def failure_message(self) -> str:
        verdict = "FALSE ALARM on the healthy reference" if self.mutant is HEALTHY else "NOT KILLED as declared"
        return "\n".join([f"{self.mutant.name}: {verdict} ({self.mutant.defect})",
                          *(f"  {line}" for line in self.findings())])

    def record(self, fingerprint: str, session: str) -> dict:
        """What a test of the matrix leaves for the judgement of the whole matrix (judge_matrix.py)."""
        return {"name": self.mutant.name, "fingerprint": fingerprint, "session": session, "killed": self.killed,
                "seconds": round(self.seconds, 1), "error": self.error, "declared": self.mutant.kills,
                "outcomes": {name: list(outcome) for name, outcome in sorted(self.outcomes.items())},
                "broken_rules": sorted(self.broken_rules), "rules_checked": sorted(self.rules_checked),
                "evidence_problems": self.evidence_problems, "causes": self.causes,
                "findings": self.findings()}

    @classmethod
    def from_record(cls, record: dict, mutant: Mutant) -> "Run":
        return cls(mutant, outcomes={name: tuple(outcome) for name, outcome in record["outcomes"].items()},
                   broken_rules=set(record["broken_rules"]), rules_checked=set(record["rules_checked"]),
                   seconds=record["seconds"], error=record["error"], evidence_problems=record["evidence_problems"],
                   causes=record["causes"])


# Beyond plan §5, five more pytest processes per run (tag coordinator-mutations, on by default): the matrix runs them
# where they are judged — for the healthy reference and variants (no false alarm there) and for the mutants that
# declare that test's failure — and leaves them out of the other mutants' runs, about a quarter of each run's CPU.
MUTATIONS_TEST = "The Coordinator Tests Would Notice A Broken Coordinator"


def selection_for(mutant: Mutant) -> tuple[str, ...]:
    """The robot options that select what the mutant's run needs (see MUTATIONS_TEST)."""
    return () if not mutant.kills or MUTATIONS_TEST in mutant.kills else ("--exclude", "coordinator-mutations")


def run_one(mutant: Mutant, postgres: ThrowawayPostgres, scratch: Path, options: tuple[str, ...] = ()) -> Run:
    """One suite run against the mutant's copy, on a fresh database of `postgres` whose name no other run uses."""
    run = Run(mutant)
    workdir = scratch / mutant.name
    workdir.mkdir()
    started = time.monotonic()
    try:
        sut, suite = prepare(mutant, workdir)
        variables = {**BASE_VARIABLES, **mutant.variables}
        url = variables.pop("DATABASE_URL", "").replace("{closed_port}", str(free_port()))
        if not url or "{url}" in url:  # {url}: a fresh migrated database's URL, inside a form of the mutant's
            fresh = postgres.create_database(f"m_{uuid.uuid4().hex[:12]}")
            migrate(fresh, sut / "backend", revision=mutant.database_revision)
            url = url.replace("{url}", fresh) if url else fresh
        command = robot_command(workdir / "results", {"SUT_ROOT": str(sut), **variables}, "--log", "NONE", "--report",
                                "NONE", "--xunit", "NONE", "--console", "none", *selection_for(mutant), *options,
                                suites=suite / "suites")
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


def coverage(healthy: Run, runs: list[Run]) -> dict[str, list[str]]:
    """Every check of the suite (every test of the healthy run), and the mutants that made it fail as declared."""
    return {check: [r.mutant.name for r in runs if r.mutant is not HEALTHY and check in r.failed
                    and check in r.mutant.kills] for check in healthy.outcomes}


def rule_coverage(healthy: Run, runs: list[Run]) -> dict[str, list[str]]:
    """Every rule the healthy run checked (PASS), and the mutants killed as declared that broke it."""
    return {rule: [r.mutant.name for r in runs if r.mutant is not HEALTHY and r.killed and rule in r.broken_rules]
            for rule in sorted(healthy.rules_checked)}


# What a recorded result is about: results recorded against other code are not judged with this checkout's.
FINGERPRINTED = ("reference", "suites", "resources", "libraries/runproof", "probe", "robot.args",
                 "tests/mutants/catalog.toml", "tests/mutants/matrix.py")


def fingerprint(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for entry in FINGERPRINTED:
        path = root / entry
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file()
                                                     and "__pycache__" not in p.parts and p.suffix != ".pyc")
        for file in files:
            digest.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def write_record(folder: Path, run: Run, session: str, code: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{run.mutant.name}.json"
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(run.record(code or fingerprint(), session), indent=1) + "\n")
    temporary.replace(path)  # a judge reading the folder never sees half a record
    return path


@dataclass
class Judgement:
    """The whole matrix judged from its recorded results (of one run, or of the union of its shards)."""

    runs: dict[str, Run]
    missing: list[str]  # mutants of the catalog (or "healthy") with no recorded result
    duplicates: list[str]  # recorded more than once (two shards ran the same mutant)
    stale: list[str]  # recorded against other code (another fingerprint) or not in the catalog
    coverage: dict[str, list[str]]
    rules: dict[str, list[str]]

    @property
    def uncovered(self) -> list[str]:
        return [check for check, killers in self.coverage.items() if not killers]

    @property
    def unbroken_rules(self) -> list[str]:
        return [rule for rule, killers in self.rules.items() if not killers]

    @property
    def killed(self) -> int:
        return sum(run.killed for name, run in self.runs.items() if name != HEALTHY.name)

    @property
    def false_alarms(self) -> int:
        return sum(len(run.false_alarms) for run in self.runs.values())

    def summary(self) -> list[str]:
        total = len(self.runs) - (HEALTHY.name in self.runs) + len([m for m in self.missing if m != HEALTHY.name])
        lines = ["Coverage: every check of the suite and the mutants that make it fail"]
        lines += [f"  {check:68} {', '.join(k) if k else 'NOT COVERED: no mutant makes it fail'}"
                  for check, k in self.coverage.items()]
        lines.append("Rules: every rule the healthy run checked and the mutants that break it")
        lines += [f"  {rule:42} {', '.join(k) if k else 'NOT COVERED: no mutant breaks it'}"
                  for rule, k in self.rules.items()]
        lines.append(f"checks: {len(self.coverage) - len(self.uncovered)}/{len(self.coverage)} made to fail by a mutant")
        lines.append(f"rules: {len(self.rules) - len(self.unbroken_rules)}/{len(self.rules)} broken by a mutant")
        for label, names in (("missing", self.missing), ("recorded twice", self.duplicates), ("stale", self.stale)):
            if names:
                lines.append(f"{label}: {', '.join(names)}")
        lines.append(f"mutants: {self.killed}/{total} killed as declared, {self.false_alarms} false alarms")
        return lines


def read_records(folder: Path) -> list[tuple[Path, dict]]:
    """Every record under `folder`, in subfolders too (one per shard, as CI downloads them)."""
    return [(path, json.loads(path.read_text())) for path in sorted(folder.rglob("*.json"))]


def judge(records: list[tuple[Path, dict]], catalog: list[Mutant], session: str | None = None,
          code: str | None = None) -> Judgement:
    """Judge the matrix from `records`: every mutant of `catalog` and the healthy run exactly once, recorded against
    this checkout's code (and, given `session`, in that session only)."""
    code = code or fingerprint()
    mutants = {m.name: m for m in [HEALTHY, *catalog]}
    runs: dict[str, Run] = {}
    duplicates, stale = [], []
    for path, record in records:
        if session is not None and record.get("session") != session:
            continue
        name = record.get("name")
        if name not in mutants or record.get("fingerprint") != code:
            stale.append(f"{path.name} ({'not in the catalog' if name not in mutants else 'recorded against other code'})")
            continue
        if name in runs:
            duplicates.append(name)
            continue
        runs[name] = Run.from_record(record, mutants[name])
    missing = [name for name in mutants if name not in runs]
    healthy = runs.get(HEALTHY.name, Run(HEALTHY))
    others = [run for name, run in runs.items() if name != HEALTHY.name]
    return Judgement(runs, missing, sorted(set(duplicates)), stale, coverage(healthy, others),
                     rule_coverage(healthy, others))
