from django.urls import path

from . import views

app_name = "agencies"
urlpatterns = [
    path("api-clients/", views.api_clients, name="api_clients"),
    path("api-clients/<int:client_id>/token/", views.api_client_token, name="api_client_token"),
    path("api-clients/<int:client_id>/revoke/", views.api_client_revoke, name="api_client_revoke"),
]
