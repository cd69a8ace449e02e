"""Board reports for any period that holds data: a 2023 report, the default (the last complete quarter,
never the current month), months after this one refused, and the current month marked incomplete."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from dashboards import rollups
from dashboards.reports.models import BoardReport, ReportFile, ReportStatus
from dashboards.reports.services import report_request
from insight_hub.periods import Period, add_months, this_month, to_date
from tests.factories import ResponseFactory
from tests.reports.conftest import make_story


def hidden(page: str, name: str) -> str:
    return re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', page)[1]


@pytest.fixture
def in_2023(world):
    """February 2023 in trust A: five answers of each kind and three quotable stories; nothing since."""
    when = dt.datetime(2023, 2, 14, 12, tzinfo=timezone.get_current_timezone())
    for score in (1, 2, 3, 4, 5, 6):
        for _ in range(5):
            ResponseFactory(service=world.service_a, fft_score=score, responded_at=when)
    stories = [
        make_story(world, "old0", sentiment="negative", critical=True, month=dt.date(2023, 2, 1)),
        make_story(
            world, "old1", sentiment="positive", month=dt.date(2023, 2, 1), title="Kind nurses in 2023"
        ),
        make_story(world, "old2", sentiment="negative", month=dt.date(2023, 2, 1)),
    ]
    rollups.rebuild_all()
    return stories


def test_a_board_report_for_2023(client, world, in_2023, django_capture_on_commit_callbacks):
    client.force_login(world.px_a)
    query = f"scope={world.trust_a.ods_code}&first_month=2023-01&last_month=2023-03&quote_count=3"
    page = client.get(reverse("reports:new") + "?" + query)
    assert page.status_code == 200
    body = unescape(page.content.decode())
    assert "January 2023 to March 2023" in body
    assert "3 stories were collected in the period" in body
    assert "Kind nurses in 2023" in body
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:new"),
            {
                "scope": world.trust_a.ods_code,
                "first_month": hidden(body, "first_month"),  # as the page carries them
                "last_month": hidden(body, "last_month"),
                "quote_count": 3,
                "stories": page.context["selection"].initial["stories"],
            },
        )
    assert response.status_code == 302
    report = BoardReport.objects.get()
    assert (report.period_first, report.period_last) == (dt.date(2023, 1, 1), dt.date(2023, 3, 1))
    assert report.status == ReportStatus.DONE
    assert report.period_label == "January 2023 to March 2023"
    text = bytes(ReportFile.objects.get(report=report, format="csv").content).decode("utf-8-sig")
    assert "FFT by month,2023-02,Very good,5" in text
    assert "FFT by month,2023-03," in text  # every month of the period, those without answers too


def test_the_form_offers_every_month_with_data_and_defaults_to_the_last_complete_quarter(
    client, world, in_2023
):
    client.force_login(world.px_a)
    form = client.get(reverse("reports:new")).context["form"]
    values = [value for value, _ in form.fields["first_month"].choices]
    assert values[0] == this_month().isoformat() and values[-1] == "2023-02-01"  # not only the last 36 months
    default = Period.complete_quarter()
    assert form["first_month"].value() == default.first.isoformat()
    assert form["last_month"].value() == default.last.isoformat()
    assert default.last < this_month()


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (0, 1, "The last month cannot be after this month"),
        (-30, -1, "A period covers at most 24 months"),
        (-1, -3, "The last month must be the same as or after the first month"),
    ],
)
def test_a_bad_report_period_is_refused_with_a_message(client, world, first, last, message):
    client.force_login(world.px_a)
    months = (add_months(this_month(), first), add_months(this_month(), last))
    query = f"scope={world.trust_a.ods_code}&first_month={months[0]:%Y-%m}&last_month={months[1]:%Y-%m}"
    response = client.get(reverse("reports:new") + "?" + query)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "There is a problem" in response.content.decode()
    bad = client.get(reverse("reports:new") + f"?scope={world.trust_a.ods_code}&first_month=x&last_month=%00")
    assert bad.status_code == 200 and "like 2023-01" in bad.content.decode()


def test_a_report_that_takes_in_its_own_month_says_that_month_was_incomplete(world, in_2023):
    current = this_month()
    report = report_request(
        user=world.px_a, ics=world.ics, organisation=world.trust_a, first=add_months(current, -1),
        last=current, quote_count=0,
    )  # fmt: skip
    assert report.period_label.endswith(f"{current:%B %Y} is incomplete (to {to_date(timezone.localdate())})")
    with pytest.raises(ValidationError, match="cannot be after this month"):
        report_request(
            user=world.px_a, ics=world.ics, organisation=world.trust_a, first=current,
            last=add_months(current, 1), quote_count=0,
        )  # fmt: skip
