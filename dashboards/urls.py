from django.urls import path

from . import builder_views, views

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
    path("new/", builder_views.edit, name="create"),
    path("<int:pk>/", builder_views.detail, name="detail"),
    path("<int:pk>/edit/", builder_views.edit, name="edit"),
    path("<int:pk>/export.csv", builder_views.export_csv, name="export_csv"),
    path("<int:pk>/publish/", builder_views.publish, name="publish"),
    path("<int:pk>/tiles/", builder_views.tile_add, name="tile_add"),
    path("<int:pk>/tiles/<int:tile_pk>/remove/", builder_views.tile_remove, name="tile_remove"),
]
