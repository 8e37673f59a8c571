"""The defect matrix's own judgement: what counts as killed, missed and a false alarm — including the reason."""

from __future__ import annotations

import pytest

from matrix import HEALTHY, Mutant, Run, StaleMutant, apply_edits, load_catalog, message_matches, prepare

NOT_REACHED = ("SKIP", "not reached: 'Customer CLI Creates A Run With Explicit Tenant And Origin' failed: ...")


def run_of(kills: dict[str, str], outcomes: dict) -> Run:
    return Run(Mutant(name="m", defect="d", kills=kills), outcomes=outcomes)


def test_exactly_the_declared_failures_with_the_declared_reasons_is_killed():
    run = run_of({"A": "no trace for run *"}, {"A": ("FAIL", "no trace for run r-1"), "B": ("PASS", ""), "C": NOT_REACHED})
    assert run.killed and not run.missed and not run.false_alarms


def test_a_declared_test_failing_for_another_reason_is_a_false_alarm():
    """A mutant that removes the trace must not count as killed by Robot's own "List has no item in index 0"."""
    run = run_of({"A": "no aos_traces row for run *"}, {"A": ("FAIL", "List '${trace}' has no item in index 0.")})
    assert not run.killed
    assert run.false_alarms == ["A: expected 'no aos_traces row for run *', got 'List '${trace}' has no item in index 0.'"]


def test_a_declared_test_that_passed_or_was_not_reached_is_missed():
    run = run_of({"A": "*", "B": "*"}, {"A": ("FAIL", "x"), "B": NOT_REACHED})
    assert not run.killed and run.missed == ["B"]


def test_an_undeclared_failure_is_a_false_alarm():
    run = run_of({"A": "x"}, {"A": ("FAIL", "x"), "B": ("FAIL", "y")})
    assert not run.killed and run.false_alarms == ["B"]


def test_a_skip_that_is_not_not_reached_is_a_false_alarm():
    run = run_of({"A": "x"}, {"A": ("FAIL", "x"), "B": ("SKIP", "skipped for another reason")})
    assert run.false_alarms == ["B"]


def test_the_healthy_run_must_pass_everything():
    assert Run(HEALTHY, outcomes={"A": ("PASS", "")}).killed
    assert Run(HEALTHY, outcomes={"A": NOT_REACHED}).false_alarms == ["A"]


def test_a_run_without_results_is_not_killed():
    assert not run_of({"A": "*"}, {}).killed


def test_messages_are_globs_over_the_whole_message_with_whitespace_folded():
    assert message_matches("run  r-1 is\n'retry'", "run * is 'retry'")
    assert not message_matches("run r-1 is 'retry' in the database", "run * is 'retry'")
    assert message_matches("statuses are ['failed']", "statuses are [[]'failed']")


def test_an_edit_that_no_longer_matches_exactly_once_is_stale(tmp_path):
    (tmp_path / "f.py").write_text("x = 1\nx = 1\n")
    with pytest.raises(StaleMutant, match="matches 2 times"):
        apply_edits(Mutant(name="m", defect="d", edits=[{"file": "f.py", "old": "x = 1", "new": "x = 2"}]), tmp_path)


@pytest.mark.parametrize("mutant", load_catalog(), ids=lambda m: m.name)
def test_every_catalogued_edit_still_applies_to_the_reference(mutant, tmp_path):
    prepare(mutant, tmp_path)


def test_the_catalog_has_at_least_140_mutants_each_declaring_a_reason_for_every_failure():
    catalog = load_catalog()
    defects = [m for m in catalog if not m.source.startswith("healthy variant")]
    assert len(defects) >= 140 and len(catalog) - len(defects) >= 6
    assert len({m.name for m in catalog}) == len(catalog)
    for mutant in catalog:
        if mutant.source.startswith("healthy variant"):  # every test must pass on it: it declares nothing
            assert not mutant.kills, f"{mutant.name} is a healthy variant that declares a failure"
            continue
        assert mutant.kills, f"{mutant.name} declares no failing test"
        assert all(isinstance(glob, str) and glob.strip("* ") for glob in mutant.kills.values()), (
            f"{mutant.name}: every declared failure needs a message glob that says something")


def test_evidence_that_disagrees_with_the_tests_is_caught():
    from matrix import evidence_disagreements

    outcomes = {"A": ("PASS", ""), "B": ("FAIL", "x"), "C": NOT_REACHED}
    criteria = {"AC1": ["A"], "AC2": ["A", "B"], "AC3": ["C"], "AC4": [], "AC5": ["A"]}
    right = {"acceptance": {"AC1": "PASS", "AC2": "FAIL", "AC3": "NOT REACHED", "AC4": "NOT RUN", "AC5": "PASS"}}
    assert evidence_disagreements(right, outcomes, criteria) == []
    wrong = {"acceptance": {**right["acceptance"], "AC1": "NOT REACHED"}}
    assert evidence_disagreements(wrong, outcomes, criteria) == ["evidence.json says AC1 NOT REACHED, its tests say PASS"]


NOT_REACHED_AS_FAIL = ("FAIL", NOT_REACHED[1])  # what Robot's model says since run_selection counts it as failed


def test_a_not_reached_test_counted_as_failed_is_still_judged_not_reached():
    run = run_of({"A": "x"}, {"A": ("FAIL", "x"), "C": NOT_REACHED_AS_FAIL})
    assert run.killed and run.failed == {"A"} and run.not_reached == {"C"}
    assert not run_of({"A": "*", "C": "*"}, {"A": ("FAIL", "x"), "C": NOT_REACHED_AS_FAIL}).killed
    assert Run(HEALTHY, outcomes={"A": NOT_REACHED_AS_FAIL}).false_alarms == ["A"]


def test_evidence_judges_a_not_reached_failure_as_not_reached():
    from matrix import evidence_disagreements

    criteria = {"AC1": ["C"], "AC2": [], "AC3": [], "AC4": [], "AC5": []}
    evidence = {"acceptance": {"AC1": "NOT REACHED", "AC2": "NOT RUN", "AC3": "NOT RUN", "AC4": "NOT RUN", "AC5": "NOT RUN"}}
    assert evidence_disagreements(evidence, {"C": NOT_REACHED_AS_FAIL}, criteria) == []


def test_the_coordinator_mutations_are_left_out_only_where_nothing_judges_them():
    from pathlib import Path

    from robot.api import TestSuiteBuilder

    from matrix import MUTATIONS_TEST, selection_for

    suite = TestSuiteBuilder().build(str(Path(__file__).resolve().parents[1] / "suites"))
    tagged = [test.name for test in suite.all_tests if "coordinator-mutations" in test.tags]
    assert tagged == [MUTATIONS_TEST], "the matrix names the one test its --exclude leaves out"
    assert selection_for(HEALTHY) == ()
    assert selection_for(Mutant(name="variant", defect="healthy variant")) == ()
    assert selection_for(Mutant(name="m", defect="d", kills={MUTATIONS_TEST: "*"})) == ()
    assert selection_for(Mutant(name="m", defect="d", kills={"Other": "*"})) == ("--exclude", "coordinator-mutations")
    targeted = [m.name for m in load_catalog() if MUTATIONS_TEST in m.kills]
    assert targeted, "no mutant proves the coordinator mutations bite"
