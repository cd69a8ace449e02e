"""The public notices every page's footer links to: the accessibility statement and the privacy notice.

Both are public (no sign-in): a patient answering a survey reads the privacy notice before saying anything
about their ethnicity or disability. Names come from the database (the ICSs, their ICBs and trusts) and
contacts from settings, so each installation's notices name its own controllers.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch
from django.shortcuts import render
from django.views.decorators.http import require_safe

from insight_hub.organisations.models import ICS, Organisation, OrganisationKind

# When the statement was prepared and last reviewed (WCAG 2.2 AA, axe-core and manual checks).
STATEMENT_PREPARED = "6 December 2026"


def footer(request) -> dict:
    """Context processor: the footer's links."""
    return {"source_code_url": settings.SOURCE_CODE_URL}


def _contacts() -> dict:
    return {
        "privacy_contact": settings.PRIVACY_CONTACT_EMAIL,
        "accessibility_contact": settings.ACCESSIBILITY_CONTACT_EMAIL or settings.PRIVACY_CONTACT_EMAIL,
    }


@require_safe
def accessibility_statement(request):
    return render(
        request,
        "notices/accessibility.html",
        {**_contacts(), "prepared": STATEMENT_PREPARED, "site_url": settings.SITE_URL},
    )


@require_safe
def privacy_notice(request):
    # Who controls what: each trust its own patients' data, the ICB the views across its system.
    trusts = Organisation.objects.filter(closed_on__isnull=True).exclude(kind=OrganisationKind.ICB)
    trusts = trusts.order_by("name")
    systems = (
        ICS.objects.select_related("icb")
        .prefetch_related(Prefetch("organisations", queryset=trusts, to_attr="trusts"))
        .order_by("name")
    )
    return render(
        request,
        "notices/privacy.html",
        {
            **_contacts(),
            "systems": systems,
            "retention_days": settings.BOARD_REPORT_RETENTION_DAYS,
        },
    )
