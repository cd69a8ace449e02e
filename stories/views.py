"""Story pages. Thin: each view finds what the person may see (selectors, 404 otherwise), validates a form and
calls a service. Every page works without JavaScript; htmx swaps the list results and checks single fields."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from insight_hub.forms import add_service_errors
from insight_hub.organisations.models import Organisation
from insight_hub.organisations.permissions import (
    can_read_original,
    can_read_records,
    scope_for,
    story_title_for,
)
from insight_hub.privacy import audit
from insight_hub.privacy.models import AuditAction
from insight_hub.privacy.redaction import redact_many
from insight_hub.themes.selectors import tag_panel

from . import imports, redaction, safety, selectors, services
from .forms import (
    ActionForm,
    ConsentForm,
    ConsentWithdrawForm,
    FlagForm,
    ImportForm,
    RedactionAddForm,
    RedactionRemoveForm,
    SafetyAssignForm,
    SafetyLeadForm,
    SafetyResponseForm,
    StatusForm,
    StoryFilterForm,
    StoryForm,
    TellerResponseForm,
)
from .models import STATUS_TRANSITIONS, StoryAction, StoryStatus

PAGE_SIZE = 20
# Service errors are keyed by model field; the story form calls the date field "when".
FORM_FIELD_FOR = {"occurred_on": "when", "occurred_precision": "when"}

HOME = ("Home", "/")
STORIES = ("Stories", "/stories/")


def _story_crumbs(story) -> list[tuple[str, str]]:
    # Only the logging organisation reaches the pages under a story, so its own title is fine here.
    return [HOME, STORIES, (story.title, story_url(story))]


def story_url(story) -> str:
    return reverse("stories:detail", args=[story.pk])


def _audit_original_read(request, story, page: str) -> None:
    """The original text (or title) is on this page: record who read it."""
    audit.record(request.user, AuditAction.STORY_VIEWED_UNREDACTED, story, page=page)


def _audit_original_titles(request, stories, page: str) -> None:
    """A list shows the person's own stories by their original titles: one record naming them all."""
    own = scope_for(request.user).px_org_ids
    ids = [story.pk for story in stories if story.organisation_id in own]
    if ids:
        audit.record(request.user, AuditAction.STORY_VIEWED_UNREDACTED, page=page, stories=ids)


def _require_px_lead(user) -> None:
    if not scope_for(user).px_org_ids:
        raise Http404


@login_required
@vary_on_headers("HX-Request")
def story_list(request):
    form = StoryFilterForm(request.GET or None, user=request.user)
    stories = selectors.story_list(request.user, form.filters()).prefetch_related("services")
    page_obj = Paginator(stories, PAGE_SIZE).get_page(request.GET.get("page"))
    _audit_original_titles(request, page_obj.object_list, "list")
    to_check = list(redaction.stories_awaiting_redaction_check(request.user)[:20])
    _audit_original_titles(request, to_check, "redaction_check")
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "page_obj": page_obj,
        "query": params.urlencode(),
        "can_log": bool(scope_for(request.user).px_org_ids),
        "redactions_to_check": to_check,
        "breadcrumbs": [HOME],
    }
    template = "stories/story_list.html#results" if request.htmx else "stories/story_list.html"
    return render(request, template, context)


def _story_form_page(request, form, story=None):
    """Create and edit share one template; an htmx request to check one field gets that field back."""
    field_name = request.POST.get("_validate")
    if request.htmx and field_name in form.fields:
        form.is_valid()
        return render(request, "stories/story_form.html#field", {"field": form[field_name]})
    crumbs = _story_crumbs(story) if story else [HOME, STORIES]
    if story:
        _audit_original_read(request, story, "edit")
    return render(request, "stories/story_form.html", {"form": form, "story": story, "breadcrumbs": crumbs})


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def story_create(request):
    _require_px_lead(request.user)
    form = StoryForm(request.POST or None, user=request.user)
    if request.method == "POST" and not request.POST.get("_validate") and form.is_valid():
        try:
            story = services.story_create(
                user=request.user, organisation=form.cleaned_data["organisation"], **form.service_kwargs()
            )
        except ValidationError as error:
            add_service_errors(form, error, field_for=FORM_FIELD_FOR)
        else:
            messages.success(
                request, "Story saved as a draft. Check what has been hidden before you share it."
            )
            return redirect("stories:detail", pk=story.pk)
    return _story_form_page(request, form)


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def story_edit(request, pk: int):
    story = selectors.story_get_editable(request.user, pk=pk)
    form = StoryForm(request.POST or None, user=request.user, story=story)
    if request.method == "POST" and not request.POST.get("_validate") and form.is_valid():
        try:
            services.story_update(story=story, **form.service_kwargs())
        except ValidationError as error:
            add_service_errors(form, error, field_for=FORM_FIELD_FOR)
        else:
            messages.success(request, "Story updated.")
            for item in selectors.redaction_corrections_not_applying(story):
                verb = "show" if item["action"] == "removed" else "hide"
                messages.warning(
                    request,
                    f"Your correction to {verb} “{item['text']}” no longer applies: those words are not in "
                    "the story any more. Check the redaction.",
                )
            return redirect("stories:detail", pk=story.pk)
    return _story_form_page(request, form, story)


def _actions_shown(story, is_owner: bool) -> list[StoryAction]:
    """The story's actions; outside the trust what will change and its outcome are redacted as the story
    is (staff write them, and may name the teller or colleagues): `shown_*` holds what the page shows."""
    actions = list(story.actions.select_related("owner", "change_claimed_by", "change_signed_off_by"))
    texts = [text for action in actions for text in (action.description, action.outcome)]
    shown = texts if is_owner else [r.text for r in redact_many(texts)] if texts else []
    for index, action in enumerate(actions):
        action.shown_description, action.shown_outcome = shown[2 * index], shown[2 * index + 1]
    return actions


@login_required
def story_detail(request, pk: int):
    story = selectors.story_get_for(request.user, pk=pk)
    is_owner = can_read_original(request.user, story.organisation)
    context = {
        "story": story,
        "is_owner": is_owner,
        "narrative_marked": selectors.story_narrative_highlighted(story),
        # Tags are records: a board member reads the story, not its tag panel.
        "panel": tag_panel(request.user, "stories.story", story)
        if can_read_records(request.user, story.organisation)
        else None,
        "services": story.services.all(),
        "stages": story.stages.select_related("pathway", "organisation"),
        "actions": _actions_shown(story, is_owner),
        "breadcrumbs": [HOME, STORIES],
    }
    if is_owner:
        _audit_original_read(request, story, "detail")
        context |= {
            "consent_events": story.consent_events.select_related("by")[:10],
            "next_statuses": [StoryStatus(s) for s in STATUS_TRANSITIONS[story.status]],
            "stale_corrections": selectors.redaction_corrections_not_applying(story),
            "redaction_pending": redaction.pending_for(story),
            "safety_lead": selectors.safety_lead_for(story.organisation),
        }
    return render(request, "stories/story_detail.html", context)


# Changes of status that are asked about first (GET shows what will happen; POST with `confirm` acts). The
# others (submit for sharing, back to draft, stop sharing) are undone with one click, so they act at once.
CONFIRM_STATUSES = {StoryStatus.SHARED, StoryStatus.WITHDRAWN}


@login_required
@require_http_methods(["GET", "POST"])
def story_status(request, pk: int):
    story = selectors.story_get_editable(request.user, pk=pk)
    form = StatusForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid() or form.cleaned_data["status"] not in STATUS_TRANSITIONS[story.status]:
        if request.method == "GET":
            raise Http404  # no such change from this status: nothing to confirm
    elif form.cleaned_data["status"] in CONFIRM_STATUSES and (
        request.method == "GET" or request.POST.get("confirm") != "yes"
    ):
        # A one-click button (or a form without the confirmation) never acts: it is asked about first.
        _audit_original_read(request, story, "status")
        return render(
            request,
            "stories/story_status_confirm.html",
            {
                "story": story,
                "status": StoryStatus(form.cleaned_data["status"]),
                "breadcrumbs": _story_crumbs(story),
            },
        )
    if form.is_valid():
        try:
            services.story_status_set(story=story, status=form.cleaned_data["status"])
        except ValidationError as error:
            messages.error(request, " ".join(error.message_dict.get("status", error.messages)))
        else:
            messages.success(request, f"The story is now {story.get_status_display().lower()}.")
    return redirect("stories:detail", pk=story.pk)


@login_required
@require_http_methods(["GET", "POST"])
def story_consent(request, pk: int):
    story = selectors.story_get_editable(request.user, pk=pk)
    initial = {
        "internal_learning": story.consent_internal_learning,
        "board_quote": story.consent_board_quote,
        "publication": story.consent_publication,
    }
    action = request.POST.get("action")
    form = ConsentForm(request.POST if action == "record" else None, initial=initial, prefix="consent")
    withdraw_form = ConsentWithdrawForm(
        request.POST if action == "withdraw" else None,
        initial={"withdrawn_on": timezone.localdate()},
        prefix="withdraw",
    )
    if action == "record" and form.is_valid():
        try:
            services.story_consent_record(story=story, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, field_for=FORM_FIELD_FOR)
        else:
            messages.success(request, "Consent recorded.")
            return redirect("stories:detail", pk=story.pk)
    if action == "withdraw":
        # Withdrawal is final: it is only done from its confirmation page, never from this form at once.
        return _consent_withdraw_page(request, story, withdraw_form)
    _audit_original_read(request, story, "consent")
    return render(
        request,
        "stories/story_consent.html",
        {
            "story": story,
            "form": form,
            "withdraw_form": withdraw_form,
            "events": story.consent_events.select_related("by"),
            "breadcrumbs": _story_crumbs(story),
        },
    )


def _consent_withdraw_page(request, story, form):
    _audit_original_read(request, story, "consent_withdraw")
    return render(
        request,
        "stories/story_consent_withdraw.html",
        {"story": story, "form": form, "breadcrumbs": _story_crumbs(story)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def story_consent_withdraw(request, pk: int):
    """Withdrawing consent, asked about first: GET shows what will happen (and that it cannot be undone),
    POST with the date acts."""
    story = selectors.story_get_editable(request.user, pk=pk)
    if story.consent_withdrawn or not story.consent_recorded:
        return redirect("stories:consent", pk=story.pk)
    form = ConsentWithdrawForm(
        request.POST if request.method == "POST" else None,
        initial={"withdrawn_on": timezone.localdate()},
        prefix="withdraw",
    )
    if request.method == "POST" and request.POST.get("confirm") == "yes" and form.is_valid():
        try:
            services.story_consent_withdraw(story=story, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, field_for=FORM_FIELD_FOR)
        else:
            messages.success(request, "Consent withdrawn. The story is no longer used anywhere.")
            return redirect("stories:detail", pk=story.pk)
    return _consent_withdraw_page(request, story, form)


@login_required
@require_http_methods(["GET", "POST"])
def story_redaction(request, pk: int):
    story = selectors.story_get_editable(request.user, pk=pk)
    add_form = RedactionAddForm(request.POST if request.POST.get("action") == "add" else None)
    pending_action = PENDING_ACTIONS.get(request.POST.get("action", ""))
    if pending_action:
        service, done = pending_action
        try:
            service(story=story, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, done)
        return redirect("stories:redaction", pk=story.pk)
    if request.POST.get("action") == "remove":
        remove_form = RedactionRemoveForm(request.POST)
        if remove_form.is_valid():
            try:
                phrase = services.redaction_span_remove(
                    story=story, user=request.user, **remove_form.cleaned_data
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, f"“{phrase}” is no longer hidden.")
        return redirect("stories:redaction", pk=story.pk)
    if add_form.is_valid():
        try:
            found = services.redaction_phrase_add(story=story, user=request.user, **add_form.cleaned_data)
        except ValidationError as error:
            add_service_errors(add_form, error, field_for=FORM_FIELD_FOR)
        else:
            places = "1 place" if found == 1 else f"{found} places"
            messages.success(request, f"“{add_form.cleaned_data['phrase']}” is now hidden in {places}.")
            return redirect("stories:redaction", pk=story.pk)
    _audit_original_read(request, story, "redaction")
    return render(
        request,
        "stories/story_redaction.html",
        {
            "story": story,
            "form": add_form,
            "spans": selectors.redaction_spans(story),
            "stale_corrections": selectors.redaction_corrections_not_applying(story),
            "redaction_pending": redaction.pending_for(story),
            "breadcrumbs": _story_crumbs(story),
        },
    )


PENDING_ACTIONS = {
    "confirm_pending": (
        redaction.story_redaction_pending_confirm,
        "The new redaction applies: the words it shows can be read outside your organisation.",
    ),
    "keep_pending": (
        redaction.story_redaction_pending_keep,
        "Those words stay hidden; the new rules apply to the rest of the story.",
    ),
}


def _form_page(request, *, form, title, submit, story=None, caption="", intro="", crumbs=None, enctype=""):
    """The small one-form pages (actions, responses, safety, pathways) share one template."""
    if story:
        _audit_original_read(request, story, request.resolver_match.url_name)
    return render(
        request,
        "components/form_page.html",
        {
            "form": form,
            "title": title,
            "caption": story_title_for(request.user, story) if story else caption,
            "intro": intro,
            "submit": submit,
            "enctype": enctype,
            "back_url": reverse("stories:detail", args=[story.pk]) if story else "",
            "back_text": "Back to the story",
            "breadcrumbs": crumbs or (_story_crumbs(story) if story else [HOME, STORIES]),
        },
    )


def _story_form_save(request, *, story, form, save, success: str, **page):
    """A small form about one story: a valid POST calls `save(**cleaned_data)` and goes back to the story
    with `success`; a refusal from the service shows on the form; otherwise the form page (`_form_page`)."""
    if form.is_valid():
        try:
            save(**form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, field_for=FORM_FIELD_FOR)
        else:
            messages.success(request, success)
            return redirect("stories:detail", pk=story.pk)
    return _form_page(request, form=form, story=story, **page)


@login_required
@require_http_methods(["GET", "POST"])
def story_flag(request, pk: int):
    story = selectors.story_get_editable(request.user, pk=pk)
    form = FlagForm(request.POST or None)
    if form.is_valid():
        try:
            services.story_flag(story=story, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, field_for=FORM_FIELD_FOR)
        else:
            lead = story.safety_routed_to
            who = lead.get_full_name() if lead else "your organisation's patient experience lead"
            messages.success(request, f"Concern flagged and sent to {who} for a response.")
            return redirect("stories:detail", pk=story.pk)
    lead = selectors.safety_lead_for(story.organisation)
    name = lead.user.get_full_name() if lead.user else "nobody yet"
    return _form_page(
        request,
        form=form,
        title="Flag a safety concern",
        submit="Flag concern",
        story=story,
        intro=f"It will be sent to {name} ({lead.explanation}) and listed as awaiting a response until "
        "a response is recorded.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def story_safety_respond(request, pk: int):
    story = selectors.story_get_editable(request.user, pk=pk)
    if not story.awaiting_response:
        raise Http404
    return _story_form_save(
        request,
        story=story,
        form=SafetyResponseForm(request.POST or None),
        save=lambda **data: services.story_safety_respond(story=story, user=request.user, **data),
        success="Response recorded and the concern closed.",
        title="Respond to the safety concern",
        submit="Save and close",
    )


@login_required
@require_http_methods(["GET", "POST"])
def story_teller_response(request, pk: int):
    story = selectors.story_get_editable(request.user, pk=pk)
    return _story_form_save(
        request,
        story=story,
        form=TellerResponseForm(request.POST or None, initial={"response": story.teller_response}),
        save=lambda **data: services.teller_response_record(story=story, user=request.user, **data),
        success="Response recorded.",
        title="You said, we did: the response",
        submit="Save response",
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_create(request, pk: int):
    story = selectors.story_get_editable(request.user, pk=pk)
    return _story_form_save(
        request,
        story=story,
        form=ActionForm(request.POST or None, story=story),
        save=lambda **data: services.action_create(story=story, user=request.user, **data),
        success="Action added.",
        title="Add an action",
        submit="Add action",
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request, pk: int, action_pk: int):
    story = selectors.story_get_editable(request.user, pk=pk)
    action = get_object_or_404(StoryAction, pk=action_pk, story=story)
    return _story_form_save(
        request,
        story=story,
        form=ActionForm(request.POST or None, instance=action, story=story),
        save=lambda **data: services.action_update(action=action, **data),
        success="Action updated.",
        title="Change the action",
        submit="Save action",
    )


@login_required
def awaiting_response(request):
    stories = list(selectors.awaiting_response_for(request.user).select_related("organisation__ics"))
    escalated = list(selectors.escalated_unshared_for(request.user))
    now = timezone.now()
    scope = scope_for(request.user)
    for story in stories + escalated:
        story.age_days = safety.age_in_days(story, now)
        if story.organisation.ics_id in scope.icb_lead_ics_ids:
            story.assign_form = SafetyAssignForm(
                people=safety.assignable_people(story),
                prefix=f"assign-{story.pk}",
                initial={"user": story.safety_routed_to_id},
            )
    _audit_original_titles(request, stories, "awaiting")
    leads = [
        (org, selectors.safety_lead_for(org), SafetyLeadForm(organisation=org, prefix=f"lead-{org.pk}"))
        for org in Organisation.objects.filter(pk__in=scope.px_org_ids)
    ]
    return render(
        request,
        "stories/awaiting_response.html",
        {"stories": stories, "escalated": escalated, "leads": leads, "breadcrumbs": [HOME, STORIES]},
    )


@login_required
@require_POST
def safety_lead_set(request, organisation_pk: int):
    if organisation_pk not in scope_for(request.user).px_org_ids:
        raise Http404
    organisation = get_object_or_404(Organisation, pk=organisation_pk)
    form = SafetyLeadForm(request.POST, organisation=organisation, prefix=f"lead-{organisation.pk}")
    if form.is_valid():
        services.safety_lead_set(
            organisation=organisation,
            user=form.cleaned_data["user"],
            deputy=form.cleaned_data["deputy"],
            chosen_by=request.user,
        )
        messages.success(request, f"Safety lead and deputy for {organisation.display_name} saved.")
    else:
        errors = "; ".join(
            f"{form.fields[f].label if f in form.fields else f}: {' '.join(e)}"
            for f, e in form.errors.items()
        )
        messages.error(request, f"Not saved. {errors}")
    return redirect("stories:awaiting")


@login_required
@require_POST
def safety_assign(request, pk: int):
    """An ICB lead gives a waiting concern to someone else (who is emailed); audited."""
    story = selectors.concern_for_icb_lead(request.user, pk=pk)
    form = SafetyAssignForm(request.POST, people=safety.assignable_people(story), prefix=f"assign-{story.pk}")
    if form.is_valid():
        try:
            safety.safety_assign(story=story, user=form.cleaned_data["user"], assigned_by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, safety.assigned_message(request.user, story, form.cleaned_data["user"]))
    else:
        messages.error(
            request, "Give this concern to: choose a patient experience lead of the trust or the ICB lead."
        )
    return redirect("stories:awaiting")


@login_required
@require_http_methods(["GET", "POST"])
def story_import(request):
    _require_px_lead(request.user)
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    report = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        report = imports.stories_import(
            organisation=form.cleaned_data["organisation"],
            user=request.user,
            name=upload.name,
            content=upload.read(),
            criticality_scale=form.cleaned_data["criticality_scale"],
        )
        if report.ok:
            messages.success(request, f"Import finished: {report.summary()}.")
            return redirect("stories:list")
    return render(
        request,
        "stories/story_import.html",
        {"form": form, "report": report, "breadcrumbs": [HOME, STORIES]},
    )
