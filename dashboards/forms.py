from __future__ import annotations

from django import forms
from django.db.models import Q

from feedback.models import Response
from insight_hub import periods
from insight_hub.forms import NHSDateInput
from insight_hub.organisations.models import FFTSetting, Organisation, Service
from insight_hub.organisations.selectors import owner_candidates
from insight_hub.themes.models import Theme
from stories.models import Pathway

from .models import Characteristic, Dashboard, Tile, TileKind
from .selectors import data_first_month


class PeriodForm(periods.PeriodForm):
    """The period filter alone, read from and kept in the query string so a view can be shared by link: the
    last complete months, or any months from the first that holds data (see `insight_hub.periods`)."""

    def __init__(self, *args, organisations=None, today=None, **kwargs):
        super().__init__(*args, earliest=data_first_month(), today=today, **kwargs)


class FilterForm(PeriodForm):
    """Period, organisation and FFT setting."""

    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="All organisations",
        to_field_name="ods_code",
    )
    setting = forms.ChoiceField(
        label="FFT setting", choices=[("", "All settings"), *FFTSetting.choices], required=False
    )

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisations is None:  # a page about one organisation has nothing to choose
            del self.fields["organisation"]
        else:
            self.fields["organisation"].queryset = organisations


class EqualityFilterForm(FilterForm):
    characteristic = forms.ChoiceField(
        label="Characteristic",
        choices=Characteristic.choices,
        required=False,
        initial=Characteristic.ETHNIC_CATEGORY,
    )

    def characteristic_value(self) -> str:
        return self.value("characteristic") or Characteristic.ETHNIC_CATEGORY


def characteristic_label(characteristic: str) -> str:
    return str(Response._meta.get_field(characteristic).verbose_name).capitalize()


class DashboardForm(forms.ModelForm):
    class Meta:
        model = Dashboard
        fields = ["title", "scope_kind", "organisations", "services", "pathway", "owner", "review_on"]
        widgets = {
            "scope_kind": forms.RadioSelect,
            "organisations": forms.CheckboxSelectMultiple,
            "services": forms.CheckboxSelectMultiple,
            "review_on": NHSDateInput,
        }
        labels = {"owner": "Owner (a named ICB lead)"}

    def __init__(self, *args, ics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = Organisation.objects.filter(ics=ics).order_by("name")
        self.fields["services"].queryset = (
            Service.objects.filter(organisation__ics=ics, active=True)
            .select_related("organisation")
            .order_by("organisation__name", "name")
        )
        self.fields["services"].label_from_instance = lambda s: f"{s.name} ({s.organisation.display_name})"
        self.fields["pathway"].queryset = Pathway.objects.filter(ics=ics)
        self.fields["owner"].queryset = owner_candidates(ics)
        self.fields["owner"].label_from_instance = _person
        self.fields["owner"].empty_label = "No owner yet (cannot be published)"
        self.fields["pathway"].required = False


def _person(user) -> str:
    membership = user.memberships.order_by("created_at").first()
    title = f", {membership.job_title}" if membership else ""
    return f"{user.get_full_name() or user.email}{title}"


class TileForm(forms.ModelForm):
    class Meta:
        model = Tile
        fields = ["kind", "theme", "service", "owner", "title"]
        widgets = {"kind": forms.RadioSelect}
        labels = {"owner": "Owner (a named ICB lead)", "title": "Title (optional)"}

    def __init__(self, *args, ics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = TileKind.choices
        self.fields["theme"].queryset = Theme.objects.filter(active=True).filter(
            Q(ics__isnull=True) | Q(ics=ics)
        )
        self.fields["service"].queryset = Service.objects.filter(
            organisation__ics=ics, active=True
        ).select_related("organisation")
        self.fields["service"].label_from_instance = lambda s: f"{s.name} ({s.organisation.display_name})"
        self.fields["service"].empty_label = "The dashboard's whole scope"
        self.fields["owner"].queryset = owner_candidates(ics)
        self.fields["owner"].label_from_instance = _person
        self.fields["owner"].empty_label = "No owner yet"
