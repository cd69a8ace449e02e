"""The Care Opinion tests' parts: a local Care Opinion (real HTTP on loopback), the hub pointed at it, and a
client with short backoff so fault tests do not wait seconds for each retry."""

from __future__ import annotations

import pytest

from stories.care_opinion.client import Client
from tests.care_opinion.server import FakeCareOpinion
from tests.stories.conftest import tagging_recorded  # noqa: F401 - stories' own fixture, used here too


@pytest.fixture
def care_opinion(settings):
    server = FakeCareOpinion().start()
    settings.CARE_OPINION_API_URL = server.url
    settings.CARE_OPINION_API_KEY = server.key
    settings.CARE_OPINION_TIMEOUT_SECONDS = 5
    yield server
    server.stop()


@pytest.fixture
def quick_client(care_opinion):
    """A real client, at the real rate, against the local server; retries back off in tenths of seconds."""

    def make(**options) -> Client:
        defaults = {"base_url": care_opinion.url, "api_key": care_opinion.key, "timeout": 5, "backoff": 0.05}
        return Client(**(defaults | options))

    return make
