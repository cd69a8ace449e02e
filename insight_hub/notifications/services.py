"""Sending email: ask for a message with `email_enqueue`; a Celery task sends it, and a pass every minute
sends whatever is due (a first try that failed, or a message queued while the broker was down).

A message is claimed with compare-and-set before it is sent, so two workers never send it twice; an SMTP
failure leaves it waiting with its error and a later attempt time (backoff), up to MAX_ATTEMPTS.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from insight_hub.retry import delay_on_commit

from .models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 48  # with the backoff below, about two days of trying
CLAIM_SECONDS = 120  # a claimed message whose sender died is tried again after this
SEND_ERRORS = (smtplib.SMTPException, OSError)


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 3600))


def email_enqueue(
    *,
    key: str,
    kind: str,
    to: str,
    subject: str,
    template: str,
    context: dict,
    unsubscribe_url: str = "",
) -> OutboxMessage:
    """Put one email in the outbox (once per key) and send it after the transaction commits.

    `template` names a pair under templates/: `<template>.txt` and `<template>.html`, both rendered with
    `context` plus `site_url` and `unsubscribe_url`. Never put patient text in an email: link to it."""
    context = {**context, "site_url": settings.SITE_URL.rstrip("/"), "unsubscribe_url": unsubscribe_url}
    return email_enqueue_rendered(
        key=key,
        kind=kind,
        to=to,
        subject=subject,
        text_body=render_to_string(f"{template}.txt", context),
        html_body=render_to_string(f"{template}.html", context),
        unsubscribe_url=unsubscribe_url,
    )


def email_enqueue_rendered(
    *,
    key: str,
    kind: str,
    to: str,
    subject: str,
    text_body: str,
    html_body: str = "",
    unsubscribe_url: str = "",
) -> OutboxMessage:
    """`email_enqueue` for bodies already rendered (e.g. by Django's password-reset form)."""
    existing = OutboxMessage.objects.filter(key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                key=key,
                kind=kind,
                to=to,
                subject=" ".join(subject.split())[:200],
                text_body=text_body,
                html_body=html_body,
                unsubscribe_url=unsubscribe_url,
                next_attempt_at=timezone.now(),
            )
    except IntegrityError:  # the same key, asked for at the same moment elsewhere
        return OutboxMessage.objects.get(key=key)
    from .tasks import send_email

    delay_on_commit(send_email, message.pk)
    return message


def email_send(message_id: int) -> bool:
    """Send one waiting message if it is due and nobody else holds it. True when it was sent now."""
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(
        pk=message_id, status=OutboxStatus.WAITING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + dt.timedelta(seconds=CLAIM_SECONDS))
    if not claimed:
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text_body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers={"List-Unsubscribe": f"<{message.unsubscribe_url}>"} if message.unsubscribe_url else {},
    )
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    attempts = message.attempts + 1
    try:
        email.send(fail_silently=False)
    except SEND_ERRORS as error:
        failed = attempts >= MAX_ATTEMPTS
        OutboxMessage.objects.filter(pk=message_id).update(
            attempts=attempts,
            last_error=f"{type(error).__name__}: {error}"[:500],
            status=OutboxStatus.FAILED if failed else OutboxStatus.WAITING,
            next_attempt_at=now + _backoff(attempts),
        )
        log.warning("email %s not sent (attempt %s): %s", message_id, attempts, type(error).__name__)
        return False
    OutboxMessage.objects.filter(pk=message_id).update(
        status=OutboxStatus.SENT, sent_at=timezone.now(), attempts=attempts, last_error=""
    )
    return True


def outbox_flush(*, limit: int = 500) -> int:
    """Send what is due, oldest first. Returns how many were sent."""
    due = OutboxMessage.objects.filter(
        status=OutboxStatus.WAITING, next_attempt_at__lte=timezone.now()
    ).order_by("next_attempt_at", "pk")
    return sum(email_send(pk) for pk in list(due.values_list("pk", flat=True)[:limit]))
