from django.urls import path

from . import views

app_name = "search"

urlpatterns = [
    path("", views.search, name="search"),
    path("saved/", views.saved_list, name="saved_list"),
    path("saved/new/", views.saved_create, name="saved_create"),
    path("saved/<int:pk>/", views.saved_open, name="saved_open"),
    path("saved/<int:pk>/delete/", views.saved_delete, name="saved_delete"),
    path("saved/<int:pk>/alert/", views.alert_subscribe, name="alert_subscribe"),
    path("saved/<int:pk>/alert/stop/", views.alert_unsubscribe, name="alert_unsubscribe"),
    path("alerts/off/<str:token>/", views.alert_off, name="alert_off"),
]
