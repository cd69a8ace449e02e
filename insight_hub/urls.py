from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import notices, views
from .forms import EmailAuthenticationForm
from .notifications import views as notification_views
from .notifications.forms import OutboxPasswordResetForm
from .operations import views as operations_views
from .themes import api as themes_api

admin.site.site_header = "Insight Hub administration"
admin.site.site_title = "Insight Hub"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("operations/", operations_views.operations, name="operations"),
    path("accessibility/", notices.accessibility_statement, name="accessibility_statement"),
    path("privacy-notice/", notices.privacy_notice, name="privacy_notice"),
    path("account/weekly-email/", notification_views.digest_settings, name="digest_settings"),
    path("account/weekly-email/off/<str:token>/", notification_views.digest_off, name="digest_off"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=EmailAuthenticationForm),
        name="login",
    ),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=OutboxPasswordResetForm),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("organisations/", include("insight_hub.organisations.urls")),
    path("themes/", include("insight_hub.themes.urls")),
    path("api/v1/predict", themes_api.predict, name="api_predict"),
    path("api/v1/schema.json", themes_api.schema, name="api_schema"),
    path("search/", include("insight_hub.search.urls")),
    path("stories/", include("stories.urls")),
    path("privacy/", include("insight_hub.privacy.urls")),
    path("feedback/", include("feedback.urls")),
    path("f/", include("feedback.short_urls")),
    path("reports/", include("dashboards.reports.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("charters/", include("charters.urls")),
    path("admin/", admin.site.urls),
]
