from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("<str:ods_code>/", views.organisation_detail, name="detail"),
    path("<str:ods_code>/services/new/", views.service_create, name="service_create"),
    path("<str:ods_code>/services/<int:pk>/edit/", views.service_edit, name="service_edit"),
]
