"""Review pages and actions on the three personas and more: owner, colleague, outsider, ICB lead, board."""

import pytest
from django.urls import reverse

from insight_hub.themes.models import TagDecision, Theme
from tests.themes.conftest import make_comment

pytestmark = pytest.mark.django_db
LABEL = "feedback.comment"


@pytest.fixture
def comment(world):
    return make_comment(
        world.service_a, "The car park was full and the ticket machine broken.", "could_improve"
    )


def decide(client, user, comment, theme, action, **extra):
    client.force_login(user)
    url = reverse("themes:tag_review", args=[LABEL, comment.pk])
    return client.post(url, {"theme": theme.pk, "action": action, "next": "/"}, **extra)


@pytest.mark.parametrize(
    ("person", "status"),
    [
        ("px_a", 302),
        ("px_a_colleague", 302),
        ("icb_lead", 302),
        # Not theirs to review: 404, as outside reach (a board member reads no tags at all).
        ("board_a", 404),
        ("admin", 404),
        ("px_b", 404),
        ("stranger", 404),
    ],
)
def test_who_may_add_a_theme(client, world, comment, person, status):
    parking = Theme.objects.get(name="Parking")
    response = decide(client, world.people()[person], comment, parking, "add")
    assert response.status_code == status
    added = comment.tags.filter(theme=parking, decision=TagDecision.CONFIRMED).exists()
    assert added == (status == 302)


@pytest.mark.parametrize(
    ("person", "status"),
    [
        ("px_a", 200),
        ("px_a_colleague", 200),
        ("icb_lead", 200),
        ("board_a", 404),  # tag panels are records: a board member reads dashboards and reports
        ("px_b", 404),
        ("stranger", 404),
    ],
)
def test_who_may_see_an_items_tags(client, world, comment, person, status):
    client.force_login(world.people()[person])
    assert client.get(reverse("themes:review_item", args=[LABEL, comment.pk])).status_code == status
    assert client.get(reverse("themes:tag_panel", args=[LABEL, comment.pk])).status_code == status


def test_an_unknown_kind_of_item_is_not_found(client, world, comment):
    client.force_login(world.px_a)
    assert client.get(reverse("themes:review_item", args=["auth.user", world.px_a.pk])).status_code == 404


def test_htmx_review_returns_the_panel_with_the_decision(client, world, comment):
    response = decide(
        client, world.px_a, comment, Theme.objects.get(name="Parking"), "add", HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "Parking" in body and "Confirmed" in body


def test_a_theme_of_another_ics_cannot_be_added(client, world, comment):
    from insight_hub.organisations.models import ICS
    from insight_hub.themes.models import Taxonomy
    from tests.factories import OrganisationFactory

    other_ics = ICS.objects.create(name="Other", icb=OrganisationFactory(kind="icb", ods_code="QZZ"))
    foreign = Theme.objects.create(
        taxonomy=Taxonomy.objects.get(is_default=True), ics=other_ics, name="Theirs", category="Local"
    )
    assert decide(client, world.px_a, comment, foreign, "add").status_code == 404


def test_review_queue_is_for_reviewers_only(client, world, comment):
    for person, status in [("px_a", 200), ("icb_lead", 200), ("board_a", 404), ("px_b", 200)]:
        client.force_login(world.people()[person])
        assert client.get(reverse("themes:review_queue")).status_code == status


def test_the_review_queue_shows_only_items_in_reach(client, world, tagger):
    from insight_hub.themes.services import items_tag

    mine = make_comment(world.service_a, "The food was cold and late every day.", "could_improve")
    theirs = make_comment(world.service_b, "Parking was impossible and expensive.", "could_improve")
    items_tag(label=LABEL, ids=[mine.pk, theirs.pk], tagger=tagger)
    client.force_login(world.px_a)
    page = client.get(reverse("themes:review_queue")).content.decode()
    assert "food was cold" in page and "Parking was impossible" not in page


def test_corrections_download_in_training_columns(client, world, comment):
    decide(client, world.px_a, comment, Theme.objects.get(name="Parking"), "add")
    response = client.get(reverse("themes:corrections_export"))
    lines = response.content.decode().splitlines()
    assert lines[0] == "comment_id,question_type,text,sentiment,labels"
    assert lines[1].endswith(",Parking") and "could_improve" in lines[1]


CORRECTED_TEXTS = [
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    '=HYPERLINK("http://evil.example","x")',
    "-2+3",
    "'=1+1",
]


def test_corrections_csv_never_hands_a_formula_to_a_spreadsheet_and_reads_back_as_written(
    client, world, tmp_path
):
    """Found by an outside attack: comment texts went into the corrections CSV raw. They are neutralised now,
    and `train_tagger --corrections` reads the file back to the texts people wrote."""
    import csv
    import io

    parking = Theme.objects.get(name="Parking")
    for text in CORRECTED_TEXTS:
        comment = make_comment(world.service_a, text, "could_improve")
        # The file carries redacted text; these texts have nothing to redact.
        type(comment).objects.filter(pk=comment.pk).update(redacted_text=text, redaction_version="test")
        decide(client, world.px_a, comment, parking, "add")
    response = client.get(reverse("themes:corrections_export"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert sorted(row["text"] for row in rows) == sorted("'" + text for text in CORRECTED_TEXTS)
    from insight_hub.themes.ml.data import read_corrections

    path = tmp_path / "tag-corrections.csv"
    path.write_bytes(response.content)
    read = read_corrections(path)
    assert sorted(row["text"] for row in read) == sorted(CORRECTED_TEXTS)
    assert {row["labels"] for row in read} == {"Parking"}


@pytest.mark.parametrize("theme_id", ["", "parking", "-1", "9" * 5000, "²"])
def test_a_theme_id_that_is_not_one_is_a_404_not_a_500(client, world, comment, theme_id):
    # A 5,000-digit id is past what Python reads as a number, and "parking" is not one (issue #15).
    client.force_login(world.px_a)
    url = reverse("themes:tag_review", args=[LABEL, comment.pk])
    assert client.post(url, {"theme": theme_id, "action": "add", "next": "/"}).status_code == 404
