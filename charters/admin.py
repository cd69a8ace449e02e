from django.contrib import admin

from .models import Charter, Commitment, Review


@admin.register(Charter)
class CharterAdmin(admin.ModelAdmin):
    list_display = ["title", "ics", "version", "status", "adopted_at"]
    list_filter = ["status", "ics"]
    # Status changes go through the services (adoption checks owners); the admin only reads them.
    readonly_fields = ["status", "adopted_at", "adopted_by", "superseded_at", "previous", "version"]


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin):
    list_display = ["text", "charter", "owner", "category"]
    readonly_fields = ["charter", "origin"]

    def has_add_permission(self, request):
        return False  # commitments are added on the charter's page, where owners and links are checked


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["commitment", "reviewed_on", "status"]
    readonly_fields = ["evidence"]
