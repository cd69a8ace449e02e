"""What the import pages of the feature apps share: the progress of a batch (the `progress` partial of
templates/imports/progress.html) and the download of its problems as CSV."""

from __future__ import annotations

from collections.abc import Iterator

from django.http import HttpResponse

from insight_hub import exports
from insight_hub.privacy import audit
from insight_hub.privacy.models import AuditAction

from .progress import ImportProgress

# Problems listed on the page; the CSV has them all.
REPORT_SHOWN = 20


def progress_context(batch: ImportProgress, *, imported: str = "Imported") -> dict[str, object]:
    """The context of templates/imports/progress.html for `batch`; `imported` names its count of rows
    imported."""
    return {
        "batch": batch,
        "running": batch.running,
        "percent": batch.percent,
        "problems": batch.errors[:REPORT_SHOWN],
        "counts": [
            ("Rows read", f"{batch.rows_done:,}"),
            (imported, f"{batch.rows_imported:,}"),
            ("Already imported, or repeated in the file", f"{batch.rows_duplicate:,}"),
            ("Not imported: a problem to correct", f"{batch.rows_failed:,}"),
        ],
    }


def problem_rows(batch: ImportProgress, *, heading: str = "message") -> Iterator[list[object]]:
    """The batch's report as CSV rows: row, column, value, and what is wrong (headed `heading`). Raw
    values, which quote the uploaded file: write them with `insight_hub.exports`, which defuses formulas."""
    yield ["row", "column", "value", heading]
    for item in batch.errors:
        yield [
            item.get("row", ""),
            item.get("column", ""),
            str(item.get("value", "")),
            item.get("message", ""),
        ]


def problems_csv_response(
    request, batch: ImportProgress, *, name: str, heading: str = "message"
) -> HttpResponse:
    """The batch's problems as a CSV download, `<name>-<uid>-problems.csv`, every cell neutralised. The
    report quotes cells of the uploaded file, which may hold patients' words: each download is audited."""
    audit.record(request.user, AuditAction.EXPORT_DOWNLOADED, batch, export=f"{name}-problems.csv")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{batch.uid}-problems.csv"'
    # A BOM, so that Excel opens the report as UTF-8 rather than guessing Windows-1252.
    response.write("\ufeff")
    exports.CsvWriter(response).writerows(problem_rows(batch, heading=heading))
    return response
