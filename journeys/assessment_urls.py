"""Recording an assessment, with tell us once."""

from django.urls import path

from . import assessment_views as views

app_name = "assessments"
urlpatterns = [
    path("new/", views.record, name="record"),
]
