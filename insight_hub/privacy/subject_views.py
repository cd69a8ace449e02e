"""Requests about a person (subject access, erasure, objection), for the ICS's system administrator.

find (search, POST) → view the chosen records → download a copy, or erase or anonymise them after a
confirmation page. Every step is audited (privacy/subjects.py); everyone but a system administrator gets 404,
and a record outside the administrator's ICS is as if it did not exist.
"""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from . import subjects
from .forms import SubjectSearchForm


def _crumbs(*extra):
    return [("Home", "/"), *extra]


def _find_crumb():
    return ("Requests about a person", reverse("privacy:subject_find"))


def _admin_only(request) -> None:
    if not subjects.may_handle_requests(request.user):
        raise Http404


@login_required
def subject_find(request):
    _admin_only(request)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    form = SubjectSearchForm(request.POST if request.method == "POST" else None)
    records, truncated = [], False
    searched = request.method == "POST" and form.is_valid()
    if searched:
        search = subjects.Search(by=form.cleaned_data["by"], value=form.cleaned_data["value"])
        records, truncated = subjects.subject_find(request.user, search=search)
    return render(
        request,
        "privacy/subject_find.html",
        {
            "form": form,
            "searched": searched,
            "records": records,
            "truncated": truncated,
            "max_matches": subjects.MAX_MATCHES,
            # A reference, email address or phone number is the person's; a name or words may be someone
            # else's too, so those are left for the administrator to tick.
            "preselect": searched and form.cleaned_data["by"] != "name",
            "breadcrumbs": _crumbs(),
        },
    )


def _chosen(request, *, audit_as=None):
    """The records the POST names that lie within the administrator's ICS; 404 when there are none."""
    _admin_only(request)
    records = subjects.subject_records(request.user, keys=request.POST.getlist("record"), audit_as=audit_as)
    if not records:
        raise Http404
    return records


def _post_only(view):
    def wrapped(request, *args, **kwargs):
        _admin_only(request)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return login_required(wrapped)


@_post_only
def subject_records(request):
    """Everything found, record by record: redacted text and what else is held. Audited as viewed."""
    if not request.POST.getlist("record"):
        return render(
            request,
            "privacy/subject_none_chosen.html",
            {"breadcrumbs": _crumbs(_find_crumb())},
            status=400,
        )
    records = _chosen(request, audit_as=subjects.AuditAction.SUBJECT_VIEWED)
    return render(
        request,
        "privacy/subject_records.html",
        {"records": records, "breadcrumbs": _crumbs(_find_crumb())},
    )


@_post_only
def subject_export(request):
    """A copy for the person, as one JSON file (or the same as a workbook): what they said in their own
    words and everything recorded with it. Sent with `Cache-Control: no-store`
    (insight_hub/cache_control.py), audited per record."""
    _admin_only(request)
    fmt = request.POST.get("format", "json")
    if fmt not in subjects.EXPORT_FORMATS:
        fmt = "json"
    keys = request.POST.getlist("record")
    copy = subjects.subject_export(request.user, keys=keys, export=subjects.EXPORT_FORMATS[fmt])
    if copy is None:
        raise Http404
    if fmt == "xlsx":
        response = HttpResponse(
            subjects.copy_as_xlsx(copy),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(
            json.dumps(copy, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
        )
    name = f"subject-access-{timezone.localdate():%Y-%m-%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _change(request, *, erase: bool):
    records = _chosen(request)
    if request.POST.get("confirm") != "yes":
        # Asked about first: a one-click button (or a form without the confirmation) never acts.
        return render(
            request,
            "privacy/subject_confirm.html",
            {"records": records, "erase": erase, "breadcrumbs": _crumbs(_find_crumb())},
        )
    action = subjects.subject_erase if erase else subjects.subject_anonymise
    done, changed = action(request.user, keys=[record.key for record in records])
    return render(
        request,
        "privacy/subject_done.html",
        {"records": done, "erase": erase, "changed": changed, "breadcrumbs": _crumbs(_find_crumb())},
    )


@_post_only
def subject_erase(request):
    return _change(request, erase=True)


@_post_only
def subject_anonymise(request):
    return _change(request, erase=False)
