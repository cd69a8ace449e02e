"""Bring an ICS's Care Opinion stories in, incrementally, through the same services as any imported story.

A run asks Care Opinion for the opinions published after the sync's position (oldest first, 100 a page),
fetches each one's health services, tags and responses when the opinion does not carry them, then writes the
page in one short transaction that also moves the position on: a run that stops on a fault keeps every page
it finished, and the next run resumes after the last opinion stored. The network is never used inside a
transaction.

Each opinion is matched to an organisation of the ICS by its health services' codes (see `Resolver`);
opinions about no organisation of the ICS are counted as outside and left. A story is created once per
opinion id (a second run creates nothing); an opinion seen again has only Care Opinion's own fields
refreshed (criticality, progress, tags, responses, link), never its text, which people may have corrected.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from insight_hub.imports.text import plain_text
from insight_hub.organisations.models import ICS, Organisation, Service, Site

from .. import services
from ..imports import CARE_OPINION_AUTHORS, CARE_OPINION_CRITICALITY
from ..models import (
    HIGH_CRITICALITY,
    CriticalityScale,
    DatePrecision,
    FlagSource,
    ImportSource,
    SafetyConcern,
    SourceChannel,
    Story,
    Teller,
)
from .client import MAX_TAKE, CareOpinionError, Client, KeyRefused, Missing, Unavailable
from .models import CareOpinionRun, CareOpinionServiceLink, CareOpinionSync, RunStatus

# What Care Opinion's API puts in place of an item it failed to render (seen as the whole item, or its body).
SORRY = "sorry! something went wrong"
# A run that has held the sync this long without finishing a page is taken to have died (a killed worker);
# the next run may claim it.
CLAIM_EXPIRES = dt.timedelta(hours=2)
# A run stops after this long with its position saved and the next (hourly) run goes on: a first sync of
# years of stories is done in chunks, and a run never outlives the broker's visibility timeout (1 hour).
RUN_BUDGET = dt.timedelta(minutes=30)
OVERLAP = dt.timedelta(days=1)
REFRESHED_FIELDS = (
    "criticality",
    "criticality_scale",
    "external_progress",
    "external_tags",
    "external_url",
    "external_responses",
)
TITLE_WORDS = 10


class SyncBusy(Exception):
    """Another run holds this ICS's sync."""


def client_from_settings(**overrides) -> Client:
    options = {
        "base_url": settings.CARE_OPINION_API_URL,
        "api_key": settings.CARE_OPINION_API_KEY,
        "timeout": settings.CARE_OPINION_TIMEOUT_SECONDS,
    } | overrides
    return Client(**options)


# Matching health services to organisations ---------------------------------------------------------------


class Resolver:
    """Care Opinion health service codes → an organisation of the ICS and its services. In order: a link a
    person made (`CareOpinionServiceLink`), an organisation's ODS code, a site's ODS code, then the code's
    first part (Care Opinion's service codes start with their site's or trust's ODS code, e.g. RX1RA-100)."""

    def __init__(self, ics: ICS):
        organisations = Organisation.objects.filter(ics=ics)
        self.organisations = {o.ods_code.upper(): o for o in organisations}
        self.sites = {
            site.ods_code.upper(): site.organisation
            for site in Site.objects.filter(organisation__ics=ics)
            .exclude(ods_code="")
            .select_related("organisation")
        }
        self.links = {
            link.nacs.upper(): link
            for link in CareOpinionServiceLink.objects.filter(organisation__ics=ics).select_related(
                "organisation", "service"
            )
        }

    def resolve(self, codes: list[str]) -> tuple[Organisation | None, list[Service]]:
        organisation, found = None, []
        for code in codes:
            hit = self._one(code.strip().upper())
            if hit is None:
                continue
            if organisation is None:
                organisation = hit[0]
            if hit[0] == organisation and hit[1] is not None and hit[1] not in found:
                found.append(hit[1])
        return organisation, found

    def _one(self, code: str) -> tuple[Organisation, Service | None] | None:
        if code in self.links:
            return self.links[code].organisation, self.links[code].service
        head = re.split(r"[^A-Z0-9]", code, maxsplit=1)[0]
        for candidate in dict.fromkeys([code, head, head[:5], head[:3]]):
            if candidate in self.organisations:
                return self.organisations[candidate], None
            if candidate in self.sites:
                return self.sites[candidate], None
        return None


# Reading one feed item --------------------------------------------------------------------------------


@dataclass
class Prepared:
    """An opinion of the page, with everything needed to store it."""

    opinion_id: str
    published: dt.datetime
    organisation: Organisation | None
    services: list[Service] = field(default_factory=list)
    fields: dict = field(default_factory=dict)  # Care Opinion's own fields, as stored on the story
    unread: set[str] = field(default_factory=set)  # fields whose sub-collection could not be read
    story: dict = field(default_factory=dict)  # the story's text and teller, for a new story only


def _is_sorry(item) -> bool:
    if isinstance(item, str):
        return item.strip().lower().startswith(SORRY)
    return isinstance(item, dict) and str(item.get("body") or "").strip().lower().startswith(SORRY)


def _when(value) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None
    # Care Opinion gives every date and time in UTC, with or without its zone.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _links(item: dict) -> list[dict]:
    return [link for link in item.get("links") or [] if isinstance(link, dict)]


def _rel(link: dict) -> str:
    return str(link.get("rel") or link.get("relation") or "").lower()


def _service_codes(item: dict) -> list[str] | None:
    """The codes of the health services an opinion is about, when the item itself says (None: ask)."""
    codes = [str(link["id"]) for link in _links(item) if _rel(link) == "healthservice" and link.get("id")]
    inline = item.get("healthServices", item.get("healthservices"))
    if isinstance(inline, list):
        codes += [str(s.get("nacs") or s.get("id")) for s in inline if isinstance(s, dict)]
    return codes or None


def criticality_value(value) -> int | None:
    if isinstance(value, int) and 0 <= value <= 5:
        return value
    if isinstance(value, str):
        word = value.replace(" ", "").replace("-", "").lower()
        if word.isascii() and word.isdigit() and len(word) <= 2 and int(word) <= 5:
            return int(word)
        return CARE_OPINION_CRITICALITY.get(word)
    return None


def teller_value(role) -> str:
    """Care Opinion's author role ("a relative", "carer", "parent/guardian"...) as a teller; a role the hub
    has no word for is a patient (the role Care Opinion's form starts with)."""
    role = re.sub(r"^(an?|the)\s+", "", str(role or "").strip().lower())
    if role in CARE_OPINION_AUTHORS:
        return CARE_OPINION_AUTHORS[role]
    if "staff" in role:
        return Teller.STAFF
    if role in {"parent", "guardian", "relative", "family", "son", "daughter", "partner"}:
        return Teller.FAMILY
    return Teller.PATIENT


def _tags(raw) -> list[dict]:
    return [
        {key: str(tag.get(key, "")) for key in ("name", "group", "polarity")}
        for tag in raw or []
        if isinstance(tag, dict)
    ]


def _first(mapping: dict, *keys) -> str:
    for key in keys:
        value = mapping.get(key)
        if isinstance(value, dict):  # e.g. {"responder": {"name": ..., "jobTitle": ...}}
            value = ", ".join(str(v) for v in (value.get("name"), value.get("jobTitle")) if v)
        if value:
            return str(value).strip()
    return ""


def _responses(raw) -> list[dict]:
    return [
        {
            "id": str(response.get("id", "")),
            "author": _first(response, "responderName", "authorName", "author", "responder")[:200],
            "published": _first(response, "dateOfPublication", "dateOfResponse", "date")[:40],
            "body": plain_text(_first(response, "body", "text").replace("\x00", "")),
        }
        for response in raw or []
        if isinstance(response, dict) and not _is_sorry(response)
    ]


def web_url(item: dict, opinion_id: str) -> str:
    """The opinion's page on Care Opinion: a link to a web page if the item gives one, otherwise the web
    address that mirrors the API's (…/api/v2/opinions/ID → …/opinions/ID)."""
    for link in _links(item):
        href = str(link.get("href") or link.get("link") or "")
        if _rel(link) in {"web", "html", "alternate", "self-html"} and href.startswith("http"):
            return href[:300]
    site = settings.CARE_OPINION_API_URL.split("/api/", 1)[0]
    return f"{site}/opinions/{opinion_id}"[:300]


def _title(item: dict, body: str) -> str:
    title = plain_text(str(item.get("title") or "").replace("\x00", "")).strip()
    if not title:
        words = body.split()
        title = " ".join(words[:TITLE_WORDS]) + ("…" if len(words) > TITLE_WORDS else "")
    return title[:200]


def _related(client: Client, run: CareOpinionRun, item: dict, opinion_id: str, name: str) -> list | None:
    """The opinion's own list when it carries one, else its sub-collection. A sub-collection still missing
    (404) after every try is reported and read as None, so one broken opinion cannot hold the sync at its
    page for ever; server errors and timeouts still stop the run (they pass)."""
    if isinstance(item.get(name), list):
        return item[name]
    try:
        return client.related(opinion_id, name)
    except Missing as exc:
        run.errors = [*run.errors, f"Opinion {opinion_id}: its {name} could not be read ({exc})"]
        return None


def _prepare(
    client: Client, resolver: Resolver, run: CareOpinionRun, item: dict, opinion_id: str, published
) -> Prepared | None:
    codes = _service_codes(item)
    if codes is None:
        services = _related(client, run, {}, opinion_id, "healthservices")
        if services is None:
            run.skipped += 1  # which organisation it is about is unknown: reported, not stored
            return None
        codes = [str(s.get("nacs") or s.get("id")) for s in services if isinstance(s, dict)]
    organisation, found = resolver.resolve(codes)
    prepared = Prepared(opinion_id=opinion_id, published=published, organisation=organisation, services=found)
    if organisation is None:
        return prepared  # outside the ICS: nothing more to ask for
    tags = _related(client, run, item, opinion_id, "tags")
    responses = _related(client, run, item, opinion_id, "responses")
    prepared.unread = {
        name for name, value in (("external_tags", tags), ("external_responses", responses)) if value is None
    }
    prepared.fields = {
        # Care Opinion's own 0–5 scale: how critical, nothing about praise (`Story.praise` stays unknown).
        "criticality": criticality_value(item.get("criticality")),
        "criticality_scale": CriticalityScale.CARE_OPINION,
        "external_progress": str(item.get("progress") or "")[:40],
        "external_tags": _tags(tags),
        "external_url": web_url(item, opinion_id),
        "external_responses": _responses(responses),
    }
    body = plain_text(str(item.get("body") or "").replace("\x00", "")).strip()
    submitted = _when(item.get("dateOfSubmission")) or published
    month = min(submitted.date(), timezone.localdate()).replace(day=1)
    prepared.story = {
        "title": _title(item, body),
        "narrative": body,
        "teller": teller_value(item.get("authorRole")),
        # Submission, not the visit: the month is as near as Care Opinion tells when it happened.
        "occurred_on": month,
        "occurred_precision": DatePrecision.MONTH,
        "source_channel": SourceChannel.CARE_OPINION,
    }
    return prepared


# A run ----------------------------------------------------------------------------------------------


def _claim(ics: ICS) -> CareOpinionSync:
    """Compare-and-set: only the run that changes `running_since` from empty (or long stale) goes on."""
    state, _ = CareOpinionSync.objects.get_or_create(ics=ics)
    now = timezone.now()
    free = Q(running_since__isnull=True) | Q(running_since__lt=now - CLAIM_EXPIRES)
    if CareOpinionSync.objects.filter(free, pk=state.pk).update(running_since=now) != 1:
        raise SyncBusy(f"A Care Opinion sync of {ics} is already running.")
    state.refresh_from_db()
    return state


def _cursor_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def care_opinion_sync(
    *,
    ics: ICS,
    client: Client | None = None,
    since: dt.datetime | None = None,
    take: int = MAX_TAKE,
    budget: dt.timedelta = RUN_BUDGET,
) -> CareOpinionRun:
    """One run for one ICS. `since`: where a first run starts (later runs start from their position);
    `budget`: how long the run may go on taking pages. Returns the run, whatever its outcome; raises
    `SyncBusy` when another run holds the sync."""
    state = _claim(ics)
    run = CareOpinionRun.objects.create(sync=state, started_at=timezone.now())
    owns_client = client is None
    try:
        client = client or client_from_settings()
        _run(state, run, client, since=since, take=min(take, MAX_TAKE), budget=budget)
        run.status = RunStatus.SUCCEEDED
        state.last_success_at = timezone.now()
    except KeyRefused as exc:
        run.status, run.message = RunStatus.FAILED, str(exc)
    except Unavailable as exc:
        run.status = RunStatus.STOPPED
        where = _cursor_text(state.last_published_at) if state.last_published_at else "the start"
        run.message = f"{exc}. Stopped; the next run resumes after {where}."
    except CareOpinionError as exc:
        run.status, run.message = RunStatus.FAILED, str(exc)
    except Exception as exc:
        # A bug or the database: recorded as a failed run for the operations page, then raised as it is.
        run.status, run.message = RunStatus.FAILED, f"Stopped by an unexpected error ({type(exc).__name__})"
        raise
    finally:
        if client is not None:
            run.requests = client.requests
            if owns_client:
                client.close()
        run.finished_at = timezone.now()
        run.save()
        state.running_since = None
        state.save(update_fields=["running_since", "last_success_at"])
    return run


def _already_read(item, cursor: dt.datetime | None, last_id: str) -> bool:
    """An item of the overlap: published before the position, or the very opinion the position is at."""
    if cursor is None or not isinstance(item, dict):
        return False
    published = _when(item.get("dateOfPublication"))
    if published is None:
        return False
    return published < cursor or (published == cursor and str(item.get("id", "")).strip() == last_id)


def _run(state: CareOpinionSync, run: CareOpinionRun, client: Client, *, since, take: int, budget) -> None:
    resolver = Resolver(state.ics)
    cursor, last_id = state.last_published_at, state.last_opinion_id
    # Asked by date, from the day before the position: the public uses of `publishedafter` give dates, and
    # whether it reads a time, or a date as its start or its end, a day's overlap loses nothing. What the
    # overlap re-reads is passed over before any further request, and is not counted as fetched.
    start = cursor - OVERLAP if cursor else since
    after = start.astimezone(dt.UTC).date().isoformat() if start else None
    skip = 0
    while True:
        items = client.opinions(published_after=after, skip=skip, take=take)
        if not items:
            return
        prepared = []
        for position, item in enumerate(items, start=skip + 1):
            if _already_read(item, cursor, last_id):
                continue
            run.fetched += 1
            opinion = _read(client, resolver, run, item, position)
            if opinion is not None:
                prepared.append(opinion)
        _store_page(state, run, prepared)
        skip += len(items)
        if len(items) < take:
            return
        if timezone.now() - run.started_at >= budget:
            minutes = int(budget.total_seconds() // 60)
            run.message = f"More to fetch after {minutes} minutes: the next run goes on from here."
            return


def _read(client: Client, resolver: Resolver, run: CareOpinionRun, item, position: int) -> Prepared | None:
    if _is_sorry(item):
        which = f"opinion {item.get('id')}" if isinstance(item, dict) and item.get("id") else "an item"
        _problem(run, f"Item {position} of the feed ({which}) came back as “Sorry! Something went wrong.”")
        return None
    if not isinstance(item, dict) or not str(item.get("id") or "").strip():
        _problem(run, f"Item {position} of the feed is not an opinion with an id")
        return None
    opinion_id = str(item["id"]).strip()[:40]
    published = _when(item.get("dateOfPublication"))
    if published is None:
        _problem(run, f"Opinion {opinion_id} has no date of publication")
        return None
    prepared = _prepare(client, resolver, run, item, opinion_id, published)
    if prepared is not None and prepared.organisation is None:
        run.outside += 1
    return prepared


def _problem(run: CareOpinionRun, message: str) -> None:
    run.skipped += 1
    run.errors = [*run.errors, message]


def _store_page(state: CareOpinionSync, run: CareOpinionRun, page: list[Prepared]) -> None:
    """Write one page and move the position past it, together: all of it or none of it."""
    ours = [p for p in page if p.organisation is not None]
    with transaction.atomic():
        existing = {
            story.external_id: story
            for story in Story.objects.filter(
                organisation__ics=state.ics,
                import_source=ImportSource.CARE_OPINION,
                external_id__in=[p.opinion_id for p in ours],
            )
        }
        for opinion in ours:
            story = existing.get(opinion.opinion_id)
            if story is not None:
                _refresh(story, opinion, run)
            else:
                _create(state, opinion, run)
        if page:
            last = max(page, key=lambda p: p.published)
            state.last_published_at, state.last_opinion_id = last.published, last.opinion_id
        state.running_since = timezone.now()  # still alive: the claim runs from the last page stored
        state.save(update_fields=["last_published_at", "last_opinion_id", "running_since"])
        run.save()


def _refresh(story: Story, opinion: Prepared, run: CareOpinionRun) -> None:
    changed = [
        name
        for name in REFRESHED_FIELDS
        if name not in opinion.unread and getattr(story, name) != opinion.fields[name]
    ]
    if not changed:
        run.unchanged += 1
        return
    for name in changed:
        setattr(story, name, opinion.fields[name])
    story.save(update_fields=[*changed, "updated_at"])
    run.updated += 1


def _create(state: CareOpinionSync, opinion: Prepared, run: CareOpinionRun) -> None:
    try:
        with transaction.atomic():
            story = services.story_create(
                user=None,
                organisation=opinion.organisation,
                services=opinion.services,
                import_source=ImportSource.CARE_OPINION,
                external_id=opinion.opinion_id,
                **opinion.story,
                **opinion.fields,
            )
            if state.consent_declared_at:
                declared = f"{state.consent_declared_at:%-d %B %Y}"
                services.story_consent_record(
                    story=story,
                    user=state.consent_declared_by,
                    internal_learning=True,
                    board_quote=False,
                    publication=False,
                    note=f"Consent basis: {state.consent_basis} (declared {declared}; Care Opinion sync)",
                )
            criticality = opinion.fields["criticality"]
            if criticality is not None and criticality >= HIGH_CRITICALITY:
                services.story_flag(
                    story=story, user=None, concern=SafetyConcern.SAFETY, source=FlagSource.CRITICALITY
                )
    except ValidationError as exc:
        problems = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items())
        _problem(run, f"Opinion {opinion.opinion_id} could not be stored ({problems})")
        return
    run.created += 1


# Consent declaration ------------------------------------------------------------------------------------


@transaction.atomic
def consent_declare(*, ics: ICS, user, basis: str) -> CareOpinionSync:
    """A person declares once what Care Opinion's terms allow the synced stories to be used for (internal
    learning); every story the sync creates afterwards records it, attributed to them."""
    basis = basis.strip()
    if not basis:
        raise ValidationError({"basis": "Say what Care Opinion's terms allow the stories to be used for"})
    state, _ = CareOpinionSync.objects.get_or_create(ics=ics)
    state.consent_basis = basis[:300]
    state.consent_declared_by = user
    state.consent_declared_at = timezone.now()
    state.save()
    return state
