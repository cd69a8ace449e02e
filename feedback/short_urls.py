"""The typed short address on a service's poster, at the site's root: /f/<code>."""

from django.urls import path

from . import views

urlpatterns = [path("<str:code>", views.short_link, name="short_link")]
