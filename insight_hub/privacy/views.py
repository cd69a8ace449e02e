from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import selectors
from .forms import AuditFilterForm

PAGE_SIZE = 50


@login_required
@require_GET
def audit_list(request):
    """Read-only: the audit has no form that changes it, here or anywhere. Others get 404."""
    if not selectors.may_read_audit(request.user):
        raise Http404
    form = AuditFilterForm(request.GET or None)
    events = selectors.audit_events_for(request.user, filters=form.filters())
    page_obj = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "privacy/audit_list.html",
        {"form": form, "page_obj": page_obj, "query": params.urlencode(), "breadcrumbs": [("Home", "/")]},
    )
