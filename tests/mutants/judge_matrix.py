"""The judgement of the whole defect matrix over recorded results: `pytest tests/mutants/judge_matrix.py
--matrix-results DIR`, after the shards have run (DIR holds their results, a subfolder each if you like).

Not collected by a plain `pytest tests` (its name is not test_*.py): in an unsharded run the same judgements are made
by matrix_plugin.py at the session's end, over what that session recorded.
"""

from __future__ import annotations

import pytest

from matrix_plugin import judgements


@pytest.fixture(scope="module")
def verdicts(request) -> dict[str, str]:
    folder = request.config.getoption("matrix_results")
    assert folder.is_dir(), f"no results to judge: {folder} does not exist (run the matrix's shards first)"
    return judgements(folder, request.config.getoption("matrix_catalog"))[1]


def test_every_mutant_and_the_healthy_reference_has_exactly_one_result(verdicts):
    assert not verdicts["test_every_mutant_and_the_healthy_reference_has_exactly_one_result"], (
        verdicts["test_every_mutant_and_the_healthy_reference_has_exactly_one_result"])


def test_every_mutant_is_killed_as_declared_and_the_healthy_reference_is_green(verdicts):
    failure = verdicts["test_every_mutant_is_killed_as_declared_and_the_healthy_reference_is_green"]
    assert not failure, failure


def test_every_check_is_made_to_fail_by_a_mutant(verdicts):
    assert not verdicts["test_every_check_is_made_to_fail_by_a_mutant"], (
        verdicts["test_every_check_is_made_to_fail_by_a_mutant"])


def test_every_rule_is_broken_by_a_mutant(verdicts):
    assert not verdicts["test_every_rule_is_broken_by_a_mutant"], verdicts["test_every_rule_is_broken_by_a_mutant"]
