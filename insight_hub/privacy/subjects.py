"""Requests about a person: the rights the privacy notice names (access, erasure, objection), acted on by the
ICS's system administrator.

The administrator finds everything held about one teller or respondent within their ICS (by a story or
response reference, a contact detail written in what they said, or their name), reads what was found
(redacted text only), downloads a copy for the person, and erases or anonymises it. Each step is audited.

The core never imports a feature app, so each app that holds records about people registers a `Provider`
here when it is ready (stories: a story with its consent history, actions, safety routing and tag decisions;
feedback: a survey response with its answers, comments and their tag decisions), and an app that keeps
figures made from them registers an `after_change` hook (dashboards: the roll-up slices are rebuilt at once).
What the providers find is joined here with the access audit's own rows about each record.

A record is named by a key, "<provider>:<id>" ("story:12", "response:34"); keys come back from the browser,
so every step narrows them to the administrator's ICS again, and a key outside it is as if it did not exist.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from django.db import transaction
from django.utils import timezone

from insight_hub.organisations.permissions import scope_for

from . import audit
from .models import AuditAction, AuditEvent

# The most records one search lists: a name common in the ICS asks for a narrower search, not a long page.
MAX_MATCHES = 200
# How many keys one request may act on (a person rarely has more than a few records).
MAX_KEYS = 500
EXPORT_NAME = "subject_access.json"
EXPORT_FORMATS = {"json": "subject_access.json", "xlsx": "subject_access.xlsx"}

SEARCH_KINDS = {
    "reference": "A story or response reference",
    "email": "An email address",
    "phone": "A phone number",
    "name": "A name or a few words they wrote",
}


@dataclass(frozen=True)
class Search:
    """What the administrator searches by, already checked by the form."""

    by: str  # one of SEARCH_KINDS
    value: str

    @property
    def digits(self) -> str:
        return re.sub(r"\D", "", self.value)

    def phone_regex(self) -> str:
        """A regular expression (the same on PostgreSQL and SQLite) for the number however it is spaced or
        punctuated, and with +44 for its leading 0."""
        digits = self.digits
        if digits.startswith("44"):  # +44 7700 … or +44 (0)7700 …
            digits = digits[2:] if digits[2:].startswith("0") else "0" + digits[2:]
        gap = r"[ ().-]*"
        rest = gap.join(digits[1:]) if digits.startswith("0") else gap.join(digits)
        if digits.startswith("0"):
            return rf"(\+?44{gap}(\(0\))?{gap}|0){gap}{rest}"
        return rest

    @property
    def longest_word(self) -> str:
        """What the database is asked for first (a name's or phrase's rarest-looking part); whole words are
        checked after."""
        return max(re.findall(r"\w+", self.value), key=len)

    def name_matches(self, text: str) -> bool:
        """The name as whole words (a search for "Ann" does not find "planning" or "Anne")."""
        words = [re.escape(word) for word in self.value.split()]
        # Whole words: not inside a longer word either side.
        return re.search(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", text, re.IGNORECASE) is not None


@dataclass
class Record:
    """One record about the person, as a provider describes it (redacted text only)."""

    provider: str  # "story"
    pk: int
    label: str  # the model, "stories.story", as the audit names it
    kind: str  # "Story"
    reference: str  # "S12"
    organisation_id: int
    organisation_name: str
    when: dt.date | dt.datetime | None
    status: str
    summary: str  # redacted
    held: list[str] = field(default_factory=list)  # "3 comments", "2 theme decisions"
    audit_count: int = 0

    @property
    def key(self) -> str:
        return f"{self.provider}:{self.pk}"


@dataclass
class Changed:
    """What an erasure or anonymisation touched, for the hooks that keep figures made from it."""

    erased: bool
    # (organisation id, any day of the month): the roll-up slices to rebuild.
    slices: set[tuple[int, dt.date]] = field(default_factory=set)
    story_ids: set[int] = field(default_factory=set)
    response_ids: set[int] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)

    def merge(self, other: Changed) -> None:
        self.slices |= other.slices
        self.story_ids |= other.story_ids
        self.response_ids |= other.response_ids
        self.notes.extend(other.notes)


class Provider(Protocol):
    name: str  # the key prefix, "story"

    def find(self, *, ics_ids: frozenset[int], search: Search) -> list[Record]: ...

    def records(self, *, ics_ids: frozenset[int], ids: list[int]) -> list[Record]: ...

    def export(self, *, ics_ids: frozenset[int], ids: list[int]) -> list[dict]: ...

    def erase(self, *, ics_ids: frozenset[int], ids: list[int]) -> Changed: ...

    def anonymise(self, *, ics_ids: frozenset[int], ids: list[int]) -> Changed: ...


PROVIDERS: dict[str, Provider] = {}
AFTER_CHANGE: list[Callable[[Changed], None]] = []


def iso(value: dt.date | dt.datetime | None) -> str | None:
    """A date or time in a provider's copy for the person: ISO 8601, times in local time; None stays None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def register(provider: Provider) -> None:
    PROVIDERS[provider.name] = provider


def register_after_change(hook: Callable[[Changed], None]) -> None:
    if hook not in AFTER_CHANGE:
        AFTER_CHANGE.append(hook)


# Who may act.


def may_handle_requests(user) -> bool:
    """The ICS's system administrator; everyone else gets 404."""
    return bool(scope_for(user).admin_ics_ids)


def _ics_ids(user) -> frozenset[int]:
    return scope_for(user).admin_ics_ids


def parse_keys(values: Iterable[str]) -> dict[str, list[int]]:
    """Keys from a form, by provider; anything malformed or unknown is dropped (it names nothing)."""
    out: dict[str, list[int]] = {}
    for value in list(values)[:MAX_KEYS]:
        name, _, pk = str(value).partition(":")
        if name in PROVIDERS and pk.isdigit() and len(pk) <= 18:
            out.setdefault(name, [])
            if int(pk) not in out[name]:
                out[name].append(int(pk))
    return out


def _audit_counts(records: list[Record]) -> None:
    by_label: dict[str, list[str]] = {}
    for record in records:
        by_label.setdefault(record.label, []).append(str(record.pk))
    counts: dict[tuple[str, str], int] = {}
    for label, ids in by_label.items():
        for object_id in AuditEvent.objects.filter(object_type=label, object_id__in=ids).values_list(
            "object_id", flat=True
        ):
            counts[(label, object_id)] = counts.get((label, object_id), 0) + 1
    for record in records:
        record.audit_count = counts.get((record.label, str(record.pk)), 0)


def _sorted(records: list[Record]) -> list[Record]:
    def when(record: Record) -> dt.datetime:
        value = record.when
        if value is None:
            return dt.datetime.min
        if isinstance(value, dt.datetime):
            return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
        return dt.datetime.combine(value, dt.time.min)

    return sorted(records, key=lambda r: (when(r), r.provider, r.pk), reverse=True)


# The steps: find, view, export, erase, anonymise. Each one audited.


def subject_find(user, *, search: Search) -> tuple[list[Record], bool]:
    """Records within the administrator's ICS matching the search, newest first, and whether there were
    more than `MAX_MATCHES`. Audited with what was searched by and how many matched, never the value."""
    ics_ids = _ics_ids(user)
    found: list[Record] = []
    if ics_ids:
        for provider in PROVIDERS.values():
            found.extend(provider.find(ics_ids=ics_ids, search=search))
    truncated = len(found) > MAX_MATCHES
    found = _sorted(found)[:MAX_MATCHES]
    _audit_counts(found)
    audit.record(
        user,
        AuditAction.SUBJECT_SEARCHED,
        organisation=next(iter(_icb_ids(user)), None),
        by=search.by,
        matches=len(found),
        truncated=truncated,
    )
    return found, truncated


def _icb_ids(user) -> list[int]:
    from insight_hub.organisations.models import ICS

    return list(ICS.objects.filter(pk__in=_ics_ids(user)).values_list("icb_id", flat=True))


def subject_records(
    user, *, keys: Iterable[str], audit_as: str | None = AuditAction.SUBJECT_VIEWED
) -> list[Record]:
    """The records named by `keys` that lie within the administrator's ICS (others are dropped, as if they
    did not exist). With `audit_as`, one audit row per record."""
    ics_ids = _ics_ids(user)
    records: list[Record] = []
    if ics_ids:
        for name, ids in parse_keys(keys).items():
            records.extend(PROVIDERS[name].records(ics_ids=ics_ids, ids=ids))
    records = _sorted(records)
    _audit_counts(records)
    if audit_as:
        for record in records:
            audit.record(
                user, audit_as, object_ref=(record.label, record.pk), organisation=record.organisation_id
            )
    return records


def _audit_rows(record: Record) -> list[dict]:
    """What the audit holds about a record: when it was read, exported or changed, and by which
    organisation's staff (not which person: that is the staff member's own data)."""
    events = AuditEvent.objects.filter(object_type=record.label, object_id=str(record.pk)).select_related(
        "organisation"
    )
    return [
        {
            "at": timezone.localtime(event.at).isoformat(),
            "action": event.get_action_display(),
            "organisation": event.organisation.display_name if event.organisation else "",
        }
        for event in events.order_by("at", "pk")
    ]


def subject_export(user, *, keys: Iterable[str], export: str = EXPORT_NAME) -> dict | None:
    """A copy of everything held in the named records, for the person: the original words they gave
    included (the one place they leave the organisation that logged them: the copy is theirs). None when no
    key lies within the administrator's ICS. Each record's export is audited."""
    records = subject_records(user, keys=keys, audit_as=None)
    if not records:
        return None
    ics_ids = _ics_ids(user)
    held: dict[tuple[str, int], dict] = {}
    for name, ids in parse_keys(record.key for record in records).items():
        for item in PROVIDERS[name].export(ics_ids=ics_ids, ids=ids):
            held[(name, item["id"])] = item
    out = []
    for record in records:
        item = held.get((record.provider, record.pk))
        if item is None:
            continue
        out.append({**item, "access_record": _audit_rows(record)})
        audit.record(
            user,
            AuditAction.EXPORT_DOWNLOADED,
            object_ref=(record.label, record.pk),
            organisation=record.organisation_id,
            export=export,
            original_text=True,
        )
    return {
        "prepared_at": timezone.localtime().isoformat(),
        "about": (
            "What the NHS holds about you in Insight Hub, the ICS's patient experience system: each survey "
            "response and story found, with the words you gave, what was recorded with them, and when they "
            "were read, exported or changed."
        ),
        "records": out,
    }


def _change(user, *, keys: Iterable[str], erase: bool) -> tuple[list[Record], Changed]:
    records = subject_records(user, keys=keys, audit_as=None)
    changed = Changed(erased=erase)
    if not records:
        return records, changed
    ics_ids = _ics_ids(user)
    action = AuditAction.SUBJECT_ERASED if erase else AuditAction.SUBJECT_ANONYMISED
    with transaction.atomic():
        for name, ids in parse_keys(record.key for record in records).items():
            provider = PROVIDERS[name]
            changed.merge(
                provider.erase(ics_ids=ics_ids, ids=ids)
                if erase
                else provider.anonymise(ics_ids=ics_ids, ids=ids)
            )
        # The audit keeps its own rows about an erased record: it is the record of what was done, and holds
        # identifiers only. The erasure itself is one more row.
        for record in records:
            audit.record(
                user,
                action,
                object_ref=(record.label, record.pk),
                organisation=record.organisation_id,
                reference=record.reference,
            )
        for hook in AFTER_CHANGE:
            hook(changed)
    return records, changed


def subject_erase(user, *, keys: Iterable[str]) -> tuple[list[Record], Changed]:
    """Delete the named records and everything attached to them; rebuild the figures made from them."""
    return _change(user, keys=keys, erase=True)


def subject_anonymise(user, *, keys: Iterable[str]) -> tuple[list[Record], Changed]:
    """Keep the records for the counts, without what identifies the person: their original words are
    replaced by the redacted text, equality answers, exact dates and contact details removed."""
    return _change(user, keys=keys, erase=False)


def _flatten(value, path: str = "") -> Iterable[tuple[str, object]]:
    """("consent / history / 1 / note", "Asked by phone"): every leaf of a record, by its path."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{path} / {key.replace('_', ' ')}" if path else key.replace("_", " "))
    elif isinstance(value, list):
        if not value:
            yield path, ""
        for number, item in enumerate(value, start=1):
            yield from _flatten(item, f"{path} / {number}")
    else:
        yield path, "" if value is None else value


def copy_as_xlsx(copy: dict) -> bytes:
    """The same copy as a workbook for a person without a JSON reader: one sheet, one row per thing held
    (record, what, value), every cell written through `insight_hub/exports.py`."""
    import io

    from openpyxl import Workbook

    from insight_hub import exports

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Your information")
    exports.xlsx_append(sheet, ["About you in Insight Hub, prepared", copy["prepared_at"]])
    exports.xlsx_append(sheet, [copy["about"]])
    exports.xlsx_append(sheet, [])
    exports.xlsx_append(sheet, ["Record", "What", "Value"])
    for record in copy["records"]:
        for path, value in _flatten({k: v for k, v in record.items() if k not in ("id", "reference")}):
            exports.xlsx_append(sheet, [record["reference"], path, value])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
