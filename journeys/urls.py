from django.urls import path

from . import assessment_views, views

app_name = "journeys"
urlpatterns = [
    path("people/", views.person_search, name="person_search"),
    path("people/<int:person_id>/", views.person_record, name="person_record"),
    path("families/<int:family_id>/", views.family_detail, name="family_detail"),
    path("assessments/new/", assessment_views.record, name="assessment_record"),
]
