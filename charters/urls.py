from django.urls import path

from . import commitment_views, views

app_name = "charters"
urlpatterns = [
    path("", views.charter_list, name="list"),
    path("new/", views.charter_create, name="create"),
    path("public/<uuid:public_id>/", views.public, name="public"),
    path("public/ics/<str:ods_code>/", views.public_current, name="public_current"),
    path("<int:pk>/", views.charter_detail, name="detail"),
    path("<int:pk>/edit/", views.charter_edit, name="edit"),
    path("<int:pk>/consultation/", views.charter_consultation, name="consultation"),
    path("<int:pk>/adopt/", views.charter_adopt, name="adopt"),
    path("<int:pk>/new-version/", views.charter_revise, name="revise"),
    path("<int:pk>/co-design/", views.codesign, name="codesign"),
    path("<int:pk>/co-design/participants/", views.participant_add, name="participant_add"),
    path("<int:pk>/co-design/events/", views.event_add, name="event_add"),
    path("<int:pk>/commitments/new/", commitment_views.commitment_create, name="commitment_create"),
    path("commitments/<int:pk>/", commitment_views.commitment_detail, name="commitment_detail"),
    path("commitments/<int:pk>/edit/", commitment_views.commitment_edit, name="commitment_edit"),
    path("commitments/<int:pk>/remove/", commitment_views.commitment_remove, name="commitment_remove"),
    path("commitments/<int:pk>/comments/new/", views.comment_add, name="comment_add"),
    path("commitments/<int:pk>/review/", commitment_views.review_create, name="review_create"),
    path("actions/<int:pk>/done/", commitment_views.action_done, name="action_done"),
]
