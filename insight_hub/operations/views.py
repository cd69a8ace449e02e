from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from insight_hub.organisations.models import Role
from insight_hub.organisations.permissions import scope_for

from .checks import all_checks, settings_summary


@never_cache
@login_required
def operations(request):
    """For the ICS's system administrators: is the hub working, and how old is each piece of news."""
    if not scope_for(request.user).has_role(Role.SYSTEM_ADMIN):
        raise Http404
    return render(
        request,
        "operations/operations.html",
        {
            "checks": all_checks(),
            "settings_rows": settings_summary(),
            "breadcrumbs": [("Home", "/")],
        },
    )
