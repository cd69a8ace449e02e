"""Import pages: upload, map the columns, preview, run with a progress bar, download the problems.

Thin views: reads through `selectors` (which answer 404 to anyone but the file's own people), writes
through `services`. Every htmx request is answered by the same view as the page.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from feedback.models import ImportKind, ImportStatus
from insight_hub.forms import add_service_errors
from insight_hub.imports.problems import ImportFileError
from insight_hub.imports.views import problems_csv_response, progress_context
from insight_hub.privacy import audit
from insight_hub.privacy.models import AuditAction

from . import selectors, services
from .forms import LocationsForm, MappingForm, NHSEUploadForm, UploadForm, ValuesForm
from .locations import MAX_SHOWN, best_match

BREADCRUMBS = [("Home", "/"), ("Imports", "/feedback/imports/")]


class RefuseLargeUpload(FileUploadHandler):
    """Stops reading an upload whose request is bigger than MAX_IMPORT_FILE_BYTES before any of it is stored:
    the rest of the body is drained, not saved, and the view says the file is too big."""

    too_big = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.too_big = content_length > settings.MAX_IMPORT_FILE_BYTES
        self.content_length = content_length

    def new_file(self, *args, **kwargs):
        if self.too_big:
            raise StopUpload(connection_reset=False)

    def receive_data_chunk(self, raw_data, start):
        return raw_data

    def file_complete(self, file_size):
        return None


def _size_checked(view):
    """Put the size check in front of Django's upload handling. The check has to be installed before the
    body is read, which CSRF checking would do, so CSRF is checked inside instead (as Django documents)."""
    inner = csrf_protect(view)

    @csrf_exempt
    def wrapper(request, *args, **kwargs):
        request.upload_handlers.insert(0, RefuseLargeUpload(request))
        return inner(request, *args, **kwargs)

    return wrapper


def _too_big(request, form) -> bool:
    handler = request.upload_handlers[0]
    if request.method == "POST" and isinstance(handler, RefuseLargeUpload) and handler.too_big:
        limit = settings.MAX_IMPORT_FILE_BYTES // (1024 * 1024)
        form.add_error(
            "file",
            f"The file is too big: the largest file you can import is {limit} MB. "
            "Split it into smaller files.",
        )
        return True
    return False


@login_required
@require_GET
def import_list(request):
    return render(
        request,
        "feedback/imports/import_list.html",
        {
            "batches": selectors.import_batches_for(request.user)[:50],
            "can_import_rows": selectors.importable_organisations(request.user).exists(),
            "can_import_nhse": selectors.nhse_icbs(request.user).exists(),
            "breadcrumbs": BREADCRUMBS[:1],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@_size_checked
def import_upload(request):
    organisations = selectors.importable_organisations(request.user)
    if not organisations.exists():
        raise Http404
    form = UploadForm(request.POST or None, request.FILES or None, organisations=organisations)
    if request.method == "POST" and not _too_big(request, form) and form.is_valid():
        try:
            batch = services.import_upload(
                user=request.user,
                organisation=form.cleaned_data["organisation"],
                uploaded_file=form.cleaned_data["file"],
            )
            if form.cleaned_data.get("mapping"):
                services.import_mapping_apply(batch=batch, saved=form.cleaned_data["mapping"])
                # The location step, which goes on to the preview when every location is a service.
                return redirect("feedback:imports:locations", uid=batch.uid)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("feedback:imports:mapping", uid=batch.uid)
    return render(request, "feedback/imports/import_upload.html", {"form": form, "breadcrumbs": BREADCRUMBS})


@login_required
@require_http_methods(["GET", "POST"])
def import_mapping(request, uid):
    batch = selectors.import_batch_get_for(request.user, uid=uid)
    if batch.status != ImportStatus.PREVIEW or batch.kind != ImportKind.ROWS:
        return redirect("feedback:imports:detail", uid=batch.uid)
    try:
        columns, samples = selectors.file_columns(batch)
    except ImportFileError:
        columns, samples = list(batch.column_mapping), {}
    form = MappingForm(request.POST or None, columns=columns, initial_mapping=batch.column_mapping)
    for i, column in enumerate(columns):
        if samples.get(column):
            form.fields[f"column_{i}"].help_text = "For example: " + ", ".join(samples[column])
    if request.method == "POST" and form.is_valid():
        try:
            services.import_mapping_save(batch=batch, mapping=form.mapping())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # The location step when some locations name no service; then the value step when an answer
            # needs a person's reading; otherwise (their links stay on the preview) the preview.
            try:
                unmatched = selectors.location_counts(batch).shown
            except ImportFileError:
                unmatched = []
            if unmatched:
                return redirect("feedback:imports:locations", uid=batch.uid)
            return _after_locations(batch)
    return render(
        request,
        "feedback/imports/import_mapping.html",
        {
            "batch": batch,
            "form": form,
            "breadcrumbs": BREADCRUMBS,
        },
    )


def _after_locations(batch):
    """The value step when an answer needs a person's reading, otherwise the preview."""
    _, field_name = selectors.answer_column(batch)
    try:
        unread = [w for w in selectors.answer_values(batch) if not services.answer_guess(field_name, w)]
    except ImportFileError:
        unread = []
    return redirect("feedback:imports:values" if unread else "feedback:imports:preview", uid=batch.uid)


@login_required
@require_http_methods(["GET", "POST"])
def import_locations(request, uid):
    """The location step: each location in the file that names no service, mapped to one of the
    organisation's services, to a new service (added when the import is confirmed) or to nothing."""
    batch = selectors.import_batch_get_for(request.user, uid=uid)
    if batch.status != ImportStatus.PREVIEW or batch.kind != ImportKind.ROWS:
        return redirect("feedback:imports:detail", uid=batch.uid)
    try:
        counts = selectors.location_counts(batch)
    except ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("feedback:imports:preview", uid=batch.uid)
    if not counts.shown:
        return redirect("feedback:imports:preview", uid=batch.uid)
    existing = selectors.services_for_mapping(batch)
    saved = batch.location_mapping or {}
    initial = {}
    for location in counts.shown:
        if location.value in saved:
            initial[location.value] = saved[location.value]
        elif (best := best_match(location.value, existing)) is not None:
            initial[location.value] = {"service": best}
    # The setting the person chose for new services before, else the guess from the file and organisation.
    chosen_settings = [c["fft_setting"] for c in saved.values() if "new" in c]
    form = LocationsForm(
        request.POST or None,
        unmatched=counts.shown,
        services=existing,
        initial_choices=initial,
        setting=chosen_settings[0]
        if chosen_settings
        else selectors.usual_setting(batch.organisation, file_services=dict(counts.matched_rows)),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.import_locations_save(batch=batch, choices=form.choices())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return _after_locations(batch)
        status = 400
    column, _ = selectors.location_columns(batch)
    return render(
        request,
        "feedback/imports/import_locations.html",
        {
            "batch": batch,
            "form": form,
            "counts": counts,
            "column": column,
            "max_shown": MAX_SHOWN,
            "breadcrumbs": BREADCRUMBS,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_values(request, uid):
    """The value step: what each answer in the file's FFT column means, guessed, editable."""
    batch = selectors.import_batch_get_for(request.user, uid=uid)
    if batch.status != ImportStatus.PREVIEW or batch.kind != ImportKind.ROWS:
        return redirect("feedback:imports:detail", uid=batch.uid)
    column, field_name = selectors.answer_column(batch)
    try:
        words = selectors.answer_values(batch)
    except ImportFileError:
        words = []
    if not words:
        return redirect("feedback:imports:preview", uid=batch.uid)
    chosen = batch.value_mapping.get(field_name) or {}
    initial = {word: chosen.get(word, services.answer_guess(field_name, word)) for word in words}
    form = ValuesForm(request.POST or None, field_name=field_name, words=words, initial_values=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.import_values_save(batch=batch, values=form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("feedback:imports:preview", uid=batch.uid)
    return render(
        request,
        "feedback/imports/import_values.html",
        {"batch": batch, "form": form, "column": column, "breadcrumbs": BREADCRUMBS},
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_preview(request, uid):
    batch = selectors.import_batch_get_for(request.user, uid=uid)
    if batch.status != ImportStatus.PREVIEW or batch.kind != ImportKind.ROWS:
        return redirect("feedback:imports:detail", uid=batch.uid)
    if request.method == "POST":
        try:
            services.import_start(batch=batch)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("feedback:imports:mapping", uid=batch.uid)
        return redirect("feedback:imports:detail", uid=batch.uid)
    try:
        header, rows = selectors.import_preview(batch)
        by_service = selectors.rows_by_service(batch)
    except ImportFileError as exc:  # e.g. past a limit on rows or cells only a few rows in
        messages.error(request, str(exc))
        header, rows, by_service = list(batch.column_mapping), [], []
    return render(
        request,
        "feedback/imports/import_preview.html",
        {
            "batch": batch,
            "header": header,
            "rows": rows,
            "problem_rows": sum(1 for row in rows if row.problems),
            "row_id_column": selectors.row_id_column(batch),
            "answer_column": selectors.answer_column(batch)[0],
            "new_services": sorted({c["new"] for c in batch.location_mapping.values() if "new" in c}),
            "by_service": by_service,
            "breadcrumbs": BREADCRUMBS,
        },
    )


@login_required
@require_GET
@vary_on_headers("HX-Request")
def import_detail(request, uid):
    batch = selectors.import_batch_get_for(request.user, uid=uid)
    context = progress_context(batch) | {"breadcrumbs": BREADCRUMBS}
    template = "feedback/imports/import_detail.html"
    if request.htmx:
        template += "#progress"
    return render(request, template, context)


@login_required
@require_GET
def import_errors(request, uid):
    batch = selectors.import_batch_get_for(request.user, uid=uid)
    return problems_csv_response(request, batch, name="import")


@login_required
@require_http_methods(["GET", "POST"])
@_size_checked
def nhse_upload(request):
    icb = selectors.nhse_icbs(request.user).first()
    if icb is None:
        raise Http404
    form = NHSEUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and not _too_big(request, form) and form.is_valid():
        try:
            batch = services.nhse_upload(
                user=request.user,
                icb=icb,
                uploaded_file=form.cleaned_data["file"],
                period=form.cleaned_data["period"],
                setting=form.cleaned_data["setting"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("feedback:imports:detail", uid=batch.uid)
    return render(
        request,
        "feedback/imports/nhse_upload.html",
        {
            "form": form,
            "icb": icb,
            "breadcrumbs": BREADCRUMBS,
        },
    )


@login_required
@require_GET
def import_mapping_download(request, uid):
    batch = selectors.import_batch_get_for(request.user, uid=uid)
    # The value mapping quotes the file's own answer words.
    audit.record(request.user, AuditAction.EXPORT_DOWNLOADED, batch, export="import-mapping.json")
    response = HttpResponse(services.mapping_file_for(batch).dumps(), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="responses-mapping.json"'
    return response
