from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from . import selectors, services
from .forms import ServiceForm
from .permissions import can_edit


@login_required
def organisation_list(request):
    organisations = selectors.organisation_list_for(request.user)
    return render(
        request,
        "organisations/organisation_list.html",
        {
            "organisations": organisations,
            "breadcrumbs": [("Home", "/")],
        },
    )


@login_required
def organisation_detail(request, ods_code: str):
    organisation = selectors.organisation_get_for(request.user, ods_code=ods_code)
    return render(
        request,
        "organisations/organisation_detail.html",
        {
            "organisation": organisation,
            "services": organisation.services.select_related("site").order_by("-active", "name"),
            "sites": organisation.sites.all(),
            "can_edit": can_edit(request.user, organisation),
            "breadcrumbs": [("Home", "/"), ("Organisations", "/organisations/")],
        },
    )


def _service_form_page(request, organisation, form, service=None):
    """The create and edit pages share one template; an htmx request for one field gets that field."""
    field_name = request.POST.get("_validate")
    if request.htmx and field_name in form.fields:
        form.is_valid()
        return render(request, "organisations/service_form.html#field", {"field": form[field_name]})
    return render(
        request,
        "organisations/service_form.html",
        {
            "organisation": organisation,
            "form": form,
            "service": service,
            "breadcrumbs": [
                ("Home", "/"),
                ("Organisations", "/organisations/"),
                (organisation.display_name, f"/organisations/{organisation.ods_code}/"),
            ],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def service_create(request, ods_code: str):
    organisation = selectors.organisation_get_for(request.user, ods_code=ods_code)
    if not can_edit(request.user, organisation):
        raise Http404
    form = ServiceForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and not request.POST.get("_validate") and form.is_valid():
        services.service_create(organisation=organisation, **form.cleaned_data)
        return redirect("organisations:detail", ods_code=organisation.ods_code)
    return _service_form_page(request, organisation, form)


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def service_edit(request, ods_code: str, pk: int):
    organisation = selectors.organisation_get_for(request.user, ods_code=ods_code)
    service = selectors.service_get_for(request.user, organisation=organisation, pk=pk)
    if not can_edit(request.user, organisation):
        raise Http404
    form = ServiceForm(request.POST or None, instance=service, organisation=organisation)
    if request.method == "POST" and not request.POST.get("_validate") and form.is_valid():
        services.service_update(service=service, **form.cleaned_data)
        return redirect("organisations:detail", ods_code=organisation.ods_code)
    return _service_form_page(request, organisation, form, service)
