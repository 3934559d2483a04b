"""API plumbing shared by every app: service validation errors become 400s with field errors."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from journeys.services import BatchValidationError


def exception_handler(exc, context):
    if isinstance(exc, BatchValidationError):
        exc = exceptions.ValidationError({str(i): errors for i, errors in exc.errors_by_index.items()})
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)
