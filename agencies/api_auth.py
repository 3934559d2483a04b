"""Signing in, to the API and to the pages: hashed expiring tokens (django-rest-knox) for people
and agency systems, API client scopes, the client's address, and sign-in lockout. (The token
endpoint is agencies.api.TokenView: DRF's views import this module through its settings.)"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication
from rest_framework import permissions

from agencies import services
from consent import policy


class ApiTokenAuthentication(TokenAuthentication):
    """Knox tokens (`Authorization: Token ...`); an API client's use is noted as its "last used"."""

    def authenticate_credentials(self, token):
        user, auth_token = super().authenticate_credentials(token)
        services.api_client_seen(user=user)
        return user, auth_token


class ApiTokenScheme(KnoxTokenScheme):
    """The OpenAPI's name for it, as before knox: `tokenAuth`."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"


class ClientScopes(permissions.BasePermission):
    """An API client reaches an operation only if its scopes include the one the view names for
    that action (`client_scopes`); a view that names none is closed to clients."""

    message = "This API client's scopes do not include this operation."

    def has_permission(self, request, view):
        action = getattr(view, "action", None) or request.method.lower()
        scope = getattr(view, "client_scopes", {}).get(action)
        return policy.client_may(policy.viewer_for(request.user), scope)


def client_address(request) -> str:
    """The client's address for lockout and throttles: the socket's, or with TRUSTED_PROXIES = N
    the address the outermost trusted proxy saw (the N-th from the right of X-Forwarded-For, as
    DRF's NUM_PROXIES reads it), so a header the client forged itself counts for nothing."""
    remote = request.META.get("REMOTE_ADDR", "")
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if not settings.TRUSTED_PROXIES or not hops:
        return remote
    return hops[-min(settings.TRUSTED_PROXIES, len(hops))]


class TwoCountLockout(AxesDatabaseHandler):
    """Axes compares one count with one limit; this reports the count of one username from one
    address, raised to that limit once the username's failures from every address together
    reach AXES_USERNAME_FAILURE_LIMIT (the order of AXES_LOCKOUT_PARAMETERS)."""

    def get_failures(self, request, credentials=None) -> int:
        counts = [
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        per_address, per_username = counts[0], counts[-1]
        if per_username >= settings.AXES_USERNAME_FAILURE_LIMIT:
            return max(per_address, settings.AXES_FAILURE_LIMIT)
        return per_address


def lockout_response(request, original_response=None, credentials=None):
    """The locked-out page, saying how long the pause lasts (AXES_LOCKOUT_CALLABLE)."""
    minutes = round(get_cool_off(request).total_seconds() / 60)
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, {"minutes": minutes}, status=429)
