"""Pages of the story import flow: upload → columns → values, defaults and consent → preview → a task with a
progress bar, the problems as CSV and the mapping as a file to use again. Thin: reads through `selectors`
(404 to anyone but the importing organisation's px leads), writes through `services`. The requests only
receive the file and read its first rows; the rows are read and saved by a Celery task."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from insight_hub.forms import add_service_errors
from insight_hub.imports.problems import ImportFileError
from insight_hub.imports.views import problems_csv_response, progress_context
from insight_hub.privacy import audit
from insight_hub.privacy.models import AuditAction

from . import selectors, services
from .forms import ColumnsForm, SettingsForm, UploadForm
from .models import StoryImportStatus

HOME, STORIES = ("Home", "/"), ("Stories", "/stories/")
IMPORTS = ("Story imports", "/stories/imports/")


def _open(request, uid, page: str):
    """The import, while its mapping can still change; once started, its page instead. These pages quote
    the file's own cells (patients' original words), so each reading is recorded in the access audit."""
    batch = selectors.story_import_get_for(request.user, uid=uid)
    if batch.status != StoryImportStatus.MAPPING:
        return batch, redirect("stories:import_detail", uid=batch.uid)
    if request.method == "GET":
        audit.record(request.user, AuditAction.STORY_VIEWED_UNREDACTED, batch, page=page)
    return batch, None


def _status(form) -> int:
    """A form sent back with what is wrong in it is a client error (400); a page shown afresh is 200."""
    return 400 if form.is_bound and form.errors else 200


def _file_columns(batch) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The mapping in the file's own column order (PostgreSQL's JSON keeps no order), and each column's
    distinct values in its first rows."""
    try:
        header, distinct = services.first_values(Path(batch.file.path))
    except (ImportFileError, OSError):
        return dict(batch.columns), {}
    ordered = {column: batch.columns.get(column, "") for column in header if column in batch.columns}
    return ordered, distinct


@login_required
@require_GET
def import_list(request):
    organisations = selectors.importable_organisations(request.user)
    if not organisations.exists():
        raise Http404
    return render(
        request,
        "stories/imports/import_list.html",
        {"batches": selectors.story_imports_for(request.user)[:50], "breadcrumbs": [HOME, STORIES]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    organisations = selectors.importable_organisations(request.user)
    if not organisations.exists():
        raise Http404
    form = UploadForm(request.POST or None, request.FILES or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.story_import_upload(
                user=request.user,
                organisation=form.cleaned_data["organisation"],
                uploaded_file=form.cleaned_data["file"],
                mapping=form.cleaned_data["mapping"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("stories:import_columns", uid=batch.uid)
    return render(
        request,
        "stories/imports/import_upload.html",
        {"form": form, "breadcrumbs": [HOME, STORIES, IMPORTS]},
        status=_status(form),
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_columns(request, uid):
    batch, moved = _open(request, uid, "story import columns")
    if moved:
        return moved
    columns, distinct = _file_columns(batch)
    form = ColumnsForm(request.POST or None, columns=columns, samples=distinct)
    if request.method == "POST" and form.is_valid():
        try:
            services.story_import_columns_save(batch=batch, columns=form.mapping())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("stories:import_settings", uid=batch.uid)
    return render(
        request,
        "stories/imports/import_columns.html",
        {"batch": batch, "form": form, "breadcrumbs": [HOME, STORIES, IMPORTS]},
        status=_status(form),
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_settings(request, uid):
    batch, moved = _open(request, uid, "story import settings")
    if moved:
        return moved
    batch.columns, distinct = _file_columns(batch)
    form = SettingsForm(request.POST or None, batch=batch, distinct=distinct)
    if request.method == "POST" and form.is_valid():
        try:
            services.story_import_settings_save(
                batch=batch,
                user=request.user,
                values=form.values(),
                defaults=form.defaults(),
                consent=form.consent(),
                consent_reason=form.cleaned_data["consent_reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("stories:import_preview", uid=batch.uid)
    return render(
        request,
        "stories/imports/import_settings.html",
        {"batch": batch, "form": form, "breadcrumbs": [HOME, STORIES, IMPORTS]},
        status=_status(form),
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_preview(request, uid):
    batch, moved = _open(request, uid, "story import preview")
    if moved:
        return moved
    if batch.consent_declared_at is None:
        return redirect("stories:import_settings", uid=batch.uid)
    if request.method == "POST":
        try:
            services.story_import_start(batch=batch)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("stories:import_settings", uid=batch.uid)
        return redirect("stories:import_detail", uid=batch.uid)
    try:
        rows = selectors.story_import_preview(batch)
    except ImportFileError as exc:
        messages.error(request, str(exc))
        rows = []
    return render(
        request,
        "stories/imports/import_preview.html",
        {
            "batch": batch,
            "header": selectors.PREVIEW_HEADER,
            "rows": rows,
            "problem_rows": sum(1 for row in rows if row.problems),
            "id_column": next((c for c, f in batch.columns.items() if f == "external_id"), ""),
            "breadcrumbs": [HOME, STORIES, IMPORTS],
        },
    )


@login_required
@require_GET
@vary_on_headers("HX-Request")
def import_detail(request, uid):
    batch = selectors.story_import_get_for(request.user, uid=uid)
    context = progress_context(batch, imported="Stories imported") | {
        "breadcrumbs": [HOME, STORIES, IMPORTS],
        "defaults": selectors.defaults_in_words(batch.defaults),
    }
    template = "stories/imports/import_detail.html"
    if request.htmx:
        template += "#progress"
    return render(request, template, context)


@login_required
@require_GET
def import_errors(request, uid):
    batch = selectors.story_import_get_for(request.user, uid=uid)
    return problems_csv_response(request, batch, name="story-import", heading="problem")


@login_required
@require_GET
def import_mapping_download(request, uid):
    batch = selectors.story_import_get_for(request.user, uid=uid)
    # The value mapping quotes the file's own words (its labels and answers).
    audit.record(request.user, AuditAction.EXPORT_DOWNLOADED, batch, export="story-import-mapping.json")
    response = HttpResponse(services.mapping_file_for(batch).dumps(), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="story-mapping.json"'
    return response
