from django.urls import include, path

from . import complex_views, views

app_name = "feedback"
urlpatterns = [
    # Staff pages (signed in, scoped).
    path("", views.response_list, name="response_list"),
    path("responses/<int:pk>/", views.response_detail, name="response_detail"),
    path("export.csv", views.response_export_csv, name="response_export_csv"),
    path("export.xlsx", views.response_export_xlsx, name="response_export_xlsx"),
    path("complex/", complex_views.complex_comments, name="complex_comments"),
    path("complex/export.csv", complex_views.complex_comments_csv, name="complex_comments_csv"),
    path("comments/<int:pk>/flag/", complex_views.comment_flag, name="comment_flag"),
    path("services/<int:pk>/", views.service_feedback, name="service_feedback"),
    path("services/<int:pk>/poster/", views.service_poster, name="service_poster"),
    path("surveys/", views.survey_list, name="survey_list"),
    path("surveys/new/<str:ods_code>/", views.survey_create, name="survey_create"),
    path("surveys/fft/<str:ods_code>/", views.fft_survey_setup, name="fft_survey_setup"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey_detail"),
    path("surveys/<int:pk>/edit/", views.survey_edit, name="survey_edit"),
    path("surveys/<int:pk>/publish/", views.survey_publish, name="survey_publish"),
    path("imports/", include("feedback.importers.urls")),
    # Public pages (no sign-in): a service's unguessable id, never its primary key.
    path("s/<uuid:public_id>/", views.public_form, name="public_form"),
    path(
        "s/<uuid:public_id>/easy-read/", views.public_form, {"easy_read": True}, name="public_form_easy_read"
    ),
    path("s/<uuid:public_id>/surveys/<int:survey_pk>/", views.public_form, name="public_survey_form"),
    path("s/<uuid:public_id>/thanks/", views.public_thanks, name="public_thanks"),
]
