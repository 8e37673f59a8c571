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


def _new() -> dict[str, str]:
    return {"RUN_TENANT_ID": str(uuid.uuid4()), "RUN_OTHER_TENANT_ID": str(uuid.uuid4())}


def get_variables() -> dict[str, str]:
    run = robot_settings()
    if run is None:
        return _new()
    if run not in _BY_RUN:
        _BY_RUN[run] = _new()
    return dict(_BY_RUN[run])
