"""Story imports fed arbitrary input (hypothesis): never a crash or a server error, never a partial import.
Either every row is imported, or nothing is and each bad row is reported with its field and what is wrong."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stories.imports import CSV_REQUIRED, RowError, stories_import
from stories.models import CriticalityScale, Story
from tests.stories.conftest import tagging_recorded  # noqa: F401 - the fixture, used by name

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tagging_recorded")]
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
COLUMNS = (*CSV_REQUIRED, "services", "consent_internal_learning", "ethnic_category", "age_band")
VALID = {
    "external_id": st.text(alphabet="ABC123-", min_size=1, max_size=6),
    "title": st.sampled_from(["Kind nurses", "Long wait", "Lost letter"]),
    "narrative": st.sampled_from(["The nurses were kind.", "We waited six hours to be seen.", "Fine."]),
    "teller": st.sampled_from(["patient", "carer", "family", "staff", "advocate"]),
    "occurred_on": st.sampled_from(["2025-03-14", "2025-02", "2024-12-31"]),
    "source_channel": st.sampled_from(["interview", "pals", "complaint", "survey", "other"]),
    "services": st.just(""),
    "consent_internal_learning": st.sampled_from(["yes", "no", ""]),
    "ethnic_category": st.sampled_from(["A", "H", "Z", ""]),
    "age_band": st.sampled_from(["65-74", ""]),
}
# Any text at all, and the awkward values people's spreadsheets hold.
ODD = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "2025-13-01", "2025-02-30", "3000-01-01", "YES", "x" * 20_001, "=1+1", "\x00"]),
)


@st.composite
def story_row(draw) -> dict:
    """A plausible row, with up to two of its cells replaced by anything at all."""
    values = {column: draw(VALID[column]) for column in COLUMNS}
    for column in draw(st.lists(st.sampled_from(COLUMNS), max_size=2, unique=True)):
        values[column] = draw(ODD)
    return values


ROW = story_row()
OUTCOMES: set[str] = set()  # which kinds of report the examples produced (checked below)


def as_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8", "surrogatepass")


def check_all_or_nothing(report, before: int, rows: int, *, first: int = 2) -> None:
    """CSV rows are numbered as a spreadsheet shows them (the header is row 1); Care Opinion's from 1."""
    after = Story.objects.count()
    OUTCOMES.add("imported" if report.created else "refused" if report.errors else "skipped")
    if report.ok:
        assert after - before == report.created and report.created + report.skipped == rows
    else:
        assert after == before, "a file with a bad row imported something"
        assert report.created == 0
        for error in report.errors:
            assert isinstance(error, RowError) and error.message
            assert error.row is None or first <= error.row < first + rows, error


@FUZZ
@given(rows=st.lists(ROW, min_size=1, max_size=4))
def test_any_csv_rows_import_all_or_nothing_with_each_bad_row_named(world, rows):
    before = Story.objects.count()
    report = stories_import(organisation=world.trust_a, user=world.px_a, name="s.csv", content=as_csv(rows))
    check_all_or_nothing(report, before, len(rows))


def test_the_csv_examples_covered_both_good_and_bad_files():
    # Runs after the property above (file order): a generator that never made a good file tests little.
    assert {"imported", "refused"} <= OUTCOMES, OUTCOMES


@FUZZ
@given(content=st.one_of(st.binary(max_size=600), st.text(max_size=600).map(str.encode)))
def test_any_bytes_as_csv_or_json_are_reported_never_a_crash(world, content):
    for name in ("stories.csv", "opinions.json"):
        before = Story.objects.count()
        report = stories_import(organisation=world.trust_a, user=world.px_a, name=name, content=content)
        assert Story.objects.count() - before == report.created
        assert report.ok or (report.created == 0 and all(str(e) for e in report.errors))


JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
OPINION = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.integers(), st.text(max_size=8), JSON_VALUE),
        "title": st.one_of(st.text(max_size=30), JSON_VALUE),
        "body": st.one_of(
            st.just("The ward was clean and the staff were kind."), st.text(max_size=60), JSON_VALUE
        ),
        "criticality": st.one_of(
            st.sampled_from(["stronglyCritical", "notCritical", 5, 0, 9, -4, "-5", "+3", "?"]), JSON_VALUE
        ),
        "dateOfSubmission": st.one_of(
            st.sampled_from(["2025-03-14T10:00:00Z", "2025-03-14", "yesterday"]), JSON_VALUE
        ),
        "authorRole": st.one_of(st.sampled_from(["patient", "carer", "relative", "alien"]), JSON_VALUE),
        "tags": JSON_VALUE,
        "progress": JSON_VALUE,
    },
)


@FUZZ
@given(
    opinions=st.lists(OPINION, max_size=3),
    wrapped=st.booleans(),
    scale=st.sampled_from(CriticalityScale.values),
)
def test_any_care_opinion_export_imports_all_or_nothing(world, opinions, wrapped, scale):
    before = Story.objects.count()
    content = json.dumps({"opinions": opinions} if wrapped else opinions).encode()
    report = stories_import(
        organisation=world.trust_a, user=world.px_a, name="co.json", content=content, criticality_scale=scale
    )
    check_all_or_nothing(report, before, len(opinions), first=1)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    content=st.binary(max_size=400),
    name=st.one_of(st.sampled_from(["a.csv", "a.json", "a.xlsx", "a"]), st.text(min_size=1, max_size=20)),
)
def test_the_import_page_answers_any_upload_without_a_server_error(client, world, content, name):
    client.force_login(world.px_a)
    before = Story.objects.count()
    try:
        upload = SimpleUploadedFile(name.replace("\x00", "") or "a", content)
    except Exception:  # noqa: BLE001 - a name the test client itself cannot send is not this test's business
        return
    answer = client.post(reverse("stories:import"), {"organisation": world.trust_a.pk, "file": upload})
    assert answer.status_code in (200, 302)
    if answer.status_code == 200:
        assert Story.objects.count() == before
