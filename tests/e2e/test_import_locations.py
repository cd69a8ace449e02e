"""A GP practice's px lead imports its FFT file, whose surgeries are not yet services: one is matched to a
service the practice has, one is added as a new service, one is left out; the rows land where chosen."""

from __future__ import annotations

import csv
import re

import pytest

from feedback.importers import services
from feedback.models import ImportBatch, Response
from insight_hub.organisations.models import Service
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, ServiceFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OLD_ANSWERS = ["Extremely likely", "Likely", "Neither likely nor unlikely", "Unlikely", "Extremely unlikely"]


@pytest.fixture(autouse=True)
def _media_and_no_tagging(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(services, "tagging_queue", lambda *, label, ids: None)


def practice_file(path, surgeries: dict[str, int]) -> None:
    """The shape of a GP practice's FFT export in the 2013–2020 wording (as in tests/feedback/
    test_old_question.py), one surgery per row."""
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["time", "rating", "free_text", "do_better", "surgery", "free_text_len"])
        row = 0
        for surgery, count in surgeries.items():
            for _ in range(count):
                answer = OLD_ANSWERS[row % 5]
                writer.writerow(["2023-07-13 15:28:00", answer, f"Reason {row}", "", surgery, "8.0"])
                row += 1


def test_a_px_lead_maps_one_surgery_adds_another_and_sees_the_rows_imported(page, world, tmp_path):
    riverside = ServiceFactory(organisation=world.trust_a, name="Riverside Surgery", fft_setting="gp")
    export = tmp_path / "gp-fft-july.csv"
    practice_file(export, {"RIVERSIDE": 3, "Elm Lodge": 4, "Mystery Branch": 2})

    sign_in(page, world.px_a.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/feedback/imports/new/")
    page.locator("input[type=file][name=file]").set_input_files(str(export))
    page.get_by_role("button", name="Upload and choose columns").click()
    page.wait_for_url("**/columns/")
    for column, field in [
        ("time", "date"),
        ("rating", "fft_recommend"),
        ("free_text", "comment:nonspecific"),
        ("do_better", ""),
        ("surgery", "location_1"),
        ("free_text_len", ""),
    ]:
        page.get_by_label(re.compile(rf"^{column}( \(optional\))?$")).select_option(field)
    page.get_by_role("button", name="Preview the import").click()

    page.wait_for_url("**/locations/")
    assert_accessible(page)
    main = page.locator("main").inner_text()
    assert "Match the locations to services" in main
    # Listed with their rows, most first; the close one already chosen.
    elm = page.get_by_label("“Elm Lodge” (4 rows)")
    river = page.get_by_label("“RIVERSIDE” (3 rows)")
    mystery = page.get_by_label("“Mystery Branch” (2 rows)")
    assert river.input_value() == str(riverside.pk)
    assert elm.input_value() == mystery.input_value() == ""
    elm.select_option("new")
    page.get_by_label("Name of the new service for “Elm Lodge”").fill("Elm Lodge Surgery")
    page.get_by_label("FFT setting of any new service").select_option("gp")
    page.get_by_role("button", name="Save and continue").click()

    page.wait_for_url("**/preview/")
    assert_accessible(page)
    assert "adds 1 new service" in page.locator("main").inner_text()
    assert not Service.objects.filter(name="Elm Lodge Surgery").exists()  # only when confirmed
    page.get_by_role("button", name="Import the file").click()
    page.get_by_text("Imported 7 of 9 rows").wait_for()
    assert_accessible(page)

    elm_lodge = Service.objects.get(organisation=world.trust_a, name="Elm Lodge Surgery")
    assert elm_lodge.fft_setting == "gp"
    assert Response.objects.filter(service=riverside, fft_recommend__isnull=False).count() == 3
    assert Response.objects.filter(service=elm_lodge).count() == 4
    batch = ImportBatch.objects.get()
    assert {error["value"] for error in batch.errors} == {"Mystery Branch"}
    assert page.console_errors == []
