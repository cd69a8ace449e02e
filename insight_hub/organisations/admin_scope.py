"""The Django admin as the ICS system administrator's tool, scoped to their ICS.

Django's model permissions are not how the hub decides reach: a `system_admin` membership at an ICB is
(`permissions.Scope.admin_ics_ids`). `ICSScopedAdmin` gives such a person the admin for the rows of their
own ICS and nothing else; rows of other ICSs do not exist for them (the admin answers 404, as the hub
does). Superusers keep the whole admin. The ICS's id is read through `ics_path`, a lookup from the model.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet

from .models import ICS, Organisation
from .permissions import scope_for


def admin_ics_ids(request) -> frozenset[int]:
    return scope_for(request.user).admin_ics_ids


def is_ics_admin(request) -> bool:
    return bool(request.user.is_active and request.user.is_staff and admin_ics_ids(request))


class ICSScopedAdmin(admin.ModelAdmin):
    ics_path: str = "ics"  # lookup from this model to its ICS
    scoped_delete = False  # may the ICS's administrator delete rows (most rows are evidence: no)

    def _scoped(self, request) -> bool:
        return not request.user.is_superuser and is_ics_admin(request)

    def get_queryset(self, request) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        if not is_ics_admin(request):
            return queryset.none()
        return queryset.filter(**{f"{self.ics_path}__in": admin_ics_ids(request)}).distinct()

    def _in_scope(self, request, obj) -> bool:
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_module_permission(self, request):
        return self._scoped(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        if self._scoped(request):
            return self._in_scope(request, obj)
        return super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return self._scoped(request) or super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        if self._scoped(request):
            return self._in_scope(request, obj)
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self._scoped(request):
            return self.scoped_delete and self._in_scope(request, obj)
        return super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """Choices of organisations and ICSs are the administrator's own ICS."""
        if self._scoped(request):
            ics_ids = admin_ics_ids(request)
            if db_field.related_model is Organisation:
                kwargs["queryset"] = Organisation.objects.filter(ics_id__in=ics_ids)
            elif db_field.related_model is ICS:
                kwargs["queryset"] = ICS.objects.filter(pk__in=ics_ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        # Autocomplete widgets search through here: keep them inside the ICS.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if self._scoped(request):
            queryset = queryset.filter(**{f"{self.ics_path}__in": admin_ics_ids(request)})
        return queryset, may_have_duplicates

    # Fields a scoped administrator must fill (e.g. a local theme's ICS: left empty it would be national).
    required_for_scoped: tuple[str, ...] = ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if self._scoped(request):
            for name in self.required_for_scoped:
                if name in form.base_fields:
                    form.base_fields[name].required = True
                    form.base_fields[name].empty_label = None
        return form


class ICSScopedInline(admin.TabularInline):
    """An inline whose rows and organisation choices are the scoped administrator's ICS."""

    ics_path: str = "organisation__ics"

    def _scoped(self, request) -> bool:
        return not request.user.is_superuser and is_ics_admin(request)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self._scoped(request):
            return queryset.filter(**{f"{self.ics_path}__in": admin_ics_ids(request)})
        return queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if self._scoped(request) and db_field.related_model is Organisation:
            kwargs["queryset"] = Organisation.objects.filter(ics_id__in=admin_ics_ids(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request, obj=None):
        return self._scoped(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._scoped(request) or super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._scoped(request) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._scoped(request) or super().has_delete_permission(request, obj)
