"""Data for the funnel plot tests (views and browser): three trusts of the ICS with known FFT answers and
tagged comments, and NHS England's real published workbook template filled with trust rows and imported
through the importer, for the national placement."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dashboards import rollups
from feedback.importers import services as import_services
from feedback.models import CommentTag, ImportStatus
from insight_hub.organisations.services import REFERENCE_DIR, reference_data_load
from insight_hub.themes.models import Theme
from tests.factories import CommentFactory, OrganisationFactory, ResponseFactory, ServiceFactory
from tests.feedback.test_import_parsers import filled_template

THEME = "Timeliness of care"


def _last_month() -> dt.datetime:
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=12)
    return timezone.make_aware(dt.datetime.combine(month, dt.time(10)))


def _responses(service, positive: int, other: int) -> list:
    when = _last_month()
    return [
        ResponseFactory(service=service, fft_score=1 if i < positive else 4, responded_at=when)
        for i in range(positive + other)
    ]


def _comments(responses, *, mentions: int, negative: int, theme) -> None:
    for i, response in enumerate(responses):
        comment = CommentFactory(
            response=response, text="Seen quickly." if i >= negative else "Waited hours."
        )
        if i < mentions:
            CommentTag.objects.create(
                comment=comment, theme=theme, sentiment="negative" if i < negative else "positive"
            )


def ics_data(world):
    """Trust A: 200 answers, 150 positive; trust B: 300, 270; trust C: 3, all positive (not plotted).
    Comments: trust A 40, 12 mentioning the theme (6 negative); trust B 60, 6 mentioning it (1 negative)."""
    theme = Theme.objects.get(taxonomy__is_default=True, name=THEME)
    trust_c = OrganisationFactory(ods_code="RCC", name="TRUST C NHS TRUST", icb=world.icb, ics=world.ics)
    a = _responses(world.service_a, 150, 50)
    b = _responses(world.service_b, 270, 30)
    _responses(ServiceFactory(organisation=trust_c), 3, 0)
    _comments(a[:40], mentions=12, negative=6, theme=theme)
    _comments(b[:60], mentions=6, negative=1, theme=theme)
    rollups.rebuild_all()
    return theme, trust_c


# Trusts sheet columns: ICB code, trust code, name, prevalence, eligible, % positive, % negative, then the six
# answers (very good … don't know); the total is the fourth column, as NHS England lays it out.
def _trust_row(icb: str, code: str, name: str, very_good, good, rest) -> list:
    total = very_good + good + rest if isinstance(very_good, int) else "*"
    return [icb, code, name, total, 0, 0, 0, very_good, good, rest, 0, 0, 0]


def national_rows() -> list[list]:
    """Ours (RAA, RBB) and the first 24 acute trusts of the ODS reference file, with made-up counts (the
    template is NHS England's own, its data rows empty), and a 25th whose answers NHS England suppressed."""
    rows = [
        _trust_row("QXX", "RAA", "Trust A", 500, 250, 250),  # 75% of 1,000: well below England
        _trust_row("QXX", "RBB", "Trust B", 700, 200, 100),  # 90% of 1,000
    ]
    for i, row in enumerate(acute_trusts()[:24]):
        rows.append(_trust_row(row["icb_code"], row["ods_code"], row["name"], 600 + 10 * i, 250, 150))
    hidden = acute_trusts()[24]
    rows.append(_trust_row(hidden["icb_code"], hidden["ods_code"], hidden["name"], "*", "*", 0))
    return rows


def acute_trusts() -> list[dict]:
    with (REFERENCE_DIR / "trusts.csv").open(newline="", encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["kind"] == "acute"]


def national_data(world, tmp_path: Path, capture) -> None:
    """Load the ODS reference trusts, then import the filled workbook as an administrator would.
    `capture`: pytest-django's django_capture_on_commit_callbacks, to run the queued import."""
    reference_data_load()
    path = filled_template(tmp_path, "inpatient", {"Trusts": national_rows()})
    with capture(execute=True):
        batch = import_services.nhse_upload(
            user=world.admin, icb=world.icb, uploaded_file=SimpleUploadedFile(path.name, path.read_bytes())
        )
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE, batch.message
