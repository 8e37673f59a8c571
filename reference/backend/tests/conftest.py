"""With REFERENCE_PROFILE=real each coordinator test costs what the real backend's do (app/cost_profile.py)."""

import pytest

from app.cost_profile import spend


@pytest.fixture(autouse=True)
def real_cost_per_test():
    spend("coordinator_test", once=False)
