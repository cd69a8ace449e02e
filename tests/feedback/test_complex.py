"""The complex and interesting comments queue: each reason, each role's reach, per-person flags and their
audit, the filters, the CSV download and the flag buttons with and without htmx."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback import complex, selectors, services
from feedback.models import CommentFlag, CommentTag, FlagKind
from insight_hub.privacy.models import AuditAction, AuditEvent
from insight_hub.themes import services as theme_services
from insight_hub.themes.models import TagDecision, Theme
from tests.factories import CommentFactory, ResponseFactory

pytestmark = pytest.mark.django_db

PHONE = "07700 900123"


def comment(service, text="The nurses on the ward were kind.", *, days_ago=0, redacted=None):
    response = ResponseFactory(service=service, responded_at=timezone.now() - timedelta(days=days_ago))
    return CommentFactory(
        response=response,
        text=text,
        redacted_text=redacted if redacted is not None else text,
        redaction_version="test" if redacted is not None else "",
    )


def words(n: int) -> str:
    return " ".join(["word"] * n)


def tag(c, themes, decision=TagDecision.SUGGESTED):
    """Tags written directly, as a loader would: such a writer recounts the comment's standing tags."""
    for theme in themes:
        CommentTag.objects.create(comment=c, theme=theme, decision=decision)
    theme_services.tag_counts_refresh(label="feedback.comment", ids=[c.pk])


def queue(user, **filters):
    return list(complex.complex_comments_for(user, filters=filters))


def test_a_comment_of_more_than_50_words_is_long_and_one_of_50_is_not(world):
    long = comment(world.service_a, words(30) + "\n" + words(21))
    comment(world.service_a, words(50))
    assert queue(world.px_a) == [long]
    assert queue(world.px_a)[0].word_count == 51
    [item] = complex.queue_items(world.px_a, queue(world.px_a))
    assert item.reasons == ["Long (more than 50 words)"]


def test_three_standing_themes_are_many_and_a_rejected_one_does_not_count(world):
    themes = list(Theme.objects.order_by("pk")[:4])
    many = comment(world.service_a, "Short.")
    tag(many, themes[:2])
    tag(many, themes[2:3], TagDecision.CONFIRMED)
    two = comment(world.service_a, "Also short.")
    tag(two, themes[:2])
    tag(two, themes[2:4], TagDecision.REJECTED)
    assert queue(world.px_a) == [many]
    assert queue(world.px_a, reason=complex.Reason.MANY_THEMES) == [many]
    [item] = complex.queue_items(world.px_a, queue(world.px_a))
    assert item.reasons == ["Many themes (3 or more)"] and len(item.themes) == 3
    assert queue(world.px_a, reason=complex.Reason.LONG) == []


def test_a_flag_by_one_person_puts_the_comment_in_everyones_queue_under_its_reason(world):
    flagged = comment(world.service_a)
    comment(world.service_a)  # short, untagged, unflagged: not in the queue
    services.comment_flag_set(user=world.px_a, comment=flagged, kind=FlagKind.INTERESTING, flagged=True)
    assert queue(world.px_a_colleague) == [flagged]
    assert queue(world.icb_lead, reason=complex.Reason.INTERESTING) == [flagged]
    assert queue(world.icb_lead, reason=complex.Reason.WRONGLY_CODED) == []
    services.comment_flag_set(user=world.icb_lead, comment=flagged, kind=FlagKind.WRONGLY_CODED, flagged=True)
    assert queue(world.px_a, reason=complex.Reason.WRONGLY_CODED) == [flagged]
    [item] = complex.queue_items(world.px_a, queue(world.px_a))
    assert item.reasons == ["Flagged interesting", "Flagged wrongly coded"]


def test_flags_are_per_person_and_a_person_removes_only_their_own_with_each_change_audited(world):
    c = comment(world.service_a)
    assert services.comment_flag_set(user=world.px_a, comment=c, kind=FlagKind.INTERESTING, flagged=True)
    # Twice is once: one row per person, comment and kind, and one audit event.
    assert not services.comment_flag_set(user=world.px_a, comment=c, kind=FlagKind.INTERESTING, flagged=True)
    services.comment_flag_set(user=world.px_a_colleague, comment=c, kind=FlagKind.INTERESTING, flagged=True)
    assert services.comment_flag_set(user=world.px_a, comment=c, kind=FlagKind.INTERESTING, flagged=False)
    # Removing a flag the person does not hold changes nothing, and records nothing.
    assert not services.comment_flag_set(user=world.px_b, comment=c, kind=FlagKind.INTERESTING, flagged=False)
    assert list(CommentFlag.objects.values_list("user", "kind")) == [
        (world.px_a_colleague.pk, FlagKind.INTERESTING)
    ]
    assert queue(world.px_a) == [c]  # the colleague's flag still stands
    events = list(
        AuditEvent.objects.filter(action__startswith="comment.")
        .order_by("pk")
        .values_list("user", "action", "object_type", "object_id", "organisation", "detail")
    )
    flagged = (
        AuditAction.COMMENT_FLAGGED,
        "feedback.comment",
        str(c.pk),
        world.trust_a.pk,
        {"kind": "interesting"},
    )
    assert events == [
        (world.px_a.pk, *flagged),
        (world.px_a_colleague.pk, *flagged),
        (world.px_a.pk, AuditAction.COMMENT_UNFLAGGED, *flagged[1:]),
    ]
    state = selectors.flag_state(world.px_a, c)
    assert state.mine == frozenset() and state.counts == {"interesting": 1}


def test_an_unknown_flag_kind_is_refused_naming_the_field(world):
    c = comment(world.service_a)
    with pytest.raises(Exception, match="kind"):
        services.comment_flag_set(user=world.px_a, comment=c, kind="boring", flagged=True)
    assert not CommentFlag.objects.exists()


def test_each_role_reaches_only_the_comments_it_reads_with_originals_only_inside_the_trust(world):
    a = comment(
        world.service_a, f"{words(60)} call me on {PHONE}", redacted=f"{words(60)} call me on [PHONE]"
    )
    b = comment(world.service_b, words(60), redacted=words(60))
    assert queue(world.px_a) == [a]
    assert queue(world.px_b) == [b]
    assert set(queue(world.icb_lead)) == {a, b}
    assert set(queue(world.admin)) == {a, b}
    assert queue(world.board_a) == [] and queue(world.stranger) == []
    [own] = complex.queue_items(world.px_a, queue(world.px_a))
    assert PHONE in own.text and own.is_original
    items = complex.queue_items(world.icb_lead, queue(world.icb_lead))
    assert all(PHONE not in item.text and not item.is_original for item in items)


def test_a_comment_in_for_every_reason_is_listed_once_and_the_queue_is_newest_first(world):
    themes = list(Theme.objects.order_by("pk")[:3])
    every = comment(world.service_a, words(60), days_ago=1)
    tag(every, themes)
    flagged_only = comment(world.service_a, days_ago=2)
    long_only = comment(world.service_a, words(60), days_ago=3)
    for c in (every, flagged_only):
        for kind in FlagKind.values:
            services.comment_flag_set(user=world.px_a, comment=c, kind=kind, flagged=True)
            services.comment_flag_set(user=world.icb_lead, comment=c, kind=kind, flagged=True)
    assert queue(world.px_a) == [every, flagged_only, long_only]
    assert complex.queue_keys(world.icb_lead).count() == 3
    [first] = complex.queue_items(world.px_a, queue(world.px_a)[:1])
    assert first.reasons == [
        "Long (more than 50 words)",
        "Many themes (3 or more)",
        "Flagged interesting",
        "Flagged wrongly coded",
    ]


def test_organisation_and_period_filters_narrow_the_queue(world):
    recent = comment(world.service_a, words(60))
    old = comment(world.service_a, words(60), days_ago=40)
    other = comment(world.service_b, words(60))
    assert queue(world.icb_lead, organisation=world.trust_b) == [other]
    today = timezone.localdate()
    assert set(queue(world.icb_lead, date_from=today - timedelta(days=7))) == {recent, other}
    assert queue(world.icb_lead, date_to=today - timedelta(days=30)) == [old]


def test_the_queue_page_shows_reasons_audits_originals_and_is_404_for_a_board_member(client, world):
    c = comment(world.service_a, f"{words(60)} {PHONE}")
    client.force_login(world.px_a)
    page = client.get(reverse("feedback:complex_comments"))
    assert page.status_code == 200
    assert PHONE in page.text and "Long (more than 50 words)" in page.text
    assert AuditEvent.objects.filter(
        user=world.px_a, action=AuditAction.RESPONSE_VIEWED_UNREDACTED, object_id=str(c.response_id)
    ).exists()
    bad = client.get(reverse("feedback:complex_comments"), {"reason": "nonsense", "date_from": "31/31/2025"})
    assert bad.status_code == 200 and "select a valid choice; ‘nonsense’ is not one of them" in bad.text
    client.force_login(world.board_a)
    assert client.get(reverse("feedback:complex_comments")).status_code == 404
    assert client.get(reverse("feedback:complex_comments_csv")).status_code == 404


def test_the_flag_button_works_as_a_plain_post_and_as_htmx(client, world):
    c = comment(world.service_a)
    url = reverse("feedback:comment_flag", args=[c.pk])
    client.force_login(world.px_a)
    back = reverse("feedback:complex_comments") + "?reason=interesting"
    plain = client.post(url, {"kind": "interesting", "action": "add", "next": back})
    assert plain.status_code == 302 and plain["Location"] == back
    elsewhere = client.post(url, {"kind": "wrongly_coded", "next": "https://evil.example/"})
    assert elsewhere["Location"] == reverse("feedback:complex_comments")
    fragment = client.post(url, {"kind": "interesting", "action": "remove"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "Flag as interesting" in fragment.text and "Remove my “wrongly coded” flag" in fragment.text
    assert "<html" not in fragment.text
    refused = client.post(url, {"kind": "boring"}, headers={"HX-Request": "true"})
    assert refused.status_code == 400 and "Choose a flag" in refused.text
    assert list(CommentFlag.objects.values_list("kind", flat=True)) == ["wrongly_coded"]
    client.force_login(world.px_b)
    assert client.post(url, {"kind": "interesting"}).status_code == 404
    client.force_login(world.board_a)
    assert client.post(url, {"kind": "interesting"}).status_code == 404
    assert CommentFlag.objects.count() == 1


def test_the_csv_download_is_neutralised_redacted_outside_the_trust_audited_and_not_stored(client, world):
    formula = f'=HYPERLINK("https://evil.example") {words(60)} {PHONE}'
    comment(world.service_a, formula, redacted=f'=HYPERLINK("https://evil.example") {words(60)} [PHONE]')
    client.force_login(world.icb_lead)
    out = client.get(reverse("feedback:complex_comments_csv"), {"organisation": "RAA", "reason": "long"})
    assert out.status_code == 200 and out["Cache-Control"] == "private, no-store, max-age=0"
    rows = list(csv.reader(io.StringIO(b"".join(out.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == complex.CSV_HEADER
    [row] = rows[1:]
    text = row[complex.CSV_HEADER.index("Comment")]
    assert text.startswith("'=HYPERLINK") and PHONE not in text and "[PHONE]" in text
    assert row[complex.CSV_HEADER.index("Text shown")] == "Redacted"
    assert row[complex.CSV_HEADER.index("Reasons")] == "Long (more than 50 words)"
    event = AuditEvent.objects.get(action=AuditAction.EXPORT_DOWNLOADED, user=world.icb_lead)
    assert event.detail == {
        "export": "complex-comments.csv",
        "filter_organisation": "RAA",
        "filter_reason": "long",
    }
