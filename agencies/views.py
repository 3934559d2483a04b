"""A manager's page of their agency's API clients, and the health check."""

from celery import current_app as celery_app
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from consent.policy import manages_api_clients, require, viewer_for
from core import health
from core.forms import service_errors_on

from . import selectors, services
from .forms import ApiClientForm


def _managers_only(request):
    require(manages_api_clients(viewer_for(request.user)))


@never_cache
@login_required
def api_clients(request):
    """The agency's API clients, and a form for a new one. A new client's token is shown on
    the answer to the form, once: it is never stored or shown again."""
    _managers_only(request)
    form = ApiClientForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            client, token = services.api_client_create(actor=request.user, **form.cleaned_data)
            return _clients_page(request, ApiClientForm(), new_client=client, token=token)
    return _clients_page(request, form)


def _clients_page(request, form, **shown_once):
    context = {
        "form": form,
        "clients": selectors.api_clients_managed(user=request.user),
        "token_days": settings.API_CLIENT_TOKEN_DAYS,
        **shown_once,
    }
    return render(request, "agencies/api_clients.html", context)


@never_cache
@login_required
@require_POST
def api_client_token(request, client_id):
    """A new token for a client, shown once; the old one stops working."""
    client = selectors.api_client_managed(user=request.user, client_id=client_id)
    try:
        token = services.api_client_new_token(actor=request.user, client=client)
    except PermissionDenied:
        raise Http404("No such API client.") from None
    return _clients_page(request, ApiClientForm(), new_client=client, token=token)


@login_required
@require_POST
def api_client_revoke(request, client_id):
    client = selectors.api_client_managed(user=request.user, client_id=client_id)
    services.api_client_revoke(actor=request.user, client=client)
    return redirect("agencies:api_clients")


def _broker_answers() -> None:
    if celery_app.conf.task_always_eager:
        return
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=0, timeout=HEALTH_SECONDS)
        client = getattr(conn.default_channel, "client", None)
        if client is not None:  # Redis: a round trip, not only a socket the kernel accepted
            client.ping()


# Each probe's deadline (a healthy part answers in milliseconds): the answer comes within 2
# seconds whatever hangs.
HEALTH_SECONDS = 1.0


@never_cache
def healthz(request):
    """200 when the database and the broker answer, 503 naming the part that does not."""
    body = health.probe(
        {"database": health.database_answers, "broker": _broker_answers}, within=HEALTH_SECONDS
    )
    status = 200 if all(state == "ok" for state in body.values()) else 503
    body["broker_mode"] = "eager" if celery_app.conf.task_always_eager else "worker"
    return JsonResponse(body, status=status)
