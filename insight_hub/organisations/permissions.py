"""Who may see and change what: the one place every view and selector asks.

A person's reach comes from their memberships:
- `px_lead` at an organisation: that organisation's records, originals included, and may edit them;
- `board` at an organisation: read that organisation's dashboards and reports (at an ICB: the whole ICS),
  not its records (responses, comment exports, tag panels): `records_filter_for` leaves a board member out;
- `icb_lead` at an ICB: read the whole ICS, redacted text only;
- `system_admin` at an ICB: set up the ICS (reference data, services, users, taxonomy, charters).
Anything outside a person's reach does not exist for them: views answer 404, never 403, so that an
outsider learns nothing, not even that an object is there.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import ICS, Membership, Organisation, OrganisationKind, Role


@dataclass(frozen=True)
class Scope:
    """A person's reach, worked out once per request from their memberships."""

    px_org_ids: frozenset[int] = frozenset()
    board_org_ids: frozenset[int] = frozenset()
    # ICSs reached through an ICB membership, by role.
    icb_lead_ics_ids: frozenset[int] = frozenset()
    board_ics_ids: frozenset[int] = frozenset()
    admin_ics_ids: frozenset[int] = frozenset()

    @property
    def system_ics_ids(self) -> frozenset[int]:
        """ICSs this person reads as a whole."""
        return self.icb_lead_ics_ids | self.board_ics_ids | self.admin_ics_ids

    @property
    def is_empty(self) -> bool:
        return not (self.px_org_ids or self.board_org_ids or self.system_ics_ids)

    def has_role(self, role: str) -> bool:
        return {
            Role.PX_LEAD: bool(self.px_org_ids),
            Role.BOARD: bool(self.board_org_ids or self.board_ics_ids),
            Role.ICB_LEAD: bool(self.icb_lead_ics_ids),
            Role.SYSTEM_ADMIN: bool(self.admin_ics_ids),
        }[role]

    def organisation_filter(self, path: str = "") -> Q:
        """A Q object over organisations (or over a relation to one at `path`) within reach."""
        prefix = f"{path}__" if path else ""
        if self.is_empty:
            return Q(pk__in=[])
        return Q(**{f"{prefix}pk__in": self.px_org_ids | self.board_org_ids}) | Q(
            **{f"{prefix}ics_id__in": self.system_ics_ids}
        )

    def records_filter(self, path: str = "") -> Q:
        """Organisations whose records (responses, comments and their tags) the person reads: a px_lead's own,
        and the ICS's for its ICB lead and system administrator. A board member reads dashboards and reports
        only, so board reach is left out."""
        prefix = f"{path}__" if path else ""
        ics_ids = self.icb_lead_ics_ids | self.admin_ics_ids
        if not (self.px_org_ids or ics_ids):
            return Q(pk__in=[])
        return Q(**{f"{prefix}pk__in": self.px_org_ids}) | Q(**{f"{prefix}ics_id__in": ics_ids})


_ANONYMOUS = Scope()


def scope_for(user) -> Scope:
    """The person's scope, cached on the user object for the rest of the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return _ANONYMOUS
    cached = getattr(user, "_hub_scope", None)
    if cached is not None:
        return cached
    px, board, icb_lead, board_ics, admin = set(), set(), set(), set(), set()
    for membership in Membership.objects.filter(user=user).select_related("organisation"):
        org = membership.organisation
        # ICB roles reach the ICS the ICB leads (an ICB's own `ics` is set when the ICS is set up).
        ics_id = org.ics_id if org.kind == OrganisationKind.ICB else None
        if membership.role == Role.PX_LEAD:
            px.add(org.pk)
        elif membership.role == Role.BOARD and ics_id:
            board_ics.add(ics_id)
        elif membership.role == Role.BOARD:
            board.add(org.pk)
        elif membership.role == Role.ICB_LEAD and ics_id:
            icb_lead.add(ics_id)
        elif membership.role == Role.SYSTEM_ADMIN and ics_id:
            admin.add(ics_id)
    scope = Scope(
        px_org_ids=frozenset(px),
        board_org_ids=frozenset(board),
        icb_lead_ics_ids=frozenset(icb_lead),
        board_ics_ids=frozenset(board_ics),
        admin_ics_ids=frozenset(admin),
    )
    user._hub_scope = scope
    return scope


def organisations_for(user) -> QuerySet[Organisation]:
    """Organisations the person may see at all."""
    return Organisation.objects.filter(scope_for(user).organisation_filter()).distinct()


def filter_for(user, queryset: QuerySet, *, organisation_path: str = "organisation") -> QuerySet:
    """Narrow any queryset of organisation-owned rows to the person's reach."""
    return queryset.filter(scope_for(user).organisation_filter(organisation_path))


def reads_records(user) -> bool:
    """Whether the person reads any organisation's records (responses, comments, tag panels) at all."""
    scope = scope_for(user)
    return bool(scope.px_org_ids or scope.icb_lead_ics_ids or scope.admin_ics_ids)


def records_filter_for(user, queryset: QuerySet, *, organisation_path: str = "organisation") -> QuerySet:
    """Narrow a queryset of records (responses, comments, tags) to the organisations whose records the person
    reads: like `filter_for`, without a board member's reach."""
    return queryset.filter(scope_for(user).records_filter(organisation_path))


def can_read_records(user, organisation: Organisation) -> bool:
    scope = scope_for(user)
    if organisation.pk in scope.px_org_ids:
        return True
    return organisation.ics_id in scope.icb_lead_ics_ids | scope.admin_ics_ids


def get_for_user_or_404(queryset: QuerySet, user, *, organisation_path: str = "organisation", **lookup):
    """Fetch one row the person may see, or 404 as if it did not exist."""
    try:
        return filter_for(user, queryset, organisation_path=organisation_path).distinct().get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def can_view(user, organisation: Organisation) -> bool:
    scope = scope_for(user)
    if organisation.pk in scope.px_org_ids | scope.board_org_ids:
        return True
    return organisation.ics_id in scope.system_ics_ids


def can_edit(user, organisation: Organisation) -> bool:
    """Change the organisation's own records: its px_lead, or the ICS's system administrator."""
    scope = scope_for(user)
    return organisation.pk in scope.px_org_ids or organisation.ics_id in scope.admin_ics_ids


def can_read_original(user, organisation: Organisation) -> bool:
    """See unredacted text: only inside the organisation that logged it."""
    return organisation.pk in scope_for(user).px_org_ids


def can_manage_ics(user, ics_id: int) -> bool:
    """Build and change the ICS's configured dashboards: its ICB leads and system administrators."""
    scope = scope_for(user)
    return ics_id in scope.icb_lead_ics_ids | scope.admin_ics_ids


def manages_any_ics(user) -> bool:
    scope = scope_for(user)
    return bool(scope.icb_lead_ics_ids or scope.admin_ics_ids)


def reads_system(user) -> bool:
    """Whether the person reads an ICS as a whole (ICB lead, ICB board member, system administrator)."""
    return bool(scope_for(user).system_ics_ids)


def system_ics_or_404(user) -> ICS:
    """The ICS a person reads as a whole (ICB lead, ICB board member, system administrator), or 404."""
    ics = (
        ICS.objects.filter(pk__in=scope_for(user).system_ics_ids)
        .select_related("icb", "px_lead")
        .order_by("name")
        .first()
    )
    if ics is None:
        raise Http404
    return ics


def visible_organisations(user) -> QuerySet[Organisation]:
    """The open trusts (not ICBs) within the person's reach, by name: the organisations dashboards show."""
    return (
        Organisation.objects.filter(scope_for(user).organisation_filter())
        .exclude(kind=OrganisationKind.ICB)
        .filter(closed_on__isnull=True)
        .order_by("name")
    )


def organisation_or_404(user, ods_code: str) -> Organisation:
    """A trust within the person's reach by its ODS code, or 404 (an ICB has no trust dashboard)."""
    organisation = get_object_or_404(Organisation.objects.select_related("ics__px_lead"), ods_code=ods_code)
    if not can_view(user, organisation) or organisation.kind == OrganisationKind.ICB:
        raise Http404
    return organisation


def story_title_for(user, story) -> str:
    """A story's title as this person may read it: the original inside the organisation that logged it, the
    redacted title everywhere else (`can_read_original`). Takes any row with `organisation_id`, `title` and
    `redacted_title`, so the core needs no import of the stories app."""
    if story.organisation_id in scope_for(user).px_org_ids:
        return story.title
    return story.redacted_title


def story_when_for(user, story) -> str:
    """When a story happened, as this person may read it: the exact date inside the organisation that logged
    it, the month elsewhere (`occurred_display` / `occurred_display_outside`)."""
    if story.organisation_id in scope_for(user).px_org_ids:
        return story.occurred_display
    return story.occurred_display_outside
