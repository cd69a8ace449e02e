from django.contrib import admin

from insight_hub.organisations.admin_scope import ICSScopedAdmin

from .models import ApiToken, TagAudit, Taxonomy, Theme


@admin.register(Taxonomy)
class TaxonomyAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "is_default", "loaded_at"]


@admin.register(Theme)
class ThemeAdmin(ICSScopedAdmin):
    """Local themes are added here by the ICS's system administrator: phrases and regular expressions.
    They see and change their own ICS's local themes; the national taxonomy is read-only to them."""

    required_for_scoped = ("ics",)
    scoped_delete = False

    list_display = ["name", "category", "dimension", "ics", "active"]
    list_filter = ["dimension", "active", "ics", "category"]
    search_fields = ["name", "description"]
    fields = [
        "taxonomy",
        "ics",
        "name",
        "category",
        "description",
        "dimension",
        "phrases",
        "patterns",
        "active",
    ]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "created_at", "last_used_at", "active"]
    fields = ["name", "user", "active", "created_at", "last_used_at"]
    readonly_fields = ["created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False  # tokens are made by `manage.py create_api_token`, which shows the token once


@admin.register(TagAudit)
class TagAuditAdmin(admin.ModelAdmin):
    """The review history is evidence: it can be read, never changed."""

    list_display = ["at", "user", "action", "theme", "item_label", "item_id"]
    list_filter = ["action", "item_label"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
