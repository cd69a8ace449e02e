"""Fixtures for the stories tests: a story of trust A in each status, and tagging recorded, not run."""

from __future__ import annotations

import pytest

from insight_hub.themes import services as theme_services
from tests.factories import StoryFactory

# Personal data in the narrative that must never reach anyone outside trust A.
NARRATIVE = (
    "My husband John Smith was seen by Dr Patel. His NHS number is 943 476 5919 and you can call me on "
    "07700 900123. The nurses were kind but the wait was long."
)


@pytest.fixture
def tagging_recorded(monkeypatch) -> list[tuple[str, list[int]]]:
    """Record the tagging a save queues instead of running the theme model: for tests about the stories
    app's own behaviour (the theme model is tested, and run for real, elsewhere)."""
    calls: list[tuple[str, list[int]]] = []
    monkeypatch.setattr(
        theme_services, "tagging_queue", lambda *, label, ids: calls.append((label, list(ids)))
    )
    return calls


@pytest.fixture
def draft(world, tagging_recorded):
    return StoryFactory(
        organisation=world.trust_a, user=world.px_a, title="Long wait for John Smith", narrative=NARRATIVE
    )


@pytest.fixture
def shared(world, tagging_recorded):
    return StoryFactory(
        organisation=world.trust_a,
        user=world.px_a,
        title="Shared: John Smith waited",
        narrative=NARRATIVE,
        status="shared",
    )
