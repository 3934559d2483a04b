"""Audit events of agencies' configuration and of sign-in: API clients and tokens, two-step
sign-in, unit costs."""

from core.events import Event, event
from core.models import Verb


@event(Verb.API_CLIENT_CREATED)
def api_client_created(*, actor, client) -> Event:
    return Event(actor, client, name=client.name, scopes=client.scopes)


@event(Verb.API_CLIENT_TOKEN_REPLACED)
def api_client_token_replaced(*, actor, client) -> Event:
    return Event(actor, client)


@event(Verb.API_CLIENT_REVOKED)
def api_client_revoked(*, actor, client) -> Event:
    return Event(actor, client)


@event(Verb.TOKEN_ISSUED)
def token_issued(*, user) -> Event:
    return Event(user, user)


@event(Verb.TOKEN_REVOKED_ALL)
def token_revoked_all(*, user, reason: str, count: int) -> Event:
    """The system ends them (e.g. on a password change), so there is no actor."""
    return Event(None, user, reason=reason, count=count)


@event(Verb.TWO_STEP_SET_UP)
def two_step_set_up(*, user) -> Event:
    return Event(user, user)


@event(Verb.TWO_STEP_RECOVERY_CODE_USED)
def two_step_recovery_code_used(*, user) -> Event:
    return Event(user, user)


@event(Verb.TWO_STEP_RECOVERY_CODES_RENEWED)
def two_step_recovery_codes_renewed(*, user) -> Event:
    return Event(user, user)


@event(Verb.TWO_STEP_TURNED_OFF)
def two_step_turned_off(*, user) -> Event:
    return Event(user, user)


@event(Verb.TWO_STEP_RESET)
def two_step_reset(*, actor, account, devices: int, reason: str) -> Event:
    return Event(actor, account, reason=reason, devices=devices)


@event(Verb.UNIT_COSTS_LOADED)
def unit_costs_loaded(*, actor, rows: int, prices: int) -> Event:
    return Event(actor, actor, rows=rows, prices=prices)
