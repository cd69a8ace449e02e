"""The pure parsers: reading files, guessing mappings, checking rows, reading NHS England's workbooks."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback.importers import nhse
from feedback.importers.mapping import mapping_problems, suggest_mapping
from feedback.importers.rows import Lookups, ParsedResponse, RowParser
from insight_hub.imports import tabular
from insight_hub.imports.problems import ImportFileError

# NHS England's publication templates, in the shared data beside the repository.
FFT_TEMPLATES = Path(__file__).resolve().parents[3] / "shared" / "data" / "fft"
HEADER = ["date", "location_1", "location_2", "location_3", "question_1", "fft_score", "sex"]
LOOKUPS = Lookups(
    organisation_code="RAA",
    organisation_name="Trust A",
    services={"ward 1": 11, "ward 2": 12},
    site_services={("general hospital", "ward 3"): 13},
    today=date(2025, 12, 31),
)


def write(tmp_path: Path, content: bytes, name: str = "file.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def read_all(path: Path):
    with tabular.open_table(path) as table:
        return table.header, list(table.rows), table


def parser(header=HEADER, fingerprint="f" * 64, **kwargs) -> RowParser:
    return RowParser(header, suggest_mapping(header), LOOKUPS, fingerprint=fingerprint, **kwargs)


# Reading files


def test_it_reads_utf8_with_a_bom(tmp_path):
    header, rows, _ = read_all(write(tmp_path, "\ufeffdate,location_1\n2025-01-02,Café\n".encode()))
    assert header == ["date", "location_1"]
    assert rows == [(2, ["2025-01-02", "Café"])]


def test_it_reads_windows_1252(tmp_path):
    _, rows, table = read_all(
        write(tmp_path, "date,question_1\n2025-01-02,£5 café – fine\n".encode("cp1252"))
    )
    assert table.encoding == "cp1252"
    assert rows[0][1][1] == "£5 café – fine"


def test_it_reports_undecodable_rows_of_a_utf8_file(tmp_path):
    content = (
        "date,location_1,question_1\n2025-01-02,Ward 1,café ok\n".encode()
        + b"2025-01-03,Ward 1,bad \xff byte\n"
    )
    with tabular.open_table(write(tmp_path, content)) as table:
        parse = RowParser(
            table.header, suggest_mapping(table.header), LOOKUPS, fingerprint="f" * 64, lossy=table.lossy
        )
        results = [parse(number, cells) for number, cells in table.rows]
    assert isinstance(results[0], ParsedResponse)
    assert [(p.row, p.column) for p in results[1]] == [(3, "question_1")]


def test_it_detects_a_semicolon_delimiter(tmp_path):
    header, rows, _ = read_all(write(tmp_path, b"date;location_1\n2025-01-02;Ward 1\n"))
    assert header == ["date", "location_1"] and rows[0][1] == ["2025-01-02", "Ward 1"]


def test_it_numbers_rows_as_a_spreadsheet_does_despite_line_breaks_in_text(tmp_path):
    _, rows, _ = read_all(write(tmp_path, b'date,question_1\n2025-01-02,"two\nlines"\n2025-01-03,x\n'))
    assert [number for number, _ in rows] == [2, 3]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"%PDF-1.7\x00\x01\x02binary", "neither a CSV"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel"),
        (b"PK\x03\x04not really a zip", "ZIP archive"),
        (b"date,,question_1\n2025-01-01,x,y\n", "Column B has no heading"),
        (b"date,Date\n", "both called"),
    ],
)
def test_it_refuses_a_file_it_cannot_import_with_a_reason(tmp_path, content, message):
    with pytest.raises(ImportFileError, match=message), tabular.open_table(write(tmp_path, content)):
        pass


def test_it_refuses_a_spreadsheet_by_content_even_named_csv(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["date", "location_1"])
    workbook.active.append(["2025-01-02", "Ward 1"])
    workbook.save(tmp_path / "looks.csv")
    header, rows, table = read_all(tmp_path / "looks.csv")
    assert table.format == "xlsx" and header == ["date", "location_1"] and rows[0][0] == 2


def test_it_explains_merged_header_cells_in_a_spreadsheet(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["date", "Comments", None, "fft_score"])
    sheet.merge_cells("B1:C1")
    sheet.append(["2025-01-02", "good", "bad", 1])
    workbook.save(tmp_path / "merged.xlsx")
    with pytest.raises(ImportFileError, match="Column C has no heading. If heading cells are merged"):
        read_all(tmp_path / "merged.xlsx")


def test_it_reads_spreadsheet_dates_and_numbers_as_text(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["date", "fft_score"])
    workbook.active.append([date(2025, 2, 3), 2.0])
    workbook.save(tmp_path / "values.xlsx")
    _, rows, _ = read_all(tmp_path / "values.xlsx")
    assert rows == [(2, ["2025-02-03", "2"])]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=2000))
def test_arbitrary_bytes_give_rows_or_a_reported_error_never_a_crash(tmp_path, content):
    path = write(tmp_path, content)
    try:
        with tabular.open_table(path) as table:
            parse = RowParser(
                table.header, suggest_mapping(table.header), LOOKUPS, fingerprint="f" * 64, lossy=table.lossy
            )
            for number, cells in table.rows:
                assert isinstance(parse(number, cells), ParsedResponse | list)
    except ImportFileError as exc:
        assert str(exc)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(min_size=4, max_size=2000))
def test_arbitrary_bytes_in_a_zip_never_crash_the_spreadsheet_reader(tmp_path, content):
    path = write(tmp_path, b"PK\x03\x04" + content, "file.xlsx")
    try:
        read_all(path)
    except ImportFileError as exc:
        assert str(exc)


# Mapping


def test_it_suggests_the_dashboard_template_columns():
    mapping = suggest_mapping(
        [
            "Date",
            "Location_1",
            "location 2",
            "Location_3",
            "question_1",
            "question_2",
            "FFT Score",
            "Ethnicity",
            "Gender",
            "Response ID",
        ]
    )
    assert mapping == {
        "Date": "date",
        "Location_1": "location_1",
        "location 2": "location_2",
        "Location_3": "location_3",
        "question_1": "comment:nonspecific",
        "question_2": "comment:nonspecific",
        "FFT Score": "fft_score",
        "Ethnicity": "ethnic_category",
        "Gender": "sex",
        "Response ID": "external_id",
    }


def test_it_suggests_a_vendors_headings_by_similarity():
    mapping = suggest_mapping(["Submitted", "Ward", "What was good?", "What could we do better?", "Rating"])
    assert mapping == {
        "Submitted": "date",
        "Ward": "location_1",
        "What was good?": "comment:what_good",
        "What could we do better?": "comment:could_improve",
        "Rating": "fft_score",
    }


def test_a_mapping_needs_date_service_and_something_to_import():
    problems = mapping_problems({"a": "location_2", "b": "location_2"})
    assert any("both mapped" in p for p in problems)
    assert any("date of response" in p for p in problems)
    assert any("service" in p for p in problems)
    assert any("nothing to import" in p for p in problems)
    assert mapping_problems(suggest_mapping(HEADER)) == []


# Rows


def test_a_good_row_becomes_a_response_with_its_comment():
    parsed = parser()(2, ["31/03/2025", "ward 1", "Bay 2", "Bed 4", "  Kind staff ", "1", "F"])
    assert parsed.service_id == 11 and parsed.location_detail == "Bay 2 / Bed 4"
    assert parsed.responded_at.isoformat() == "2025-03-31T00:00:00+01:00"  # BST
    assert (
        parsed.comments == [("nonspecific", "Kind staff")]
        and parsed.fft_score == 1
        and parsed.sex == "female"
    )


def test_location_1_may_name_a_site_with_location_2_its_service():
    parsed = parser()(2, ["2025-03-01", "General Hospital", "Ward 3", "Bay 1", "ok", "2", ""])
    assert parsed.service_id == 13 and parsed.location_detail == "Bay 1"


@pytest.mark.parametrize(
    ("cells", "column", "says"),
    [
        (["31/02/2025", "Ward 1", "", "", "x", "1", ""], "date", "“31/02/2025” is not a real date"),
        (["yesterday", "Ward 1", "", "", "x", "1", ""], "date", "is not a date"),
        (
            ["2025-01-01", "Ward 99", "", "", "x", "1", ""],
            "location_1",
            "“Ward 99” is not a service of Trust A",
        ),
        (["2025-01-01", "Ward 1", "", "", "x", "9", ""], "fft_score", "“9” is out of range"),
        (["2025-01-01", "Ward 1", "", "", "x", "great", ""], "fft_score", "is not an FFT answer"),
        (["2025-01-01", "Ward 1", "", "", "x", "1", "robot"], "sex", "not one of the NHS Data Dictionary"),
        (["2030-01-01", "Ward 1", "", "", "x", "1", ""], "date", "is in the future"),
    ],
)
def test_a_bad_cell_is_reported_by_row_and_column(cells, column, says):
    [problem] = parser()(7, cells)
    assert (problem.row, problem.column) == (7, column)
    assert problem.message.startswith(f"Row 7, column “{column}”") and says in problem.message


def test_a_row_with_nothing_to_import_is_reported():
    [problem] = parser()(3, ["2025-01-01", "Ward 1", "", "", "", "", ""])
    assert "nothing to import" in problem.message


def test_the_same_answers_on_two_rows_are_two_responses_keyed_by_file_and_row():
    # Replaces the content-hash key (issue #14): alike answers in the same minute are different people.
    parse = parser(fingerprint="a" * 64)
    cells = ["2025-03-01 15:28", "Ward 1", "", "", "Kind staff", "1", ""]
    first, second = parse(2, cells), parse(3, list(cells))
    assert first.dedupe_key == f"RAA:import:file:{'a' * 64}:2"
    assert second.dedupe_key == f"RAA:import:file:{'a' * 64}:3"
    assert parser(fingerprint="a" * 64)(2, cells).dedupe_key == first.dedupe_key  # the same file again
    assert parser(fingerprint="b" * 64)(2, cells).dedupe_key != first.dedupe_key  # an edited copy


def test_a_mapped_external_id_is_the_dedupe_key():
    header = [*HEADER, "response_id"]
    parsed = parser(header)(2, ["2025-03-01", "Ward 1", "", "", "x", "1", "", "ABC-1"])
    assert parsed.dedupe_key == "RAA:import:id:ABC-1"


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(st.text(max_size=30), max_size=10))
def test_arbitrary_cells_give_a_response_or_problems_never_a_crash(cells):
    result = parser(lossy=True)(5, cells)
    assert isinstance(result, ParsedResponse) or (result and all(p.row == 5 and p.message for p in result))


# NHS England's published workbooks


def filled_template(tmp_path: Path, setting: str, fill: dict[str, list[list]]) -> Path:
    """A copy of NHS England's real template with data rows written under its header rows."""
    path = tmp_path / f"nhse_fft_{setting}.xlsx"
    shutil.copy(FFT_TEMPLATES / f"nhse_fft_{setting}_template_jul2025.xlsm", tmp_path / "template.xlsm")
    workbook = openpyxl.load_workbook(tmp_path / "template.xlsm")
    for sheet_name, rows in fill.items():
        sheet = workbook[sheet_name]
        first = (
            next(r for r in range(1, 40) if sheet.cell(r, 1).value == "ICB Code") + 5
        )  # after England/Selection
        first -= sum(
            1
            for r in range(first - 4, first)
            if sheet.cell(r, 1).value is None
            and not any(isinstance(sheet.cell(r, c).value, str) for c in range(1, 8))
        )
        for offset, values in enumerate(rows):
            for column, value in enumerate(values, start=1):
                sheet.cell(first + offset, column, value)
    workbook.save(path)
    return path


needs_templates = pytest.mark.skipif(not FFT_TEMPLATES.exists(), reason="NHS England templates not available")


@needs_templates
def test_it_reads_the_real_inpatient_template_at_every_level(tmp_path):
    path = filled_template(
        tmp_path,
        "inpatient",
        {
            "ICB": [["QXX", "NHS Testshire ICB", 30, 100, 0.9, 0.05, 20, 7, "*", "*", 0, 1]],
            "Trusts": [["QXX", "RAA", "Trust A", 25, 90, 0.9, 0.05, 18, 4, 1, 1, 1, 0]],
            "Sites": [["QXX", "RAA", "Trust A", "RAA01", "General", 12, 40, 0.9, 0.1, 8, 3, 0, 1, 0, 0]],
            "Wards": [["QXX", "RAA", "Trust A", "RAA01", "General", "Ward 1", 6, 9, 1, 0, 4, 2, 0, 0, 0, 0]],
        },
    )
    workbook = nhse.parse_workbook(path)
    assert (workbook.setting, workbook.period) == ("inpatient", date(2025, 7, 1))
    assert workbook.problems == []
    by_level = {row.level: row for row in workbook.rows}
    assert set(by_level) == {"icb", "trust", "site", "ward"}
    assert by_level["icb"].code == "QXX" and by_level["icb"].counts["neither"] is None  # suppressed "*"
    assert by_level["trust"].counts == {
        "total": 25,
        "very_good": 18,
        "good": 4,
        "neither": 1,
        "poor": 1,
        "very_poor": 1,
        "dont_know": 0,
    }
    assert (by_level["ward"].site_code, by_level["ward"].ward_name) == ("RAA01", "Ward 1")


@needs_templates
def test_it_reads_the_real_ae_and_maternity_templates(tmp_path):
    ae = nhse.parse_workbook(
        filled_template(
            tmp_path,
            "ae",
            {
                "Trusts": [["QXX", "RAA", "Trust A", 10, 50, 0.8, 0.1, 5, 3, 1, 1, 0, 0]],
            },
        )
    )
    assert ae.setting == "ae" and [(r.level, r.code) for r in ae.rows] == [("trust", "RAA")]
    maternity = nhse.parse_workbook(
        filled_template(
            tmp_path,
            "maternity",
            {
                "Trusts Q2": [["QXX", "RAA", "Trust A", 10, 0.8, 0.1, 5, 3, 1, 1, 0, 0]],
            },
        )
    )
    assert maternity.setting == "maternity"
    assert [(r.level, r.touchpoint, r.counts["total"]) for r in maternity.rows] == [("trust", "birth", 10)]


@needs_templates
def test_it_reports_a_count_that_is_not_a_number_by_sheet_row_and_column(tmp_path):
    workbook = nhse.parse_workbook(
        filled_template(
            tmp_path,
            "ae",
            {
                "Trusts": [["QXX", "RAA", "Trust A", 10, 50, 0.8, 0.1, "lots", 3, 1, 1, 0, 0]],
            },
        )
    )
    assert workbook.rows == []
    [problem] = workbook.problems
    assert (
        "Sheet “Trusts”" in problem.message and "column H" in problem.message and "“lots”" in problem.message
    )


def test_it_finds_the_header_by_content_and_tolerates_spelling(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Trusts"
    sheet.append(["Inpatient FFT, March 2025"])
    sheet.append([])
    sheet.append(
        [
            "icb code",
            "TRUST CODE",
            "Trust name",
            "Total responses",
            "Very good",
            "Good",
            "Neither good nor poor",
            "Poor",
            "Very poor",
            "Dont Know",
        ]
    )
    sheet.append(["QXX", "RAA", "Trust A", 7, 3, 2, 1, 1, 0, "*"])
    workbook.save(tmp_path / "fft-inpatient-2025-03.xlsx")
    result = nhse.parse_workbook(
        tmp_path / "fft-inpatient-2025-03.xlsx", file_name="fft-inpatient-2025-03.xlsx"
    )
    assert (result.setting, result.period) == ("inpatient", date(2025, 3, 1))
    assert [(r.row, r.code, r.counts["dont_know"]) for r in result.rows] == [(4, "RAA", None)]


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("Data - July 2025", date(2025, 7, 1)),
        ("FFT_Jul25.xlsm", date(2025, 7, 1)),
        ("fft-2024-11.xlsx", date(2024, 11, 1)),
        ("nothing here", None),
    ],
)
def test_the_period_is_read_from_a_title_or_file_name(text, period):
    assert nhse.period_from_text(text) == period


def test_an_identifier_heading_is_never_suggested_as_a_comment():
    # The headings of the real trusts' export (px_feedback_train.csv): "comment_id" read like "comment"
    # (difflib 0.82) and its ids were suggested as the comment, while "text" was suggested as nothing.
    mapping = suggest_mapping(["comment_id", "date", "service_type", "fft_score", "text"])
    assert mapping == {
        "comment_id": "external_id",
        "date": "date",
        "service_type": "location_1",
        "fft_score": "fft_score",
        "text": "comment:nonspecific",
    }


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("Response ID", "external_id"),
        ("Survey ref", "external_id"),
        ("Comment no", ""),  # a number of something: not a comment, and not safely the response id
        ("Ward number", ""),  # as the response id, every row of a ward would repeat the first
        ("NHS number", ""),  # a person's identifier is not imported unless a person chooses it
        ("Patient ID", ""),
    ],
)
def test_identifiers_are_suggested_as_the_response_id_only_when_they_name_a_response(heading, expected):
    assert suggest_mapping([heading, "Comments"])[heading] == expected
