"""Exports of the filtered responses to CSV and XLSX, streamed so that a large export never sits in memory.

Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` (and some a tab or carriage return)
as a formula: a patient's comment must never become one. Such text is prefixed with `'`, as OWASP advises.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from insight_hub.organisations.permissions import can_read_original
from insight_hub.themes.models import QuestionType

from .models import Comment, Response
from .selectors import AWAITING_REDACTION

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000

HEADER = [
    "Response id",
    "Organisation ODS code",
    "Organisation",
    "Service",
    "Responded at",
    "FFT answer",
    "FFT answer code",
    "Source",
    "Location detail",
    "Ethnic category",
    "Age band",
    "Sex",
    "Disability",
    *(f"Comment: {label}" for label in QuestionType.labels),
    "Comment text",
]


def neutralise(value):
    """A value that a spreadsheet shows as text, never runs."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def export_rows(user, responses: QuerySet[Response]) -> Iterator[list]:
    """One row per response, comments grouped by question type; original text only where the person may
    read it, redacted text elsewhere."""
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
            neutralise(value)
            for value in [
                response.pk,
                org.ods_code,
                org.display_name,
                response.service.name,
                response.responded_at.isoformat(),
                response.get_fft_score_display() if response.fft_score else "",
                response.fft_score or "",
                response.get_source_display(),
                response.location_detail,
                response.ethnic_category,
                response.age_band,
                response.sex,
                response.disability,
                *("\n\n".join(by_type.get(qt, [])) for qt in QuestionType.values),
                "Original" if originals[org.pk] else "Redacted",
            ]
        ]


class _Echo:
    """csv.writer wants a file; this one hands each line back to the streaming response."""

    def write(self, value: str) -> str:
        return value


def csv_lines(user, responses: QuerySet[Response]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a byte-order mark, so that Excel reads the file as UTF-8
    yield writer.writerow([neutralise(h) for h in HEADER])
    for row in export_rows(user, responses):
        yield writer.writerow(row)


def xlsx_file(user, responses: QuerySet[Response]):
    """A temporary file holding the workbook, rewound. Write-only mode streams rows to disk as it goes."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Responses")
    sheet.append(HEADER)
    for row in export_rows(user, responses):
        # Control characters are not allowed in the XML of a workbook (openpyxl refuses them).
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it once sent
    workbook.save(out)
    out.seek(0)
    return out
