"""Agency pages: a manager's API clients (under /agency/) and everyone's two-step sign-in
(under /two-step/)."""

from django.urls import include, path

from . import two_step_views, views

app_name = "agencies"
api_client_urlpatterns = [
    path("api-clients/", views.api_clients, name="api_clients"),
    path("api-clients/<int:client_id>/token/", views.api_client_token, name="api_client_token"),
    path("api-clients/<int:client_id>/revoke/", views.api_client_revoke, name="api_client_revoke"),
]
two_step_urlpatterns = [
    path("", two_step_views.manage, name="two_step_manage"),
    path("verify/", two_step_views.verify, name="two_step_verify"),
    path("set-up/", two_step_views.set_up, name="two_step_set_up"),
    path("recovery-codes/", two_step_views.recovery_codes, name="two_step_recovery_codes"),
    path("turn-off/", two_step_views.turn_off, name="two_step_turn_off"),
    path("reset/", two_step_views.reset, name="two_step_reset"),
]
urlpatterns = [
    path("agency/", include(api_client_urlpatterns)),
    path("two-step/", include(two_step_urlpatterns)),
]
