"""Change claims on a story's actions: a px lead of the logging trust claims a change planned or made, and
another px lead of the same trust signs the claim off (the check Care Opinion's moderators make). Everyone
else gets 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from insight_hub.forms import add_service_errors

from . import selectors, services
from .forms import ChangeClaimForm
from .models import ChangeClaim, StoryAction
from .views import _audit_original_read, _form_page, _story_crumbs


def _action(request, pk: int, action_pk: int) -> StoryAction:
    story = selectors.story_get_editable(request.user, pk=pk)
    return get_object_or_404(StoryAction.objects.select_related("owner"), pk=action_pk, story=story)


@login_required
@require_http_methods(["GET", "POST"])
def change_claim(request, pk: int, action_pk: int):
    action = _action(request, pk, action_pk)
    story = action.story
    initial = {"claim": action.change_claim, "description": action.change_description or action.outcome}
    form = ChangeClaimForm(request.POST or None, initial=initial)
    if form.is_valid():
        try:
            services.change_claim(action=action, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{ChangeClaim(action.change_claim).label} claimed. Another patient experience lead of "
                f"{story.organisation.display_name} must now sign it off.",
            )
            return redirect("stories:detail", pk=story.pk)
    intro = f"Action: {action.description}"
    if action.change_signed_off:
        intro += " Changing the claim withdraws its sign-off: it must be signed off again."
    return _form_page(
        request, form=form, title="Claim a change", submit="Claim the change", story=story, intro=intro
    )


@login_required
@require_http_methods(["GET", "POST"])
def change_sign_off(request, pk: int, action_pk: int):
    action = _action(request, pk, action_pk)
    story = action.story
    if not action.change_claim:
        raise Http404  # nothing claimed: nothing to sign off
    error = ""
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            services.change_sign_off(action=action, user=request.user)
        except ValidationError as exc:
            error = " ".join(exc.message_dict.get("sign_off", exc.messages))
        else:
            messages.success(request, f"{ChangeClaim(action.change_claim).label}: signed off.")
            return redirect("stories:detail", pk=story.pk)
    _audit_original_read(request, story, "change_sign_off")
    return render(
        request,
        "stories/change_sign_off.html",
        {
            "story": story,
            "action": action,
            "error": error,
            "own_claim": action.change_claimed_by_id == request.user.pk,
            "breadcrumbs": _story_crumbs(story),
        },
    )
