"""The admin: the whole of it for superusers; for an ICS's system administrator, their ICS's organisations,
sites, services, people and roles (see `admin_scope`)."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.validators import RegexValidator

from .admin_scope import ICSScopedAdmin, ICSScopedInline, admin_ics_ids
from .models import ICS, Membership, Organisation, Role, Service, Site

ods_code_validator = RegexValidator(
    r"^[A-Z0-9]{3,10}$",
    "An ODS code is 3 to 10 capital letters and digits, e.g. G82001 for a GP practice or RVV for a trust.",
)


class MembershipInline(ICSScopedInline):
    model = Membership
    extra = 0
    fields = ["organisation", "role", "job_title"]


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["ods_code", "name", "kind", "region", "postcode", "icb", "predecessors", "closed_on", "ics"]

    def clean_ods_code(self):
        code = self.cleaned_data["ods_code"].strip().upper()
        ods_code_validator(code)
        return code


@admin.register(Organisation)
class OrganisationAdmin(ICSScopedAdmin):
    """A system administrator adds the ICS's partners here (a GP practice, PCN, social care provider or
    voluntary organisation) by its ODS code, or by hand with a local code where it has none."""

    form = OrganisationForm
    list_display = ["ods_code", "name", "kind", "region", "ics", "closed_on"]
    list_filter = ["kind", "region", "ics"]
    search_fields = ["ods_code", "name"]
    autocomplete_fields = ["icb", "predecessors"]
    required_for_scoped = ("ics",)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        ics_ids = admin_ics_ids(request)
        if not request.user.is_superuser and len(ics_ids) == 1:
            ics = ICS.objects.get(pk=next(iter(ics_ids)))
            initial.setdefault("ics", ics.pk)
            initial.setdefault("icb", ics.icb_id)
        return initial


@admin.register(ICS)
class ICSAdmin(ICSScopedAdmin):
    list_display = ["name", "icb", "px_lead"]
    autocomplete_fields = ["icb"]
    ics_path = "pk"

    def has_add_permission(self, request, *args):
        return request.user.is_superuser  # an ICS is set up once, by the hub's operators


@admin.register(Site)
class SiteAdmin(ICSScopedAdmin):
    list_display = ["name", "ods_code", "organisation"]
    search_fields = ["name", "ods_code"]
    autocomplete_fields = ["organisation"]
    ics_path = "organisation__ics"


@admin.register(Service)
class ServiceAdmin(ICSScopedAdmin):
    list_display = ["name", "organisation", "fft_setting", "active"]
    list_filter = ["fft_setting", "active"]
    search_fields = ["name", "organisation__name"]
    autocomplete_fields = ["organisation", "site"]
    ics_path = "organisation__ics"


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class HubUserAdmin(ICSScopedAdmin, UserAdmin):
    """People and their roles. A system administrator sees the people of their ICS (and accounts not yet
    given a role), never superusers, and cannot grant Django's own permissions: reach in the hub comes from
    roles, and the admin is open to a person exactly while they hold a system administrator role."""

    inlines = [MembershipInline]
    ics_path = "memberships__organisation__ics"
    scoped_fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Status", {"fields": ("is_active",)}),
    )
    scoped_add_fieldsets = (
        (None, {"fields": ("username", "first_name", "last_name", "email", "password1", "password2")}),
    )

    def get_queryset(self, request):
        queryset = UserAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        if not self._scoped(request):
            return queryset.none()
        in_ics = queryset.filter(memberships__organisation__ics__in=admin_ics_ids(request))
        no_role = queryset.filter(memberships__isnull=True)
        return (in_ics | no_role).filter(is_superuser=False).distinct()

    def get_fieldsets(self, request, obj=None):
        if self._scoped(request):
            return self.scoped_fieldsets if obj else self.scoped_add_fieldsets
        return super().get_fieldsets(request, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        # The admin is the system administrator's tool: open exactly while the person holds that role.
        should_be_staff = user.is_superuser or user.memberships.filter(role=Role.SYSTEM_ADMIN).exists()
        if user.is_staff != should_be_staff:
            user.is_staff = should_be_staff
            user.save(update_fields=["is_staff"])
