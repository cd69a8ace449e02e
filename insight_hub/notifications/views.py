"""A person chooses the day of their weekly digest or turns it off; the digest's own link turns it off too."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .digests import digest_day_for, digest_day_set, user_for_unsubscribe
from .models import Weekday

OFF = "off"


class DigestForm(forms.Form):
    day = forms.ChoiceField(
        label="When would you like your weekly email?",
        help_text="It lists what you own that needs you: overdue reviews and actions, new critical stories "
        "and rising themes where you own the dashboard or tile, and anything left without an owner.",
        choices=[(str(value), label) for value, label in Weekday.choices] + [(OFF, "Never: do not email me")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a day, or never"},
    )

    def weekday(self) -> int | None:
        day = self.cleaned_data["day"]
        return None if day == OFF else int(day)


@login_required
@require_http_methods(["GET", "POST"])
def digest_settings(request):
    current = digest_day_for(request.user)
    form = DigestForm(request.POST or None, initial={"day": OFF if current is None else str(current)})
    if form.is_valid():
        digest_day_set(user=request.user, weekday=form.weekday())
        day = form.weekday()
        messages.success(
            request,
            "You will not receive the weekly email."
            if day is None
            else f"You will receive the weekly email on {Weekday(day).label}s.",
        )
        return redirect("digest_settings")
    return render(request, "notifications/digest_settings.html", {"form": form})


@require_http_methods(["GET", "POST"])
def digest_off(request, token: str):
    """The link in every digest: a page that asks, then turns the digest off, without signing in."""
    person = user_for_unsubscribe(token)
    if person is None:
        raise Http404
    done = request.method == "POST"
    if done:
        digest_day_set(user=person, weekday=None)
    return render(request, "notifications/digest_off.html", {"done": done, "person": person})
