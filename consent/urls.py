from django.urls import path

from . import views

app_name = "consent"
urlpatterns = [
    path("people/<int:person_id>/consent/new/", views.consent_new, name="consent_new"),
    path(
        "families/<int:family_id>/members/<int:membership_id>/consent/new/",
        views.consent_new_member,
        name="consent_new_member",
    ),
    path("people/<int:person_id>/emergency-access/", views.break_glass_new, name="break_glass_new"),
    path("consents/<int:grant_id>/", views.consent_receipt, name="receipt"),
    path("consents/<int:grant_id>/withdraw/", views.consent_revoke, name="revoke"),
    path("emergency-access/reviews/", views.review_queue, name="review_queue"),
    path("emergency-access/<int:glass_id>/review/", views.review, name="review"),
]
