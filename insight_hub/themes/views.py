from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from insight_hub import exports, limits
from insight_hub.privacy import audit
from insight_hub.privacy.models import AuditAction

from . import registry, selectors, services
from .emerging import may_review_candidates
from .models import Theme

TRAINING_COLUMNS = ["comment_id", "question_type", "text", "sentiment", "labels"]


def _item_or_404(user, label: str, pk: int):
    try:
        registry.get(label)
    except LookupError:
        raise Http404 from None
    item = selectors.item_for_user(user, label, pk)
    if item is None:
        raise Http404
    return item


@login_required
@vary_on_headers("HX-Request")
def tag_panel(request, label: str, pk: int):
    """An item's tags with their evidence; the fragment the review buttons swap."""
    item = _item_or_404(request.user, label, pk)
    return render(
        request, "themes/partials/_tag_panel.html", {"panel": selectors.tag_panel(request.user, label, item)}
    )


@login_required
@require_POST
@vary_on_headers("HX-Request")
def tag_review(request, label: str, pk: int):
    """Confirm, reject or add a theme. htmx swaps the panel; without JavaScript we go back to the page."""
    item = _item_or_404(request.user, label, pk)
    if not selectors.can_review(request.user, item, registry.get(label)):
        raise Http404
    theme_id = limits.id_or_none(request.POST.get("theme"))
    if theme_id is None:
        raise Http404("No such theme.")
    theme = get_object_or_404(selectors.themes_for_item(item, registry.get(label)), pk=theme_id)
    error = None
    try:
        services.tag_decide(
            user=request.user, label=label, item=item, theme=theme, action=request.POST.get("action")
        )
    except ValidationError as exc:
        error = "; ".join(exc.messages)
    if request.htmx:
        panel = selectors.tag_panel(request.user, label, item)
        return render(
            request,
            "themes/partials/_tag_panel.html",
            {"panel": panel, "error": error},
            status=400 if error else 200,
        )
    next_url = request.POST.get("next", "")
    if error or not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return render(
            request,
            "themes/review_item.html",
            {"panel": selectors.tag_panel(request.user, label, item), "error": error},
            status=400 if error else 200,
        )
    return redirect(next_url)


@login_required
def review_queue(request):
    if not selectors.may_review_anything(request.user):
        raise Http404
    return render(
        request,
        "themes/review_queue.html",
        {
            "queue": selectors.review_queue(request.user),
            "coverage": selectors.review_share_by_theme(request.user),
            "sees_emerging": may_review_candidates(request.user),
            "breadcrumbs": [("Home", "/")],
        },
    )


@login_required
def review_item(request, label: str, pk: int):
    item = _item_or_404(request.user, label, pk)
    return render(
        request,
        "themes/review_item.html",
        {
            "panel": selectors.tag_panel(request.user, label, item),
            "breadcrumbs": [("Home", "/"), ("Review tags", "/themes/review/")],
        },
    )


@login_required
def corrections_export(request):
    """People's corrections as rows in the training file's columns (`train_tagger --corrections`)."""
    if not selectors.may_review_anything(request.user):
        raise Http404
    # The rows carry comment and story text (redacted): an export like any other.
    audit.record(request.user, AuditAction.EXPORT_DOWNLOADED, export="tag-corrections.csv")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="tag-corrections.csv"'
    # Comment texts could run as formulas in a spreadsheet: the export writer defuses them, and
    # `train_tagger` reads them back through `insight_hub.exports.read_csv_dicts`.
    writer = exports.CsvDictWriter(response, fieldnames=TRAINING_COLUMNS)
    writer.writeheader()
    writer.writerows(selectors.corrections_as_training_rows(request.user))
    return response


@login_required
def taxonomy(request):
    return render(
        request,
        "themes/taxonomy.html",
        {
            "themes": Theme.objects.filter(taxonomy__is_default=True, ics__isnull=True, active=True),
            "breadcrumbs": [("Home", "/")],
        },
    )
