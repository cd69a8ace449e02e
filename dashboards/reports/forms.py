from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from insight_hub.periods import MonthField, Period, PeriodError

from .selectors import ScopeChoice, month_choices
from .services import MAX_MONTHS, MAX_QUOTES


class ReportScopeForm(forms.Form):
    """What the report covers (GET: the page then lists the stories it would quote)."""

    scope = forms.ChoiceField(label="Report for")
    first_month = MonthField(label="First month")
    last_month = MonthField(label="Last month", help_text=f"Up to {MAX_MONTHS} months from the first")
    quote_count = forms.IntegerField(
        label="Stories to quote",
        min_value=0,
        max_value=MAX_QUOTES,
        initial=6,
        help_text=f"Up to {MAX_QUOTES}. The stories are chosen to follow the mix collected in the period.",
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-3"}),
    )

    def __init__(self, *args, scopes: list[ScopeChoice], today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.scopes = {choice.key: choice for choice in scopes}
        self.fields["scope"].choices = [(c.key, c.label) for c in scopes]
        months = month_choices(today=self.today)
        self.fields["first_month"].choices = months
        self.fields["last_month"].choices = months
        # The last complete quarter, never the month that is still going on.
        default = Period.complete_quarter(today=self.today)
        self.fields["first_month"].initial = default.first.isoformat()
        self.fields["last_month"].initial = default.last.isoformat()

    def clean(self):
        data = super().clean()
        if data.get("first_month") and data.get("last_month"):
            try:
                period = Period.between(
                    data["first_month"], data["last_month"], today=self.today, max_months=MAX_MONTHS
                )
            except PeriodError as error:
                self.add_error("first_month" if error.field == "first" else "last_month", error.message)
            else:
                data["first"], data["last"], data["period"] = period.first, period.last, period
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
