import re

from django import forms

from insight_hub.forms import FilterForm

from .models import AuditAction


class AuditFilterForm(FilterForm):
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


class SubjectSearchForm(forms.Form):
    """Requests about a person: what the administrator has to find them by. Sent by POST, so that a name or
    contact detail never lands in a URL, a browser's history or an access log."""

    by = forms.ChoiceField(
        label="What do you have to find them by?",
        choices=[
            ("reference", "A story or response reference (for example S123 or R456, or the survey's own id)"),
            ("email", "An email address they wrote"),
            ("phone", "A phone number they wrote"),
            ("name", "Their name, or a few words they wrote, as they wrote them"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select what you have to find them by"},
    )
    value = forms.CharField(
        label="Reference, email address, phone number or name",
        max_length=200,
        help_text="Searches every story (drafts and withdrawn ones too) and survey response in your ICS.",
        error_messages={"required": "Enter what to search for"},
    )

    def clean(self):
        from django.core.validators import validate_email

        data = super().clean()
        by, value = data.get("by"), (data.get("value") or "").strip()
        if not by or not value:
            return data
        if by == "email":
            try:
                validate_email(value)
            except forms.ValidationError:
                self.add_error("value", "Enter an email address in the correct format, like name@example.com")
        elif by == "phone":
            digits = re.sub(r"\D", "", value)
            if not re.fullmatch(r"[\d\s()+.-]+", value) or not 10 <= len(digits) <= 13:
                self.add_error("value", "Enter a phone number of 10 to 13 digits, like 07700 900456")
        elif by == "name":
            words = re.findall(r"\w+", value)
            if (
                not re.fullmatch(r"[\w'’.,-]+(?:\s+[\w'’.,-]+)*", value)
                or max(map(len, words), default=0) < 3
            ):
                self.add_error(
                    "value",
                    "Enter a name or words with at least 3 letters (letters, digits, spaces, hyphens, "
                    "apostrophes)",
                )
        elif not re.fullmatch(r"[\w:.-]{1,100}", value):
            self.add_error(
                "value", "Enter a reference of letters, digits, colons, dots and hyphens, like S123"
            )
        data["value"] = value
        return data
