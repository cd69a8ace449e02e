"""Who owns each section of a board report, worked out when it is made.

A whole-ICS report: the figures and stories belong to the owner of a published dashboard of the whole ICS,
else the ICS's named patient-experience lead (`ICS.px_lead`); charter commitments and actions to that lead.

A trust's report is owned by the trust's own named people, not the ICB's:
- figures and themes: the owner of a published dashboard of exactly that trust who works there (px_lead),
  else the trust's lead (below);
- stories: the trust's named safety lead (`stories.SafetyLead`), who answers its critical stories, else the
  trust's lead;
- charter commitments and actions: the trust's lead.
The trust's lead is the person who asked for the report when they are one of its px leads, else its
longest-serving active px lead. Where the ICB owns what a section reports on (the ICS's charter, a dashboard
of the trust owned at the ICB), the ICB's owner is shown beside the trust's. Where nobody is named the
section shows a gap, and the report's owner approves it on the section's behalf.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboards.models import Dashboard, DashboardStatus, ScopeKind
from insight_hub.organisations.models import Membership, Role
from stories.models import SafetyLead

SECTIONS = [
    ("fft", "Friends and Family Test"),
    ("themes", "Themes most praised and most criticised"),
    ("stories", "Patient stories"),
    ("commitments", "Charter commitments"),
    ("actions", "Actions and their owners"),
    ("follow_up", "Responses and changes made"),
]
SECTION_TITLES = dict(SECTIONS)


@dataclass(frozen=True)
class SectionOwner:
    key: str
    title: str
    owner: object | None  # a User
    role: str
    icb_owner: object | None = None
    icb_role: str = ""

    @property
    def name(self) -> str:
        return person_name(self.owner)

    @property
    def icb_name(self) -> str:
        return person_name(self.icb_owner)


def person_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email


def _active(user):
    return user if user is not None and user.is_active else None


def _ics_lead(ics):
    lead = _active(ics.px_lead) if ics.px_lead_id else None
    return lead, (f"patient-experience lead, {ics.name}" if lead else "")


def _dashboard(ics, organisation):
    dashboards = Dashboard.objects.filter(ics=ics, status=DashboardStatus.PUBLISHED, owner__is_active=True)
    if organisation is None:
        dashboards = dashboards.filter(scope_kind=ScopeKind.ICS)
    else:
        dashboards = dashboards.filter(scope_kind=ScopeKind.ORGANISATIONS, organisations=organisation)
    return list(dashboards.select_related("owner").order_by("pk"))


def trust_px_leads(organisation) -> list:
    memberships = Membership.objects.filter(
        organisation=organisation, role=Role.PX_LEAD, user__is_active=True
    ).select_related("user")
    return [m.user for m in memberships.order_by("created_at", "pk")]


def section_owners(ics, organisation, *, requested_by=None) -> list[SectionOwner]:
    """The owner of each section of a report of `organisation` (None: the whole ICS), in report order."""
    ics_lead, ics_role = _ics_lead(ics)
    if organisation is None:
        dashboards = _dashboard(ics, None)
        if dashboards:
            numbers = (dashboards[0].owner, f"owner of the dashboard “{dashboards[0].title}”")
        else:
            numbers = (ics_lead, ics_role)
        by_key = {"fft": numbers, "themes": numbers, "stories": numbers}
        return [SectionOwner(key, title, *by_key.get(key, (ics_lead, ics_role))) for key, title in SECTIONS]

    name = organisation.display_name
    leads = trust_px_leads(organisation)
    if requested_by is not None and any(u.pk == requested_by.pk for u in leads):
        lead = requested_by
    else:
        lead = leads[0] if leads else None
    lead_role = f"patient-experience lead, {name}" if lead else ""
    staff = {u.pk for u in leads}

    numbers, numbers_icb = (lead, lead_role), (None, "")
    dashboards = _dashboard(ics, organisation)
    own = [d for d in dashboards if d.owner_id in staff]
    if own:
        numbers = (own[0].owner, f"owner of the dashboard “{own[0].title}”, {name}")
    elif dashboards:  # a dashboard of the trust owned at the ICB: the ICB's owner is shown beside
        numbers_icb = (dashboards[0].owner, f"owner of the dashboard “{dashboards[0].title}” (ICB)")

    safety = SafetyLead.objects.filter(organisation=organisation).select_related("user").first()
    safety_lead = _active(safety.user) if safety else None
    stories = (safety_lead, f"safety lead, {name}") if safety_lead else (lead, lead_role)

    owners = {
        "fft": (*numbers, *numbers_icb),
        "themes": (*numbers, *numbers_icb),
        "stories": (*stories, None, ""),
        # The charter is the ICS's, adopted and owned at the ICB.
        "commitments": (lead, lead_role, ics_lead, f"{ics_role} (owns the charter)" if ics_lead else ""),
        "actions": (lead, lead_role, None, ""),
        # Responses to the people who told the stories, and the changes the trust signed off.
        "follow_up": (lead, lead_role, None, ""),
    }
    return [SectionOwner(key, title, *owners[key]) for key, title in SECTIONS]


def register_entries(ics):
    """For the ownership register (`dashboards.owners`): sections of draft reports waiting for approval,
    so a section nobody is named for shows there as a gap."""
    from django.urls import reverse

    from dashboards.owners import Owned

    from .models import ReportSection, ReportStatus, SignOff

    waiting = ReportSection.objects.filter(
        report__ics=ics,
        report__status=ReportStatus.DONE,
        report__signoff=SignOff.DRAFT,
        approved_at__isnull=True,
    ).select_related("owner", "report__organisation", "report__ics")
    for section in waiting.order_by("report__requested_at", "position"):
        report = section.report
        yield Owned(
            "Board report section",
            f"{section.title}: {report.scope_label}, {report.period_label}",
            reverse("reports:detail", kwargs={"uid": report.uid}),
            section.owner,
            None,
            "Waiting for its owner's approval",
        )
