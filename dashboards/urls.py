from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("", views.index, name="index"),
    path("system/", views.system, name="system"),
    path("equality/", views.equality, name="equality"),
    path("owners/", views.owners, name="owners"),
    path("o/<str:ods_code>/", views.organisation, name="organisation"),
    path("o/<str:ods_code>/s/<uuid:public_id>/", views.service, name="service"),
    path("pathways/<int:pk>/", views.pathway, name="pathway"),
    path("themes/<int:pk>/", views.theme, name="theme"),
    path("new/", views.edit, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/export.csv", views.export_csv, name="export_csv"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/tiles/", views.tile_add, name="tile_add"),
    path("<int:pk>/tiles/<int:tile_pk>/remove/", views.tile_remove, name="tile_remove"),
]
