"""Django admin: pathways and safety leads only. Stories are deliberately not here: the admin would show a
story's original text to system administrators, who may read only the redacted text (see selectors)."""

from django.contrib import admin

from .models import Pathway, PathwayStage, SafetyLead


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
