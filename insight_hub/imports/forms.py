"""The first step of every import flow: which organisation, which file, and optionally a saved mapping file
(`insight_hub.imports.mappingfile`) to use again. The feature apps subclass it, naming the kind of mapping
they read and, where they want, their own labels."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet

from insight_hub.organisations.models import Organisation

from .mappingfile import MappingFileError, mapping_file_parse


class ImportUploadForm(forms.Form):
    # The kind of saved mapping file this import reads (mappingfile's "responses", "stories").
    mapping_kind = ""

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
            return mapping_file_parse(upload.read(), kind=self.mapping_kind)
        except MappingFileError as exc:
            raise forms.ValidationError(str(exc)) from None
