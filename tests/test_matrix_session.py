"""The defect matrix as pytest runs it: the judgement of the whole matrix at the end of an unsharded session (as test
cases of judge_matrix.py, in the JUnit file and the exit status), the same judgement over the shards' results, and
the shards themselves (pytest-split over the committed durations): each mutant in exactly one shard."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from matrix import CATALOG, HEALTHY, ROOT, Mutant, Run, judge, load_catalog, read_records, write_record

SHARDS = 4
SMALL_CATALOG = '''
[[mutant]]
name = "breaks_a"
defect = "A fails"
[mutant.kills]
"A" = "a went *"
'''
# What each run of the small catalog records: the healthy run checks A and B and rule r; breaks_a makes A fail.
RECORDS = '''
import pytest
from matrix import HEALTHY, Mutant, Run, load_catalog, write_record

OUTCOMES = {"healthy": {"A": ("PASS", ""), "B": ("PASS", "")},
            "breaks_a": {"A": ("FAIL", "a went wrong"), "B": BREAKS_B}}
BROKEN = {"healthy": set(), "breaks_a": BROKEN_RULES}


@pytest.mark.parametrize("name", ["healthy", "breaks_a"])
def test_run(name, request):
    mutant = HEALTHY if name == "healthy" else load_catalog(request.config.getoption("matrix_catalog"))[0]
    run = Run(mutant, outcomes=OUTCOMES[name], broken_rules=BROKEN[name], rules_checked={"r"})
    write_record(request.config.getoption("matrix_results"), run, request.config.matrix_session)
    assert run.killed, run.failure_message()
'''
JUDGEMENTS = ["test_every_mutant_and_the_healthy_reference_has_exactly_one_result",
              "test_every_mutant_is_killed_as_declared_and_the_healthy_reference_is_green",
              "test_every_check_is_made_to_fail_by_a_mutant", "test_every_rule_is_broken_by_a_mutant"]


def matrix_session(pytester, *args: str, breaks_b: bool = False, breaks_r: bool = True):
    """A session of its own that records the small catalog's runs (as the tests of the matrix do) and ends."""
    catalog = pytester.path / "catalog.toml"
    catalog.write_text(SMALL_CATALOG.replace('"A" = "a went *"', '"A" = "a went *"\n"B" = "b *"') if breaks_b
                       else SMALL_CATALOG)
    pytester.makepyfile(test_records=RECORDS.replace("BREAKS_B", '("FAIL", "b went wrong")' if breaks_b
                                                     else '("PASS", "")')
                        .replace("BROKEN_RULES", '{"r"}' if breaks_r else "set()"))
    junit = pytester.path / "junit.xml"
    result = pytester.runpytest("-p", "no:asyncio", "-p", "matrix_plugin", "--matrix-catalog", str(catalog), "--matrix-results",
                                str(pytester.path / "results"), f"--junitxml={junit}", *args)
    return result, junit.read_text()


def test_an_unsharded_session_that_ran_the_whole_matrix_judges_it_as_test_cases(pytester):
    result, junit = matrix_session(pytester, breaks_b=True)
    assert result.ret == 0, result.stdout.str()
    result.assert_outcomes(passed=2 + len(JUDGEMENTS))
    for name in JUDGEMENTS:
        assert f'name="{name}"' in junit
    result.stdout.fnmatch_lines(["*checks: 2/2 made to fail by a mutant*", "*rules: 1/1 broken by a mutant*",
                                 "*mutants: 1/1 killed as declared, 0 false alarms*"])


def test_a_check_no_mutant_makes_fail_and_a_rule_none_breaks_fail_the_session_by_name(pytester):
    result, junit = matrix_session(pytester, breaks_r=False)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=4, failed=2)
    result.stdout.fnmatch_lines(["*FAILED tests/mutants/judge_matrix.py::test_every_check_is_made_to_fail_by_a_mutant*",
                                 "*FAILED tests/mutants/judge_matrix.py::test_every_rule_is_broken_by_a_mutant*"])
    assert "checks no mutant makes fail: B" in junit and "rules no mutant breaks: r" in junit


def test_a_selection_or_a_shard_is_not_judged_as_the_whole_matrix(pytester):
    selection, junit = matrix_session(pytester, "-k", "breaks_a", breaks_r=False)
    assert selection.ret == 0 and "judge_matrix" not in junit
    selection.stdout.fnmatch_lines(["*not judged as a whole: this session recorded 1 of 2 runs (missing: healthy)*"])
    shard, junit = matrix_session(pytester, "--splits", "2", "--group", "1", breaks_r=False)
    assert shard.ret == 0 and "judge_matrix" not in junit


def test_the_union_of_the_shards_results_is_judged_each_mutant_exactly_once(tmp_path):
    catalog = [Mutant(name="breaks_a", defect="A fails", kills={"A": "a *"})]
    healthy = Run(HEALTHY, outcomes={"A": ("PASS", "")}, rules_checked={"r"})
    killed = Run(catalog[0], outcomes={"A": ("FAIL", "a b")}, broken_rules={"r"})
    write_record(tmp_path / "shard-1", healthy, "s1")
    write_record(tmp_path / "shard-2", killed, "s2")
    whole = judge(read_records(tmp_path), catalog)
    assert not (whole.missing or whole.duplicates or whole.stale or whole.uncovered or whole.unbroken_rules)
    assert judge(read_records(tmp_path / "shard-2"), catalog).missing == ["healthy"]
    write_record(tmp_path / "shard-3", killed, "s3")
    assert judge(read_records(tmp_path), catalog).duplicates == ["breaks_a"]
    record = tmp_path / "shard-3" / "breaks_a.json"
    record.write_text(json.dumps({**json.loads(record.read_text()), "fingerprint": "other code"}))
    stale = judge(read_records(tmp_path), catalog)
    assert stale.stale == ["breaks_a.json (recorded against other code)"] and not stale.duplicates


def shard(k: int) -> tuple[list[str], float]:
    """The tests of the matrix's shard k of SHARDS, as pytest-split selects them from .test_durations, and their
    estimated seconds."""
    result = subprocess.run([sys.executable, "-m", "pytest", "tests/mutants", "--collect-only", "-q",
                             "-p", "no:cacheprovider", "--splits", str(SHARDS), "--group", str(k)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    estimate = re.search(rf"Running group {k}/{SHARDS} \(estimated duration: ([\d.]+)s\)", result.stdout)
    assert estimate, result.stdout
    return [line for line in result.stdout.splitlines() if "::test_mutant[" in line], float(estimate.group(1))


def test_the_shards_partition_the_matrix_and_the_longest_takes_at_most_a_third_of_it():
    shards = [shard(k) for k in range(1, SHARDS + 1)]
    everything = [f"tests/mutants/test_mutants.py::test_mutant[{m.name}]" for m in [HEALTHY, *load_catalog()]]
    ran = [test for tests, _ in shards for test in tests]
    assert sorted(ran) == sorted(everything), (
        f"run twice: {sorted({t for t in ran if ran.count(t) > 1})}; never run: {sorted(set(everything) - set(ran))}")
    durations = json.loads((ROOT / ".test_durations").read_text())
    recorded = [test for test in everything if test in durations]
    assert len(recorded) >= 0.9 * len(everything), (
        f".test_durations knows {len(recorded)} of the {len(everything)} tests of the matrix: record them again "
        "(docs/ci-matrix.md)")
    longest, whole = max(seconds for _, seconds in shards), sum(seconds for _, seconds in shards)
    assert longest <= whole / 3, [seconds for _, seconds in shards]


def test_no_mutant_is_named_like_the_healthy_reference():
    assert HEALTHY.name not in {mutant.name for mutant in load_catalog(CATALOG)}


def test_a_run_not_killed_says_which_test_should_have_failed_which_did_and_with_which_message():
    mutant = Mutant(name="m", defect="the defect", kills={"A": "no trace for run *", "B": "b *", "C": "c *"})
    run = Run(mutant, outcomes={"A": ("PASS", ""), "B": ("FAIL", "List has no item"), "C": ("FAIL", "c x"),
                                "D": ("FAIL", "d broke")})
    assert run.failure_message().splitlines() == [
        "m: NOT KILLED as declared (the defect)",
        "  'A' should have failed with 'no trace for run *' — it PASSED",
        "  'B' failed as declared but for another reason: expected 'b *', got 'List has no item'",
        "  'D' failed and no failure of it is declared (false alarm): 'd broke'",
    ]
    assert Run(HEALTHY, outcomes={"A": ("FAIL", "x")}).failure_message().startswith(
        "healthy: FALSE ALARM on the healthy reference")


@pytest.mark.parametrize(("command", "starts"), [
    (["python", "-m", "robot", "--argumentfile", "robot.args", "suites"], True),
    (["/x/.venv/bin/robot", "--outputdir", "o", "suites"], True),
    (["bash", "-c", ". .venv/bin/activate && robot --console quiet suites/"], True),
    (["make", "run"], True),
    (["python", "-m", "robot", "--dryrun", "suites"], False),
    (["python", "-m", "robot.libdoc", "x", "y"], False),
    (["python", "-m", "pytest", "tests"], False),
    (["make", "setup"], False),
])
def test_the_guard_knows_a_suite_run_when_it_sees_one(command, starts):
    from conftest import starts_a_suite_run

    assert starts_a_suite_run(command) is starts


def test_an_unmarked_test_that_starts_a_suite_run_fails_naming_the_marker():
    from conftest import SuiteRunNotMarked

    with pytest.raises(SuiteRunNotMarked, match="is not marked @pytest.mark.suite_run"):
        subprocess.run(["python3", "-m", "robot", "--version"], capture_output=True, timeout=30)
