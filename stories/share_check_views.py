"""The check queue's pages (`stories.share_check`): one story at a time, original beside redacted, with
previous / next links, "fine to share" and "needs fixing" buttons and counts; then one button shares every
story checked fine. Works without JavaScript; `stories/share_check.js` adds keyboard shortcuts that press the
same links and buttons."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from insight_hub.organisations.models import Organisation
from insight_hub.organisations.permissions import scope_for
from insight_hub.privacy import audit
from insight_hub.privacy.models import AuditAction

from . import share_check
from .models import ImportSource, ShareCheckDecision
from .services import CONSENT_MISSING

HAND = "hand"  # stories logged in the hub, not imported
FILTER_FIELDS = ("organisation", "import_source", "logged_from", "logged_to")


class ShareQueueForm(forms.Form):
    """Which unshared stories to go through. `where()` is the queue's condition: add a field and its
    condition here to narrow by something new (an import batch)."""

    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), required=False, empty_label="Any"
    )
    import_source = forms.ChoiceField(
        label="Came from",
        choices=[("", "Anywhere"), (HAND, "Logged in the hub"), *ImportSource.choices],
        required=False,
    )
    logged_from = forms.DateField(
        label="Added from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    logged_to = forms.DateField(
        label="Added to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(pk__in=scope_for(user).px_org_ids)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("logged_from"), cleaned.get("logged_to")
        if start and end and end < start:
            self.add_error("logged_to", "The date added to must be the same as or after the date added from")
        return cleaned

    def where(self) -> Q:
        """The valid filters as one condition (an invalid form narrows to nothing: the page shows why)."""
        if not self.is_valid():
            return Q(pk__in=[])
        data, condition = self.cleaned_data, Q()
        if data["organisation"]:
            condition &= Q(organisation=data["organisation"])
        if data["import_source"] == HAND:
            condition &= Q(import_source="")
        elif data["import_source"]:
            condition &= Q(import_source=data["import_source"])
        if data["logged_from"]:
            condition &= Q(logged_at__gte=_start_of(data["logged_from"]))
        if data["logged_to"]:
            condition &= Q(logged_at__lt=_start_of(data["logged_to"] + dt.timedelta(days=1)))
        return condition

    def params(self) -> dict[str, str]:
        return {name: self.data[name] for name in FILTER_FIELDS if self.data.get(name)}


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _queue_url(params: dict, at: int | None = None) -> str:
    query = urlencode({**params, **({"at": at} if at else {})})
    return f"{reverse('stories:share_check')}{'?' if query else ''}{query}"


def _at(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _own_px_lead(request) -> None:
    if not scope_for(request.user).px_org_ids:
        raise Http404  # only px leads check and share stories: for anyone else there is no queue


@login_required
@require_GET
def share_check_queue(request):
    _own_px_lead(request)
    form = ShareQueueForm(request.GET or None, user=request.user)
    queue = share_check.share_queue(request.user, where=form.where() if form.is_bound else None)
    state = share_check.queue_state(queue)
    at = _at(request.GET.get("at"))
    if at not in state.state:
        at = state.next_left() or (state.order[0] if state.order else None)
    params = form.params() if form.is_bound else {}
    context = {"form": form, "state": state, "params": params, "filter_items": list(params.items())}
    if at is not None:
        story = queue.select_related("organisation").get(pk=at)
        previous, following = state.neighbours(at)
        context |= {
            "story": story,
            "story_state": state.state[at],
            "refusal": state.reasons.get(at, ""),
            "consent_missing": state.reasons.get(at) == CONSENT_MISSING,
            "position": state.position(at),
            "previous_url": _queue_url(params, previous) if previous else "",
            "next_url": _queue_url(params, following) if following else "",
            "original_title": share_check.marked(story.title, story.title_spans, redacted=False),
            "original_narrative": share_check.marked(story.narrative, story.narrative_spans, redacted=False),
            "redacted_title": share_check.marked(story.title, story.title_spans, redacted=True),
            "redacted_narrative": share_check.marked(story.narrative, story.narrative_spans, redacted=True),
            "hidden_count": len(story.title_spans) + len(story.narrative_spans),
        }
        audit.record(request.user, AuditAction.STORY_VIEWED_UNREDACTED, story, page="share_check")
    context["breadcrumbs"] = [("Home", "/"), ("Stories", reverse("stories:list"))]
    return render(request, "stories/share_check.html", context)


@login_required
@require_POST
def share_check_mark(request, pk: int):
    _own_px_lead(request)
    form = ShareQueueForm(request.POST, user=request.user)
    queue = share_check.share_queue(request.user)
    story = queue.filter(pk=pk).first()
    if story is None:
        raise Http404
    decision = request.POST.get("decision", "")
    if decision not in ShareCheckDecision.values:
        messages.error(request, "Choose whether the story is fine to share or needs fixing.")
        return redirect(_queue_url(form.params(), pk))
    try:
        share_check.share_check_mark(story=story, user=request.user, decision=decision)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_queue_url(form.params(), pk))
    narrowed = share_check.share_queue(request.user, where=form.where())
    following = share_check.queue_state(narrowed).next_left(after=pk)
    return redirect(_queue_url(form.params(), following or pk))


@login_required
@require_POST
def share_check_share(request):
    """Share every story of the (filtered) queue checked fine on its current redaction."""
    _own_px_lead(request)
    form = ShareQueueForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, "The filters were not valid, so nothing was shared.")
        return redirect(_queue_url({}))
    queue = share_check.share_queue(request.user, where=form.where())
    result = share_check.stories_share_checked(user=request.user, queue=queue)
    shared = len(result.shared)
    if shared:
        messages.success(request, f"{shared} stor{'y' if shared == 1 else 'ies'} shared with the ICS.")
    if result.no_consent:
        left = len(result.no_consent)
        messages.error(
            request,
            f"{left} checked stor{'y was' if left == 1 else 'ies were'} not shared: the person’s consent for "
            "internal learning is not recorded, or was withdrawn.",
        )
    if not shared and not result.no_consent:
        messages.error(request, "No story is checked as fine to share yet.")
    return redirect(_queue_url(form.params()))
