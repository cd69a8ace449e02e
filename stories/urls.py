from django.urls import path

from . import change_views, pathway_views, share_check_views, views
from .importing import views as import_views

app_name = "stories"
urlpatterns = [
    path("", views.story_list, name="list"),
    path("new/", views.story_create, name="create"),
    path("import/", views.story_import, name="import"),
    path("share-check/", share_check_views.share_check_queue, name="share_check"),
    path("share-check/share/", share_check_views.share_check_share, name="share_check_share"),
    path("share-check/<int:pk>/", share_check_views.share_check_mark, name="share_check_mark"),
    path("imports/", import_views.import_list, name="imports"),
    path("imports/new/", import_views.import_upload, name="import_upload"),
    path("imports/<uuid:uid>/", import_views.import_detail, name="import_detail"),
    path("imports/<uuid:uid>/columns/", import_views.import_columns, name="import_columns"),
    path("imports/<uuid:uid>/values/", import_views.import_settings, name="import_settings"),
    path("imports/<uuid:uid>/preview/", import_views.import_preview, name="import_preview"),
    path("imports/<uuid:uid>/problems.csv", import_views.import_errors, name="import_errors"),
    path("imports/<uuid:uid>/mapping.json", import_views.import_mapping_download, name="import_mapping"),
    path("awaiting-response/", views.awaiting_response, name="awaiting"),
    path("safety-leads/<int:organisation_pk>/", views.safety_lead_set, name="safety_lead_set"),
    path("<int:pk>/", views.story_detail, name="detail"),
    path("<int:pk>/edit/", views.story_edit, name="edit"),
    path("<int:pk>/status/", views.story_status, name="status"),
    path("<int:pk>/consent/", views.story_consent, name="consent"),
    path("<int:pk>/consent/withdraw/", views.story_consent_withdraw, name="consent_withdraw"),
    path("<int:pk>/redaction/", views.story_redaction, name="redaction"),
    path("<int:pk>/safety/flag/", views.story_flag, name="flag"),
    path("<int:pk>/safety/respond/", views.story_safety_respond, name="safety_respond"),
    path("<int:pk>/safety/assign/", views.safety_assign, name="safety_assign"),
    path("<int:pk>/response/", views.story_teller_response, name="teller_response"),
    path("<int:pk>/actions/new/", views.action_create, name="action_create"),
    path("<int:pk>/actions/<int:action_pk>/", views.action_edit, name="action_edit"),
    path("<int:pk>/actions/<int:action_pk>/change/", change_views.change_claim, name="change_claim"),
    path(
        "<int:pk>/actions/<int:action_pk>/change/sign-off/",
        change_views.change_sign_off,
        name="change_sign_off",
    ),
    path("pathways/", pathway_views.pathway_list, name="pathway_list"),
    path("pathways/new/", pathway_views.pathway_create, name="pathway_create"),
    path("pathways/<int:pk>/", pathway_views.pathway_detail, name="pathway_detail"),
    path("pathways/<int:pk>/stages/new/", pathway_views.pathway_stage_add, name="pathway_stage_add"),
]
