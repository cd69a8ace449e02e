"""Every CSV and XLSX the hub writes, fed hostile cells: none reads back as a formula, and the text is kept.

The cells are read back as a spreadsheet program would see them: CSV with the csv module, XLSX with openpyxl
and OOXML's `_xHHHH_` escapes decoded (as Excel decodes them). "Kept" means the text as written, less the
control characters a file cannot carry, with CR LF and CR as LF; the `'` the writer adds is its only change.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from insight_hub import exports

FORMULA = ("=", "+", "-", "@")
PREFIXES = [
    "=", "+", "-", "@", "\t", "\r", "\n", "\r\n", " ", " =", "  +", "\x01=", "\x00+", "\x1f@", "\x7f-",
    "\x85=", "\u200b=", "\ufeff@", "\u00a0-", "＝", "＋", "－", "＠", "﹦", "⁼", "₊", "'", "'=", "''-",
    "_x003D_",
]  # fmt: skip
PAYLOADS = ['HYPERLINK("http://evil.example","x")', "cmd|' /C calc'!A0", "SUM(1+1)", "1+1", "", "x"]


def hostile_texts(*, nul: bool = True) -> st.SearchStrategy[str]:
    """Leading formula characters, controls, full-width and invisible forms, alone and combined, and any
    text at all. PostgreSQL cannot store NUL: cells that go through the database leave it out."""
    prefixes = PREFIXES if nul else [p for p in PREFIXES if "\x00" not in p]
    crafted = st.builds(
        lambda lead, payload, tail: lead + payload + tail,
        st.lists(st.sampled_from(prefixes), min_size=1, max_size=3).map("".join),
        st.sampled_from(PAYLOADS),
        st.text(max_size=20),
    )
    texts = st.one_of(crafted, st.text(max_size=40))
    return texts if nul else texts.map(lambda t: t.replace("\x00", ""))


def kept(text: str) -> str:
    """What a file keeps of a text (written here independently of the writer)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        ch
        for ch in text
        if ch in "\t\n" or not (unicodedata.category(ch) in ("Cc", "Cs") or ch in "\ufffe\uffff")
    )


def looks_like_formula(value: str) -> bool:
    """A cell a spreadsheet program could run: a leading tab or line break, or a first visible character
    that is (or under NFKC becomes) = + - @."""
    if value.startswith(("\t", "\r", "\n")):
        return True
    visible = value.lstrip()
    while visible and unicodedata.category(visible[0]) == "Cf":
        visible = visible[1:].lstrip()
    return unicodedata.normalize("NFKC", visible[:1]).startswith(FORMULA)


NUMBER = re.compile(r"-?\d+(\.\d+)?")


def assert_safe(values, *, csv_numbers: bool = False) -> None:
    """No text cell could run. In a CSV a number is text too: `-33`, written from a number, is allowed."""
    for value in values:
        if isinstance(value, str) and not (csv_numbers and NUMBER.fullmatch(value)):
            assert not looks_like_formula(value), repr(value)


def assert_kept(written: str, original: str) -> None:
    """The cell holds the text, with at most the writer's `'` before it, and reads back to the text."""
    assert written in (kept(original), "'" + kept(original)), (written, original)
    assert exports.unneutralise(written) == kept(original)


def csv_cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def _ooxml(value):
    if not isinstance(value, str):
        return value
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), value)


def xlsx_cells(data: bytes) -> dict[str, list[list]]:
    book = load_workbook(io.BytesIO(data))
    out = {}
    for sheet in book.worksheets:
        rows = []
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                # Text is a string cell: not an error value either (openpyxl would type `#N/A` so).
                assert cell.data_type == "s" or not isinstance(cell.value, str), (cell.value, cell.data_type)
            rows.append([_ooxml(cell.value) for cell in row])
        out[sheet.title] = rows
    return out


def flat(rows) -> list:
    return [value for row in rows for value in row]


# The writer itself: CSV, CSV by dict, XLSX (write-only and not). Fast, so many examples.

CORE = settings(max_examples=200, deadline=None)


@CORE
@given(hostile_texts())
@example('\x01=HYPERLINK("http://evil.example","x")')
@example("＝1+1")
@example(" =1+1")
@example("'=1+1")
def test_the_csv_writers_never_write_a_formula_and_keep_the_text(text):
    buffer = io.StringIO(newline="")
    exports.CsvWriter(buffer).writerow([text, 5, -2.5, None, text])
    row = csv_cells(buffer.getvalue())[0]
    assert row[1:4] == ["5", "-2.5", ""]  # numbers stay numbers
    assert_safe(row, csv_numbers=True)
    assert_kept(row[0], text)
    buffer = io.StringIO(newline="")
    writer = exports.CsvDictWriter(buffer, fieldnames=["a", "b"])
    writer.writeheader()
    writer.writerow({"a": text})
    rows = list(exports.read_csv_dicts(io.StringIO(buffer.getvalue(), newline="")))
    assert rows == [{"a": kept(text), "b": ""}]


@CORE
@given(hostile_texts())
@example('\x01=HYPERLINK("http://evil.example","x")')
@example("_x003D_1+1")
@example("#N/A")
def test_the_xlsx_writer_never_writes_a_formula_and_keeps_the_text(text):
    for write_only in (True, False):
        book = Workbook(write_only=write_only)
        sheet = book.create_sheet("Cells")
        exports.xlsx_append(sheet, [text, 5, -2.5, None, dt.date(2025, 3, 1)])
        buffer = io.BytesIO()
        book.save(buffer)
        row = xlsx_cells(buffer.getvalue())["Cells"][0]
        assert row[1:3] == [5, -2.5] and row[4] == dt.datetime(2025, 3, 1)
        assert_safe(row)
        if kept(text):  # an empty text is an empty cell
            assert_kept(row[0], text)


def test_a_text_that_starts_with_a_quote_reads_back_as_written():
    for text in ["'=1", "''+1", "'", "'plain", "it's", "'\t"]:
        assert exports.unneutralise(exports.cell(text)) == text


# Every exporter of the hub, on the real database. Fewer examples: each one writes rows and a file.

DB = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.django_db
@DB
@given(text=hostile_texts(nul=False))
def test_feedback_exports(world, text):
    from feedback import exports as feedback_exports
    from feedback.models import Comment, Response
    from tests.factories import CommentFactory, ResponseFactory

    response = Response.objects.filter(service=world.service_a).first() or ResponseFactory(
        service=world.service_a, fft_score=5
    )
    comment = response.comments.first() or CommentFactory(response=response, question_type="what_good")
    Response.objects.filter(pk=response.pk).update(location_detail=text)
    Comment.objects.filter(pk=comment.pk).update(text=text, redacted_text=text, redaction_version="t")
    responses = Response.objects.filter(pk=response.pk).select_related("organisation", "service")
    rows = csv_cells("".join(feedback_exports.csv_lines(world.px_a, responses)))
    header = rows[0]
    assert_safe(flat(rows))
    for column in ("Location detail", "Comment: What was good"):
        assert_kept(rows[1][header.index(column)], text)
    assert rows[1][0] == str(response.pk)
    with feedback_exports.xlsx_file(world.px_a, responses) as out:
        sheet = xlsx_cells(out.read())["Responses"]
    assert_safe(flat(sheet))
    assert sheet[1][0] == response.pk  # a number stays a number
    if kept(text):
        for column in ("Location detail", "Comment: What was good"):
            assert_kept(sheet[1][sheet[0].index(column)], text)


@pytest.fixture
def report_content(world):
    """A real report's content, to which the test adds rows of hostile text."""
    from dashboards.reports import selectors, services
    from tests.reports.conftest import previous_months

    period = previous_months(2)
    report = services.report_request(
        user=world.icb_lead, ics=world.ics, organisation=None, first=period.first, last=period.last,
        quote_count=5,
    )  # fmt: skip
    return selectors.report_content(report)


@pytest.mark.django_db
@DB
@given(text=hostile_texts())
def test_board_report_xlsx_and_csv(report_content, text):
    from dashboards.reports import exports as report_exports
    from dashboards.reports.selectors import ActionRow, ThemeRow, suppress_theme_row
    from dashboards.reports.stories import ReportQuote
    from dashboards.selectors import ThemeMonth

    content = report_content
    month = content.period.first
    # Counts of 5 or more, so the report shows them (smaller ones are suppressed before any export).
    theme = ThemeRow(text, 10, 5, 20, 35, 10, 25, -33, [ThemeMonth(month, 10, 5, 20)])
    suppress_theme_row(theme)  # the figures as the report shows them, as `themes_section` makes them
    content.scope_label = text
    content.owner = (text, text)
    content.themes, content.praised, content.criticised = [theme], [theme], [theme]
    content.quotes = [ReportQuote(1, text, text, text, month, "negative", True, text)]
    content.actions = [ActionRow(1, text, text, text, month, text, False)]
    content.commitments = [
        SimpleNamespace(
            charter_title=text, commitment_text=text, category=text, owner=text, status_label=text,
            last_reviewed_on=month, next_review_due=None,
        )
    ]  # fmt: skip
    sheets = xlsx_cells(report_exports.xlsx_bytes(content))
    for rows in sheets.values():
        assert_safe(flat(rows))
    if kept(text):
        assert_kept(sheets["Stories quoted"][1][6], text)
        assert_kept(sheets["Actions"][1][2], text)
        assert_kept(sheets["Themes"][1][0], text)
        assert_kept(sheets["Charter commitments"][1][1], text)
        assert sheets["Themes"][1][7] == -33  # a negative number stays a number
    rows = csv_cells(report_exports.csv_bytes(content).decode("utf-8"))
    assert_safe(flat(rows), csv_numbers=True)
    themes = [row for row in rows if row[0] == "Themes"]
    assert themes and all(row[1] == themes[0][1] for row in themes)
    assert_kept(themes[0][1], text)
    assert ["Themes", themes[0][1], "Net sentiment", "-33"] in rows


@pytest.fixture
def dashboard(world):
    from dashboards.models import Dashboard, Tile

    dashboard = Dashboard.objects.create(ics=world.ics, title="Dashboard", owner=world.icb_lead)
    Tile.objects.create(dashboard=dashboard, kind="metric", title="Tile", owner=world.icb_lead)
    return dashboard


@pytest.mark.django_db
@DB
@given(text=hostile_texts(nul=False))
def test_dashboard_csv_export(client, world, dashboard, text):
    from dashboards.models import Dashboard, Tile

    Dashboard.objects.filter(pk=dashboard.pk).update(title=text)
    Tile.objects.filter(dashboard=dashboard).update(title=text)
    client.force_login(world.icb_lead)
    response = client.get(reverse("dashboards:export_csv", args=[dashboard.pk]) + "?months=2")
    assert response.status_code == 200
    rows = csv_cells(response.content.decode("utf-8"))
    assert_safe(flat(rows), csv_numbers=True)
    assert rows[0][0] == "Dashboard"
    assert_kept(rows[0][1], text)
    tiles = rows[rows.index(["Tile", "Tile owner", "Month", "Measure", "Value"]) + 1 :]
    assert tiles
    tile = str(Tile.objects.get(dashboard=dashboard))  # its title, or its kind when the title is empty
    for row in tiles:
        assert_kept(row[0], tile)


@pytest.fixture
def import_batch(world, settings, tmp_path, monkeypatch):
    from feedback.importers import services
    from tests.feedback.test_import_views import csv_for

    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(services, "tagging_queue", lambda *, label, ids: None)
    return services.import_upload(
        user=world.px_a, organisation=world.trust_a, uploaded_file=SimpleUploadedFile("a.csv", csv_for(world))
    )


@pytest.mark.django_db
@DB
@given(text=hostile_texts(nul=False))
def test_import_problem_report(client, world, import_batch, text):
    from feedback.models import ImportBatch

    ImportBatch.objects.filter(pk=import_batch.pk).update(
        errors=[{"row": 3, "column": text, "value": text, "message": text}]
    )
    client.force_login(world.px_a)
    response = client.get(reverse("feedback:imports:errors", kwargs={"uid": import_batch.uid}))
    assert response.status_code == 200
    rows = csv_cells(response.content.decode("utf-8"))
    assert rows[0] == ["row", "column", "value", "message"]
    assert rows[1][0] == "3"
    assert_safe(flat(rows))
    for written in rows[1][1:]:
        assert_kept(written, text)


@pytest.fixture
def reviewed_comment(world):
    from insight_hub.themes import services
    from insight_hub.themes.models import Theme
    from tests.themes.conftest import make_comment

    comment = make_comment(world.service_a, "The car park was full.", "could_improve")
    services.tag_decide(
        user=world.px_a,
        label="feedback.comment",
        item=comment,
        theme=Theme.objects.get(name="Parking"),
        action="add",
    )
    return comment


@pytest.mark.django_db
@DB
@given(text=hostile_texts(nul=False))
def test_corrections_csv_and_its_reader(client, world, reviewed_comment, tmp_path, text):
    from feedback.models import Comment
    from insight_hub.themes.ml.data import read_corrections

    Comment.objects.filter(pk=reviewed_comment.pk).update(redacted_text=text, redaction_version="t")
    client.force_login(world.px_a)
    response = client.get(reverse("themes:corrections_export"))
    rows = csv_cells(response.content.decode("utf-8"))
    assert rows[0] == ["comment_id", "question_type", "text", "sentiment", "labels"]
    assert_safe(flat(rows))
    assert_kept(rows[1][2], text)
    path = tmp_path / "tag-corrections.csv"
    path.write_bytes(response.content)
    assert [row["text"] for row in read_corrections(path)] == [kept(text)]


def test_train_tagger_names_a_corrections_file_it_cannot_read(tmp_path):
    from django.core.management import CommandError, call_command

    data = tmp_path / "train.csv"
    data.write_text("comment_id,text,labels\n1,Kind staff,Staff manner\n", encoding="utf-8")
    corrections = tmp_path / "corrections.csv"
    corrections.write_bytes("comment_id,text,labels\n1,caf\xe9,Parking\n".encode("latin-1"))
    with pytest.raises(CommandError, match="--corrections: .*corrections.csv is not a UTF-8 CSV file"):
        call_command("train_tagger", data=data, corrections=corrections, out=tmp_path / "model", cv=0)


@pytest.mark.django_db
@DB
@given(text=hostile_texts(nul=False))
def test_subject_access_copy_workbook(world, text):
    """The copy made for a person who asked what is held about them: their comment and the response's
    location, whatever they hold, are text in the workbook and never a formula."""
    from feedback.models import Comment, Response
    from insight_hub.privacy import subjects
    from tests.factories import CommentFactory, ResponseFactory

    response = Response.objects.filter(service=world.service_a).first() or ResponseFactory(
        service=world.service_a, fft_score=5
    )
    comment = response.comments.first() or CommentFactory(response=response, question_type="what_good")
    Response.objects.filter(pk=response.pk).update(location_detail=text)
    Comment.objects.filter(pk=comment.pk).update(text=text, redacted_text=text, redaction_version="t")
    copy = subjects.subject_export(world.admin, keys=[f"response:{response.pk}"])
    sheet = xlsx_cells(subjects.copy_as_xlsx(copy))["Your information"]
    assert_safe(flat(sheet))
    rows = {(row[0], row[1]): row[2] for row in sheet[4:]}
    if kept(text):
        for what in ("where", "comments / 1 / comment"):
            assert_kept(rows[(f"R{response.pk}", what)], text)
