"""The synthetic data set (`manage.py generate_synthetic`): thanks are seldom the theme of criticism, and the
themes and words of each comment fit its service's setting."""

from __future__ import annotations

import pytest

from dashboards.demo import synthetic
from dashboards.demo.synthetic_text import PHRASES, SETTING_PHRASES
from feedback.models import Comment, CommentTag

pytestmark = pytest.mark.django_db

GRATITUDE = "Positive experience & gratitude"
# Words that belong to one setting's care: a comment with one of them comes from a service in that setting.
SETTING_WORDS = {
    "maternity": ["midwife", "labour ward", "birth plan"],
    "mental_health": ["care coordinator", "sectioned", "detained", "tribunal", "section"],
    "inpatient": ["call bell", "buzzer", "in the bay", "for a bed", "operation"],
}


@pytest.fixture
def synthetic_data(db):
    return synthetic.generate(responses=6000, stories=0, seed=7)


def test_thanks_are_seldom_the_theme_of_criticism(synthetic_data):
    tags = CommentTag.objects.filter(theme__name=GRATITUDE)
    total, negative = tags.count(), tags.filter(sentiment="negative").count()
    assert total > 200
    # About 10% of the comments are criticism; were thanks as likely a theme of criticism as of praise, a
    # tenth of the theme's mentions would be negative (0.6% are in real comments).
    assert negative / total < 0.02
    # Criticism still has its themes: the other themes' negative share is the comments' own.
    others = CommentTag.objects.exclude(theme__name=GRATITUDE)
    assert others.filter(sentiment="negative").count() / others.count() > 0.08


def test_themes_and_words_fit_the_setting(synthetic_data):
    mha = CommentTag.objects.filter(theme__name="Mental Health Act").select_related("comment__service")
    assert mha.exists()
    assert {t.comment.service.fft_setting for t in mha} == {"mental_health"}
    ambulance = CommentTag.objects.filter(comment__service__fft_setting="ambulance")
    assert not ambulance.filter(theme__name__in=["Parking", "Appointment arrangements", "Discharge"]).exists()
    comments = Comment.objects.select_related("service")
    assert comments.count() > 1500
    for comment in comments:
        text = comment.text.lower()
        for setting, words in SETTING_WORDS.items():
            if any(word in text for word in words):
                assert comment.service.fft_setting == setting, (comment.text, comment.service.name)
        if "ward" in text:
            assert comment.service.fft_setting in {"inpatient", "mental_health", "community", "maternity"}


def test_setting_phrases_keep_the_count_of_the_general_ones():
    """A setting's own words replace the general ones one for one, so the seeded draws (rng.choice over
    two sentences) are the same whichever setting a comment comes from."""
    for phrases in SETTING_PHRASES.values():
        for name, (praise, criticism) in phrases.items():
            assert (len(praise), len(criticism)) == tuple(len(side) for side in PHRASES[name])
