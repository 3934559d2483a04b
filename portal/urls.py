"""URLs of the citizen portal (under /my/) and of the staff pages that serve it, in one
namespace."""

from django.urls import include, path

from . import views

app_name = "portal"
citizen_urlpatterns = [
    path("", views.home, name="home"),
    path("journey/", views.journey, name="journey"),
    path("journey/<int:person_id>/", views.journey, name="journey_for"),
    path("consents/", views.consents, name="consents"),
    path("consents/<int:person_id>/", views.consents, name="consents_for"),
    path("consents/<int:person_id>/agency/<int:agency_id>/", views.consent_choose, name="consent_choose"),
    path("consents/receipt/<int:grant_id>/", views.consent_receipt, name="consent_receipt"),
    path("consents/receipt/<int:grant_id>/stop/", views.consent_stop, name="consent_stop"),
    path("consents/receipt/<int:grant_id>/renew/", views.consent_renew, name="consent_renew"),
    path("who-looked/", views.who_looked, name="who_looked"),
    path("who-looked/<int:person_id>/", views.who_looked, name="who_looked_for"),
    path("details/", views.details, name="details"),
    path("details/correction/", views.correction_new, name="correction_new"),
    path("concerns/", views.concerns, name="concerns"),
    path("concerns/new/", views.concern_new, name="concern_new"),
    path("concerns/<int:concern_id>/", views.concern, name="concern"),
    path("data/", views.data, name="data"),
    path("data/<int:export_id>/", views.data_export, name="data_export"),
    path("data/<int:export_id>/print/", views.data_export_print, name="data_export_print"),
    path("data/<int:export_id>/download/", views.data_export_json, name="data_export_json"),
    path("join-with-code/", views.join_code, name="join_code"),
    path("join/<str:token>/", views.join, name="join"),
]

urlpatterns = [
    path("my/", include(citizen_urlpatterns)),
    # Staff pages that serve the portal, at the site root.
    path("people/<int:person_id>/invite/", views.invite, name="staff_invite"),
    path("invitation-codes/", views.invitation_codes, name="staff_invitation_codes"),
    path(
        "invitation-codes/<int:invitation_id>/confirm/",
        views.invitation_code_confirm,
        name="staff_invitation_code_confirm",
    ),
    path("corrections/", views.corrections, name="staff_corrections"),
    path("corrections/<int:correction_id>/", views.correction_decide, name="staff_correction_decide"),
]
