from django import forms

from .models import AuditAction


class AuditFilterForm(forms.Form):
    """The audit page's filters, read from the query string. An invalid value is reported and ignored."""

    user = forms.CharField(
        label="Person (email address)",
        required=False,
        max_length=254,
        help_text="All or part of the email address of the person who acted",
    )
    action = forms.ChoiceField(
        label="Action", choices=[("", "Any action"), *AuditAction.choices], required=False
    )
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date must be on or after the start date")
        return data

    def filters(self) -> dict:
        """The valid filters only, so one bad value does not hide the rest of the page."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value and name not in self.errors}
