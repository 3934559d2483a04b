"""Writes to agencies' API access: API clients for agency systems, and personal API tokens.
Each write runs in one transaction and records an audit event; a token's text is returned once
and only its digest is kept (django-rest-knox)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from knox.models import AuthToken

from consent import policy

from . import events
from .models import ApiClient, ApiScope
from .two_step_services import two_step_check

# How often "last used" is written: often enough to read, rarely enough not to write each request.
LAST_USED_GRANULARITY = timedelta(minutes=1)


def _managed_agency_id(actor) -> int:
    viewer = policy.viewer_for(actor)
    if not policy.manages_api_clients(viewer):
        raise PermissionDenied("Only a manager of the agency manages its API clients.")
    return viewer.agency_id


def _issue_client_token(client: ApiClient) -> str:
    _, token = AuthToken.objects.create(
        user=client.user, expiry=timedelta(days=settings.API_CLIENT_TOKEN_DAYS)
    )
    return token


def api_client_create(*, actor, name: str, scopes: list[str]) -> tuple[ApiClient, str]:
    """A new API client for the actor's agency, with its service identity and first token."""
    agency_id = _managed_agency_id(actor)
    name = name.strip()
    errors = {}
    if not name:
        errors["name"] = "Enter a name for the system."
    elif ApiClient.objects.filter(agency_id=agency_id, name=name, revoked_at__isnull=True).exists():
        errors["name"] = "Your agency already has an API client with this name."
    if not scopes or set(scopes) - set(ApiScope.values):
        errors["scopes"] = "Choose what the system may do."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        identity = get_user_model().objects.create_user(
            username=f"api-client-{secrets.token_hex(8)}", first_name=name[:150]
        )  # no password: it signs in only with its token
        client = ApiClient.objects.create(
            agency_id=agency_id, name=name, scopes=sorted(set(scopes)), user=identity, created_by=actor
        )
        token = _issue_client_token(client)
        events.api_client_created(actor=actor, client=client)
    return client, token


def api_client_new_token(*, actor, client: ApiClient) -> str:
    """Replace the client's token: the old one stops working at once."""
    if client.agency_id != _managed_agency_id(actor) or client.revoked_at is not None:
        raise PermissionDenied("This API client cannot be given a token.")
    with transaction.atomic():
        AuthToken.objects.filter(user=client.user).delete()
        token = _issue_client_token(client)
        events.api_client_token_replaced(actor=actor, client=client)
    return token


def api_client_revoke(*, actor, client: ApiClient) -> ApiClient:
    """The client's tokens stop working at once and it can never be given another."""
    if client.agency_id != _managed_agency_id(actor):
        raise PermissionDenied("Only a manager of the agency revokes its API clients.")
    if client.revoked_at is not None:
        return client
    with transaction.atomic():
        client.revoked_at = timezone.now()
        client.revoked_by = actor
        client.save(update_fields=["revoked_at", "revoked_by"])
        AuthToken.objects.filter(user=client.user).delete()
        get_user_model().objects.filter(pk=client.user_id).update(is_active=False)
        events.api_client_revoked(actor=actor, client=client)
    return client


def api_client_seen(*, user) -> None:
    """Note when an API client last used its token. Bookkeeping, not a decision: no audit
    event, and at most one write a minute."""
    now = timezone.now()
    ApiClient.objects.filter(user_id=user.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_GRANULARITY)
    ).update(last_used_at=now)


def personal_token_issue(*, user, otp: str = "") -> str:
    """A new personal API token for a person who signed in with their password, and with their
    second factor's current code where their sign-ins need one."""
    if policy.second_factor_applies(user):
        if not otp:
            raise ValidationError({"otp": "Enter the 6-digit code from your app, or a recovery code"})
        two_step_check(user=user, code=otp, field="otp")
    with transaction.atomic():
        _, token = AuthToken.objects.create(user=user)
        events.token_issued(user=user)
    return token


def tokens_revoke_all(*, user, reason: str) -> int:
    """End every API token of a user (e.g. their password changed), returning how many."""
    with transaction.atomic():
        count, _ = AuthToken.objects.filter(user=user).delete()
        if count:
            events.token_revoked_all(user=user, reason=reason, count=count)
    return count
