"""Who receives the weekly digest, and on which day: the person's own choice, Monday unless they chose.

The digest's content is about what a person owns (dashboards, tiles, actions, commitments), which lives in
the feature apps; `dashboards.digest` builds and sends it. Here: the preference, and a signed link that turns
the digest off without signing in (the unsubscribe link every digest carries)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse

from .models import DEFAULT_DIGEST_DAY, DigestPreference

_SALT = "insight_hub.notifications.digest-off"


def digest_day_for(user) -> int | None:
    """The weekday (0 = Monday) the person receives their digest on, or None when they turned it off."""
    preference = DigestPreference.objects.filter(user=user).first()
    return DEFAULT_DIGEST_DAY if preference is None else preference.weekday


def digest_day_set(*, user, weekday: int | None) -> DigestPreference:
    preference, _ = DigestPreference.objects.update_or_create(user=user, defaults={"weekday": weekday})
    return preference


def recipients_on(weekday: int):
    """Active people with an email address whose digest day is this weekday."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    chose_other = DigestPreference.objects.exclude(weekday=weekday).values("user_id")
    if weekday == DEFAULT_DIGEST_DAY:
        return users.exclude(pk__in=chose_other)
    return users.filter(digest_preference__weekday=weekday)


def unsubscribe_path(user) -> str:
    token = signing.dumps(user.pk, salt=_SALT)
    return reverse("digest_off", args=[token])


def user_for_unsubscribe(token: str):
    """The person a signed link was made for; None for a link that was altered or made up."""
    try:
        pk = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    return get_user_model().objects.filter(pk=pk, is_active=True).first() if isinstance(pk, int) else None
