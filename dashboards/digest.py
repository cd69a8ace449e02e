"""The weekly digest: each owner is emailed exactly what they own that needs them, on the day they chose.

What a person owns is read from the ownership register (`dashboards.owners`: dashboards, tiles, actions and,
through their provider, charter commitments). The digest lists, for that person only:
- what they own that is overdue, and what falls due in the next fortnight;
- what has no owner where they answer for it: the ICS's named lead sees every gap in the ICS, a dashboard's
  owner the tiles of their dashboards that nobody owns;
- critical stories logged in the last week within their dashboards' reach or on their tiles' themes
  (negative, a safety concern, or rated strongly or severely critical at source), among those they may see;
- themes rising this month (the system view's Poisson test) on their tiles or within their dashboards.

An email carries no patient text: stories are named by reference and organisation, actions by their story,
and every line links into the hub. People with nothing in any section get no email. The outbox key is the
person and the ISO week, so a second run in the same week sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from insight_hub.notifications.digests import recipients_on, unsubscribe_path
from insight_hub.notifications.services import email_enqueue
from insight_hub.organisations.models import ICS, Organisation
from stories.models import CRITICAL_STORY, Story

from .models import Dashboard, ScopeKind, Tile
from .owners import ownership_register
from .selectors import Period, rising_themes

DUE_SOON_DAYS = 14
NEW_STORIES_DAYS = 7


@dataclass(frozen=True)
class Line:
    text: str
    url: str


@dataclass
class Digest:
    person: object
    sections: list[tuple[str, list[Line]]] = field(default_factory=list)

    def add(self, title: str, lines: list[Line]) -> None:
        if lines:
            self.sections.append((title, lines))

    @property
    def empty(self) -> bool:
        return not self.sections

    @property
    def count(self) -> int:
        return sum(len(lines) for _, lines in self.sections)


def _icss_of(person) -> list[ICS]:
    ics_ids = Organisation.objects.filter(memberships__user=person).values("ics_id")
    return list(ICS.objects.filter(Q(pk__in=ics_ids) | Q(px_lead=person)).distinct())


def _describe(entry) -> str:
    # An action's description is written about a patient's story: the email names its kind and place only.
    if entry.kind.startswith("Action"):
        what = f"An action you own ({entry.context})"
    else:
        what = f"{entry.kind}: {entry.title}"
    return f"{what}, due {entry.due:%-d %B %Y}" if entry.due else what


def _dashboard_org_ids(dashboard: Dashboard) -> set[int]:
    if dashboard.scope_kind == ScopeKind.ORGANISATIONS:
        return set(dashboard.organisations.values_list("pk", flat=True))
    if dashboard.scope_kind == ScopeKind.SERVICES:
        return set(dashboard.services.values_list("organisation_id", flat=True))
    if dashboard.scope_kind == ScopeKind.PATHWAY and dashboard.pathway_id:
        return set(dashboard.pathway.stages.values_list("organisation_id", flat=True))
    return set(Organisation.objects.filter(ics=dashboard.ics_id).values_list("pk", flat=True))


def _critical() -> Q:
    # The hub's one meaning of a critical story (page one, report section 6, the system view).
    return CRITICAL_STORY


def digest_for(person, *, today: dt.date | None = None) -> Digest:
    today = today or timezone.localdate()
    digest = Digest(person)
    icss = _icss_of(person)
    register = [entry for ics in icss for entry in ownership_register(ics)]
    mine = [entry for entry in register if entry.owner == person]
    digest.add(
        "Overdue",
        [Line(_describe(e), e.url) for e in mine if e.due is not None and e.due < today],
    )
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    digest.add(
        f"Due in the next {DUE_SOON_DAYS} days",
        [Line(_describe(e), e.url) for e in mine if e.due is not None and today <= e.due <= soon],
    )

    led = {ics.pk for ics in icss if ics.px_lead_id == person.pk}
    gaps = [
        Line(f"{e.kind}: {e.title}" + (" (its owner has left)" if e.status == "lapsed" else ""), e.url)
        for ics in icss
        if ics.pk in led
        for e in ownership_register(ics)
        if e.status in {"unowned", "lapsed"} and not e.kind.startswith("Action")
    ]
    if not led:
        gaps = [
            Line(
                f"Tile without an owner on “{tile.dashboard.title}”: {tile}",
                _dashboard_url(tile.dashboard_id),
            )
            for tile in Tile.objects.filter(dashboard__owner=person, owner__isnull=True).select_related(
                "dashboard", "theme"
            )
        ]
    digest.add("Without an owner", gaps)

    dashboards = list(Dashboard.objects.filter(owner=person, ics__in=icss))
    org_ids = set().union(*(_dashboard_org_ids(d) for d in dashboards)) if dashboards else set()
    theme_ids = set(
        Tile.objects.filter(owner=person, theme__isnull=False, dashboard__ics__in=icss).values_list(
            "theme_id", flat=True
        )
    )
    since = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=NEW_STORIES_DAYS), dt.time.min))
    reach = Q(organisation_id__in=org_ids) | Q(tags__theme_id__in=theme_ids)
    stories = (
        Story.objects.visible_to(person)
        .filter(reach, _critical(), logged_at__gte=since)
        .select_related("organisation")
        .distinct()
        .order_by("logged_at")
    )
    digest.add(
        "Critical stories logged in the last week",
        [
            Line(
                f"Story S{story.pk} at {story.organisation.display_name}, "
                f"logged {timezone.localtime(story.logged_at):%-d %B}",
                reverse("stories:detail", args=[story.pk]),
            )
            for story in stories[:50]
        ],
    )

    if org_ids:  # a dashboard's owner: every theme rising within their dashboards' reach
        rising = rising_themes(org_ids, Period.last_months(1, today=today))
    elif theme_ids:  # a tile's owner: their tiles' themes, across the ICS
        ics_orgs = Organisation.objects.filter(ics__in=icss).values_list("pk", flat=True)
        rising = [
            r for r in rising_themes(ics_orgs, Period.last_months(1, today=today)) if r.theme.pk in theme_ids
        ]
    else:
        rising = []
    digest.add(
        "Themes rising this month",
        [
            Line(
                f"{r.theme.name}: {r.count} mentions so far, against about {r.expected:.0f} a month before",
                reverse("dashboards:theme", args=[r.theme.pk]),
            )
            for r in rising
        ],
    )
    return digest


def _dashboard_url(pk: int) -> str:
    return reverse("dashboards:detail", args=[pk])


def send_weekly_digests(*, today: dt.date | None = None) -> int:
    """Email today's digests (people whose chosen day it is); returns how many were queued."""
    today = today or timezone.localdate()
    year, week, _ = today.isocalendar()
    queued = 0
    for person in recipients_on(today.weekday()):
        digest = digest_for(person, today=today)
        if digest.empty:
            continue
        email_enqueue(
            key=f"digest:{person.pk}:{year}-W{week:02d}",
            kind="digest",
            to=person.email,
            subject=f"Insight Hub: {digest.count} thing{'s' if digest.count != 1 else ''} you own this week",
            template="dashboards/email/digest",
            context={"name": person.get_full_name() or person.email, "digest": digest, "today": today},
            unsubscribe_url=_absolute(unsubscribe_path(person)),
        )
        queued += 1
    return queued


def _absolute(path: str) -> str:
    from django.conf import settings

    return settings.SITE_URL.rstrip("/") + path
