from django import forms

from .models import Service, Site


class ServiceForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = ["name", "site", "fft_setting", "active"]
        labels = {"name": "Service name", "fft_setting": "Friends and Family Test setting"}
        help_texts = {
            "name": "For example, Ward 7 (stroke unit) or Community mental health team (north).",
            "fft_setting": "Decides which NHS England FFT publication the service's results belong to.",
        }

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        # The instance must know its organisation before validation, for the unique-name check.
        self.instance.organisation = organisation
        self.fields["site"].queryset = Site.objects.filter(organisation=organisation)
        self.fields["site"].required = False
        if not self.instance.pk:
            del self.fields["active"]

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        clash = Service.objects.filter(organisation=self.organisation, name__iexact=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(
                f"{self.organisation.display_name} already has a service called {name}."
            )
        return name
