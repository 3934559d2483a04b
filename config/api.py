"""API plumbing shared by every app: service validation errors become 400s with field errors, a
write that clashes with a concurrent one a 409, and an address under /api/ that names nothing a
404, all with the bodies the OpenAPI documents (config.openapi)."""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from journeys.services import BatchValidationError

logger = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = (
        "This clashed with a change made at the same moment, and nothing was written: send it again."
    )
    default_code = "conflict"


def exception_handler(exc, context):
    if isinstance(exc, BatchValidationError):
        exc = exceptions.ValidationError({str(i): errors for i, errors in exc.errors_by_index.items()})
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, list):
        # A list's errors (one entry per item) or a bare message: keyed like every other 400.
        if all(isinstance(item, dict) for item in exc.detail):
            exc = exceptions.ValidationError({str(i): item for i, item in enumerate(exc.detail) if item})
        else:
            exc = exceptions.ValidationError({"non_field_errors": exc.detail})
    elif isinstance(exc, IntegrityError):
        # A database constraint refused the write (two requests racing for one unique value):
        # the transaction is rolled back, so the client may simply send it again.
        logger.warning("API write refused by a database constraint: %s", exc)
        exc = Conflict()
    return drf_exception_handler(exc, context)


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Under /api/, an address that matches no endpoint answers as a missing object does (API
    clients send no CSRF token: the endpoints check it only for session sign-ins)."""
    return JsonResponse({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
