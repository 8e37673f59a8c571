"""An opt-in cost profile: with REFERENCE_PROFILE=real the reference spends, as CPU work, about what the real backend's
processes cost on a 2-core machine (backend contract §12), so that a benchmark sees real contention. Off by default.

CPU work, not sleeps: a sleeping process leaves its core to the others and would hide the contention the suite's
concurrent steps create. Each cost is spent once per process, where the real backend pays it.
"""

import hashlib
import os
import time

# CPU seconds. cus_cli run = cli_start + skills + db_import + execution = 4.6 s; list-skills = cli_start + skills = 1.0 s;
# the coordinator snippet = db_import + coordinator_import = 3.6 s; the coordinator tests = coordinator_import + 19 tests
# at 0.1 s = 3.6 s (the real 12 tests take 3.6 s).
COSTS = {
    "cli_start": 0.7,
    "skills": 0.3,
    "db_import": 1.9,
    "execution": 1.7,
    "coordinator_import": 1.7,
    "coordinator_test": 0.1,
}
_SPENT: set[str] = set()


def spend(cost: str, once: bool = True) -> None:
    """Burn COSTS[cost] seconds of CPU when REFERENCE_PROFILE=real (once per process unless once=False)."""
    if os.environ.get("REFERENCE_PROFILE") != "real" or (once and cost in _SPENT):
        return
    _SPENT.add(cost)
    deadline = time.process_time() + COSTS[cost]
    block = b"runproof" * 8192
    while time.process_time() < deadline:
        hashlib.sha256(block).digest()
