"""The complex and interesting comments queue, its CSV download, and the per-person flag buttons. Every view
reads through the person's records scope; a board member, or anyone else without it, gets 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from insight_hub.privacy import audit
from insight_hub.privacy.models import AuditAction

from . import complex, selectors, services

PAGE_SIZE = 25


def _filter_form(request) -> complex.ComplexFilterForm:
    return complex.ComplexFilterForm(
        request.GET or None, organisations=complex.organisations_for_queue(request.user)
    )


def _audit_filters(form) -> dict:
    """Filters are choice values and dates (no free text), so they may go in the audit as they are."""
    return {
        f"filter_{name}": str(getattr(value, "ods_code", value)) for name, value in form.filters().items()
    }


@login_required
@vary_on_headers("HX-Request")
def complex_comments(request):
    selectors.responses_readable_or_404(request.user)
    form = _filter_form(request)
    keys = complex.queue_keys(request.user, filters=form.filters())
    page = Paginator(keys, PAGE_SIZE).get_page(request.GET.get("page"))
    items = complex.queue_items(request.user, complex.comments_for_keys(page.object_list))
    # Who read which response's original words: one event per response shown unredacted on this page.
    for response in {
        item.comment.response_id: item.comment.response for item in items if item.is_original
    }.values():
        audit.record(request.user, AuditAction.RESPONSE_VIEWED_UNREDACTED, response, page="complex_comments")
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "page_obj": page,
        "items": items,
        "query": params.urlencode(),
        "next": request.get_full_path(),
        "breadcrumbs": [("Home", "/"), ("Feedback", reverse("feedback:response_list"))],
    }
    template = "feedback/complex_comments.html"
    return render(request, f"{template}#results" if request.htmx else template, context)


@login_required
def complex_comments_csv(request):
    selectors.responses_readable_or_404(request.user)
    form = _filter_form(request)
    keys = complex.queue_keys(request.user, filters=form.filters())
    audit.record(
        request.user, AuditAction.EXPORT_DOWNLOADED, export="complex-comments.csv", **_audit_filters(form)
    )
    out = StreamingHttpResponse(complex.csv_lines(request.user, keys), content_type="text/csv; charset=utf-8")
    out["Content-Disposition"] = (
        f'attachment; filename="complex-comments-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    out["Cache-Control"] = "private, no-store, max-age=0"
    return out


@login_required
@require_POST
def comment_flag(request, pk: int):
    """Add or remove the person's own flag. htmx swaps the buttons; without JavaScript we go back."""
    comment = complex.comment_for_flagging(request.user, pk=pk)
    error = None
    try:
        services.comment_flag_set(
            user=request.user,
            comment=comment,
            kind=request.POST.get("kind", ""),
            flagged=request.POST.get("action") != "remove",
        )
    except ValidationError as exc:
        error = "; ".join(exc.messages)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = reverse("feedback:complex_comments")
    if request.htmx or error:
        return render(
            request,
            "feedback/partials/_comment_flags.html",
            {"flags": selectors.flag_state(request.user, comment), "next": next_url, "error": error},
            status=400 if error else 200,
        )
    return redirect(next_url)
