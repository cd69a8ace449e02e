"""Reads for organisations, always through the person's scope."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from .models import ICS, Membership, Organisation, Role, Service
from .permissions import get_for_user_or_404, organisations_for, scope_for


def organisation_list_for(user) -> QuerySet[Organisation]:
    return (
        organisations_for(user)
        .annotate(service_count=Count("services", filter=Q(services__active=True), distinct=True))
        .order_by("kind", "name")
    )


def organisation_get_for(user, *, ods_code: str) -> Organisation:
    return get_for_user_or_404(Organisation.objects.all(), user, organisation_path="", ods_code=ods_code)


def service_get_for(user, *, organisation: Organisation, pk: int) -> Service:
    return get_for_user_or_404(Service.objects.select_related("site"), user, organisation=organisation, pk=pk)


def icss_for(user) -> QuerySet[ICS]:
    """ICSs the person reads as a whole, or takes part in through their organisation."""
    scope = scope_for(user)
    return (
        ICS.objects.filter(
            Q(pk__in=scope.system_ics_ids) | Q(organisations__pk__in=scope.px_org_ids | scope.board_org_ids)
        )
        .select_related("icb", "px_lead")
        .distinct()
    )


def owner_candidates(ics: ICS) -> QuerySet:
    """People who may own a dashboard, tile or commitment: active ICB leads of the ICS."""
    user_ids = Membership.objects.filter(role=Role.ICB_LEAD, organisation=ics.icb).values("user_id")
    return (
        get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("first_name", "last_name")
    )
