"""Files as users hold them, imported through the browser with a mapping: a Care Opinion export (the columns
of a real one: story text, signed criticality, Care Opinion's own labels; no title, teller, date or consent),
then the same kind of file with the downloaded mapping, by the page and by the command; and a GP practice's
FFT file in the 2013–2020 wording, with a value mapping, every row imported and no two people merged."""

from __future__ import annotations

import csv
import json

import pytest
from django.core.management import call_command

from feedback.models import FFTRecommendAnswer, ImportBatch, Response
from insight_hub.themes import services as theme_services
from stories.models import Story, StoryImport
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# In the shape of ../shared/data/care_opinion_stories_dev.csv (its columns; the texts written for the test).
CARE_OPINION_HEADER = ["story_id", "text", "criticality", "care_opinion_label", "care_opinion_subcategory"]
TEXTS = [
    (
        "I phoned the crisis team at night and the worker was abrupt; nobody called me back for three days.",
        -4,
        "Staff",
        "Attitude Of Staff",
    ),
    (
        "The nurses made me feel safe and looked after. Thank you for caring, you all deserve medals!",
        2,
        "Dignity",
        "Feeling safe including bullying",
    ),
    ("Parking was easy and the clinic ran on time.", 0, "Access", "Waiting times"),
    (
        "My mother was left without water for hours on the ward and nobody answered the bell.",
        -5,
        "Care",
        "Basic needs",
    ),
]


@pytest.fixture(autouse=True)
def _media_and_no_tagging(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(theme_services, "tagging_queue", lambda *, label, ids: None)


def care_opinion_file(path, first: int, count: int):
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(CARE_OPINION_HEADER)
        for i in range(first, first + count):
            text, criticality, label, sub = TEXTS[i % len(TEXTS)]
            writer.writerow([f"co-{i}", f"{text} ({i})", criticality, label, sub])
    return path


def fill_settings(page):
    page.get_by_label("Signed −5..+5 (negative critical, positive praise)").check()
    page.get_by_label("Who told the stories, when the file does not say").select_option("patient")
    page.get_by_label("Where the stories came from, when the file does not say").select_option("care_opinion")
    page.get_by_label("Month the stories happened, when the file does not say").fill("2024-03")
    page.get_by_label("Internal learning").check()
    page.get_by_label("Why (recorded with your name on every story of this import)").fill(
        "Published by the teller on Care Opinion under its terms: internal learning"
    )


def test_a_care_opinion_export_imports_with_a_saved_mapping_by_page_and_by_command(page, world, tmp_path):
    sign_in(page, world.px_a.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/stories/imports/")
    assert_accessible(page)
    page.get_by_role("link", name="Import a file of stories").click()
    assert_accessible(page)
    page.locator("input[type=file][name=file]").set_input_files(
        str(care_opinion_file(tmp_path / "co-1.csv", 0, 4))
    )
    page.get_by_role("button", name="Upload and choose columns").click()
    page.wait_for_url("**/columns/")
    assert_accessible(page)
    assert page.locator("select[name=column_1]").input_value() == "narrative"
    assert page.locator("select[name=column_3]").input_value() == "tag"
    page.get_by_role("button", name="Next: values, defaults and consent").click()
    page.wait_for_url("**/values/")
    assert_accessible(page)
    fill_settings(page)
    page.get_by_role("button", name="Preview the import").click()
    page.wait_for_url("**/preview/")
    assert_accessible(page)
    main = page.locator("main").inner_text()
    assert "5 of 5, severely critical" in main and "Praise 2 of 5" in main
    page.get_by_role("button", name="Import the stories").click()
    page.get_by_text("Imported 4 stories").wait_for()
    assert_accessible(page)
    recorded = page.locator("main dl").last.inner_text()
    assert "Criticality scale" in recorded and "Signed −5..+5" in recorded and "Care Opinion" in recorded
    assert "If a row has a problem" in recorded and "on_error" not in recorded and "_" not in recorded
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this mapping (JSON)").click()
    mapping = tmp_path / "care-opinion-mapping.json"
    mapping.write_text(download.value.path().read_text(encoding="utf-8"), encoding="utf-8")
    assert json.loads(mapping.read_text())["kind"] == "stories"

    # The next export, with the saved mapping: columns, values and defaults come filled in.
    page.goto("/stories/imports/new/")
    page.locator("input[type=file][name=file]").set_input_files(
        str(care_opinion_file(tmp_path / "co-2.csv", 4, 4))
    )
    page.locator("input[type=file][name=mapping]").set_input_files(str(mapping))
    page.get_by_role("button", name="Upload and choose columns").click()
    page.wait_for_url("**/columns/")
    page.get_by_role("button", name="Next: values, defaults and consent").click()
    page.wait_for_url("**/values/")
    assert (
        page.get_by_label("Month the stories happened, when the file does not say").input_value() == "2024-03"
    )
    page.get_by_label("Internal learning").check()
    page.get_by_label("Why (recorded with your name on every story of this import)").fill(
        "Published by the teller on Care Opinion under its terms: internal learning"
    )
    page.get_by_role("button", name="Preview the import").click()
    page.get_by_role("button", name="Import the stories").click()
    page.get_by_text("Imported 4 stories").wait_for()
    story = Story.objects.get(external_id="co-7")  # the fourth text again: -5, severely critical
    assert (story.criticality, story.praise, story.criticality_scale) == (5, 0, "signed")
    page.goto(f"/stories/{story.pk}/")
    assert_accessible(page)
    assert (
        "5 of 5, severely critical (signed -5 at source)" in page.get_by_test_id("criticality").inner_text()
    )
    assert "Care Opinion under its terms" in page.get_by_test_id("consent-basis").inner_text()

    # The same mapping by command.
    call_command(
        "import_stories",
        str(care_opinion_file(tmp_path / "co-3.csv", 8, 4)),
        organisation=world.trust_a.ods_code,
        user=world.px_a.username,
        mapping=mapping,
        consent="internal_learning",
        consent_reason="Published by the teller on Care Opinion under its terms: internal learning",
    )
    assert Story.objects.count() == 12 and StoryImport.objects.count() == 3
    assert Story.objects.get(external_id="co-9").praise == 2
    assert page.console_errors == []


OLD_WORDING = [label for _, label in FFTRecommendAnswer.choices]


def gp_file(path, service_name: str, rows: int = 120):
    """A GP practice's FFT export in the 2013–2020 wording: 60 people a minute, alike answers, one
    practice, and derived numeric columns (free_text_len, rating_score) that are not comments."""
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(
            ["time", "rating", "free_text", "do_better", "surgery", "free_text_len", "rating_score"]
        )
        for i in range(rows):
            rating = OLD_WORDING[i % 3 if i % 10 else 5]  # mostly likely; some Don't know
            free_text = "Friendly reception" if i % 4 == 0 else ""
            do_better = "Answer the phone sooner" if i % 5 == 0 else ""
            writer.writerow(
                [
                    f"2023-07-13 15:{28 + i // 60:02d}:00",
                    rating,
                    free_text,
                    do_better,
                    service_name,
                    f"{len(free_text)}.0",
                    (i % 3) + 1,
                ]
            )
    return path


def test_a_gp_fft_file_in_the_old_wording_imports_every_row_with_a_value_mapping(page, world, tmp_path):
    sign_in(page, world.px_a.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/feedback/imports/new/")
    page.locator("input[type=file][name=file]").set_input_files(
        str(gp_file(tmp_path / "gp.csv", world.service_a.name))
    )
    page.get_by_role("button", name="Upload and choose columns").click()
    page.wait_for_url("**/columns/")
    assert page.locator("select[name=column_0]").input_value() == "date"
    assert page.locator("select[name=column_4]").input_value() == "location_1"
    assert page.locator("select[name=column_1]").input_value() == "fft_recommend"
    assert page.locator("select[name=column_3]").input_value() == "comment:could_improve"
    assert page.locator("select[name=column_5]").input_value() == ""  # numbers, not a comment
    assert page.locator("select[name=column_6]").input_value() == ""
    page.get_by_role("button", name="Preview the import").click()
    page.wait_for_url("**/preview/")
    page.get_by_role("link", name="Change what the answers in ‘rating’ mean").click()
    page.wait_for_url("**/values/")
    assert_accessible(page)
    assert page.get_by_label("“Extremely likely”").input_value() == "1"
    assert page.get_by_label("“Don't know”").input_value() == "6"
    page.get_by_role("button", name="Preview the import").click()
    page.wait_for_url("**/preview/")
    assert "Not imported" not in page.locator("main").inner_text()
    page.get_by_role("button", name="Import the file").click()
    page.get_by_text("Imported 120 of 120 rows").wait_for()
    batch = ImportBatch.objects.get()
    assert (batch.rows_failed, batch.rows_duplicate) == (0, 0)  # 0 refused, 0 people merged
    assert batch.value_mapping["fft_recommend"]["Don't know"] == "6"
    assert Response.objects.count() == 120
    assert Response.objects.filter(fft_recommend=FFTRecommendAnswer.DONT_KNOW).count() == 12
    assert page.console_errors == []
