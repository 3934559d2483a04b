"""Reads for agencies' own pages: their API clients, and a user's previous sign-in."""

from __future__ import annotations

from axes.models import AccessLog
from django.db.models import Max, QuerySet
from django.http import Http404

from consent import policy

from .models import ApiClient


def api_clients_managed(*, user) -> QuerySet[ApiClient]:
    """The API clients of the agency this user manages, each with its token's expiry; none for
    anyone else."""
    viewer = policy.viewer_for(user)
    if not policy.manages_api_clients(viewer):
        return ApiClient.objects.none()
    return (
        ApiClient.objects.filter(agency_id=viewer.agency_id)
        .annotate(expires_at=Max("user__auth_token_set__expiry"))
        .order_by("revoked_at", "name", "id")
    )


def api_client_managed(*, user, client_id) -> ApiClient:
    """One of them; 404 alike for "missing" and "not yours"."""
    try:
        return api_clients_managed(user=user).get(pk=int(client_id))
    except (ApiClient.DoesNotExist, TypeError, ValueError):
        raise Http404("No such API client.") from None


def previous_sign_in(*, user) -> AccessLog | None:
    """The sign-in before this one (its time and address), so a person notices one not theirs."""
    return (
        AccessLog.objects.filter(username=user.get_username()).order_by("-attempt_time", "-id")[1:2].first()
    )
