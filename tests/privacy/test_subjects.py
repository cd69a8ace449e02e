"""Requests about a person: the ICS's administrator finds a teller or respondent, copies what is held,
erases or anonymises it; each step audited, the roll-ups rebuilt, another ICS untouched."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest
from django.db.models import Sum
from django.urls import reverse

from dashboards import rollups
from dashboards.models import FFTEqualityMonthly, FFTMonthly, ThemeMonthly
from feedback.models import Comment, CommentTag, Response
from insight_hub.organisations.models import ICS
from insight_hub.privacy import subjects
from insight_hub.privacy.models import AuditAction, AuditEvent
from insight_hub.themes.models import TagAudit, TagDecision, TagStatus, Theme
from stories.models import ConsentEvent, Story, StoryStatus, StoryTag
from stories.services import story_status_set
from tests.factories import (
    CommentFactory,
    MembershipFactory,
    OrganisationFactory,
    ResponseFactory,
    ServiceFactory,
    StoryFactory,
)

EMAIL = "jane.doe@example.com"
PHONE = "07700 900456"
WORDS = f"I am Jane Doe. Call me on {PHONE} or write to {EMAIL} about the night on ward 4."


@pytest.fixture
def people(world):
    """Jane's records in trust A and B (a shared story, a draft, a withdrawn one, a survey response), someone
    else's, and a story with her email in another ICS, which her administrator must never reach."""
    theme = Theme.objects.filter(taxonomy__is_default=True).order_by("pk").first()
    shared = StoryFactory(
        organisation=world.trust_a,
        title="Jane Doe on the night shift",
        narrative=WORDS,
        status="shared",
        ethnic_category="A",
        age_band="65-74",
    )
    StoryTag.objects.create(story=shared, theme=theme, sentiment="negative", decision=TagDecision.CONFIRMED)
    TagAudit.objects.create(
        item_label="stories.story", item_id=shared.pk, theme=theme, action="confirm", user=world.px_a
    )
    Story.objects.filter(pk=shared.pk).update(tag_status=TagStatus.TAGGED, sentiment="negative")
    draft = StoryFactory(organisation=world.trust_b, narrative=f"Her daughter wrote from {EMAIL}.")
    withdrawn = StoryFactory(
        organisation=world.trust_a, narrative="Phone 07700900456 please.", status="submitted"
    )
    story_status_set(story=withdrawn, status=StoryStatus.WITHDRAWN)
    response = ResponseFactory(service=world.service_a, fft_score=5, ethnic_category="A", sex="female")
    comment = CommentFactory(
        response=response, text=f"Nobody called back. {EMAIL}", tag_status=TagStatus.TAGGED
    )
    CommentTag.objects.create(comment=comment, theme=theme, sentiment="negative")
    other_response = ResponseFactory(service=world.service_a, fft_score=5, ethnic_category="A")
    CommentFactory(response=other_response, text="The planning was good, Joanne was kind.")
    unrelated = StoryFactory(organisation=world.trust_a, narrative="Annette helped a lot.", status="shared")

    icb = OrganisationFactory(kind="icb", ods_code="QYY", name="NHS Elsewhere ICB")
    ics = ICS.objects.create(name="Elsewhere ICS", icb=icb)
    icb.ics = ics
    icb.save()
    trust = OrganisationFactory(ods_code="RCC", name="TRUST C", icb=icb, ics=ics)
    elsewhere = StoryFactory(organisation=trust, narrative=WORDS)
    elsewhere_response = ResponseFactory(service=ServiceFactory(organisation=trust))
    CommentFactory(response=elsewhere_response, text=WORDS)
    other_admin = MembershipFactory(organisation=icb, role="system_admin").user
    return SimpleNamespace(
        theme=theme,
        shared=shared,
        draft=draft,
        withdrawn=withdrawn,
        response=response,
        comment=comment,
        other_response=other_response,
        unrelated=unrelated,
        elsewhere=elsewhere,
        elsewhere_response=elsewhere_response,
        other_admin=other_admin,
    )


def _find(user, by, value):
    records, _ = subjects.subject_find(user, search=subjects.Search(by=by, value=value))
    return {record.key for record in records}


def test_it_finds_a_teller_by_email_in_stories_drafts_and_comments_of_its_own_ics_only(world, people):
    found = _find(world.admin, "email", "JANE.DOE@example.com")
    assert found == {
        f"story:{people.shared.pk}",
        f"story:{people.draft.pk}",
        f"response:{people.response.pk}",
    }
    # The other ICS's administrator finds only their own.
    assert _find(people.other_admin, "email", EMAIL) == {
        f"story:{people.elsewhere.pk}",
        f"response:{people.elsewhere_response.pk}",
    }
    event = AuditEvent.objects.filter(action=AuditAction.SUBJECT_SEARCHED, user=world.admin).get()
    assert event.detail == {"by": "email", "matches": 3, "truncated": False}
    assert event.organisation == world.icb
    assert not AuditEvent.objects.filter(detail__icontains="jane").exists()


def test_it_finds_a_phone_number_however_it_was_written(world, people):
    expected = {f"story:{people.shared.pk}", f"story:{people.withdrawn.pk}"}
    assert _find(world.admin, "phone", "07700900456") == expected
    assert _find(world.admin, "phone", "+44 (0)7700 900 456") == expected
    assert _find(world.admin, "phone", "07700 900457") == set()


def test_it_finds_a_name_as_whole_words_only(world, people):
    assert _find(world.admin, "name", "jane doe") == {f"story:{people.shared.pk}"}
    # "Ann" is in "planning" and "Annette", "Jo" in "Joanne": not the person.
    assert _find(world.admin, "name", "Ann") == set()
    assert _find(world.admin, "name", "Joanne") == {f"response:{people.other_response.pk}"}
    # A few words they wrote find a response without a name, the longest word asked of the database first.
    assert _find(world.admin, "name", "nobody called back") == {f"response:{people.response.pk}"}
    assert _find(world.admin, "name", "nobody called") == {f"response:{people.response.pk}"}
    assert _find(world.admin, "name", "nobody calls") == set()


def test_it_finds_by_reference(world, people):
    assert _find(world.admin, "reference", f"S{people.draft.pk}") == {f"story:{people.draft.pk}"}
    assert _find(world.admin, "reference", f"r{people.response.pk}") == {f"response:{people.response.pk}"}
    assert _find(world.admin, "reference", f"S{people.elsewhere.pk}") == set()
    Response.objects.filter(pk=people.response.pk).update(source="import", dedupe_key="RAA:import:id:VEND-77")
    assert _find(world.admin, "reference", "VEND-77") == {f"response:{people.response.pk}"}
    Story.objects.filter(pk=people.draft.pk).update(import_source="care_opinion", external_id="1234567")
    assert _find(world.admin, "reference", "1234567") == {f"story:{people.draft.pk}"}


def test_a_record_outside_the_ics_is_not_there_for_any_step(world, people):
    keys = [f"story:{people.elsewhere.pk}", f"response:{people.elsewhere_response.pk}", "story:x", "nope:1"]
    assert subjects.subject_records(world.admin, keys=keys) == []
    assert subjects.subject_export(world.admin, keys=keys) is None
    assert subjects.subject_erase(world.admin, keys=keys)[0] == []
    assert subjects.subject_anonymise(world.admin, keys=keys)[0] == []
    assert Story.objects.get(pk=people.elsewhere.pk).narrative == WORDS
    assert Comment.objects.get(response=people.elsewhere_response).text == WORDS
    # Nor for a px lead, though the story is their own: requests are the administrator's.
    assert subjects.subject_records(world.px_a, keys=[f"story:{people.shared.pk}"]) == []


def test_the_copy_holds_the_persons_own_words_and_each_record_is_audited(world, people):
    keys = [f"story:{people.shared.pk}", f"response:{people.response.pk}"]
    copy = subjects.subject_export(world.admin, keys=keys)
    by_ref = {item["reference"]: item for item in copy["records"]}
    story = by_ref[f"S{people.shared.pk}"]
    assert story["story"] == WORDS and PHONE not in story["story_as_others_read_it"]
    assert story["equality_monitoring"]["age_band"] == "65 to 74"
    assert story["consent"]["history"] and story["themes"][0]["theme"] == people.theme.name
    assert story["tag_corrections"] == [
        {"theme": people.theme.name, "what": "confirm", "at": story["tag_corrections"][0]["at"]}
    ]
    response = by_ref[f"R{people.response.pk}"]
    assert response["comments"][0]["comment"] == people.comment.text
    assert response["fft_answer"] == "Very poor"
    exported = AuditEvent.objects.filter(action=AuditAction.EXPORT_DOWNLOADED, user=world.admin)
    assert sorted(exported.values_list("object_type", "object_id")) == sorted(
        [("stories.story", str(people.shared.pk)), ("feedback.response", str(people.response.pk))]
    )
    assert all(event.detail["export"] == "subject_access.json" for event in exported)
    # The access record of the story is in the copy: its export above is not (it was made after).
    assert isinstance(story["access_record"], list)


def _fft(org, field="very_poor"):
    return FFTMonthly.objects.filter(organisation=org).aggregate(n=Sum(field))["n"] or 0


def _story_theme_count(org):
    return ThemeMonthly.objects.filter(organisation=org, source="story").aggregate(n=Sum("count"))["n"] or 0


def test_erasing_deletes_everything_rebuilds_the_rollups_and_is_audited(world, people):
    rollups.rebuild_all()
    assert _fft(world.trust_a) == 2 and _story_theme_count(world.trust_a) == 1
    elsewhere_fft = _fft(people.elsewhere.organisation, "very_good")
    keys = [f"story:{people.shared.pk}", f"story:{people.draft.pk}", f"response:{people.response.pk}"]

    done, changed = subjects.subject_erase(world.admin, keys=keys)

    assert {record.reference for record in done} == {
        f"S{people.shared.pk}",
        f"S{people.draft.pk}",
        f"R{people.response.pk}",
    }
    assert not Story.objects.filter(pk__in=[people.shared.pk, people.draft.pk]).exists()
    assert not Response.objects.filter(pk=people.response.pk).exists()
    assert not Comment.objects.filter(pk=people.comment.pk).exists()
    assert not ConsentEvent.objects.filter(story_id=people.shared.pk).exists()
    assert not TagAudit.objects.filter(item_label="stories.story", item_id=people.shared.pk).exists()
    # The roll-ups were rebuilt at once, not at the next pass.
    assert _fft(world.trust_a) == 1 and _story_theme_count(world.trust_a) == 0
    erased = AuditEvent.objects.filter(action=AuditAction.SUBJECT_ERASED, user=world.admin)
    assert erased.count() == 3
    assert set(erased.values_list("organisation", flat=True)) == {world.trust_a.pk, world.trust_b.pk}
    assert changed.story_ids == {people.shared.pk, people.draft.pk}
    # Others untouched: the other respondent, the unrelated story, another ICS.
    assert Response.objects.filter(pk=people.other_response.pk).exists()
    assert (
        Story.objects.filter(pk__in=[people.unrelated.pk, people.withdrawn.pk, people.elsewhere.pk]).count()
        == 3
    )
    assert _fft(people.elsewhere.organisation, "very_good") == elsewhere_fft


def test_anonymising_keeps_the_counts_without_the_person(world, people):
    rollups.rebuild_all()
    equality_before = FFTEqualityMonthly.objects.filter(organisation=world.trust_a, characteristic="sex")
    assert equality_before.filter(group="female").exists()

    subjects.subject_anonymise(
        world.admin, keys=[f"story:{people.shared.pk}", f"response:{people.response.pk}"]
    )

    story = Story.objects.get(pk=people.shared.pk)
    assert story.narrative == story.redacted_narrative and PHONE not in story.narrative
    assert EMAIL not in story.narrative and "Jane" not in story.title
    assert story.ethnic_category == story.age_band == ""
    assert story.occurred_precision == "month" and story.occurred_on.day == 1
    assert story.status == StoryStatus.SHARED and story.tags.count() == 1
    comment = Comment.objects.get(pk=people.comment.pk)
    assert EMAIL not in comment.text and comment.text == comment.redacted_text
    response = Response.objects.get(pk=people.response.pk)
    assert response.ethnic_category == response.sex == "" and response.fft_score == 5
    # Still counted; no longer in an equality group.
    assert _fft(world.trust_a) == 2 and _story_theme_count(world.trust_a) == 1
    assert not FFTEqualityMonthly.objects.filter(
        organisation=world.trust_a, characteristic="sex", group="female"
    )
    assert AuditEvent.objects.filter(action=AuditAction.SUBJECT_ANONYMISED).count() == 2
    # The copy made after anonymising holds no more than the redacted words.
    copy = subjects.subject_export(world.admin, keys=[f"story:{people.shared.pk}"])
    assert PHONE not in json.dumps(copy)


def test_an_untagged_comment_is_redacted_before_it_replaces_the_original(world, people):
    Comment.objects.filter(pk=people.comment.pk).update(redacted_text="", redaction_version="")
    subjects.subject_anonymise(world.admin, keys=[f"response:{people.response.pk}"])
    text = Comment.objects.get(pk=people.comment.pk).text
    assert EMAIL not in text and "Nobody called back" in text


# The pages.


def test_the_pages_search_confirm_and_act_for_the_administrator(client, world, people):
    client.force_login(world.admin)
    page = client.post(reverse("privacy:subject_find"), {"by": "email", "value": EMAIL})
    assert page.status_code == 200
    body = page.content.decode()
    assert f"S{people.shared.pk}" in body and f"R{people.response.pk}" in body
    assert PHONE not in body and EMAIL not in body.replace(f'value="{EMAIL}"', "")

    key = f"story:{people.shared.pk}"
    viewed = client.post(reverse("privacy:subject_records"), {"record": [key]})
    assert viewed.status_code == 200 and PHONE not in viewed.content.decode()
    assert AuditEvent.objects.filter(
        action=AuditAction.SUBJECT_VIEWED, object_id=str(people.shared.pk)
    ).exists()

    download = client.post(reverse("privacy:subject_export"), {"record": [key]})
    assert download["Cache-Control"] == "private, no-store, max-age=0"
    assert "attachment" in download["Content-Disposition"]
    assert json.loads(download.content)["records"][0]["story"] == WORDS

    # Without the confirmation nothing happens: the page asks first.
    asked = client.post(reverse("privacy:subject_erase"), {"record": [key]})
    assert asked.status_code == 200 and b"Are you sure you want to erase 1 record?" in asked.content
    assert Story.objects.filter(pk=people.shared.pk).exists()
    done = client.post(reverse("privacy:subject_erase"), {"record": [key], "confirm": "yes"})
    assert done.status_code == 200 and not Story.objects.filter(pk=people.shared.pk).exists()
    # Acting again on what is gone: it does not exist.
    assert (
        client.post(reverse("privacy:subject_erase"), {"record": [key], "confirm": "yes"}).status_code == 404
    )


@pytest.mark.parametrize(
    ("by", "value", "message"),
    [
        ("email", "not-an-email", "Enter an email address in the correct format"),
        ("phone", "0770", "Enter a phone number of 10 to 13 digits"),
        ("name", "Jo", "Enter a name or words with at least 3 letters"),
        ("reference", "S 1; drop", "Enter a reference of letters, digits"),
        ("", "x", "Select what you have to find them by"),
    ],
)
def test_a_bad_search_is_refused_naming_the_field(client, world, by, value, message):
    client.force_login(world.admin)
    page = client.post(reverse("privacy:subject_find"), {"by": by, "value": value})
    assert page.status_code == 200 and message in page.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.SUBJECT_SEARCHED).exists()


def test_everyone_but_the_administrator_gets_404(client, world, people):
    for person in ("px_a", "icb_lead", "board_a", "stranger"):
        client.force_login(world.people()[person])
        assert client.get(reverse("privacy:subject_find")).status_code == 404
        for name in ("subject_records", "subject_export", "subject_erase", "subject_anonymise"):
            answer = client.post(
                reverse(f"privacy:{name}"), {"record": [f"story:{people.shared.pk}"], "confirm": "yes"}
            )
            assert answer.status_code == 404, (person, name)
    assert Story.objects.filter(pk=people.shared.pk).exists()


def test_the_privacy_notice_names_what_the_administrator_searches_by_and_does(client, world):
    notice = client.get(reverse("privacy_notice")).content.decode()
    # Each way the notice says a person can be found is a way the search offers, and the reverse.
    for by, words in {
        "reference": "S123 or R456",
        "email": "an email address or phone number you wrote",
        "phone": "an email address or phone number you wrote",
        "name": "your name as you wrote it, or a few of the words you wrote",
    }.items():
        assert by in subjects.SEARCH_KINDS and words in notice, by
    for step in (
        "<strong>A copy</strong>",
        "<strong>Deletion</strong>",
        "<strong>Removing what identifies you",
    ):
        assert step in notice


def test_a_name_search_leaves_the_records_unticked_and_choosing_none_is_explained(client, world, people):
    client.force_login(world.admin)
    by_name = client.post(
        reverse("privacy:subject_find"), {"by": "name", "value": "Jane Doe"}
    ).content.decode()
    by_email = client.post(reverse("privacy:subject_find"), {"by": "email", "value": EMAIL}).content.decode()
    ticked = re.compile(r'name="record"[^>]* checked>')
    assert 'name="record"' in by_name and not ticked.search(by_name)
    assert ticked.search(by_email)
    none = client.post(reverse("privacy:subject_records"), {})
    assert none.status_code == 400 and "Choose at least one record about this person" in none.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.SUBJECT_VIEWED).exists()


def test_the_copy_as_a_workbook_holds_the_same_and_no_formula(client, world, people):
    import io

    from openpyxl import load_workbook

    Story.objects.filter(pk=people.shared.pk).update(title='=HYPERLINK("http://evil.example","x")')
    client.force_login(world.admin)
    key = f"story:{people.shared.pk}"
    download = client.post(reverse("privacy:subject_export"), {"record": [key], "format": "xlsx"})
    assert download["Content-Disposition"].endswith('.xlsx"')
    assert download["Cache-Control"] == "private, no-store, max-age=0"
    sheet = load_workbook(io.BytesIO(download.content)).active
    rows = {(row[0], row[1]): row[2] for row in sheet.iter_rows(min_row=5, values_only=True)}
    assert rows[(f"S{people.shared.pk}", "story")] == WORDS
    assert rows[(f"S{people.shared.pk}", "title")] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows[(f"S{people.shared.pk}", "equality monitoring / age band")] == "65 to 74"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    event = AuditEvent.objects.get(action=AuditAction.EXPORT_DOWNLOADED, object_id=str(people.shared.pk))
    assert event.detail["export"] == "subject_access.xlsx"
