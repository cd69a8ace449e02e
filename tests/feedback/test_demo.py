"""The demo's survey comments fit the service they are about, and choosing them leaves every other draw (how
many answers, when, which answer, who) as it was."""

from __future__ import annotations

import pytest

from feedback import demo, demo_text
from feedback.models import Comment, Response
from insight_hub.organisations.demo import demo_organisations_load
from insight_hub.themes.models import QuestionType

pytestmark = pytest.mark.django_db

# Words that place a comment in one kind of care: a comment with one belongs to a service of that kind.
PLACING_WORDS = {
    "maternity": ["midwi", "labour", "natal", "birth", "induction", "breastfeeding", "sonographer"],
    "community_mental_health": ["crisis", "care coordinator", "cpn", "list for therapy", "group sessions"],
    "mental_health_ward": ["sectioned", "mental health act", "restrain", "my leave"],
    "district_nursing": ["district nurs", "dress my leg", "dressing"],
    "emergency_ambulance": ["paramedic", "call handler", "cpr", "an ambulance", "the ambulance"],
    "patient_transport": ["transport", "dialysis", "pickup", "driver"],
    "emergency_department": ["a&e", "triage", "cubicle", "trolley in the corridor"],
    "outpatients": ["clinic", "follow-up", "gp and the hospital"],
}
WARDS = {"hospital_ward", "mental_health_ward", "rehabilitation_ward", "maternity"}


def _kinds_of_text() -> dict[str, set[str]]:
    kinds: dict[str, set[str]] = {}
    for kind, (good, improve) in demo_text.BY_KIND.items():
        for text in good + improve:
            kinds.setdefault(text, set()).add(kind)
    return kinds


def test_every_comment_fits_its_service():
    demo_organisations_load()
    demo.demo_feedback_load()
    kinds_of_text = _kinds_of_text()
    anywhere = set(demo_text.ANYWHERE_GOOD + demo_text.ANYWHERE_IMPROVE + demo_text.NONSPECIFIC)
    comments = list(Comment.objects.select_related("service").order_by("pk"))
    assert len(comments) > 3000
    kinds_seen = set()
    for comment in comments:
        kind = demo_text.care_kind(comment.service.fft_setting, comment.service.name)
        assert kind, comment.service.name  # every demo service has texts of its own kind
        kinds_seen.add(kind)
        if comment.text in anywhere:
            continue
        assert kind in kinds_of_text[comment.text], (comment.text, comment.service.name)
        text = comment.text.lower()
        for word_kind, words in PLACING_WORDS.items():
            if word_kind != kind and any(word in text for word in words):
                # A text may name another service in passing: an ambulance queue outside A&E.
                assert (kind, word_kind) in {("emergency_ambulance", "emergency_department")}, (
                    comment.text,
                    comment.service.name,
                )
        if "ward" in text:
            assert kind in WARDS, (comment.text, comment.service.name)
    assert kinds_seen == set(demo_text.BY_KIND)
    # The crisis team is heard of only from mental health services, and midwives only from maternity units.
    crisis = {c.service.fft_setting for c in comments if "crisis team" in c.text}
    midwives = {c.service.fft_setting for c in comments if "midwi" in c.text.lower()}
    assert crisis == {"mental_health"} and midwives == {"maternity"}
    # Praise answers "what was good", criticism "what could improve", each from its own list.
    for comment in comments:
        if comment.question_type == QuestionType.WHAT_GOOD:
            assert (
                comment.text in demo_text.ANYWHERE_GOOD
                or comment.text
                in demo_text.BY_KIND[demo_text.care_kind(comment.service.fft_setting, comment.service.name)][
                    0
                ]
            )


def test_choosing_texts_leaves_answers_dates_and_volumes_as_they_were(monkeypatch):
    """Texts are drawn with one randrange(TEXT_DRAW) whatever the pools hold, so the answers drawn after them
    do not move when the pools change (here: every service given one text of its own)."""
    demo_organisations_load()

    def answers():
        return sorted(
            Response.objects.values_list(
                "service__organisation__ods_code", "service__name", "fft_score", "responded_at", "age_band"
            )
        )

    def comments():
        return sorted(Comment.objects.values_list("service__name", "responded_at", "question_type"))

    demo.demo_feedback_load()
    first, first_comments = answers(), comments()
    texts = set(Comment.objects.values_list("text", flat=True))
    Response.objects.all().delete()
    monkeypatch.setattr(demo, "texts_for", lambda setting, name: (["Good."], ["Could be better."]))
    demo.demo_feedback_load()
    assert answers() == first and comments() == first_comments
    assert (
        {"Good.", "Could be better."}
        <= set(Comment.objects.values_list("text", flat=True))
        < texts
        | {
            "Good.",
            "Could be better.",
        }
    )


def test_a_pool_too_large_for_its_draws_is_refused():
    rng = demo.random.Random(1)
    with pytest.raises(ValueError, match="each text needs a draw"):
        demo._text(rng, [f"text {i}" for i in range(demo.OWN_DRAWS + 1)], ["anywhere"])
    # Each of a kind's texts and each anywhere text can be drawn.
    own, anywhere = [f"own {i}" for i in range(7)], [f"any {i}" for i in range(6)]
    drawn = {demo._text(rng, own, anywhere) for _ in range(2000)}
    assert drawn == set(own) | set(anywhere)
    assert {demo._text(rng, [], anywhere) for _ in range(500)} == set(anywhere)
