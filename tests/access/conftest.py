import pytest


@pytest.fixture(autouse=True)
def _tagging_not_run(monkeypatch):
    """Saving a story or comment queues tagging; the matrix is about access, so nothing is queued or run."""
    from insight_hub.themes import services as theme_services

    monkeypatch.setattr(theme_services, "tagging_queue", lambda *, label, ids: None)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploaded import files go to a temporary folder, not the project's media."""
    settings.MEDIA_ROOT = tmp_path / "media"
