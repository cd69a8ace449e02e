from __future__ import annotations

from django import forms
from django.db.models import Q

from insight_hub.organisations.models import Service
from insight_hub.organisations.permissions import organisations_for, scope_for
from insight_hub.themes.models import Sentiment, Theme

from .models import Period, SavedSearch, period_dates
from .query import parse
from .registry import CRITICALITY_CHOICES, CRITICALITY_MEANS, Criteria, sources_for


class SearchForm(forms.Form):
    """The search and its filters, read from and kept in the query string: a search is a link to share."""

    q = forms.CharField(
        label="Search words",
        required=False,
        max_length=200,
        help_text='For example: rude OR unkind, "waiting room", parking -car. Redacted text is searched.',
    )
    source = forms.ChoiceField(label="Search in", required=False)
    organisation = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any")
    service = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any")
    theme = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any")
    sentiment = forms.ChoiceField(choices=[("", "Any"), *Sentiment.choices], required=False)
    criticality = forms.ChoiceField(
        label="Critical", choices=CRITICALITY_CHOICES, required=False, help_text=CRITICALITY_MEANS
    )
    period = forms.ChoiceField(label="When", choices=Period.choices, required=False)
    date_from = forms.DateField(
        label="From (between dates)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To (between dates)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        organisations = organisations_for(user)
        self.fields["organisation"].queryset = organisations
        self.fields["service"].queryset = Service.objects.filter(
            organisation__in=organisations
        ).select_related("organisation")
        self.fields["service"].label_from_instance = lambda s: f"{s.name} ({s.organisation.display_name})"
        ics_ids = set(scope_for(user).system_ics_ids) | set(organisations.values_list("ics_id", flat=True))
        self.fields["theme"].queryset = Theme.objects.filter(active=True).filter(
            Q(ics__isnull=True) | Q(ics_id__in=ics_ids)
        )
        self.fields["source"].choices = [("", "Everything")] + [(s.key, s.label) for s in sources_for(user)]

    def clean_q(self) -> str:
        q = " ".join(self.cleaned_data["q"].split())
        if parse(q).only_excludes:
            raise forms.ValidationError("Enter at least one word to look for, not only words to leave out")
        return q

    def clean(self):
        cleaned = super().clean()
        period, date_from, date_to = cleaned.get("period"), cleaned.get("date_from"), cleaned.get("date_to")
        # A date typed but not valid has its own error: "enter a date" as well would contradict it.
        typed_wrong = "date_from" in self.errors or "date_to" in self.errors
        if period == Period.BETWEEN and not (date_from or date_to or typed_wrong):
            self.add_error("date_from", "Enter a date to search from, a date to search to, or both")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", "The date to search to must be the same as or after the date from")
        if (date_from or date_to) and not period:
            cleaned["period"] = Period.BETWEEN
        return cleaned

    def criteria(self) -> Criteria | None:
        """The valid search, or None (the page then shows the form's errors and no results)."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        date_from, date_to = period_dates(data["period"], data["date_from"], data["date_to"])
        return Criteria(
            q=data["q"],
            organisation=data["organisation"],
            service=data["service"],
            theme=data["theme"],
            sentiment=data["sentiment"],
            criticality=data["criticality"],
            date_from=date_from,
            date_to=date_to,
            sources=(data["source"],) if data["source"] else (),
        )


class SavedSearchForm(forms.Form):
    name = forms.CharField(label="Name this search", max_length=120)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if SavedSearch.objects.filter(owner=self.user, name=name).exists():
            raise forms.ValidationError("You already have a saved search with this name: choose another")
        return name
