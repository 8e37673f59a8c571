"""An opt-in cost profile: with REFERENCE_PROFILE=real (or real-online) the reference spends, as CPU work, about what the real backend's
processes cost on a 2-core machine (backend contract §12), so that a benchmark sees real contention. Off by default.

CPU work, not sleeps: a sleeping process leaves its core to the others and would hide the contention the suite's
concurrent steps create. Each cost is spent once per process, where the real backend pays it.
"""

import hashlib
import os
import time

# CPU seconds per profile.
# `real` (contract §12, offline: the http_call waits for DNS to fail): cus_cli run = cli_start + skills + db_import +
# execution = 4.6 s; list-skills = cli_start + skills = 1.0 s; the coordinator snippet = db_import +
# coordinator_import = 3.6 s; the coordinator tests = coordinator_import + 19 tests at 0.1 s = 3.6 s (the real 12 tests
# take 3.6 s).
# `real-online` (contract §13, http_call answered locally): cus_cli run about 2 s and the bare plan about 5.7 s. With
# the reference's own ≈ 1 s of interpreter starts and queries in the bare plan, the costs add up to 1.75 s for the
# run (≈ 2 s with its interpreter), 0.7 s for list-skills, 1.7 s for the snippet and 1.28 s for the tests.
PROFILES = {
    "real": {
        "cli_start": 0.7,
        "skills": 0.3,
        "db_import": 1.9,
        "execution": 1.7,
        "coordinator_import": 1.7,
        "coordinator_test": 0.1,
    },
    "real-online": {
        "cli_start": 0.5,
        "skills": 0.2,
        "db_import": 0.8,
        "execution": 0.25,
        "coordinator_import": 0.9,
        "coordinator_test": 0.02,
    },
}
COSTS = PROFILES["real"]
_SPENT: set[str] = set()


def spend(cost: str, once: bool = True) -> None:
    """Burn the profile's seconds of CPU for `cost` when REFERENCE_PROFILE names a profile (once per process unless
    once=False)."""
    costs = PROFILES.get(os.environ.get("REFERENCE_PROFILE", ""))
    if costs is None or (once and cost in _SPENT):
        return
    _SPENT.add(cost)
    deadline = time.process_time() + costs[cost]
    block = b"runproof" * 8192
    while time.process_time() < deadline:
        hashlib.sha256(block).digest()
