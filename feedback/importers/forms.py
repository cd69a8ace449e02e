"""Forms for the import pages. They only collect and check input; the services do the work."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet

from insight_hub.forms import NHSDateInput
from insight_hub.organisations.models import FFTSetting, Organisation

from .mapping import choices


class UploadForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), empty_label=None)
    file = forms.FileField(
        label="File to import",
        help_text="A CSV file or an Excel workbook (.xlsx), with the column headings in its first row.",
    )

    def __init__(self, *args, organisations: QuerySet[Organisation], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


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
