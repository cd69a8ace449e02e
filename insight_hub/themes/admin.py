from django.contrib import admin
from django.utils import timezone

from insight_hub.organisations.admin_scope import ICSScopedAdmin

from . import registry
from .models import ApiToken, TagAudit, TaggingClaim, Taxonomy, Theme


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


@admin.register(TaggingClaim)
class TaggingClaimAdmin(admin.ModelAdmin):
    """Texts a worker died on while tagging them: whether a retry alone is planned or they failed for good,
    and the reason the text carries. Written by the tagging tasks; read here, never edited."""

    list_display = ["item_label", "item_id", "state", "deaths", "deaths_alone", "last_death_at", "reason"]
    list_filter = ["item_label"]
    search_fields = ["item_id"]

    def get_queryset(self, request):
        # Claims of batches being tagged right now come and go; only texts with a crash history are listed.
        return super().get_queryset(request).filter(deaths__gt=0).order_by("-last_death_at")

    @admin.display(description="state")
    def state(self, claim) -> str:
        if claim.retry_at is not None:
            return f"retry alone planned at {timezone.localtime(claim.retry_at):%d %b %Y %H:%M}"
        if claim.deaths_alone >= 2:
            return "failed for good"
        return "being tagged again" if claim.holder else "split and queued again"

    @admin.display(description="reason on the text")
    def reason(self, claim) -> str:
        model = registry.get(claim.item_label).model
        return model.objects.filter(pk=claim.item_id).values_list("tag_error", flat=True).first() or ""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
