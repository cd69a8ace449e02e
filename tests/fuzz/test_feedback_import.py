"""Feedback imports fed arbitrary input (hypothesis), through the whole pipeline (upload, suggested columns,
the import run): never a crash or a server error, never a row half-written. Every row is imported, or
reported (with its row number and a message), or recognised as a repeat; what is stored is exactly what the
batch says it imported."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from feedback.importers import services
from feedback.models import Comment, FFTPublishedFigure, ImportBatch, ImportStatus, Response
from tests.feedback.test_import_parsers import FFT_TEMPLATES, filled_template, needs_templates
from tests.feedback.test_import_services import _commits, _media, queued  # noqa: F401 - fixtures, by name

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("queued")]
FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
HEADER = ("Submitted", "Ward", "Comments", "Rating", "Ref")
ODD = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["", "31/02/2025", "2025-13-01", "01/01/1900", "7", "-1", "1.5", "=SUM(A1)", "\x00", "\r"]
    ),
)


@st.composite
def vendor_row(draw, ward: str) -> list[str]:
    """A plausible vendor export row, with up to two cells replaced by anything at all."""
    row = [
        draw(st.sampled_from(["01/03/2025", "2025-03-02", "15/02/2025 10:30"])),
        ward,
        draw(st.sampled_from(["Lovely staff", "", "Waited too long", "Parking was a nightmare"])),
        draw(st.sampled_from(["1", "2", "5", "6"])),
        draw(st.sampled_from(["", "R1", "R2", "R3"])),
    ]
    for column in draw(st.lists(st.integers(0, len(HEADER) - 1), max_size=2, unique=True)):
        row[column] = draw(ODD)
    return row


def as_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8", "surrogatepass")


def imported(world, content: bytes, name: str = "export.csv") -> ImportBatch | None:
    try:
        batch = services.import_upload(
            user=world.px_a, organisation=world.trust_a, uploaded_file=SimpleUploadedFile(name, content)
        )
    except ValidationError as exc:  # the file as a whole refused, with a message
        assert exc.message_dict["file"][0]
        return None
    if services.mapping_problems(batch.column_mapping):
        return None  # the person chooses the columns first; nothing to run yet
    services.import_start(batch=batch)  # Celery is eager in tests: the import runs here
    batch.refresh_from_db()
    return batch


def check_accounted_for(batch: ImportBatch) -> None:
    assert batch.status == ImportStatus.DONE, (batch.status, batch.message)
    stored = Response.objects.filter(import_batch=batch)
    assert stored.count() == batch.rows_imported, "stored rows differ from the batch's count"
    assert batch.rows_imported + batch.rows_failed + batch.rows_duplicate == batch.rows_done
    for error in batch.errors:
        assert isinstance(error["row"], int) and error["row"] >= 2 and error["message"], error
    # Every failed or repeated row is named in the report (one or more problems each).
    assert len({error["row"] for error in batch.errors}) == batch.rows_failed + batch.rows_duplicate
    # A row is written whole: each stored response of this batch with a comment in its row has it.
    assert not Comment.objects.filter(response__import_batch=batch, text="").exists()


OUTCOMES: set[str] = set()


@FUZZ
@given(data=st.data(), count=st.integers(1, 6))
def test_any_vendor_rows_are_imported_or_reported_each_one(world, data, count):
    rows = [data.draw(vendor_row(world.service_a.name)) for _ in range(count)]
    before = Response.objects.count()
    batch = imported(world, as_csv(rows))
    if batch is None:  # e.g. control characters: not taken for a text file; refused whole, with a message
        assert Response.objects.count() == before
        OUTCOMES.add("file refused")
        return
    check_accounted_for(batch)
    OUTCOMES.add("some imported" if batch.rows_imported else "none imported")
    OUTCOMES.add("some refused" if batch.rows_failed else "none refused")


def test_the_vendor_examples_covered_good_and_bad_rows():
    # Runs after the property above (file order): a generator that never made good and bad rows tests little.
    assert {"some imported", "some refused", "none refused"} <= OUTCOMES, OUTCOMES


@FUZZ
@given(
    content=st.one_of(
        st.binary(max_size=500), st.text(max_size=500).map(lambda t: t.encode("utf-8", "replace"))
    ),
    name=st.sampled_from(["a.csv", "a.xlsx", "a.txt"]),
)
def test_any_file_is_refused_with_a_message_or_imported_and_accounted_for(world, content, name):
    batch = imported(world, content, name)
    if batch is not None:
        check_accounted_for(batch)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=400), name=st.sampled_from(["a.csv", "a.xlsx", "a.json", "a"]))
def test_the_upload_page_answers_any_file_without_a_server_error(client, world, content, name):
    client.force_login(world.px_a)
    before = ImportBatch.objects.count()
    answer = client.post(
        reverse("feedback:imports:upload"),
        {"organisation": world.trust_a.pk, "file": SimpleUploadedFile(name, content)},
    )
    assert answer.status_code in (200, 302)
    if answer.status_code == 200:  # refused, with the form shown again: nothing kept
        assert ImportBatch.objects.count() == before


# NHS England's published FFT workbooks: the real template, with arbitrary values where the figures go.

NHSE_OUTCOMES: set[str] = set()

NUMBER_OR_ODD = st.one_of(
    st.integers(0, 500),
    st.integers(0, 500),
    st.sampled_from(["*", "", None, -3, 1.5, "n/a"]),
    # Any text a spreadsheet cell can hold (openpyxl refuses control characters).
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=8),
)


@st.composite
def trust_row(draw) -> list:
    code = draw(
        st.one_of(
            st.sampled_from(["RAA", "RBB", "RZZ"]),
            st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=5),
        )
    )
    return [
        "QXX",
        code,
        "A Trust",
        *[draw(NUMBER_OR_ODD) for _ in range(2)],
        0.9,
        0.05,
        *[draw(NUMBER_OR_ODD) for _ in range(6)],
    ]


@needs_templates
# Few examples and no shrinking: each one writes and reads NHS England's macro workbook (seconds each).
@settings(
    max_examples=10,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rows=st.lists(trust_row(), min_size=1, max_size=4))
def test_any_figures_in_an_nhse_workbook_are_stored_or_reported_never_a_crash(world, tmp_path_factory, rows):
    path = filled_template(tmp_path_factory.mktemp("nhse"), "ae", {"Trusts": rows})
    batch = services.nhse_upload(
        user=world.admin, icb=world.icb, uploaded_file=SimpleUploadedFile(path.name, path.read_bytes())
    )
    batch.refresh_from_db()
    assert batch.status in (ImportStatus.DONE, ImportStatus.FAILED)
    if batch.status == ImportStatus.FAILED:
        assert batch.message and not FFTPublishedFigure.objects.filter(import_batch=batch).exists()
        return
    assert FFTPublishedFigure.objects.filter(import_batch=batch).count() == batch.rows_imported
    for error in batch.errors:
        assert error["message"], error
    NHSE_OUTCOMES.add("stored" if batch.rows_imported else "none stored")


def test_the_workbook_examples_stored_some_figures():
    # Runs after the property above (file order), when the templates are there.
    if FFT_TEMPLATES.exists():
        assert "stored" in NHSE_OUTCOMES, NHSE_OUTCOMES
