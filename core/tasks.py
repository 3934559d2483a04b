"""Defaults every app's Celery tasks share."""

from django.db import OperationalError as DatabaseOperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError

# Only errors that a retry can cure: the database or the broker briefly unreachable.
TRANSIENT = (DatabaseOperationalError, BrokerOperationalError)
