"""A head of patient experience imports a supplier's export: upload, columns, preview, progress, report."""

from __future__ import annotations

import pytest

from feedback.importers import services
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media_and_no_tagging(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(services, "tagging_queue", lambda *, label, ids: None)


def test_a_px_lead_imports_a_csv_and_downloads_the_problems(page, world, tmp_path):
    export = tmp_path / "supplier-export.csv"
    export.write_text(
        "Submitted,Ward,What was good?,Rating\n"
        f"01/03/2025,{world.service_a.name},Kind and quick,1\n"
        f"31/02/2025,{world.service_a.name},Date is wrong,2\n"
        "02/03/2025,Ward that does not exist,Lost,3\n",
        encoding="utf-8",
    )
    sign_in(page, world.px_a.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/feedback/imports/")
    assert_accessible(page)
    page.get_by_role("link", name="Import responses").click()
    assert_accessible(page)
    page.locator("input[type=file][name=file]").set_input_files(str(export))
    page.get_by_role("button", name="Upload and choose columns").click()
    page.wait_for_url("**/columns/")
    assert_accessible(page)
    assert page.get_by_label("What was good?").input_value() == "comment:what_good"
    page.get_by_role("button", name="Preview the import").click()
    # The location step: the ward that is no service is left unmapped, so its row is reported.
    page.wait_for_url("**/locations/")
    assert page.get_by_label("“Ward that does not exist” (1 row)").input_value() == ""
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/preview/")
    assert_accessible(page)
    assert "“31/02/2025” is not a real date" in page.locator("main").inner_text()
    page.get_by_role("button", name="Import the file").click()
    page.get_by_text("Imported 1 of 3 rows").wait_for()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the list of problems (CSV)").click()
    report = download.value.path().read_text(encoding="utf-8-sig").splitlines()
    assert report[0] == "row,column,value,message"
    assert [line.split(",")[:2] for line in report[1:]] == [["3", "Submitted"], ["4", "Ward"]]
    assert page.console_errors == []
