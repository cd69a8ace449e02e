from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("new/", views.import_upload, name="upload"),
    path("nhse/new/", views.nhse_upload, name="nhse_upload"),
    path("<uuid:uid>/", views.import_detail, name="detail"),
    path("<uuid:uid>/columns/", views.import_mapping, name="mapping"),
    path("<uuid:uid>/locations/", views.import_locations, name="locations"),
    path("<uuid:uid>/values/", views.import_values, name="values"),
    path("<uuid:uid>/mapping.json", views.import_mapping_download, name="mapping_json"),
    path("<uuid:uid>/preview/", views.import_preview, name="preview"),
    path("<uuid:uid>/problems.csv", views.import_errors, name="errors"),
]
