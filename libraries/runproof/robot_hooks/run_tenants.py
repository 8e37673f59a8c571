"""A variable file: tenants of this run's own, so that suites sharing one database never meet each other's rows.

The plan asks for an explicit tenant, not a fixed one. Unless TENANT_ID / OTHER_TENANT_ID are given (environment or
`-v`, which still win: resources/variables.resource reads `%{TENANT_ID=${RUN_TENANT_ID}}`), each robot process gets
a new UUID for the proof run's tenant and another for the other-tenant checks and the concurrent neighbour.
The values are made once per process and kept in the module (Robot imports a variable file once per path), so
every suite file of the run sees the same tenants.
"""

from __future__ import annotations

import sys
import uuid


def new_tenant() -> str:
    """A new UUID in mixed case (every other letter upper-cased): a backend that lower-cases or upper-cases the
    tenant, or compares it without case, cannot pass by coincidence (issue 31). A tenant given is kept as given."""
    text = str(uuid.uuid4())
    letters = iter(range(len(text)))
    return "".join(c.upper() if c.isalpha() and next(letters) % 2 == 0 else c for c in text)


def get_variables() -> dict[str, str]:
    made = sys.modules[__name__].__dict__.setdefault("_made", {})
    if not made:
        made.update(RUN_TENANT_ID=new_tenant(), RUN_OTHER_TENANT_ID=new_tenant())
    return dict(made)
