import pytest
from django.conf import settings

from peaceops.accounts.models import User
from peaceops.core.classification import Classification
from peaceops.core.roles import Role
from peaceops.missions.models import Mission
from peaceops.testing.factories import MissionFactory, member


def pytest_configure(config) -> None:
    # Argon2 is deliberately slow; tests that are not about hashing use a fast hasher.
    # accounts/tests/test_sign_in_and_audit.py checks that the real setting is Argon2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def mission(db) -> Mission:
    return MissionFactory(acronym="MINUSCA", host_countries=["CAF"])


@pytest.fixture
def other_mission(db) -> Mission:
    return MissionFactory(acronym="UNMISS", host_countries=["SSD"])


@pytest.fixture
def analyst(mission) -> User:
    return member(mission, Role.ANALYST, Classification.CONFIDENTIAL)


@pytest.fixture
def verifier(mission) -> User:
    return member(mission, Role.VERIFIER, Classification.CONFIDENTIAL)


@pytest.fixture
def reporter(mission) -> User:
    return member(mission, Role.REPORTER, Classification.INTERNAL)


@pytest.fixture
def system_admin(db) -> User:
    return member(None, Role.SYSTEM_ADMIN)
