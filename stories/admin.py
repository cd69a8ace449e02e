"""Django admin: pathways and safety leads only. Stories are deliberately not here: the admin would show a
story's original text to system administrators, who may read only the redacted text (see selectors)."""

from django.contrib import admin

from .models import CareOpinionRun, CareOpinionServiceLink, Pathway, PathwayStage, SafetyLead


class PathwayStageInline(admin.TabularInline):
    model = PathwayStage
    extra = 1
    autocomplete_fields = ["organisation"]
    fields = ["order", "name", "organisation", "service"]


@admin.register(Pathway)
class PathwayAdmin(admin.ModelAdmin):
    list_display = ["name", "ics"]
    list_filter = ["ics"]
    search_fields = ["name"]
    inlines = [PathwayStageInline]


@admin.register(SafetyLead)
class SafetyLeadAdmin(admin.ModelAdmin):
    list_display = ["organisation", "user", "chosen_by", "chosen_at"]
    raw_id_fields = ["user", "chosen_by"]


@admin.register(CareOpinionServiceLink)
class CareOpinionServiceLinkAdmin(admin.ModelAdmin):
    """Which Care Opinion health service is which organisation or service, when ODS codes do not say."""

    list_display = ["nacs", "organisation", "service"]
    search_fields = ["nacs", "organisation__name", "organisation__ods_code"]
    autocomplete_fields = ["organisation"]
    raw_id_fields = ["service"]


@admin.register(CareOpinionRun)
class CareOpinionRunAdmin(admin.ModelAdmin):
    """Each sync run, read-only: the counts and problems hold opinion ids only, never story text."""

    list_display = ["sync", "started_at", "status", "fetched", "created", "updated", "skipped"]
    list_filter = ["status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
