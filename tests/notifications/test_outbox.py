"""Email goes through the outbox and a real SMTP server: sent once per key, kept while the server is down,
sent when it is back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from insight_hub.notifications import services
from insight_hub.notifications.models import OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db


def _enqueue(key="k1", to="lead@example.nhs.uk", **extra):
    return services.email_enqueue(
        key=key,
        kind="test",
        to=to,
        subject="Something needs you",
        template="notifications/test_message",
        context={"name": "Sam", "path": "/stories/awaiting-response/"},
        **extra,
    )


def test_it_sends_html_and_plain_text_through_smtp(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = _enqueue(unsubscribe_url="http://testserver/unsubscribe/abc")
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.attempts == 1
    [received] = smtp_server.messages_to("lead@example.nhs.uk")
    assert received["Subject"] == "Something needs you"
    assert received["List-Unsubscribe"] == "<http://testserver/unsubscribe/abc>"
    kinds = {part.get_content_type() for part in received.walk()}
    assert {"text/plain", "text/html"} <= kinds
    assert "/stories/awaiting-response/" in smtp_server.text_of(received)


def test_one_key_is_one_email(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _enqueue()
        second = _enqueue()
    assert first.pk == second.pk
    services.outbox_flush()
    assert len(smtp_server.messages_to("lead@example.nhs.uk")) == 1


def test_smtp_down_keeps_the_email_waiting_until_it_is_back(smtp_server, django_capture_on_commit_callbacks):
    smtp_server.stop()
    with django_capture_on_commit_callbacks(execute=True):
        message = _enqueue()
    message.refresh_from_db()
    assert message.status == OutboxStatus.WAITING
    assert message.attempts == 1 and message.last_error
    assert message.next_attempt_at > timezone.now()  # backs off
    assert services.outbox_flush() == 0  # not due yet

    smtp_server.start()
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert services.outbox_flush() == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.attempts == 2 and not message.last_error
    assert len(smtp_server.messages_to("lead@example.nhs.uk")) == 1


def test_a_message_claimed_by_another_sender_is_not_sent_twice(smtp_server):
    message = OutboxMessage.objects.create(
        key="claimed",
        kind="test",
        to="lead@example.nhs.uk",
        subject="x",
        text_body="x",
        next_attempt_at=timezone.now() + dt.timedelta(seconds=services.CLAIM_SECONDS),
    )
    assert services.email_send(message.pk) is False
    assert smtp_server.inbox == []


def test_it_fails_for_good_after_the_last_attempt(smtp_server):
    smtp_server.stop()
    message = OutboxMessage.objects.create(
        key="last", kind="test", to="a@example.nhs.uk", subject="x", text_body="x",
        next_attempt_at=timezone.now(), attempts=services.MAX_ATTEMPTS - 1,
    )  # fmt: skip
    services.email_send(message.pk)
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED


def test_password_reset_goes_through_the_outbox(
    client, world, smtp_server, django_capture_on_commit_callbacks
):
    world.px_a.email = "px.a@example.nhs.uk"
    world.px_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password_reset/", {"email": "px.a@example.nhs.uk"})
    assert response.status_code == 302
    [received] = smtp_server.messages_to("px.a@example.nhs.uk")
    assert "/accounts/reset/" in smtp_server.text_of(received)
    assert OutboxMessage.objects.get(kind="password_reset").status == OutboxStatus.SENT
