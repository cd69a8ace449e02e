from django.urls import path

from . import emerging_views, views

app_name = "themes"
urlpatterns = [
    path("", views.taxonomy, name="taxonomy"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/corrections.csv", views.corrections_export, name="corrections_export"),
    path("review/<str:label>/<int:pk>/", views.review_item, name="review_item"),
    path("review/<str:label>/<int:pk>/panel/", views.tag_panel, name="tag_panel"),
    path("review/<str:label>/<int:pk>/decide/", views.tag_review, name="tag_review"),
    path("emerging/", emerging_views.candidate_list, name="emerging_list"),
    path("emerging/<int:pk>/", emerging_views.candidate_detail, name="emerging_detail"),
    path("emerging/<int:pk>/decide/", emerging_views.candidate_decide, name="emerging_decide"),
]
