"""Charter forms. They check shape (a number is a number, a date a date); the rules live in services."""

from __future__ import annotations

from django import forms
from django.forms import formset_factory

from dashboards.selectors import data_first_month
from insight_hub import periods
from insight_hub.forms import NHSDateInput
from insight_hub.organisations.models import Organisation
from insight_hub.organisations.selectors import owner_candidates

from .models import Cadence, Category, ChangeOutcome, ParticipantKind, ReviewStatus
from .selectors import partner_organisations
from .services import action_owner_candidates, metric_choices, themes_for

PERIOD_CHOICES = [
    ("3", "Last 3 complete months"),
    ("6", "Last 6 complete months"),
    ("12", "Last 12 complete months"),
]


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.email


class ThemeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        local = " (local theme)" if obj.ics_id else ""
        return f"{obj.category}: {obj.name}{local}"


class CharterForm(forms.Form):
    title = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"class": "nhsuk-input--width-30"}))
    summary = forms.CharField(
        label="Plain-language summary",
        help_text="What the charter promises and why, in words anyone can read. "
        "It is shown on the public page.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class CommitmentForm(forms.Form):
    text = forms.CharField(
        label="Commitment",
        help_text="Start with “We will”, for example “We will tell you how long you are likely to wait”.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    category = forms.ChoiceField(choices=[("", "Choose a category"), *Category.choices])
    owner = UserChoiceField(
        label="Named owner",
        queryset=None,
        required=False,
        empty_label="Nobody yet",
        help_text="An ICB lead. A charter cannot be adopted while any commitment has no owner.",
    )
    themes = ThemeChoiceField(
        label="Linked themes",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="What people say about these themes is shown as evidence under the commitment.",
    )
    metrics = forms.MultipleChoiceField(
        label="Linked metrics",
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    target_percent = forms.DecimalField(
        label="Target FFT % positive",
        required=False,
        max_digits=4,
        decimal_places=1,
        help_text="Where one fits, for example 90. Leave empty if a number would not say whether it is kept.",
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-4", "inputmode": "decimal"}),
    )
    cadence_months = forms.TypedChoiceField(
        label="Review cadence", choices=Cadence.choices, coerce=int, initial=Cadence.QUARTERLY
    )
    change_outcome = forms.ChoiceField(
        label="What we changed because of what you told us",
        choices=ChangeOutcome.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    change_note = forms.CharField(
        label="Note for the people who commented",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What changed, or why no change was possible.",
    )

    def __init__(self, *args, ics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_candidates(ics)
        self.fields["themes"].queryset = themes_for(ics).order_by("category", "name")
        self.fields["metrics"].choices = metric_choices(ics)


class ParticipantForm(forms.Form):
    name = forms.CharField(label="Name of the group or organisation", max_length=200)
    kind = forms.ChoiceField(label="Kind", choices=[("", "Choose a kind"), *ParticipantKind.choices])
    organisation = forms.ModelChoiceField(
        label="Partner organisation",
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="Not a partner of the ICS",
        help_text="If it is one of the ICS’s partners.",
    )

    def __init__(self, *args, ics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = partner_organisations(ics)


class EventForm(forms.Form):
    title = forms.CharField(label="Event", max_length=200, help_text="For example, “Workshop in Maidstone”.")
    held_on = forms.DateField(label="Date", widget=NHSDateInput(), help_text="For example, 15 3 2026")
    people_reached = forms.IntegerField(
        label="Number of people reached",
        min_value=0,
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-5", "inputmode": "numeric"}),
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DraftCommentForm(forms.Form):
    text = forms.CharField(
        label="What they said",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A summary in their words. Do not record names or contact details.",
    )
    received_on = forms.DateField(
        label="Date received", widget=NHSDateInput(), help_text="For example, 15 3 2026"
    )
    participant = forms.ModelChoiceField(
        label="From", queryset=None, required=False, empty_label="Not from a listed participant"
    )
    event = forms.ModelChoiceField(label="At", queryset=None, required=False, empty_label="Not at an event")

    def __init__(self, *args, charter, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = charter.participants.all()
        self.fields["event"].queryset = charter.events.all()


class ReviewForm(forms.Form):
    status = forms.ChoiceField(
        label="Is the commitment being kept?", choices=ReviewStatus.choices, widget=forms.RadioSelect
    )
    narrative = forms.CharField(
        label="What the evidence shows",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Why you chose this status, in words the board and the public can follow.",
    )
    months = forms.TypedChoiceField(
        label="Evidence period",
        choices=PERIOD_CHOICES,
        coerce=int,
        initial="12",
        help_text="Whole months up to last month: the current month is not over yet.",
    )


class ActionForm(forms.Form):
    """One "you said, we did" action; a blank row is skipped."""

    description = forms.CharField(
        label="What will change", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = UserChoiceField(label="Owner", queryset=None, required=False, empty_label="Choose an owner")
    due_on = forms.DateField(
        label="Due date", required=False, widget=NHSDateInput(), help_text="For example, 15 3 2027"
    )
    organisation = forms.ModelChoiceField(
        label="Where", queryset=None, required=False, empty_label="Across the ICS"
    )

    def __init__(self, *args, ics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = action_owner_candidates(ics)
        self.fields["organisation"].queryset = partner_organisations(ics)

    def clean(self):
        data = super().clean()
        if not data.get("description", "").strip():
            return data
        if data.get("owner") is None and "owner" not in self.errors:
            self.add_error("owner", "Choose who owns this action")
        if data.get("due_on") is None and "due_on" not in self.errors:
            self.add_error("due_on", "Enter the date this action is due")
        return data


ActionFormSet = formset_factory(ActionForm, extra=2, max_num=5)


class PeriodForm(periods.PeriodForm):
    """The evidence period: the last complete months, or any months back to the first that holds data."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, earliest=data_first_month(), **kwargs)
        self.fields["months"].label = "Evidence period"
