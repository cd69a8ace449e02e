"""Forms of the story import flow: they collect and check input; the services do the work."""

from __future__ import annotations

from django import forms

from insight_hub.imports.mappingfile import MappingFileError, mapping_file_parse

from ..models import CriticalityScale, Purpose, SourceChannel, Teller
from .mapping import (
    DEFAULT_TITLE_WORDS,
    FIELDS_BY_NAME,
    MAX_DISTINCT,
    VALUE_FIELDS,
    OnError,
    choices,
    hub_values,
)


class UploadForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=None, empty_label=None, error_messages={"required": "Select the organisation"}
    )
    file = forms.FileField(
        label="File of stories",
        help_text="A CSV file or an Excel workbook (.xlsx), with the column headings in its first row.",
        error_messages={"required": "Select a CSV or Excel file"},
    )
    mapping = forms.FileField(
        label="A saved mapping",
        required=False,
        help_text="The mapping file (JSON) downloaded from an earlier import of a file like this one.",
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations

    def clean_mapping(self):
        upload = self.cleaned_data.get("mapping")
        if not upload:
            return None
        try:
            return mapping_file_parse(upload.read(), kind="stories")
        except MappingFileError as exc:
            raise forms.ValidationError(str(exc)) from None


class ColumnsForm(forms.Form):
    """One select per column of the file: which story field it feeds."""

    def __init__(self, *args, columns: dict[str, str], samples: dict[str, list[str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = list(columns)
        for i, column in enumerate(self.columns):
            field = forms.ChoiceField(
                label=column, choices=choices(), required=False, initial=columns[column]
            )
            if samples.get(column):
                field.help_text = "For example: " + ", ".join(v[:40] for v in samples[column][:3])
            self.fields[f"column_{i}"] = field

    def mapping(self) -> dict[str, str]:
        return {column: self.cleaned_data[f"column_{i}"] for i, column in enumerate(self.columns)}


MONTH_HELP = "For example 2024-03. Stories with no date of their own are dated to this month."


class SettingsForm(forms.Form):
    """The values of the file's own words, what the file lacks, the consent basis, and what a bad row does."""

    criticality_scale = forms.ChoiceField(
        label="The file's criticality is on",
        choices=CriticalityScale.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    teller = forms.ChoiceField(
        label="Who told the stories, when the file does not say",
        choices=[("", "Choose"), *Teller.choices],
        required=False,
    )
    source_channel = forms.ChoiceField(
        label="Where the stories came from, when the file does not say",
        choices=[("", "Choose"), *SourceChannel.choices],
        required=False,
    )
    occurred_on = forms.RegexField(
        label="Month the stories happened, when the file does not say",
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        help_text=MONTH_HELP,
        error_messages={"invalid": "Enter a month as YYYY-MM, for example 2024-03"},
    )
    title_words = forms.IntegerField(
        label="Words of the story that make its title, when the file has no title",
        min_value=3,
        max_value=30,
        initial=DEFAULT_TITLE_WORDS,
    )
    purposes = forms.MultipleChoiceField(
        label="What the source's terms allow these stories to be used for",
        choices=Purpose.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Never assumed from publication: tick only what the terms, or the people, allow. "
        "A file's own consent columns, when mapped, decide for each story instead.",
    )
    consent_reason = forms.CharField(
        label="Why (recorded with your name on every story of this import)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="For example: published by the teller on Care Opinion under its terms: internal learning.",
    )
    on_error = forms.ChoiceField(
        label="If some rows cannot be imported",
        choices=OnError.CHOICES,
        widget=forms.RadioSelect,
        initial=OnError.GOOD_ROWS,
    )

    def __init__(self, *args, batch, distinct: dict[str, list[str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.value_keys: list[tuple[str, str]] = []
        mapped = {field for field in batch.columns.values() if field}
        defaults = batch.defaults
        for name in (
            "criticality_scale",
            "teller",
            "source_channel",
            "occurred_on",
            "title_words",
            "on_error",
        ):
            if defaults.get(name):
                self.fields[name].initial = defaults[name]
        self.fields["purposes"].initial = [
            value for value, _ in Purpose.choices if getattr(batch, f"consent_{value}")
        ]
        self.fields["consent_reason"].initial = batch.consent_reason
        if "criticality" not in mapped:
            del self.fields["criticality_scale"]
        for name in ("teller", "source_channel"):
            if name in mapped:
                self.fields[
                    name
                ].label = f"{FIELDS_BY_NAME[name].label}, for rows where the file's cell is empty"
        scale = defaults.get("criticality_scale") or CriticalityScale.CARE_OPINION
        for column, field_name in batch.columns.items():
            if field_name not in VALUE_FIELDS:
                continue
            words = batch.values.get(field_name, {})
            offered = [w for w in distinct.get(column, []) if field_name != "criticality" or w in words]
            offered += [w for w in words if w not in offered]
            options = hub_values(
                field_name, CriticalityScale.SIGNED if field_name == "criticality" else scale
            )
            for word in offered[:MAX_DISTINCT]:
                key = f"value_{len(self.value_keys)}"
                self.value_keys.append((field_name, word))
                self.fields[key] = forms.ChoiceField(
                    label=f"“{word}” in {column}",
                    choices=[("", "Not mapped: report the row"), *options]
                    if field_name != "criticality"
                    else options,
                    required=False,
                    initial=words.get(word, ""),
                )

    def value_fields(self):
        return [self[f"value_{i}"] for i in range(len(self.value_keys))]

    def setting_fields(self):
        return [
            self[name]
            for name in ("criticality_scale", "teller", "source_channel", "occurred_on", "title_words")
            if name in self.fields
        ]

    def values(self) -> dict[str, dict[str, str]]:
        values: dict[str, dict[str, str]] = {}
        for i, (field_name, word) in enumerate(self.value_keys):
            chosen = self.cleaned_data.get(f"value_{i}", "")
            if chosen or field_name == "criticality":
                values.setdefault(field_name, {})[word] = chosen
        return values

    def defaults(self) -> dict[str, str]:
        data = self.cleaned_data
        defaults = {
            name: str(data[name])
            for name in (
                "teller",
                "source_channel",
                "occurred_on",
                "title_words",
                "on_error",
                "criticality_scale",
            )
            if data.get(name)
        }
        return defaults

    def consent(self) -> dict[str, bool]:
        chosen = set(self.cleaned_data.get("purposes") or [])
        return {value: value in chosen for value, _ in Purpose.choices}
