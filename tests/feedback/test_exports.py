"""Exports of the filtered responses: CSV and XLSX, scoped, redacted outside the trust, never formulas."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from insight_hub.exports import cell, neutralise
from tests.factories import CommentFactory, ResponseFactory

pytestmark = pytest.mark.django_db

DANGEROUS = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]


@pytest.fixture
def dangerous(world):
    response = ResponseFactory(service=world.service_a, fft_score=5, location_detail="=cmd|' /C calc'!A0")
    for text in DANGEROUS:
        CommentFactory(response=response, text=text, redacted_text=text, redaction_version="test")
    return response


def test_neutralise_prefixes_only_cells_that_could_run_as_formulas():
    assert [neutralise(v) for v in DANGEROUS] == ["'" + v for v in DANGEROUS]
    assert neutralise("The ward was clean") == "The ward was clean"
    assert neutralise(5) == 5 and cell(5) == 5


def test_xlsx_export_opens_with_every_cell_as_text_and_no_formula(client, world, dangerous):
    client.force_login(world.px_a)
    response = client.get(reverse("feedback:response_export_xlsx"))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook["Responses"].iter_rows())
    header = [c.value for c in rows[0]]
    cells = dict(zip(header, rows[1], strict=True))
    assert all(cell.data_type != "f" for row in rows for cell in row)
    assert cells["Location detail"].value == "'=cmd|' /C calc'!A0"
    # A response's comments of one type share a cell; only its first character can start a formula.
    comments = cells["Comment: What was good"]
    assert comments.value.startswith("'=HYPERLINK") and comments.data_type == "s"
    assert cells["FFT answer"].value == "Very poor" and cells["Organisation ODS code"].value == "RAA"


def test_csv_export_neutralises_formulas_and_keeps_the_filters(client, world, dangerous):
    ResponseFactory(service=world.service_a, fft_score=1)
    client.force_login(world.px_a)
    response = client.get(reverse("feedback:response_export_csv"), {"fft_score": "5"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1
    assert rows[0]["Location detail"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["Comment: What was good"].startswith("'=HYPERLINK")


def test_exports_outside_the_trust_carry_only_redacted_text(client, world):
    response = ResponseFactory(service=world.service_a)
    CommentFactory(
        response=response, text="Dr Patel was great", redacted_text="[name] was great", redaction_version="1"
    )
    CommentFactory(response=response, text="Ring me on 07700 900123", redacted_text="", redaction_version="")
    client.force_login(world.icb_lead)
    text = b"".join(client.get(reverse("feedback:response_export_csv")).streaming_content).decode("utf-8-sig")
    assert "[name] was great" in text and "Patel" not in text and "07700" not in text
    client.force_login(world.px_a)
    text = b"".join(client.get(reverse("feedback:response_export_csv")).streaming_content).decode("utf-8-sig")
    assert "Dr Patel was great" in text


def test_exports_hold_only_responses_in_reach(client, world, dangerous):
    ResponseFactory(service=world.service_b)
    client.force_login(world.px_b)
    text = b"".join(client.get(reverse("feedback:response_export_csv")).streaming_content).decode("utf-8-sig")
    assert "RBB" in text and "RAA" not in text


def test_a_control_character_before_a_formula_from_the_public_form_never_reaches_the_xlsx(client, world):
    """Found by an outside attack: the check for a leading `=` ran before control characters were removed,
    so `\\x01=HYPERLINK(…)` became a live formula once the workbook writer dropped the `\\x01`."""
    from django.core.cache import cache

    from tests.feedback.test_public_form import answer

    cache.clear()  # the public form's rate limit
    hostile = '\x01=HYPERLINK("http://evil.example","x")'
    posted, _ = answer(client, world.service_a, q1="2", q2=hostile)
    assert posted.status_code == 302
    client.force_login(world.px_a)
    response = client.get(reverse("feedback:response_export_xlsx"))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook["Responses"].iter_rows())
    assert all(cell.data_type != "f" for row in rows for cell in row)
    cells = dict(zip([c.value for c in rows[0]], rows[1], strict=True))
    assert cells["Comment: What was good"].value == '\'=HYPERLINK("http://evil.example","x")'
    text = b"".join(client.get(reverse("feedback:response_export_csv")).streaming_content).decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["Comment: What was good"] == '\'=HYPERLINK("http://evil.example","x")'
