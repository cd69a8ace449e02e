"""Search pages. The search is a GET form, so every search (and every saved one) is a link to share; whoever
opens it sees only what they may read. Works without JavaScript; htmx swaps only the results."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from insight_hub.privacy import audit

from . import alerts, services
from .forms import SavedSearchForm, SearchForm
from .models import AlertFrequency, SavedSearch
from .registry import all_sources
from .selectors import COUNT_CAP, MAX_PAGES
from .selectors import search as run_search

HOME = ("Home", "/")
SEARCH = ("Search", "/search/")
SEARCH_FIELDS = list(SearchForm.base_fields)


def _page_number(value) -> int:
    try:
        return max(1, min(int(value), MAX_PAGES))
    except (TypeError, ValueError):
        return 1


def _audit_originals(request, page) -> None:
    """Original text on the page (the person's own organisation's) is a read of it: on record, by source."""
    actions = {source.key: source.audit_action for source in all_sources()}
    for key, pks in page.originals.items():
        if actions.get(key):
            audit.record(request.user, actions[key], page="search", items=pks)


def _share_params(form) -> dict[str, str]:
    """The valid search's own query string (no page number): the link to share and what a save stores."""
    return {name: form.data[name] for name in SEARCH_FIELDS if form.data.get(name)}


def _context(request, form, page, save_form, *, valid: bool) -> dict:
    params = _share_params(form) if valid else {}
    share = urlencode(params)
    return {
        "form": form,
        "page": page,
        "share_query": share,
        "share_params": list(params.items()),
        "share_url": request.build_absolute_uri(f"{reverse('search:search')}?{share}"),
        "save_form": save_form,
        "forms": [form, save_form],  # the error summary lists both: the search and the name to save it as
        "count_cap": COUNT_CAP,
        "breadcrumbs": [HOME],
    }


@login_required
@require_GET
@vary_on_headers("HX-Request")
def search(request):
    searched = any(request.GET.get(name) for name in SEARCH_FIELDS)
    form = SearchForm(request.GET if searched else None, user=request.user)
    page = None
    criteria = form.criteria() if searched else None
    if criteria is not None:
        page = run_search(request.user, criteria, page=_page_number(request.GET.get("page")))
        _audit_originals(request, page)
    context = _context(request, form, page, SavedSearchForm(user=request.user), valid=criteria is not None)
    template = "search/search.html#results" if request.htmx else "search/search.html"
    return render(request, template, context)


@login_required
@require_GET
def saved_list(request):
    saved = SavedSearch.objects.filter(owner=request.user).select_related(
        "organisation", "service", "theme", "alert"
    )
    return render(
        request,
        "search/saved_list.html",
        {
            "saved": saved,
            "frequencies": AlertFrequency.choices,
            "lookback_days": alerts.LOOKBACK.days,
            "breadcrumbs": [HOME, SEARCH],
        },
    )


@login_required
@require_POST
def saved_create(request):
    """Save the search in the POSTed fields (the search form's, carried as hidden inputs) under a name."""
    form = SearchForm(request.POST, user=request.user)
    save_form = SavedSearchForm(request.POST, user=request.user)
    if form.is_valid() and save_form.is_valid():
        saved = services.saved_search_create(
            owner=request.user, name=save_form.cleaned_data["name"], data=form.cleaned_data
        )
        messages.success(request, f"Search saved as “{saved.name}”.")
        return redirect("search:saved_list")
    # Back to the page with the errors; the search runs again so the person keeps their results.
    page = None
    if form.is_valid():
        page = run_search(request.user, form.criteria())
        _audit_originals(request, page)
    context = _context(request, form, page, save_form, valid=form.is_valid())
    return render(request, "search/search.html", context, status=400)


def _own_saved(request, pk: int) -> SavedSearch:
    try:
        return SavedSearch.objects.get(pk=pk, owner=request.user)
    except SavedSearch.DoesNotExist:
        raise Http404 from None  # someone else's saved search does not exist for you


@login_required
@require_GET
def saved_open(request, pk: int):
    """A saved search by its number (the alert email's link, which never carries the search words)."""
    return redirect(_own_saved(request, pk).get_absolute_url())


@login_required
@require_POST
def alert_subscribe(request, pk: int):
    saved = _own_saved(request, pk)
    frequency = request.POST.get("frequency", "")
    if frequency not in AlertFrequency.values:
        messages.error(request, f"Choose how often to be emailed about “{saved.name}”.")
        return redirect("search:saved_list")
    if not request.user.email:
        messages.error(request, "Your account has no email address: ask an administrator to add one.")
        return redirect("search:saved_list")
    alerts.alert_subscribe(saved=saved, user=request.user, frequency=frequency)
    when = AlertFrequency(frequency).label.lower()
    to = request.user.email
    messages.success(request, f"New results for “{saved.name}” will be emailed to {to}: {when}.")
    return redirect("search:saved_list")


@login_required
@require_POST
def alert_unsubscribe(request, pk: int):
    saved = _own_saved(request, pk)
    alerts.alert_unsubscribe(saved=saved, user=request.user)
    messages.success(request, f"You will no longer be emailed about “{saved.name}”.")
    return redirect("search:saved_list")


@require_http_methods(["GET", "POST"])
def alert_off(request, token: str):
    """The link in every alert email: a page that asks, then stops the alert, without signing in."""
    saved = alerts.saved_for_unsubscribe(token)
    if saved is None:
        raise Http404
    done = request.method == "POST"
    if done:
        alerts.alert_unsubscribe(saved=saved, user=saved.owner, via="email link")
    active = not done and hasattr(saved, "alert")
    return render(request, "search/alert_off.html", {"done": done, "active": active, "saved": saved})


@login_required
@require_POST
def saved_delete(request, pk: int):
    saved = _own_saved(request, pk)
    services.saved_search_delete(saved=saved)
    messages.success(request, f"Saved search “{saved.name}” deleted.")
    return redirect("search:saved_list")
