"""The managers' pages of concerns, under /concerns/."""

from django.urls import path

from . import views

app_name = "concerns"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:concern_id>/", views.detail, name="detail"),
]
