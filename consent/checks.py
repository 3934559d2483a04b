"""System checks of the access log's settings: without its key the chain can be rebuilt by
anyone who can write to the database."""

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def access_log_settings(app_configs, **kwargs):
    if settings.DEBUG:
        return []
    problems = []
    if not settings.ACCESS_LOG_KEY:
        problems.append(
            Error(
                "ACCESS_LOG_KEY is not set.",
                hint="Set it in the environment to a long random string the database never holds.",
                id="consent.E001",
            )
        )
    if not settings.ACCESS_LOG_ANCHOR_EMAILS:
        problems.append(
            Warning(
                "ACCESS_LOG_ANCHOR_EMAILS is empty: the access log's anchors are kept in a file only.",
                hint="Name information governance's address, so a copy of each anchor leaves the server.",
                id="consent.W001",
            )
        )
    return problems
