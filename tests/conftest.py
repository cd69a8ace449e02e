"""Shared fixtures: the real services check, and a small ICS with a person in every role."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from urllib.parse import urlparse

import pytest
from django.conf import settings

from insight_hub.organisations.models import ICS, Organisation, Role, Service
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    ServiceFactory,
    UserFactory,
)

IN_CI = os.environ.get("CI", "").lower() == "true"


def _answers(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2
        ):
            return True
    except OSError:
        return False


def pytest_sessionstart(session):
    """In CI the suite runs on the real parts or not at all: a missing service fails the run, never skips."""
    if not IN_CI:
        return
    problems = []
    if not settings.IS_POSTGRES:
        problems.append("DATABASE_URL must point at PostgreSQL in CI")
    elif not _answers(os.environ["DATABASE_URL"], 5432):
        problems.append("PostgreSQL does not answer at DATABASE_URL")
    if not settings.REDIS_URL:
        problems.append("REDIS_URL must be set in CI")
    elif not _answers(settings.REDIS_URL, 6379):
        problems.append("Redis does not answer at REDIS_URL")
    if problems:
        pytest.exit("; ".join(problems), returncode=3)


def require_service(name: str, available: bool) -> None:
    """Skip a test that needs a service on a developer's machine without it; fail in CI."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{name} is needed by this test and is not available (CI=true: failing, not skipping)")
    pytest.skip(f"{name} not available")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    """One ICS with two trusts, their services, and a person in every role (plus a colleague)."""

    ics: ICS
    icb: Organisation
    trust_a: Organisation
    trust_b: Organisation
    service_a: Service
    service_b: Service
    px_a: object
    px_a_colleague: object
    px_b: object
    icb_lead: object
    board_a: object
    admin: object
    stranger: object  # signed in, no role anywhere

    def people(self) -> dict[str, object]:
        return {
            "px_a": self.px_a,
            "px_a_colleague": self.px_a_colleague,
            "px_b": self.px_b,
            "icb_lead": self.icb_lead,
            "board_a": self.board_a,
            "admin": self.admin,
            "stranger": self.stranger,
        }


def build_world() -> World:
    icb = OrganisationFactory(kind="icb", ods_code="QXX", name="NHS Testshire Integrated Care Board")
    ics = ICS.objects.create(name="Testshire ICS", icb=icb)
    icb.ics = ics
    icb.save()
    trust_a = OrganisationFactory(ods_code="RAA", name="TRUST A NHS FOUNDATION TRUST", icb=icb, ics=ics)
    trust_b = OrganisationFactory(ods_code="RBB", name="TRUST B NHS TRUST", icb=icb, ics=ics)
    people = {}
    for key, org, role in [
        ("px_a", trust_a, Role.PX_LEAD),
        ("px_a_colleague", trust_a, Role.PX_LEAD),
        ("px_b", trust_b, Role.PX_LEAD),
        ("icb_lead", icb, Role.ICB_LEAD),
        ("board_a", trust_a, Role.BOARD),
        ("admin", icb, Role.SYSTEM_ADMIN),
    ]:
        people[key] = MembershipFactory(organisation=org, role=role).user
    ics.px_lead = people["icb_lead"]
    ics.save()
    return World(
        ics=ics,
        icb=icb,
        trust_a=trust_a,
        trust_b=trust_b,
        service_a=ServiceFactory(organisation=trust_a),
        service_b=ServiceFactory(organisation=trust_b),
        stranger=UserFactory(),
        **people,
    )


@pytest.fixture
def world(db) -> World:
    return build_world()
