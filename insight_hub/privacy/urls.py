from django.urls import path

from . import subject_views, views

app_name = "privacy"
urlpatterns = [
    path("audit/", views.audit_list, name="audit_list"),
    path("requests/", subject_views.subject_find, name="subject_find"),
    path("requests/records/", subject_views.subject_records, name="subject_records"),
    path("requests/export/", subject_views.subject_export, name="subject_export"),
    path("requests/erase/", subject_views.subject_erase, name="subject_erase"),
    path("requests/anonymise/", subject_views.subject_anonymise, name="subject_anonymise"),
]
