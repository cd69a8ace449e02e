"""Forms for the import pages. They only collect and check input; the services do the work."""

from __future__ import annotations

import hashlib

from django import forms

from feedback.models import FFTAnswer, FFTRecommendAnswer
from insight_hub.forms import NHSDateInput
from insight_hub.imports.forms import ImportUploadForm
from insight_hub.organisations.models import FFTSetting

from .locations import NEW, UNMAPPED, Unmatched
from .mapping import choices


class UploadForm(ImportUploadForm):
    mapping_kind = "responses"


class MappingForm(forms.Form):
    """One select per column of the file: which hub field it feeds."""

    def __init__(self, *args, columns: list[str], initial_mapping: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = columns
        for i, column in enumerate(columns):
            self.fields[f"column_{i}"] = forms.ChoiceField(
                label=column, choices=choices(), required=False, initial=initial_mapping.get(column, "")
            )

    def mapping(self) -> dict[str, str]:
        return {column: self.cleaned_data[f"column_{i}"] for i, column in enumerate(self.columns)}


class NHSEUploadForm(forms.Form):
    file = forms.FileField(
        label="NHS England FFT workbook",
        help_text="The monthly publication as downloaded (.xlsm or .xlsx), for one setting.",
    )
    period = forms.DateField(
        label="Month the figures are for",
        required=False,
        widget=NHSDateInput(),
        help_text="Only needed if the workbook does not say. Any day of the month, for example 1 7 2025.",
    )
    setting = forms.ChoiceField(
        label="Setting",
        required=False,
        choices=[("", "As the workbook says"), *FFTSetting.choices],
        help_text="Only needed if the workbook does not say.",
    )


class ValuesForm(forms.Form):
    """One select per answer found in the FFT column: which answer of its question it is."""

    def __init__(self, *args, field_name: str, words: list[str], initial_values: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.field_name, self.words = field_name, words
        answers = FFTRecommendAnswer if field_name == "fft_recommend" else FFTAnswer
        options = [("", "Not an answer: report the row"), *[(str(v), label) for v, label in answers.choices]]
        for i, word in enumerate(words):
            self.fields[f"value_{i}"] = forms.ChoiceField(
                label=f"“{word}”", choices=options, required=False, initial=initial_values.get(word, "")
            )

    def values(self) -> dict[str, dict[str, str]]:
        return {self.field_name: {word: self.cleaned_data[f"value_{i}"] for i, word in enumerate(self.words)}}


class LocationsForm(forms.Form):
    """One select per location of the file that names no service: an existing service, a new one (its
    name editable), or unmapped; and the FFT setting the new services will have."""

    def __init__(
        self,
        *args,
        unmatched: list[Unmatched],
        services: list[tuple[int, str]],
        initial_choices: dict[str, dict],
        setting: str,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.unmatched = unmatched
        options = [
            (UNMAPPED, "Leave unmapped: report its rows"),
            (NEW, "Add as a new service"),
            *((str(pk), name) for pk, name in services),
        ]
        for location in unmatched:
            chosen = initial_choices.get(location.value) or {}
            if "service" in chosen:
                initial = str(chosen["service"])
            elif "new" in chosen:
                initial = NEW
            else:
                initial = UNMAPPED
            rows = f"{location.rows:,} row{'s' if location.rows != 1 else ''}"
            shown = location.value if len(location.value) <= 120 else location.value[:120] + "…"
            key = location_field(location.value)
            self.fields[f"location_{key}"] = forms.ChoiceField(
                label=f"“{shown}” ({rows})", choices=options, required=False, initial=initial
            )
            self.fields[f"name_{key}"] = forms.CharField(
                label=f"Name of the new service for “{shown}”",
                help_text="Used only if you choose “Add as a new service” above.",
                max_length=200,
                required=False,
                # As written, but spaced plainly: exports carry non-breaking and doubled spaces.
                initial=chosen.get("new") or " ".join(location.value.split())[:200],
            )
            self.fields[f"location_{key}"].always_answered = True
        # For a file of many places the organisation has not recorded yet: one tick instead of a select each.
        self.fields["all_new"] = forms.BooleanField(
            label="Add every location still set to “Leave unmapped” as a new service, named as given",
            help_text="Locations you chose a service for keep it.",
            required=False,
        )
        # After the locations: it matters only once one of them is to be a new service.
        self.fields["fft_setting"] = forms.ChoiceField(
            label="FFT setting of any new service",
            choices=FFTSetting.choices,
            initial=setting,
            # the guess: the setting of the file's rows that matched a service, else the organisation's usual
            help_text="New services are added to the organisation when you confirm the import.",
        )

    def _choice(self, cleaned: dict, key: str) -> str:
        choice = cleaned.get(f"location_{key}") or UNMAPPED
        return NEW if choice == UNMAPPED and cleaned.get("all_new") else choice

    def clean(self):
        cleaned = super().clean()
        for location in self.unmatched:
            key = location_field(location.value)
            if self._choice(cleaned, key) == NEW and not (cleaned.get(f"name_{key}") or "").strip():
                self.add_error(f"name_{key}", "Give the new service a name.")
        return cleaned

    def choices(self) -> dict[str, dict]:
        chosen = {}
        for location in self.unmatched:
            key = location_field(location.value)
            choice = self._choice(self.cleaned_data, key)
            if choice == NEW:
                name = self.cleaned_data[f"name_{key}"].strip()
                chosen[location.value] = {"new": name, "fft_setting": self.cleaned_data["fft_setting"]}
            elif choice:
                chosen[location.value] = {"service": int(choice)}
            else:
                chosen[location.value] = {}
        return chosen


def location_field(value: str) -> str:
    """A location's fields are named by its value, not its place in the list: if the list changes between
    showing the page and posting it (a service added meanwhile), no choice lands on another location."""
    return hashlib.sha256(value.encode()).hexdigest()[:12]
