"""The defect matrix: one test per mutant of catalog.toml (its id the mutant's name), and one for the healthy
reference. Each is a whole suite run against a mutated copy of reference/, on a fresh database of its xdist worker's
own throwaway PostgreSQL, judged by matrix.Run: it fails unless exactly the declared tests fail, each with its
declared message. Each records its result for the judgement of the whole matrix (matrix_plugin.py)."""

from __future__ import annotations

import pytest

from matrix import HEALTHY, fingerprint, load_catalog, run_one, write_record
from runproof.target.throwaway_postgres import ThrowawayPostgres

pytestmark = pytest.mark.suite_run


@pytest.fixture(scope="session")
def statement_logging_postgres():
    """This worker's own server, logging every statement (the suite's STATEMENT_LOG); a database per mutant."""
    with ThrowawayPostgres(log_statements=True) as server:
        yield server


@pytest.fixture(scope="session")
def code_fingerprint() -> str:
    return fingerprint()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The healthy reference and every mutant of the catalog (--matrix-catalog), each a test named by the mutant."""
    if "mutant" in metafunc.fixturenames:
        catalog = [HEALTHY, *load_catalog(metafunc.config.getoption("matrix_catalog"))]
        metafunc.parametrize("mutant", catalog, ids=[mutant.name for mutant in catalog])


def test_mutant(mutant, statement_logging_postgres, code_fingerprint, tmp_path, request):
    run = run_one(mutant, statement_logging_postgres, tmp_path)
    write_record(request.config.getoption("matrix_results"), run, request.config.matrix_session, code_fingerprint)
    if not run.killed:
        pytest.fail(run.failure_message(), pytrace=False)
