"""A variable file: tenants of this run's own, so that suites sharing one database never meet each other's rows.

The plan asks for an explicit tenant, not a fixed one. Unless TENANT_ID / OTHER_TENANT_ID are given (environment or
`-v`, which still win: resources/variables.resource reads `%{TENANT_ID=${RUN_TENANT_ID}}`), each run gets a new UUID
for the proof run's tenant and another for the other-tenant checks and the concurrent neighbour.
Robot imports a variable file once per path and run, from each suite file that names it: the values are kept per
*run* — keyed by the run's own settings object (`runproof.run_settings.robot_settings`), which lives exactly as long as
the run — so every suite file of a run sees the same tenants, and two runs in one process (two `robot.run_cli()`
calls from a wrapper) get tenants of their own. Outside a run (libdoc, a test importing this module) each call makes
new ones.
"""

from __future__ import annotations

import uuid
import weakref

from runproof.run_settings import robot_settings

_BY_RUN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def new_tenant() -> str:
    """A new UUID in mixed case (every other letter upper-cased): a backend that lower-cases or upper-cases the
    tenant, or compares it without case, cannot pass by coincidence (issue 31). A tenant given is kept as given."""
    text = str(uuid.uuid4())
    letters = iter(range(len(text)))
    return "".join(c.upper() if c.isalpha() and next(letters) % 2 == 0 else c for c in text)


def _new() -> dict[str, str]:
    return {"RUN_TENANT_ID": new_tenant(), "RUN_OTHER_TENANT_ID": new_tenant()}


def get_variables() -> dict[str, str]:
    run = robot_settings()
    if run is None:
        return _new()
    if run not in _BY_RUN:
        _BY_RUN[run] = _new()
    return dict(_BY_RUN[run])
