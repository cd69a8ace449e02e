"""Exports of the filtered responses to CSV and XLSX, streamed so that a large export never sits in memory.

A patient's comment must never become a formula in a spreadsheet: every cell is written through the hub's
one export writer (`insight_hub.exports`), which normalises the text and then neutralises it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet
from openpyxl import Workbook

from insight_hub import exports
from insight_hub.organisations.permissions import can_read_original
from insight_hub.themes.models import QuestionType

from .models import Comment, Response
from .selectors import AWAITING_REDACTION

CHUNK = 2000

HEADER = [
    "Response id",
    "Organisation ODS code",
    "Organisation",
    "Service",
    "Responded at",
    "FFT answer",
    "FFT answer code",
    # Never in the columns above: NHS England does not compare the old question's answers with the current.
    "FFT answer to the 2013–2020 question",
    "Source",
    "Location detail",
    "Ethnic category",
    "Age band",
    "Sex",
    "Disability",
    *(f"Comment: {label}" for label in QuestionType.labels),
    "Comment text",
]


def export_rows(user, responses: QuerySet[Response]) -> Iterator[list]:
    """One row per response, comments grouped by question type; original text only where the person may
    read it, redacted text elsewhere. Raw values: the export writer makes them safe cells."""
    comments = Prefetch(
        "comments",
        queryset=Comment.objects.only(
            "response_id", "question_type", "text", "redacted_text", "redaction_version"
        ).order_by("pk"),
    )
    originals: dict[int, bool] = {}
    for response in responses.prefetch_related(comments).iterator(chunk_size=CHUNK):
        org = response.organisation
        if org.pk not in originals:
            originals[org.pk] = can_read_original(user, org)
        by_type: dict[str, list[str]] = {}
        for comment in response.comments.all():
            if originals[org.pk]:
                text = comment.text
            else:
                text = comment.redacted_text if comment.redaction_version else AWAITING_REDACTION
            by_type.setdefault(comment.question_type, []).append(text)
        yield [
            response.pk,
            org.ods_code,
            org.display_name,
            response.service.name,
            response.responded_at.isoformat(),
            response.get_fft_score_display() if response.fft_score else "",
            response.fft_score or "",
            response.get_fft_recommend_display() if response.fft_recommend else "",
            response.get_source_display(),
            response.location_detail,
            response.ethnic_category,
            response.age_band,
            response.sex,
            response.disability,
            *("\n\n".join(by_type.get(qt, [])) for qt in QuestionType.values),
            "Original" if originals[org.pk] else "Redacted",
        ]


class _Echo:
    """csv.writer wants a file; this one hands each line back to the streaming response."""

    def write(self, value: str) -> str:
        return value


def csv_lines(user, responses: QuerySet[Response]) -> Iterator[str]:
    writer = exports.CsvWriter(_Echo())
    yield "\ufeff"  # a byte-order mark, so that Excel reads the file as UTF-8
    yield writer.writerow(HEADER)
    for row in export_rows(user, responses):
        yield writer.writerow(row)


def xlsx_file(user, responses: QuerySet[Response]):
    """A temporary file holding the workbook, rewound. Write-only mode streams rows to disk as it goes."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Responses")
    exports.xlsx_append(sheet, HEADER)
    for row in export_rows(user, responses):
        exports.xlsx_append(sheet, row)
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it once sent
    workbook.save(out)
    out.seek(0)
    return out
