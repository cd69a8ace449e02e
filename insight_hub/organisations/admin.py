from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from .models import ICS, Membership, Organisation, Service, Site


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["ods_code", "name", "kind", "region", "ics", "closed_on"]
    list_filter = ["kind", "region", "ics"]
    search_fields = ["ods_code", "name"]
    autocomplete_fields = ["icb", "predecessors"]


@admin.register(ICS)
class ICSAdmin(admin.ModelAdmin):
    list_display = ["name", "icb", "px_lead"]
    autocomplete_fields = ["icb"]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "ods_code", "organisation"]
    search_fields = ["name", "ods_code"]
    autocomplete_fields = ["organisation"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "fft_setting", "active"]
    list_filter = ["fft_setting", "active"]
    search_fields = ["name", "organisation__name"]
    autocomplete_fields = ["organisation", "site"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class HubUserAdmin(UserAdmin):
    inlines = [MembershipInline]
