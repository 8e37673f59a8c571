"""The environment of every backend process: the suite's own environment plus the plan's assignments.

One helper for the suite (libraries/target.py), the pytest fixtures, the defect matrix and the benchmark, so that
all of them start the backend the same way. ENV and AOS_ENVIRONMENT are removed because they select the trace store
when USE_POSTGRES_TRACES is unset (contract §6); nothing else is filtered: HTTPS_PROXY, SSL_CERT_FILE,
REFERENCE_PROFILE and the like reach the backend as they reach the suite.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

# Variables that would change which trace store the backend picks, or how robot runs, behind the plan's back.
NOT_INHERITED = ("ENV", "AOS_ENVIRONMENT", "ROBOT_OPTIONS")
# The plan's own assignments, in the order the plan writes them (plan §2, §4).
PLAN_ASSIGNMENTS = ("PYTHONPATH", "USE_POSTGRES_TRACES", "DATABASE_URL")


def backend_environment(database_url: str, use_postgres_traces: str = "true", base: Mapping[str, str] | None = None,
                        **extra: str) -> dict[str, str]:
    """`base` (default: os.environ) without NOT_INHERITED, plus `extra`, plus PYTHONPATH=. USE_POSTGRES_TRACES DATABASE_URL."""
    env = {name: value for name, value in (os.environ if base is None else base).items() if name not in NOT_INHERITED}
    env.update({name: str(value) for name, value in extra.items()})
    env.update(PYTHONPATH=".", USE_POSTGRES_TRACES=use_postgres_traces, DATABASE_URL=database_url)
    return env
