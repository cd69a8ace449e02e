"""Feedback pages: the public response form (no sign-in) and the staff pages (list, detail, metrics, exports,
surveys, poster). Every staff page reads through the person's scope; outsiders get 404."""

from __future__ import annotations

import logging

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from insight_hub.organisations.models import Organisation
from insight_hub.organisations.permissions import (
    can_edit,
    get_for_user_or_404,
    organisations_for,
    reads_records,
)
from insight_hub.privacy import audit
from insight_hub.privacy.models import AuditAction

from . import exports, selectors, services
from .forms import (
    HONEYPOT,
    FollowUpForm,
    PublicResponseForm,
    QuestionFormSet,
    ResponseFilterForm,
    SurveyForm,
    question_initial,
)
from .models import FFT_QUESTION, SurveyKind

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
EXPIRED_MESSAGE = "This page was open for too long. Check your answers and send them again."

# The public form: no sign-in, no JavaScript needed, and a POST that does only what it must.


def _public_form_page(request, service, form, *, easy_read: bool, status: int = 200):
    return render(
        request,
        "feedback/public/form_easy_read.html" if easy_read else "feedback/public/form.html",
        {"service": service, "form": form, "honeypot": HONEYPOT},
        status=status,
    )


def _live_version(service, survey_pk: int | None):
    """The FFT survey by default; a local survey of the service's organisation when the link names one."""
    if survey_pk is None:
        return services.fft_survey_for(organisation=service.organisation)
    return selectors.live_version_get(organisation=service.organisation, survey_pk=survey_pk)


# Not no-store: going Back to the form must show the same form, one-time token included, so that sending
# it again is recognised as the same submission. Private, so that no shared cache keeps a token.
@cache_control(private=True, no_cache=True)
@require_http_methods(["GET", "POST"])
def public_form(request, public_id, easy_read: bool = False, survey_pk: int | None = None):
    service = selectors.public_service_get(public_id=public_id)
    if request.method == "GET":
        version = _live_version(service, survey_pk)
        form = PublicResponseForm(
            initial={"token": services.public_token_mint(service=service, version=version)},
            questions=version.questions.order_by("order"),
            easy_read=easy_read,
        )
        return _public_form_page(request, service, form, easy_read=easy_read)

    if services.public_form_throttled(service=service, client=request.META.get("REMOTE_ADDR", "")):
        return render(request, "feedback/public/rate_limited.html", {"service": service}, status=429)
    thanks = redirect("feedback:public_thanks", public_id=service.public_id)
    if request.POST.get(HONEYPOT):
        # A person never sees the field; a bot that fills it is thanked, and nothing is stored.
        logger.info("public form: honeypot filled for service %s; nothing stored", service.pk)
        return thanks
    ticket = services.public_token_read(request.POST.get("token", ""), service=service)
    version = ticket and selectors.version_for_answers(
        version_id=ticket.version_id, stamp=ticket.version_stamp, service=service
    )
    if not version:
        # Forged, expired or for a version since deleted: ask again on the live form, answers kept.
        version = _live_version(service, survey_pk)
        data = request.POST.copy()
        data["token"] = services.public_token_mint(service=service, version=version)
        form = PublicResponseForm(data, questions=version.questions.order_by("order"), easy_read=easy_read)
        form.is_valid()
        form.add_error(None, EXPIRED_MESSAGE)
        return _public_form_page(request, service, form, easy_read=easy_read)
    form = PublicResponseForm(request.POST, questions=version.questions.all(), easy_read=easy_read)
    if not form.is_valid():
        return _public_form_page(request, service, form, easy_read=easy_read)
    services.public_response_submit(
        service=service,
        version=version,
        ticket=ticket,
        answers=form.answers(),
        demographics=form.demographics(),
    )
    # A re-post of the same form (back and send again) stored nothing and is thanked the same way.
    return thanks


@never_cache
def public_thanks(request, public_id):
    service = selectors.public_service_get(public_id=public_id)
    return render(request, "feedback/public/thanks.html", {"service": service})


# Staff pages.


def _filter_form(request) -> ResponseFilterForm:
    return ResponseFilterForm(
        request.GET or None,
        organisations=organisations_for(request.user).order_by("name"),
        services=selectors.services_for(request.user),
    )


@login_required
@vary_on_headers("HX-Request")
def response_list(request):
    selectors.responses_readable_or_404(request.user)
    form = _filter_form(request)
    responses = selectors.responses_for(request.user, filters=form.filters()).annotate(
        comment_count=Count("comments")
    )
    page = Paginator(responses, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "page_obj": page,
        "query": params.urlencode(),
        "breadcrumbs": [("Home", "/")],
    }
    template = "feedback/response_list.html"
    return render(request, f"{template}#results" if request.htmx else template, context)


@login_required
def response_detail(request, pk: int):
    response = selectors.response_get_for(request.user, pk=pk)
    comments = selectors.comments_for_display(request.user, response)
    if any(view.is_original for view in comments):
        audit.record(request.user, AuditAction.RESPONSE_VIEWED_UNREDACTED, response)
    return render(
        request,
        "feedback/response_detail.html",
        {
            "response": response,
            "answers": response.answers.select_related("question").order_by("question__order"),
            "comments": comments,
            "breadcrumbs": [("Home", "/"), ("Feedback", reverse("feedback:response_list"))],
        },
    )


def _export_filename(extension: str) -> str:
    return f"feedback-{timezone.localdate():%Y-%m-%d}.{extension}"


def _audit_export(request, form, export: str) -> None:
    """Filters are choice values and dates (no free text), so they may go in the audit as they are."""
    filters = {
        name: getattr(value, "ods_code", getattr(value, "pk", value))
        for name, value in form.filters().items()
    }
    audit.record(
        request.user,
        AuditAction.EXPORT_DOWNLOADED,
        export=export,
        **{f"filter_{name}": str(value) for name, value in filters.items()},
    )


@login_required
def response_export_csv(request):
    selectors.responses_readable_or_404(request.user)
    form = _filter_form(request)
    responses = selectors.responses_for(request.user, filters=form.filters())
    _audit_export(request, form, "feedback.csv")
    out = StreamingHttpResponse(
        exports.csv_lines(request.user, responses), content_type="text/csv; charset=utf-8"
    )
    out["Content-Disposition"] = f'attachment; filename="{_export_filename("csv")}"'
    return out


@login_required
def response_export_xlsx(request):
    selectors.responses_readable_or_404(request.user)
    form = _filter_form(request)
    responses = selectors.responses_for(request.user, filters=form.filters())
    _audit_export(request, form, "feedback.xlsx")
    return FileResponse(
        exports.xlsx_file(request.user, responses),
        as_attachment=True,
        filename=_export_filename("xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _public_url(name: str, service) -> str:
    return settings.SITE_URL + reverse(name, kwargs={"public_id": service.public_id})


def short_url(service) -> str:
    """The address people type from the poster: the site and an 8-character code."""
    return settings.SITE_URL + reverse("short_link", kwargs={"code": service.short_code})


@require_http_methods(["GET", "HEAD"])
def short_link(request, code: str):
    """A typed short address leads to the service's public form (a code nobody has is a plain 404)."""
    service = selectors.public_service_by_short_code(typed=code)
    return redirect("feedback:public_form", public_id=service.public_id)


@login_required
def service_feedback(request, pk: int):
    service = selectors.service_get_for(request.user, pk=pk)
    months = selectors.service_monthly_figures(request.user, service=service)
    return render(
        request,
        "feedback/service_feedback.html",
        {
            "service": service,
            "this_month": months[0],
            "months": months,
            "fft_old": selectors.service_old_question(request.user, service=service),
            "can_edit": can_edit(request.user, service.organisation),
            "public_url": _public_url("feedback:public_form", service),
            "short_url": short_url(service),
            "easy_read_url": _public_url("feedback:public_form_easy_read", service),
            # A board member reads the figures here, not the responses behind them.
            "list_url": reverse("feedback:response_list") + f"?service={service.pk}"
            if reads_records(request.user)
            else "",
            "breadcrumbs": [("Home", "/"), ("Feedback", reverse("feedback:response_list"))],
        },
    )


@login_required
def service_poster(request, pk: int):
    service = selectors.service_get_for(request.user, pk=pk)
    if not can_edit(request.user, service.organisation):
        raise Http404
    url = _public_url("feedback:public_form", service)
    qr = segno.make(url, error="m").svg_inline(
        scale=8,
        title=f"QR code for the feedback form of {service.name}",
        svgclass="app-poster__qr",
        omitsize=True,
    )
    return render(
        request,
        "feedback/service_poster.html",
        {
            "service": service,
            "url": url,
            "short_url": short_url(service),
            # role=img so that screen readers announce the SVG's <title>.
            "qr": mark_safe(qr.replace("<svg ", '<svg role="img" ', 1)),  # noqa: S308 - segno's own SVG; the only text in it is escaped by segno
            "breadcrumbs": [
                ("Home", "/"),
                ("Feedback", reverse("feedback:response_list")),
                (service.name, reverse("feedback:service_feedback", args=[service.pk])),
            ],
        },
    )


# Surveys.


def _survey_breadcrumbs():
    return [("Home", "/"), ("Surveys", reverse("feedback:survey_list"))]


@login_required
def survey_list(request):
    editable = [
        org for org in organisations_for(request.user).order_by("name") if can_edit(request.user, org)
    ]
    return render(
        request,
        "feedback/survey_list.html",
        {
            "surveys": selectors.surveys_for(request.user),
            "editable": editable,
            "without_fft": set(
                selectors.organisations_without_fft_survey(
                    Organisation.objects.filter(pk__in=[o.pk for o in editable])
                ).values_list("pk", flat=True)
            ),
            "breadcrumbs": [("Home", "/")],
        },
    )


def _editable_organisation(request, ods_code: str) -> Organisation:
    organisation = get_for_user_or_404(
        Organisation.objects.all(), request.user, organisation_path="", ods_code=ods_code
    )
    if not can_edit(request.user, organisation):
        raise Http404
    return organisation


@login_required
@require_POST
def fft_survey_setup(request, ods_code: str):
    organisation = _editable_organisation(request, ods_code)
    version = services.fft_survey_for(organisation=organisation)
    return redirect("feedback:survey_edit", pk=version.survey_id)


@login_required
@require_http_methods(["GET", "POST"])
def survey_create(request, ods_code: str):
    organisation = _editable_organisation(request, ods_code)
    form = SurveyForm(request.POST or None)
    formset = QuestionFormSet(request.POST or None, prefix="questions")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            survey = services.survey_create(
                organisation=organisation,
                name=form.cleaned_data["name"],
                questions=formset.specs(),
                created_by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("feedback:survey_detail", pk=survey.pk)
    return render(
        request,
        "feedback/survey_form.html",
        {
            "organisation": organisation,
            "form": form,
            "formset": formset,
            "error_forms": [form, *formset.forms][:6],
            "breadcrumbs": _survey_breadcrumbs(),
        },
    )


@login_required
def survey_detail(request, pk: int):
    survey = selectors.survey_get_for(request.user, pk=pk)
    return render(
        request,
        "feedback/survey_detail.html",
        {
            "survey": survey,
            "versions": selectors.survey_versions(survey),
            "can_edit": can_edit(request.user, survey.organisation),
            "breadcrumbs": _survey_breadcrumbs(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_edit(request, pk: int):
    survey = selectors.survey_get_for(request.user, pk=pk)
    if not can_edit(request.user, survey.organisation):
        raise Http404
    current = selectors.survey_versions(survey)[0]
    questions = list(current.questions.all())
    context = {"survey": survey, "organisation": survey.organisation, "breadcrumbs": _survey_breadcrumbs()}
    if survey.kind == SurveyKind.FFT:
        form = FollowUpForm(request.POST or None, initial=FollowUpForm.initial_from(questions))
        if request.method == "POST" and form.is_valid():
            services.survey_update(survey=survey, questions=form.question_specs(FFT_QUESTION))
            return redirect("feedback:survey_detail", pk=survey.pk)
        return render(request, "feedback/survey_fft_form.html", {**context, "form": form})
    form = SurveyForm(request.POST or None, initial={"name": survey.name})
    formset = QuestionFormSet(request.POST or None, prefix="questions", initial=question_initial(questions))
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            services.survey_update(survey=survey, name=form.cleaned_data["name"], questions=formset.specs())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("feedback:survey_detail", pk=survey.pk)
    return render(
        request,
        "feedback/survey_form.html",
        {**context, "form": form, "formset": formset, "error_forms": [form, *formset.forms][:6]},
    )


@login_required
@require_POST
def survey_publish(request, pk: int):
    survey = selectors.survey_get_for(request.user, pk=pk)
    if not can_edit(request.user, survey.organisation):
        raise Http404
    services.survey_publish(survey=survey)
    return redirect("feedback:survey_detail", pk=survey.pk)
