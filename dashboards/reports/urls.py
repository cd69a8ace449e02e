from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("new/", views.report_new, name="new"),
    path("<uuid:uid>/", views.report_detail, name="detail"),
    path("<uuid:uid>/download/<str:fmt>/", views.report_download, name="download"),
    path("<uuid:uid>/sections/<slug:key>/approve/", views.section_approve, name="approve"),
    path("<uuid:uid>/release/", views.report_release, name="release"),
    path("<uuid:uid>/regenerate/", views.report_regenerate, name="regenerate"),
]
