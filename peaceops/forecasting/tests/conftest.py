import pytest

from peaceops.testing.forecast_factories import make_cm_run, make_public_clashes


@pytest.fixture
def public_clashes(mission):
    make_public_clashes(mission)


@pytest.fixture
def cm_run(public_clashes):
    return make_cm_run()
