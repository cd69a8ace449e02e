"""Forms for the import pages. They only collect and check input; the services do the work."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet

from feedback.models import FFTAnswer, FFTRecommendAnswer
from insight_hub.forms import NHSDateInput
from insight_hub.imports.mappingfile import MappingFileError, mapping_file_parse
from insight_hub.organisations.models import FFTSetting, Organisation

from .mapping import choices


class UploadForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), empty_label=None)
    file = forms.FileField(
        label="File to import",
        help_text="A CSV file or an Excel workbook (.xlsx), with the column headings in its first row.",
    )
    mapping = forms.FileField(
        label="A saved mapping",
        required=False,
        help_text="The mapping file (JSON) downloaded from an earlier import of a file like this one.",
    )

    def __init__(self, *args, organisations: QuerySet[Organisation], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations

    def clean_mapping(self):
        upload = self.cleaned_data.get("mapping")
        if not upload:
            return None
        try:
            return mapping_file_parse(upload.read(), kind="responses")
        except MappingFileError as exc:
            raise forms.ValidationError(str(exc)) from None


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
