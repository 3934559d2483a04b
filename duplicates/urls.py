"""Manager pages for duplicate assessments, under /duplicates/."""

from django.urls import path

from . import views

app_name = "duplicates"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("review/", views.queue, name="queue"),
    path("review/<int:flag_id>/", views.review, name="review"),
    path("export.csv", views.export_csv, name="export"),
    path("rescan/", views.rescan_start, name="rescan"),
    path("rescan/<str:task_id>/", views.rescan_progress, name="rescan_progress"),
]
