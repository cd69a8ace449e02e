"""Importing stories from a CSV file or a Care Opinion API export (JSON).

All or nothing: every row is checked (by the same services a story typed in the browser goes through) inside
one transaction; if any row is wrong nothing is imported, and the report names each bad row, its field and
what is wrong, so the file can be corrected and sent again. Idempotent: a story already imported with the
same (organisation, source, external id) is left as it is (people may have corrected it since) and counted
as skipped.

CSV columns (a header row first; UTF-8). Required: external_id, title, narrative, teller, occurred_on,
source_channel. Optional: services, consent_internal_learning, consent_board_quote, consent_publication,
ethnic_category, age_band, sex, disability, first_language, interpreter_needed, criticality.
- teller: patient, carer, family, staff or advocate
- occurred_on: YYYY-MM-DD, or YYYY-MM when only the month is known
- source_channel: interview, pals, complaint, care_opinion, engagement_event, survey, social_media, other
- services: service names of the organisation, separated by semicolons
- consent_*: yes or no (empty is no). Any "yes" records consent, attributed to the person importing.
- ethnic_category: NHS ethnic category code (A–Z); age_band, sex, disability, interpreter_needed: the codes
  shown in the story form (e.g. 65-74, female, yes)
- criticality: read on the scale the person importing chooses (`CriticalityScale`): Care Opinion's 0–5 (0 not
  critical … 5 severely critical, or its words), or a signed −5..+5 (negative critical, positive praise, as
  some exports carry it): a signed −3 is stored as criticality 3, a signed +4 as praise 4 and criticality 0.

Care Opinion: a list of opinions, or {"opinions": [...]}, each with id, title, body, criticality (0–5 or
Care Opinion's words, e.g. "stronglyCritical", unless the signed scale is chosen), dateOfSubmission,
progress, authorRole and tags [{name, group, polarity}]. Consent to use the story here is not assumed from its
publication on Care Opinion: a person records it.

A story rated strongly or severely critical (criticality 4 or 5; `HIGH_CRITICALITY`) is flagged as a new
safety concern and routed for a response; praise, however strong, never is.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from insight_hub import limits
from insight_hub.organisations.models import Organisation

from . import services
from .models import (
    HIGH_CRITICALITY,
    AgeBand,
    CriticalityScale,
    DatePrecision,
    EthnicCategory,
    FlagSource,
    ImportSource,
    SafetyConcern,
    Sex,
    SourceChannel,
    Story,
    Teller,
    YesNo,
)

CSV_REQUIRED = ("external_id", "title", "narrative", "teller", "occurred_on", "source_channel")
CSV_CHOICES = {
    "teller": Teller,
    "source_channel": SourceChannel,
    "ethnic_category": EthnicCategory,
    "age_band": AgeBand,
    "sex": Sex,
    "disability": YesNo,
    "interpreter_needed": YesNo,
}
CONSENT_COLUMNS = ("consent_internal_learning", "consent_board_quote", "consent_publication")

CARE_OPINION_CRITICALITY = {
    "notcritical": 0,
    "minimallycritical": 1,
    "mildlycritical": 2,
    "moderatelycritical": 3,
    "stronglycritical": 4,
    "severelycritical": 5,
}
CARE_OPINION_AUTHORS = {
    "patient": Teller.PATIENT,
    "service user": Teller.PATIENT,
    "carer": Teller.CARER,
    "relative": Teller.FAMILY,
    "parent/guardian": Teller.FAMILY,
    "family member": Teller.FAMILY,
    "staff": Teller.STAFF,
    "advocate": Teller.ADVOCATE,
}
CRITICALITY_HELP = {
    CriticalityScale.CARE_OPINION: "must be 0 to 5 or Care Opinion's word for it",
    CriticalityScale.SIGNED: "must be a whole number from -5 (most critical) to +5 (most praise)",
}


@dataclass(frozen=True)
class RowError:
    row: int | None  # None: the file as a whole
    field: str
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}" if self.row is not None else "File"
        return f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


@dataclass
class ImportReport:
    created: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return f"{self.created} imported, {self.skipped} already imported"


class _RowInvalid(Exception):
    def __init__(self, errors: list[RowError]):
        self.errors = errors


@dataclass
class _Row:
    number: int
    external_id: str
    story: dict
    consent: dict | None = None
    service_names: list[str] = field(default_factory=list)
    flag: bool = False


def stories_import(
    *,
    organisation: Organisation,
    user,
    name: str,
    content: bytes,
    criticality_scale: str = CriticalityScale.CARE_OPINION,
) -> ImportReport:
    """Import a file by its name's extension: .csv or .json (a Care Opinion export). `criticality_scale`
    says how to read its criticality values (a `CriticalityScale`)."""
    scale = CriticalityScale(criticality_scale)
    if len(content) > settings.MAX_IMPORT_FILE_BYTES:
        return ImportReport(errors=[RowError(None, "", "The file is too large to import")])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return ImportReport(errors=[RowError(None, "", "The file must be saved as UTF-8 text")])
    lower = name.lower()
    if lower.endswith(".csv"):
        source, rows = ImportSource.CSV, _csv_rows(text, scale)
    elif lower.endswith(".json"):
        source, rows = ImportSource.CARE_OPINION, _care_opinion_rows(text, scale)
    else:
        return ImportReport(errors=[RowError(None, "", "The selected file must be a CSV or JSON file")])
    if isinstance(rows, ImportReport):
        return rows
    return _import(organisation=organisation, user=user, source=source, rows=rows)


def _import(*, organisation: Organisation, user, source: str, rows: list[_Row | RowError]) -> ImportReport:
    report = ImportReport(errors=[row for row in rows if isinstance(row, RowError)])
    known = set(
        Story.objects.filter(organisation=organisation, import_source=source).values_list(
            "external_id", flat=True
        )
    )
    services_by_name = {s.name.casefold(): s for s in organisation.services.all()}
    seen: set[str] = set()
    created: list[int] = []
    with transaction.atomic():
        for row in rows:
            if isinstance(row, RowError):
                continue
            if row.external_id in known:
                report.skipped += 1
                continue
            if row.external_id in seen:
                report.errors.append(RowError(row.number, "external_id", f"{row.external_id} appears twice"))
                continue
            seen.add(row.external_id)
            try:
                created.append(_import_row(organisation, user, source, row, services_by_name))
            except _RowInvalid as exc:
                report.errors.extend(exc.errors)
                continue
            report.created += 1
        if report.errors:
            # All or nothing: a file with any bad row imports nothing, so it can be fixed and sent again.
            transaction.set_rollback(True)
            report.created = 0
        else:
            # Redacted and tagged on the workers, a chunk of stories at a time (see `story_create`).
            services.stories_tagging_queue(created)
    return report


def _import_row(organisation, user, source, row: _Row, services_by_name) -> int:
    # PostgreSQL cannot store a NUL character in text; the story form refuses it too.
    with_nul = [
        name for name, value in [("external_id", row.external_id), *row.story.items()] if "\x00" in str(value)
    ]
    if with_nul:
        raise _RowInvalid([RowError(row.number, name, "contains a NUL character") for name in with_nul])
    unknown = [name for name in row.service_names if name.casefold() not in services_by_name]
    if unknown:
        raise _RowInvalid(
            [
                RowError(
                    row.number, "services", f"{organisation.display_name} has no service called {unknown[0]}"
                )
            ]
        )
    try:
        with transaction.atomic():
            story = services.story_create(
                user=user,
                organisation=organisation,
                services=[services_by_name[name.casefold()] for name in row.service_names],
                import_source=source,
                external_id=row.external_id,
                deferred=True,
                **row.story,
            )
            if row.consent:
                services.story_consent_record(
                    story=story, user=user, note="Recorded in the import file", **row.consent
                )
            if row.flag:
                services.story_flag(
                    story=story, user=None, concern=SafetyConcern.SAFETY, source=FlagSource.CRITICALITY
                )
    except ValidationError as exc:
        raise _RowInvalid(
            [RowError(row.number, name, " ".join(messages)) for name, messages in exc.message_dict.items()]
        ) from None
    return story.pk


# CSV --------------------------------------------------------------------------------------------


def _csv_rows(text: str, scale: str) -> list[_Row | RowError] | ImportReport:
    # newline="": the csv module reads line ends itself, a bare "\r" (old Mac exports) included.
    reader = csv.DictReader(io.StringIO(text, newline=""))
    limits.csv_field_limit()
    try:
        # Before the rows are read: each row becomes a dictionary of every column.
        limits.columns_check(len(reader.fieldnames or []))
        return _csv_read(reader, scale)
    except limits.LimitExceeded as exc:
        return ImportReport(errors=[RowError(None, "", str(exc))])
    except csv.Error as exc:  # a cell over the csv module's size limit, or broken quoting
        return ImportReport(
            errors=[RowError(reader.line_num or None, "", f"The file cannot be read as CSV here ({exc})")]
        )


def _csv_read(reader: csv.DictReader, scale: str) -> list[_Row | RowError] | ImportReport:
    columns = {(name or "").strip() for name in reader.fieldnames or []}
    missing = [name for name in CSV_REQUIRED if name not in columns]
    if missing:
        return ImportReport(
            errors=[RowError(None, "", f"The file has no column called {', '.join(missing)}")]
        )
    rows: list[_Row | RowError] = []
    # Row numbers as a spreadsheet shows them: the header is row 1.
    for number, raw in enumerate(reader, start=2):
        if None in raw:  # more cells than the header has columns: DictReader keeps the rest in a list
            rows.append(RowError(number, "", "has more cells than the header row has columns"))
            continue
        values = {(key or "").strip(): (value or "").strip() for key, value in raw.items()}
        errors, story = [], {}
        for name in ("external_id", "title", "narrative"):
            if not values.get(name):
                errors.append(RowError(number, name, "is empty"))
        for name, choices in CSV_CHOICES.items():
            value = values.get(name, "")
            if name in CSV_REQUIRED or value:
                if value not in choices.values:
                    errors.append(
                        RowError(
                            number, name, f"“{value}” is not one of {', '.join(map(str, choices.values))}"
                        )
                    )
                story[name] = value
        for name in ("title", "narrative", "first_language"):
            if values.get(name):
                story[name] = values[name]
        try:
            story["occurred_on"], story["occurred_precision"] = _csv_date(values.get("occurred_on", ""))
        except ValueError:
            errors.append(
                RowError(number, "occurred_on", "must be a date as YYYY-MM-DD, or YYYY-MM for a month")
            )
        consent = {}
        for name in CONSENT_COLUMNS:
            value = values.get(name, "").lower()
            if value not in {"", "yes", "no"}:
                errors.append(RowError(number, name, f"must be yes or no, not “{value}”"))
            consent[name.removeprefix("consent_")] = value == "yes"
        rating = None
        if values.get("criticality"):
            rating = criticality_read(values["criticality"], scale)
            if rating is None:
                errors.append(RowError(number, "criticality", CRITICALITY_HELP[scale]))
            else:
                story.update(rating)
        if errors:
            rows.extend(errors)
            continue
        rows.append(
            _Row(
                number=number,
                external_id=values["external_id"],
                story=story,
                consent=consent if any(consent.values()) else None,
                service_names=[n.strip() for n in values.get("services", "").split(";") if n.strip()],
                flag=_is_high(rating),
            )
        )
    return rows


def _csv_date(value: str) -> tuple[datetime.date, str]:
    if len(value) == 7:  # YYYY-MM
        return datetime.date.fromisoformat(f"{value}-01"), DatePrecision.MONTH
    return datetime.date.fromisoformat(value), DatePrecision.DAY


# Care Opinion -----------------------------------------------------------------------------------


def _care_opinion_rows(text: str, scale: str) -> list[_Row | RowError] | ImportReport:
    try:
        data = limits.json_loads(text)
    except json.JSONDecodeError as exc:
        return ImportReport(errors=[RowError(None, "", f"The file is not valid JSON (line {exc.lineno})")])
    except limits.LimitExceeded as exc:  # nested too deep, or a number of absurd length
        return ImportReport(errors=[RowError(None, "", str(exc))])
    opinions = data.get("opinions") if isinstance(data, dict) else data
    if not isinstance(opinions, list):
        return ImportReport(errors=[RowError(None, "", "Expected a list of Care Opinion opinions")])
    return [_care_opinion_row(number, opinion, scale) for number, opinion in enumerate(opinions, start=1)]


def _care_opinion_row(number: int, opinion, scale: str) -> _Row | RowError:
    if not isinstance(opinion, dict):
        return RowError(number, "", "is not an opinion (expected an object)")
    external_id = str(opinion.get("id") or "").strip()
    if not external_id:
        return RowError(number, "id", "is missing")
    role = str(opinion.get("authorRole") or "").strip().lower()
    if role not in CARE_OPINION_AUTHORS:
        return RowError(number, "authorRole", f"“{role}” is not one of {', '.join(CARE_OPINION_AUTHORS)}")
    try:
        submitted = datetime.datetime.fromisoformat(str(opinion.get("dateOfSubmission"))).date()
    except ValueError:
        return RowError(number, "dateOfSubmission", "must be an ISO date, e.g. 2025-03-14T10:20:00Z")
    rating = criticality_read(opinion.get("criticality"), scale)
    if rating is None:
        return RowError(number, "criticality", CRITICALITY_HELP[scale])
    tags = opinion.get("tags") or []
    if not isinstance(tags, list):
        return RowError(number, "tags", "must be a list of tags, each with a name, group and polarity")
    return _Row(
        number=number,
        external_id=external_id,
        story={
            "title": str(opinion.get("title") or "").strip(),
            "narrative": str(opinion.get("body") or "").strip(),
            "teller": CARE_OPINION_AUTHORS[role],
            # Submission, not the visit: the month is as near as we know when it happened.
            "occurred_on": submitted.replace(day=1),
            "occurred_precision": DatePrecision.MONTH,
            "source_channel": SourceChannel.CARE_OPINION,
            **rating,
            "external_progress": str(opinion.get("progress") or "")[:40],
            "external_tags": [
                {key: str(tag.get(key, "")) for key in ("name", "group", "polarity")}
                for tag in tags
                if isinstance(tag, dict)
            ],
        },
        flag=_is_high(rating),
    )


# Criticality --------------------------------------------------------------------------------------


def _is_high(rating: dict | None) -> bool:
    return bool(rating) and (rating["criticality"] or 0) >= HIGH_CRITICALITY


def _whole_number(value) -> int | None:
    """An int, or text of one ("3", "-4", "+2", "3.0" as a spreadsheet saves it); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip().removesuffix(".0")
        digits = text.removeprefix("-").removeprefix("+").removeprefix("−")
        # isascii: "²" is a digit to str.isdigit but not to int(); a digit or two is all a rating needs.
        if digits.isascii() and digits.isdigit() and len(digits) <= 2:
            return -int(digits) if text[:1] in ("-", "−") else int(digits)
    return None


def criticality_read(value, scale: str) -> dict | None:
    """The story fields for a source's rating read on `scale`, or None when it is not a rating there.

    Care Opinion's 0–5 gives the criticality and says nothing about praise (None). A signed −5..+5 keeps the
    critical side's magnitude as the criticality and the praise side as praise: −3 is criticality 3 and
    praise 0, +4 is criticality 0 and praise 4 (never mistaken for "4, strongly critical"), 0 is neither."""
    number = _whole_number(value)
    if scale == CriticalityScale.SIGNED:
        if number is None or not -5 <= number <= 5:
            return None
        return {"criticality": max(-number, 0), "praise": max(number, 0), "criticality_scale": scale}
    if number is None and isinstance(value, str):
        number = CARE_OPINION_CRITICALITY.get(value.replace(" ", "").lower())
    if number is None or not 0 <= number <= 5:
        return None
    return {"criticality": number, "praise": None, "criticality_scale": CriticalityScale.CARE_OPINION}
