from __future__ import annotations

import datetime as dt

from django import forms

from .selectors import ScopeChoice, month_choices
from .services import MAX_QUOTES


class ReportScopeForm(forms.Form):
    """What the report covers (GET: the page then lists the stories it would quote)."""

    scope = forms.ChoiceField(label="Report for")
    first_month = forms.ChoiceField(label="First month")
    last_month = forms.ChoiceField(label="Last month")
    quote_count = forms.IntegerField(
        label="Stories to quote",
        min_value=0,
        max_value=MAX_QUOTES,
        initial=6,
        help_text=f"Up to {MAX_QUOTES}. The stories are chosen to follow the mix collected in the period.",
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-3"}),
    )

    def __init__(self, *args, scopes: list[ScopeChoice], **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes = {choice.key: choice for choice in scopes}
        self.fields["scope"].choices = [(c.key, c.label) for c in scopes]
        months = month_choices()
        self.fields["first_month"].choices = months
        self.fields["last_month"].choices = months
        if len(months) >= 3:
            self.fields["first_month"].initial = months[2][0]
            self.fields["last_month"].initial = months[0][0]

    def clean(self):
        data = super().clean()
        if "first_month" in data and "last_month" in data:
            data["first"] = dt.date.fromisoformat(data["first_month"])
            data["last"] = dt.date.fromisoformat(data["last_month"])
            if data["last"] < data["first"]:
                self.add_error("last_month", "The last month must be the same as or after the first month")
        if "scope" in data:
            data["choice"] = self.scopes[data["scope"]]
        return data


class StorySelectionForm(forms.Form):
    """The stories to quote: the default selection ticked; a person may untick or tick others."""

    stories = forms.TypedMultipleChoiceField(
        label="Stories to quote",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Ticked: the default selection, which follows the mix of stories collected in the period.",
    )

    def __init__(self, *args, candidates: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stories"].choices = [
            (
                row["pk"],
                f"S{row['pk']}: {row['redacted_title']} ({row['organisation']}, {row['month']:%B %Y}, "
                f"{row['stratum_label'].lower()})",
            )
            for row in candidates
        ]
