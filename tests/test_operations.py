"""The operations page: for system administrators only, and it says what is working and how old that is."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from feedback.models import ImportBatch, ImportKind, ImportStatus
from insight_hub.celery import app
from insight_hub.notifications.models import OutboxMessage, OutboxStatus
from insight_hub.operations import checks
from insight_hub.operations.models import Heartbeat
from insight_hub.operations.tasks import heartbeat
from tests.themes.conftest import make_comment

pytestmark = pytest.mark.django_db


def test_only_system_administrators_reach_it(client, world):
    for person in (world.px_a, world.icb_lead, world.board_a, world.stranger):
        client.force_login(person)
        assert client.get("/operations/").status_code == 404
    client.force_login(world.admin)
    page = client.get("/operations/")
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"] or "no-cache" in page["Cache-Control"]


def test_the_embedded_default_says_there_is_no_worker_or_beat(client, world):
    client.force_login(world.admin)
    page = client.get("/operations/").content.decode()
    assert "Embedded default: tasks run in the web process" in page


def test_beat_is_working_while_its_heartbeat_is_fresh():
    # Not monkeypatch: its undo may run after tests/conftest.py's `_tasks_in_process` has put the flag back,
    # and would then leave Celery eager for every later test (the worker tests ran their tasks in-process).
    app.conf.task_always_eager = False  # `_tasks_in_process` restores it after the test
    assert checks.beat().ok is False  # never ran
    heartbeat()
    assert checks.beat().ok is True
    Heartbeat.objects.filter(name="beat").update(at=timezone.now() - dt.timedelta(minutes=10))
    stale = checks.beat()
    assert stale.ok is False and stale.age == "10 minutes ago"


def test_the_outbox_needs_attention_when_mail_waits_too_long_or_fails():
    assert checks.outbox().ok is True
    message = OutboxMessage.objects.create(
        key="k",
        kind="test",
        to="a@example.nhs.uk",
        subject="s",
        text_body="t",
        next_attempt_at=timezone.now(),
    )
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - dt.timedelta(minutes=20))
    assert checks.outbox().ok is False
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.FAILED)
    assert "1 failed for good" in checks.outbox().detail


def test_texts_the_tagger_failed_on_are_counted_with_the_latest_reason(world):
    comment = make_comment(world.service_a, "A comment the tagger could not read.")
    type(comment).objects.filter(pk=comment.pk).update(tag_status="failed", tag_error="ValueError")
    tagging = {check.name: check for check in checks.tagging()}
    failed = next(check for name, check in tagging.items() if "comment" in name)
    assert failed.ok is False and "1 failed" in failed.detail and "ValueError" in failed.detail


def test_the_last_import_and_its_age(world):
    [check] = [c for c in checks.all_checks() if c.name == "Last file import"]
    assert check.ok is None
    ImportBatch.objects.create(
        organisation=world.trust_a, uploaded_by=world.px_a, original_name="fft.csv", kind=ImportKind.ROWS,
        status=ImportStatus.FAILED,
    )  # fmt: skip
    [check] = [c for c in checks.all_checks() if c.name == "Last file import"]
    assert check.ok is False and check.age.endswith("seconds ago")
