"""The old FFT question (2013–2020: "How likely are you to recommend…", Extremely likely … Extremely unlikely,
Don't know): its answers are stored marked as the old question, counted and shown apart, and never mixed into
% positive, in the importers, the metrics, the roll-ups and the pages that show FFT figures."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from dashboards import rollups
from dashboards import selectors as dashboard_selectors
from dashboards.models import FFTMonthly
from feedback.importers import services
from feedback.importers.mapping import mapping_problems, suggest_mapping, suggest_old_question
from feedback.importers.rows import Lookups, RowParser
from feedback.metrics import RecommendCounts, recommend_figures
from feedback.models import FFTRecommendAnswer, ImportStatus, Response
from insight_hub.periods import Period
from tests.factories import ResponseFactory

pytestmark = pytest.mark.django_db

LOOKUPS = Lookups(
    organisation_code="RAA",
    organisation_name="Trust A",
    services={"ward 1": 11},
    today=dt.date(2025, 12, 31),
)
OLD_LABEL = "FFT answer to the 2013–2020 question (extremely likely … extremely unlikely)"


# The importers' value mapping (pure)


def parse(mapping: dict[str, str], *cells: str):
    header = list(mapping)
    return RowParser(header, mapping, LOOKUPS, fingerprint="f" * 64)(2, list(cells))


OLD = {"when": "date", "ward": "location_1", "rating": "fft_recommend"}
NEW = {"when": "date", "ward": "location_1", "rating": "fft_score"}


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Extremely likely", 1),
        ("likely", 2),
        ("Neither likely nor unlikely", 3),
        ("Unlikely", 4),
        ("EXTREMELY UNLIKELY", 5),
        ("Don't know", 6),
        ("1", 1),
        ("5.0", 5),
    ],
)
def test_an_old_question_column_stores_its_answers_marked_as_the_old_question(answer, expected):
    parsed = parse(OLD, "2019-07-13 15:28:00", "Ward 1", answer)
    assert (parsed.fft_recommend, parsed.fft_score) == (expected, None)


def test_old_wording_in_the_current_questions_column_is_refused_with_the_mapping_to_choose():
    [problem] = parse(NEW, "2019-07-13", "Ward 1", "Extremely likely")
    assert "2013–2020 question" in problem.message and OLD_LABEL in problem.message
    assert problem.column == "rating"


def test_the_current_wording_in_an_old_question_column_is_refused():
    [problem] = parse(OLD, "2025-07-13", "Ward 1", "Very good")
    assert "current FFT question" in problem.message and "FFT answer (1 very good" in problem.message
    [problem] = parse(OLD, "2025-07-13", "Ward 1", "7")
    assert "out of range" in problem.message


def test_the_two_questions_cannot_both_be_mapped():
    problems = mapping_problems(
        {"when": "date", "ward": "location_1", "a": "fft_score", "b": "fft_recommend"}
    )
    assert any("either the current question or the 2013–2020 one" in p for p in problems)
    assert not mapping_problems(OLD)


def test_a_column_of_old_wording_is_suggested_as_the_old_question():
    header = ["time", "rating", "free_text", "do_better", "surgery", "free_text_len", "rating_score"]
    suggested = suggest_mapping(header)
    assert suggested["rating"] == "fft_score"  # by its heading alone
    samples = {"rating": ["Extremely likely", "Likely", "Don't know"], "rating_score": ["1", "2"]}
    assert suggest_old_question(suggested, samples)["rating"] == "fft_recommend"
    current = {"rating": ["Very good", "Don't know"]}
    assert suggest_old_question(suggested, current)["rating"] == "fft_score"


# Figures


def test_recommend_figures_are_their_own_percentages_and_are_suppressed_like_fft_rows():
    figures = recommend_figures(RecommendCounts(total=50, likely=35, unlikely=10))
    assert (figures.total, figures.percent_likely, figures.percent_unlikely) == (50, 70, 20)
    small = recommend_figures(RecommendCounts(total=3, likely=3, unlikely=0))
    assert small.total == "*" and small.percent_likely == "*"
    # 2 people in neither or don't know could be worked out from 40 - 30 - 8: hidden.
    leaky = recommend_figures(RecommendCounts(total=40, likely=30, unlikely=8))
    assert "*" in (leaky.percent_likely, leaky.percent_unlikely, leaky.total)


# On the database


def last_month_at(day: int = 10) -> dt.datetime:
    first = timezone.localdate().replace(day=1)
    month = (first - dt.timedelta(days=1)).replace(day=1)
    return dt.datetime.combine(month.replace(day=day), dt.time(12), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def mixed(world):
    """Last month at service A: 21 current answers (10 very good, 6 good, 5 poor: 76% positive) and 30 old
    ones (10 extremely likely, 10 likely, 5 unlikely, 5 don't know)."""
    at = last_month_at()
    for score, n in ((1, 10), (2, 6), (4, 5)):
        for _ in range(n):
            ResponseFactory(service=world.service_a, fft_score=score, responded_at=at)
    for answer, n in ((1, 10), (2, 10), (4, 5), (6, 5)):
        for _ in range(n):
            ResponseFactory(service=world.service_a, fft_score=None, fft_recommend=answer, responded_at=at)
    rollups.rebuild_all()


def test_a_response_holds_one_question_or_the_other():
    response = ResponseFactory(fft_score=1)
    with pytest.raises(IntegrityError):
        Response.objects.filter(pk=response.pk).update(fft_recommend=FFTRecommendAnswer.LIKELY)


def test_the_rollup_keeps_old_answers_out_of_percent_positive_and_counts_them_apart(world, mixed):
    row = FFTMonthly.objects.get(organisation=world.trust_a, service=world.service_a)
    current = (row.very_good, row.good, row.neither, row.poor, row.very_poor, row.dont_know)
    assert current == (10, 6, 0, 5, 0, 0)
    assert (row.recommend_total, row.recommend_likely, row.recommend_unlikely) == (30, 20, 5)
    period = Period.last_months(1, today=last_month_at().date())
    [(_, counts)] = dashboard_selectors.fft_trend([world.trust_a.pk], None, period)
    figures = dashboard_selectors.fft_figures(counts)
    assert (figures.total, figures.percent_positive) == (21, 76)
    old = dashboard_selectors.fft_old_question([world.trust_a.pk], None, period)
    assert (old.total, old.percent_likely, old.percent_unlikely) == (30, 67, 17)


def test_the_incremental_refresh_splits_the_questions_too(world, mixed):
    ResponseFactory(service=world.service_a, fft_score=None, fft_recommend=5, responded_at=last_month_at(11))
    rollups.refresh_slice(world.trust_a.pk, last_month_at().date())
    row = FFTMonthly.objects.get(organisation=world.trust_a, service=world.service_a)
    assert (row.recommend_total, row.recommend_unlikely, row.very_good + row.good) == (31, 6, 16)


def test_the_dashboards_show_the_old_question_apart(client, world, mixed):
    client.force_login(world.icb_lead)
    url = reverse("dashboards:service", args=[world.trust_a.ods_code, world.service_a.public_id])
    html = client.get(url, {"months": "3"}).content.decode()
    assert "21 responses, 76% positive" in html
    assert 'data-testid="fft-old-question"' in html
    assert "Not in % positive: 30 answers to the 2013–2020 question" in html
    assert "67% would recommend" in html
    for name, args in (("organisation", [world.trust_a.ods_code]), ("system", [])):
        html = client.get(reverse(f"dashboards:{name}", args=args), {"months": "3"}).content.decode()
        assert "Not in % positive: 30 answers to the 2013–2020 question" in html, name


def test_a_dashboard_without_old_answers_says_nothing_of_them(client, world):
    ResponseFactory(service=world.service_a, fft_score=1, responded_at=last_month_at())
    rollups.rebuild_all()
    client.force_login(world.icb_lead)
    html = client.get(reverse("dashboards:organisation", args=[world.trust_a.ods_code])).content.decode()
    assert "fft-old-question" not in html


def test_the_service_feedback_page_and_the_response_show_the_old_question(client, world, mixed):
    client.force_login(world.px_a)
    html = client.get(reverse("feedback:service_feedback", args=[world.service_a.pk])).content.decode()
    assert "Not in % positive: 30 answers to the 2013–2020 question" in html
    old = Response.objects.filter(fft_recommend=1).first()
    html = client.get(reverse("feedback:response_detail", args=[old.pk])).content.decode()
    assert "Extremely likely (2013–2020 question" in html


# The importers, end to end


@pytest.fixture(autouse=False)
def _imports(settings, tmp_path, django_capture_on_commit_callbacks, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    start = services.import_start

    def committed(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return start(**kwargs)

    monkeypatch.setattr(services, "import_start", committed)
    monkeypatch.setattr(services, "tagging_queue", lambda *, label, ids: None)


def gp_file(world) -> bytes:
    """A GP practice's FFT file in the old wording, in the shape such files have."""
    answers = [
        "Extremely likely",
        "Likely",
        "Neither likely nor unlikely",
        "Unlikely",
        "Extremely unlikely",
        "Don't know",
    ]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["time", "rating", "free_text", "do_better", "surgery", "free_text_len", "rating_score"])
    for i in range(24):
        answer = answers[i % 6]
        # Two people in the same minute with the same answer at the same practice: two responses.
        writer.writerow(
            [
                "2023-07-13 15:28:00",
                answer,
                f"Reason {i}" if i % 2 else "",
                "",
                world.service_a.name,
                "8.0",
                "1",
            ]
        )
    return out.getvalue().encode()


@pytest.mark.usefixtures("_imports")
def test_a_gp_file_in_the_old_wording_imports_every_row_marked_as_the_old_question(world):
    batch = services.import_upload(
        user=world.px_a,
        organisation=world.trust_a,
        uploaded_file=SimpleUploadedFile("gp.csv", gp_file(world)),
    )
    assert batch.column_mapping["rating"] == "fft_recommend"  # the value mapping's guess from the wording
    mapping = {
        **batch.column_mapping,
        "time": "date",
        "surgery": "location_1",
        "free_text": "comment:nonspecific",
    }
    mapping |= {"do_better": "comment:could_improve", "free_text_len": "", "rating_score": ""}
    services.import_mapping_save(batch=batch, mapping=mapping)
    services.import_start(batch=batch)
    batch.refresh_from_db()
    assert (batch.status, batch.rows_imported, batch.rows_failed, batch.rows_duplicate) == (
        ImportStatus.DONE,
        24,
        0,
        0,
    )
    assert Response.objects.filter(fft_recommend__isnull=False, fft_score__isnull=True).count() == 24
    assert Response.objects.filter(fft_recommend=FFTRecommendAnswer.DONT_KNOW).count() == 4
    rollups.rebuild_all()
    row = FFTMonthly.objects.get()
    assert (row.recommend_total, row.recommend_likely, row.recommend_unlikely) == (24, 8, 8)
    assert row.very_good + row.good + row.neither + row.poor + row.very_poor + row.dont_know == 0
