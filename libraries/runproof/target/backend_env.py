"""The environment of every backend process: the suite's own environment plus the plan's assignments.

One helper for the suite (libraries/runproof/keywords/target.py), the pytest fixtures, the defect matrix and the benchmark, so that
all of them start the backend the same way. ENV and AOS_ENVIRONMENT are removed because they select the trace store
when USE_POSTGRES_TRACES is unset (contract §6); nothing else is filtered: HTTPS_PROXY, SSL_CERT_FILE,
REFERENCE_PROFILE and the like reach the backend as they reach the suite.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping

from runproof.evidence.masking import mask, register

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


class BackendEnvironment:
    """The environment of every backend process, in a wrapper whose every printed form is safe: Robot logs each
    keyword's return value (`${env} = …`) and, at TRACE, each argument, and `repr` is what it prints. Those forms show
    the plan's assignments only, with DATABASE_URL masked by its password (masking.py); the inherited variables are
    counted, never named or shown. Only `variables` — read by the library that starts processes — holds the values."""

    def __init__(self, variables: Mapping[str, str]) -> None:
        self.variables = dict(variables)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.variables.get(name, default)

    def assignments(self) -> str:
        """`PYTHONPATH=. USE_POSTGRES_TRACES=true DATABASE_URL='postgresql://u:***@h:p/db'`, as the plan writes it."""
        shown = {name: self.variables[name] for name in PLAN_ASSIGNMENTS if name in self.variables}
        register(shown.get("DATABASE_URL"))
        return " ".join(f"{name}={shlex.quote(mask(value))}" for name, value in shown.items())

    def __repr__(self) -> str:
        inherited = len(self.variables) - sum(name in self.variables for name in PLAN_ASSIGNMENTS)
        return f"<{self.assignments()} and {inherited} inherited variable{'' if inherited == 1 else 's'}, not shown>"

    __str__ = __repr__
