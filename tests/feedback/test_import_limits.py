"""Limits on what a feedback import unpacks and parses (issue #15): each refused before the work starts,
with a message naming the file and the limit, and no file left behind in MEDIA_ROOT.

The workbooks here are built the way the attack built them: a real workbook from openpyxl whose parts are
then replaced (shared text that unpacks to many times its packed size, a row numbered past Excel's last)."""

from __future__ import annotations

import html
import io
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from feedback.importers import services
from feedback.importers.mapping import suggest_mapping
from feedback.models import ImportBatch, ImportStatus
from tests.feedback.test_import_services import _commits, _media, queued  # noqa: F401 - fixtures, by name

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("queued")]


def workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_parts(content: bytes, parts: dict[str, bytes]) -> bytes:
    """The workbook with some of its ZIP members replaced or added (content types left as they are)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zip_,
    ):
        for info in source.infolist():
            if info.filename not in parts:
                zip_.writestr(info, source.read(info))
        for name, data in parts.items():
            zip_.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def shared_strings(texts: list[str]) -> bytes:
    items = "".join(f"<si><t>{text}</t></si>" for text in texts)
    return (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(texts)}" uniqueCount="{len(texts)}">{items}</sst>'
    ).encode()


def bomb(unpacked_bytes: int) -> bytes:
    """A small workbook whose shared text unpacks to `unpacked_bytes`: one cell's text, repeated."""
    base = workbook([["Date", "Ward", "Comments"], ["01/03/2025", "Ward 1", "fine"]])
    return with_parts(base, {"xl/sharedStrings.xml": shared_strings(["A" * unpacked_bytes])})


def media_files() -> list[Path]:
    root = Path(django_settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def upload(world, content: bytes, name: str) -> ImportBatch:
    return services.import_upload(
        user=world.px_a, organisation=world.trust_a, uploaded_file=SimpleUploadedFile(name, content)
    )


def refusal(world, content: bytes, name: str) -> str:
    with pytest.raises(ValidationError) as caught:
        upload(world, content, name)
    assert not media_files(), "a refused upload left its file in MEDIA_ROOT"
    assert not ImportBatch.objects.exists()
    return caught.value.message_dict["file"][0]


# XLSX: what the archive unpacks to, read from its directory before openpyxl opens it ---------------------


def test_a_workbook_whose_text_unpacks_to_a_thousand_times_its_size_is_refused_unopened(world):
    content = bomb(30 * 1024 * 1024)
    assert len(content) < 100 * 1024  # the attack's file was 311 KB and unpacked to 300 MB
    started = time.perf_counter()
    message = refusal(world, content, "bomb.xlsx")
    assert time.perf_counter() - started < 5  # milliseconds on a quiet machine
    assert message.startswith("bomb.xlsx: ") and "xl/sharedStrings.xml" in message and "100 times" in message


def test_the_upload_page_refuses_the_bomb_with_a_form_error_and_keeps_nothing(client, world):
    client.force_login(world.px_a)
    answer = client.post(
        reverse("feedback:imports:upload"),
        {"organisation": world.trust_a.pk, "file": SimpleUploadedFile("bomb.xlsx", bomb(30 * 1024 * 1024))},
    )
    assert answer.status_code == 200
    assert "bomb.xlsx: The workbook's part xl/sharedStrings.xml" in html.unescape(answer.content.decode())
    assert not media_files() and not ImportBatch.objects.exists()


def test_shared_text_over_its_own_limit_is_refused_however_well_it_packs(world, settings):
    settings.XLSX_MAX_SHARED_STRINGS_BYTES = 1024 * 1024
    texts = [f"Comment number {i} about ward {i % 97}" for i in range(40_000)]  # packs ordinarily
    content = with_parts(workbook([["Date", "Ward"]]), {"xl/sharedStrings.xml": shared_strings(texts)})
    message = refusal(world, content, "text.xlsx")
    assert (
        "text unpacks to 2 MB; the most the hub reads is 1 MB" in message
        and "Save the sheet as CSV" in message
    )


def test_more_different_texts_than_the_limit_are_refused_by_the_count_the_workbook_declares(world, settings):
    settings.XLSX_MAX_SHARED_STRINGS = 1000
    content = with_parts(
        workbook([["Date", "Ward"]]), {"xl/sharedStrings.xml": shared_strings([f"t{i}" for i in range(1001)])}
    )
    assert "holds 1,001 different texts" in refusal(world, content, "many.xlsx")


def test_a_workbook_unpacking_past_the_total_limit_is_refused(world, settings):
    settings.XLSX_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    sheet = "".join(
        f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>x{i}</t></is></c></row>' for i in range(1, 40_000)
    )
    content = with_parts(
        workbook([["Date"]]),
        {
            "xl/worksheets/sheet1.xml": (
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                f"<sheetData>{sheet}</sheetData></worksheet>"
            ).encode()
        },
    )
    assert "The workbook unpacks to" in refusal(world, content, "big.xlsx")


def test_an_ordinary_workbook_is_still_accepted(world):
    batch = upload(
        world, workbook([["Date", "Ward", "Comments"], ["01/03/2025", "Ward 1", "Kind"]]), "ok.xlsx"
    )
    assert batch.column_mapping["Ward"] == "location_1" and len(media_files()) == 1


# XLSX: rows and cells, counted as the sheet is read ---------------------------------------------------------


def sheet_xml(rows: str) -> bytes:
    return (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{rows}</sheetData></worksheet>"
    ).encode()


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def test_a_row_numbered_past_excels_last_is_refused_at_upload_with_a_message(world):
    # The upload reads the first rows to guess the mapping (and the FFT question's wording), so a sheet that
    # jumps past Excel's last row is refused there, before anything is stored, and quickly.
    header = f'<row r="1">{cell("A1", "Submitted")}{cell("B1", "Ward")}{cell("C1", "Comments")}</row>'
    far = f'<row r="2000000">{cell("A2000000", "01/03/2025")}{cell("B2000000", "Ward")}</row>'
    content = with_parts(workbook([["x"]]), {"xl/worksheets/sheet1.xml": sheet_xml(header + far)})
    started = time.perf_counter()
    message = refusal(world, content, "far.xlsx")
    assert time.perf_counter() - started < 60  # counting a million blank rows, on a busy machine
    assert "more than 1,048,576 rows" in message


def test_a_sheet_claiming_16384_columns_costs_only_the_cells_it_holds(world):
    rows = [f'<row r="1">{cell("A1", "Submitted")}{cell("B1", "Ward")}{cell("C1", "Comments")}</row>']
    rows += [
        f'<row r="{i}">{cell(f"A{i}", "01/03/2025")}{cell(f"B{i}", world.service_a.name)}'
        f"{cell(f'C{i}', f'Kind staff {i}')}</row>"
        for i in range(2, 2002)
    ]
    xml = sheet_xml("".join(rows)).replace(b"<sheetData>", b'<dimension ref="A1:XFD2001"/><sheetData>')
    batch = upload(world, with_parts(workbook([["x"]]), {"xl/worksheets/sheet1.xml": xml}), "wide.xlsx")
    services.import_start(batch=batch)
    batch.refresh_from_db()
    assert (batch.status, batch.rows_imported) == (ImportStatus.DONE, 2000)


def test_cells_past_the_limit_are_refused_at_upload_naming_the_row(world, settings):
    settings.IMPORT_MAX_CELLS = 5000
    rows = [f'<row r="1">{cell("A1", "Submitted")}{cell("B1", "Ward")}{cell("C1", "Comments")}</row>']
    # A cell in column XFD makes each row 16,384 cells wide.
    rows += [f'<row r="{i}">{cell(f"A{i}", "01/03/2025")}{cell(f"XFD{i}", "x")}</row>' for i in range(2, 10)]
    content = with_parts(workbook([["x"]]), {"xl/worksheets/sheet1.xml": sheet_xml("".join(rows))})
    assert "more than 5,000 cells (row 2 goes past it)" in refusal(world, content, "c.xlsx")


# CSV: columns and lines ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("columns", "refused_for"),
    [
        (100_000, "The header row has 100,000 columns; the most the hub reads is 1,000. Delete the columns "),
        # 7.9 MB on one line: refused before the line is read.
        (1_000_000, "Line 1 of the file is longer than 2 MB, the most the hub reads in one line."),
    ],
)
def test_a_csv_with_a_hundred_thousand_columns_or_more_is_refused_at_once(world, columns, refused_for):
    header = ",".join(f"c{i}" for i in range(columns)).encode()
    started = time.perf_counter()
    message = refusal(world, header + b"\n" + b"1," * 10 + b"\n", "wide.csv")
    # The attack's 100,000-column file ran for 30 s, until gunicorn killed the worker.
    assert time.perf_counter() - started < 10
    assert message.startswith(f"wide.csv: {refused_for}")


def test_a_thousand_columns_are_still_accepted_and_guessed_quickly(world):
    header = ["Submitted", "Ward", "Comments", *[f"Extra question {i}" for i in range(997)]]
    started = time.perf_counter()
    batch = upload(world, (",".join(header) + "\n").encode(), "many.csv")
    assert time.perf_counter() - started < 15  # under a second on a quiet machine
    assert len(batch.column_mapping) == 1000 and batch.column_mapping["Ward"] == "location_1"


def test_long_headings_are_guessed_quickly():
    # Each compared with every alias in full, these twenty headings took 4 s.
    headings = ["x" * 5000 + str(i) for i in range(20)] + ["Ward"]
    started = time.perf_counter()
    assert suggest_mapping(headings)["Ward"] == "location_1"
    assert time.perf_counter() - started < 0.5


def test_a_csv_line_longer_than_the_limit_is_refused_naming_the_line(world, settings):
    settings.IMPORT_MAX_LINE_BYTES = 10_000
    content = b"Submitted,Ward,Comments\r\n01/03/2025,Ward 1,short\r\n01/03/2025,Ward 1," + b"x" * 20_000
    message = refusal(world, content, "long.csv")
    assert "Line 3 of the file is longer than 10 KB" in message


def test_a_cell_longer_than_the_csv_limit_is_reported_as_its_row(world, settings):
    settings.CSV_MAX_FIELD_CHARS = 1000
    content = f"Submitted,Ward,Comments\n01/03/2025,{world.service_a.name},{'y' * 2000}\n".encode()
    batch = upload(world, content, "cell.csv")
    services.import_start(batch=batch)
    batch.refresh_from_db()
    assert (batch.status, batch.rows_failed) == (ImportStatus.DONE, 1)
    assert "field larger than field limit (1000)" in batch.errors[0]["message"]


def test_a_refusal_after_the_file_is_stored_still_deletes_it(world, monkeypatch):
    """Whatever goes wrong once the upload is stored (here the batch's own validation), the file goes."""

    def broken(self, *args, **kwargs):
        raise ValidationError({"organisation": "broken"})

    monkeypatch.setattr(ImportBatch, "full_clean", broken)
    with pytest.raises(ValidationError):
        upload(world, b"Submitted,Ward,Comments\n", "ok.csv")
    assert not media_files()


def test_a_5000_digit_fft_answer_is_reported_as_its_row_not_a_stopped_import(world):
    # int() refuses past 4,300 digits: the import stopped on "an unexpected error" (issue #15).
    content = (
        f"Submitted,Ward,Comments,Rating\n01/03/2025,{world.service_a.name},Kind,{'9' * 5000}\n"
        f"02/03/2025,{world.service_a.name},Kind,1\n"
    ).encode()
    batch = upload(world, content, "score.csv")
    services.import_start(batch=batch)
    batch.refresh_from_db()
    assert (batch.status, batch.rows_imported, batch.rows_failed) == (ImportStatus.DONE, 1, 1)
    assert "is out of range" in batch.errors[0]["message"]


def test_nhse_counts_past_any_real_count_are_reported_not_raised():
    from feedback.importers.nhse import COUNTS, _counts

    columns = dict(enumerate(COUNTS))
    odd = ["9" * 5000, float("inf"), float("nan"), 10**13, "²"]
    cells = dict(zip(COUNTS, [*odd, "12", 12.0], strict=True))
    counts, problems = _counts("Trusts", 7, cells, columns)
    assert [counts[name] for name in COUNTS] == [None] * len(odd) + [12, 12]
    assert len(problems) == len(odd) and "is not a count" in problems[0].message
