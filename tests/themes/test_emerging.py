"""Emerging themes: discovery finds what no theme covers, and people's decisions on the candidates."""

import csv
import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from feedback.models import CommentTag
from insight_hub.themes import emerging, services
from insight_hub.themes.ml.discovery import DiscoveryText, discover
from insight_hub.themes.models import CandidateDecision, CandidateStatus, TagStatus, Theme
from tests.conftest import wait_for
from tests.factories import StoryFactory
from tests.themes.conftest import make_comment

LABEL = "feedback.comment"
# Nothing in the QDC framework or the training data is about wifi: a theme of its own waiting to be found.
WIFI = [
    "The wifi on the ward never works.",
    "Please fix the wifi, I could not call my family.",
    "No wifi signal in the day room.",
    "The wifi kept dropping out all evening.",
    "Better wifi for patients would help.",
    "The wifi was down for three days.",
    "The wifi password changes every day and nobody knows it.",
    "I could not use the wifi at all.",
]
OTHERS = [
    "The wait to be seen was far too long.",
    "The nurses were kind and caring.",
    "Staff listened to me and explained everything.",
    "I was seen quickly and the doctor was lovely.",
    "The receptionist was rude to my mother.",
    "Waited four hours for the ambulance.",
    "Thank you to everyone on the ward.",
    "The ward was clean and quiet.",
    "Lovely ward, lovely staff.",
    "Could not get through on the phone.",
]


def test_discovery_groups_the_sentences_no_theme_covers(tagger):
    texts = [DiscoveryText(f"t{i}", text, "could_improve", "2026-05") for i, text in enumerate(WIFI + OTHERS)]
    found = discover(tagger, texts, min_texts=4)
    [wifi] = [c for c in found if "wifi" in c.phrases]
    assert set(wifi.keys) == {f"t{i}" for i in range(len(WIFI))}
    assert wifi.name.lower().startswith("wifi") and wifi.size == len(WIFI)
    assert wifi.trend == {"2026-05": len(WIFI)} and len(wifi.examples) == 5
    assert all(ref.key in wifi.keys for ref in wifi.examples)
    # A word people dismissed is not offered again.
    assert not [c for c in discover(tagger, texts, min_texts=4, known_words=["wifi"]) if "wifi" in c.phrases]


def test_example_sentences_are_different_sentences_when_many_people_wrote_the_same(tagger):
    # Short comments repeat word for word ("The wifi was down."); five copies of one sentence show nothing.
    repeated = ["The wifi was down again."] * 8
    texts = [DiscoveryText(f"t{i}", text, "could_improve") for i, text in enumerate(repeated + WIFI + OTHERS)]
    [wifi] = [c for c in discover(tagger, texts, min_texts=4) if "wifi" in c.phrases]
    said = {t.key: t.text for t in texts}
    shown = [said[ref.key][ref.start : ref.end].lower() for ref in wifi.examples]
    assert len(shown) == 5 and len(set(shown)) == 5, shown


def test_redaction_placeholders_are_no_theme(tagger):
    said = ["Please tell [name] the lift is broken.", "[name] on reception rang [phone number] twice."]
    texts = [DiscoveryText(f"t{i}", said[i % 2], "could_improve") for i in range(12)]
    phrases = {word for candidate in discover(tagger, texts, min_texts=4) for word in candidate.phrases}
    assert "lift" in phrases and not phrases & {"name", "phone", "number"}


def _tagged_comments(world, tagger, texts):
    comments = [make_comment(world.service_a, text, "could_improve") for text in texts]
    services.items_tag(label=LABEL, ids=[c.pk for c in comments], tagger=tagger)
    return comments


@pytest.mark.django_db
def test_an_accepted_candidate_becomes_a_local_theme_on_the_texts_it_matches(
    world, tagger, django_capture_on_commit_callbacks
):
    wifi = _tagged_comments(world, tagger, WIFI)
    others = _tagged_comments(world, tagger, OTHERS)
    [candidate] = [c for c in emerging.themes_discover(ics=world.ics, tagger=tagger) if "wifi" in c.phrases]
    assert candidate.size == len(WIFI) and candidate.examples[0]["label"] == LABEL
    # Tagging skips a text whose hash and model version are unchanged: accepting must still reach them.
    with django_capture_on_commit_callbacks(execute=True):
        theme = emerging.candidate_accept(user=world.icb_lead, candidate=candidate, name="Wifi for patients")
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        # With Redis the tasks wait for a worker (test_worker.py runs one): do here what they do.
        emerging.local_theme_retag(theme_id=theme.pk)
        services.items_tag(label=LABEL, ids=[c.pk for c in wifi + others], tagger=tagger)
    assert theme.ics == world.ics and theme.category == emerging.LOCAL_CATEGORY
    tagged = set(CommentTag.objects.filter(theme=theme).values_list("comment_id", flat=True))
    assert tagged == {c.pk for c in wifi}
    assert not tagged & {c.pk for c in others}
    candidate.refresh_from_db()
    assert (candidate.status, candidate.theme) == (CandidateStatus.ACCEPTED, theme)
    decision = CandidateDecision.objects.get(candidate=candidate)
    assert (decision.action, decision.user, decision.detail["theme"]) == ("accept", world.icb_lead, theme.pk)
    for comment in wifi:
        comment.refresh_from_db()
        assert comment.tag_status == TagStatus.TAGGED
    # The next run does not offer it again: the local theme accounts for its words.
    assert not [c for c in emerging.themes_discover(ics=world.ics, tagger=tagger) if "wifi" in c.phrases]


@pytest.mark.django_db
def test_merge_rename_and_dismiss_are_recorded_and_a_decided_candidate_is_closed(world, tagger):
    first, second = (
        emerging.CandidateTheme.objects.create(
            ics=world.ics,
            found_at="2026-06-01T03:00Z",
            name=name,
            suggested_name=name,
            phrases=[name],
            patterns=[rf"\b{name}\b"],
            size=5,
            trend={"2026-05": 5},
            examples=[],
        )
        for name in ("wifi", "internet")
    )
    with pytest.raises(ValidationError, match="Give the theme a name"):
        emerging.candidate_rename(user=world.icb_lead, candidate=first, name="  ")
    emerging.candidate_rename(user=world.icb_lead, candidate=first, name="Wifi and internet")
    into = emerging.candidate_merge(user=world.icb_lead, candidate=second, into=first)
    assert into.phrases == ["wifi", "internet"] and into.size == 10 and into.trend == {"2026-05": 10}
    second.refresh_from_db()
    assert (second.status, second.merged_into) == (CandidateStatus.MERGED, first)
    with pytest.raises(ValidationError, match="already merged"):
        emerging.candidate_dismiss(user=world.icb_lead, candidate=second)
    emerging.candidate_dismiss(user=world.icb_lead, candidate=first)
    actions = list(CandidateDecision.objects.order_by("pk").values_list("action", "candidate__name"))
    assert actions == [
        ("rename", "Wifi and internet"),
        ("merge", "internet"),
        ("merge", "Wifi and internet"),
        ("dismiss", "Wifi and internet"),
    ]
    assert not Theme.objects.filter(ics=world.ics).exists()


def test_evaluate_discovery_finds_a_hidden_theme_again(tmp_path, capsys):
    """A small labelled file: food comments among staff and waiting ones. Hidden from training, the food
    theme comes back as a candidate."""
    food = [
        "The food was cold.",
        "More choice of food please.",
        "Food could be better.",
        "The food was lovely.",
    ]
    staff = [
        "The nurses were kind.",
        "Staff were rude.",
        "Lovely caring staff.",
        "The doctor listened to me.",
    ]
    wait = ["Waited too long.", "The wait was four hours.", "Seen quickly, no wait.", "Long waiting times."]
    rows = []
    for n in range(12):
        for texts, label in (
            (food, "Food & drink provision & facilities"),
            (staff, "Staff manner & personal attributes"),
            (wait, "Timeliness of care"),
        ):
            rows.append(
                {
                    "comment_id": f"{label[:4]}{n}-{len(rows)}",
                    "question_type": "nonspecific",
                    "text": texts[n % 4] + f" Visit {n}.",
                    "sentiment": 1 + (len(rows) % 5),
                    "labels": label,
                }
            )
    for name, part in (("train.csv", rows[::2]), ("data.csv", rows[1::2])):
        with (tmp_path / name).open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(part)
    call_command(
        "evaluate_discovery",
        train=tmp_path / "train.csv",
        data=tmp_path / "data.csv",
        hide="Food & drink provision & facilities",
    )
    line = capsys.readouterr().out.splitlines()[0]
    assert line == "hidden theme Food & drink provision & facilities: recall 1.00 precision 1.00"


@pytest.mark.worker
def test_a_real_worker_puts_an_accepted_theme_on_the_texts_it_matches(celery_worker, world, tagger):
    wifi = _tagged_comments(world, tagger, WIFI)
    _tagged_comments(world, tagger, OTHERS)
    [candidate] = [c for c in emerging.themes_discover(ics=world.ics, tagger=tagger) if "wifi" in c.phrases]
    with transaction.atomic():
        theme = emerging.candidate_accept(user=world.icb_lead, candidate=candidate, name="Wifi for patients")
    wait_for(
        lambda: CommentTag.objects.filter(theme=theme).count() == len(WIFI),
        message="the worker to re-tag the texts the new local theme matches",
    )
    assert set(CommentTag.objects.filter(theme=theme).values_list("comment_id", flat=True)) == {
        c.pk for c in wifi
    }


@pytest.mark.django_db
def test_discover_themes_runs_discovery_for_an_ics_and_names_a_wrong_code(world, tagger, capsys):
    _tagged_comments(world, tagger, WIFI + OTHERS)
    call_command("discover_themes", ics="qxx")
    out = capsys.readouterr().out
    assert out.startswith("Testshire ICS: ") and f"({len(WIFI)} texts): wifi" in out
    with pytest.raises(CommandError, match="--ics: no ICS is led by an ICB with ODS code 'Q99'"):
        call_command("discover_themes", ics="Q99")


def _given(comment, when):
    """The comment (saved today) as given at `when`: its response's date and the comment's copy of it."""
    comment.response.__class__.objects.filter(pk=comment.response_id).update(responded_at=when)
    comment.__class__.objects.filter(pk=comment.pk).update(responded_at=when)


@pytest.mark.django_db
def test_the_window_and_the_trend_follow_when_people_gave_the_texts_not_when_they_were_saved(
    world, tagger, client
):
    # A year of history imported today: every text saved now, each given in its own month.
    tz = timezone.get_current_timezone()
    now = dt.datetime(2026, 12, 15, 12, tzinfo=tz)
    months = [dt.datetime(2026, m, 10, 12, tzinfo=tz) for m in (7, 7, 7, 9, 9, 11, 11, 11)]
    wifi = _tagged_comments(world, tagger, WIFI)
    for comment, when in zip(wifi, months, strict=True):
        _given(comment, when)
    for comment in _tagged_comments(world, tagger, OTHERS):
        _given(comment, dt.datetime(2026, 8, 3, 9, tzinfo=tz))
    # Given seven months ago, saved today: outside the window. One given a minute before 1 June (London
    # time, 22:59 UTC) is May's; the window starts on 1 June.
    old = _tagged_comments(world, tagger, [f"The wifi was useless, visit {i}." for i in range(6)])
    for comment in old:
        _given(comment, dt.datetime(2026, 5, 10, 12, tzinfo=tz))
    _given(old[0], dt.datetime(2026, 5, 31, 23, 59, tzinfo=tz))
    assert {c.text_changed_at.date() for c in wifi + old} == {timezone.now().date()}

    [candidate] = [
        c for c in emerging.themes_discover(ics=world.ics, now=now, tagger=tagger) if "wifi" in c.phrases
    ]
    assert candidate.size == len(WIFI)
    assert {e["id"] for e in candidate.examples} <= {c.pk for c in wifi}
    # Six whole months, 0 where none; December (so far) had none.
    assert candidate.trend == {
        "2026-06": 0, "2026-07": 3, "2026-08": 0, "2026-09": 2, "2026-10": 0, "2026-11": 3
    }  # fmt: skip
    assert candidate.trend_months[1] == ("July 2026", 3)

    client.force_login(world.icb_lead)
    page = client.get(f"/themes/emerging/{candidate.pk}/").content.decode()
    assert "June 2026: 0; July 2026: 3; August 2026: 0; September 2026: 2" in page
    assert "2026-07" not in page
    # The month discovery ran in is marked incomplete, as the dashboards mark theirs.
    candidate.trend["2026-12"] = 1
    assert candidate.trend_months[-1] == ("December 2026 (incomplete, to 15 December 2026)", 1)


@pytest.mark.django_db
def test_a_story_is_read_by_the_month_it_happened_not_the_day_it_was_logged(world):
    tz = timezone.get_current_timezone()
    now = dt.datetime(2026, 12, 15, 12, tzinfo=tz)
    shared = {
        when: StoryFactory(
            organisation=world.trust_a, user=world.px_a, status="shared", occurred_on=when,
            narrative="The wifi on the ward never works.",
        )
        for when in (dt.date(2026, 8, 3), dt.date(2026, 6, 1), dt.date(2026, 5, 31))
    }  # fmt: skip
    texts, _ = emerging._discovery_texts(world.ics.pk, emerging.window_start(now), now)
    months = {t.key: t.month for t in texts if t.key.startswith("stories.story:")}
    # Logged today, all three; the one that happened in May is outside the window.
    assert months == {
        f"stories.story:{shared[dt.date(2026, 8, 3)].pk}": "2026-08",
        f"stories.story:{shared[dt.date(2026, 6, 1)].pk}": "2026-06",
    }
