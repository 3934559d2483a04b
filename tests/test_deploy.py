"""Production settings pass Django's deployment checks, and the OpenAPI document is valid with
no warnings: both as a fresh process would see them, from the environment alone."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


# Set by the test run, not by a deployment: the browser tests allow Django's ORM under asyncio.
TEST_ONLY = ("DEBUG", "DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")


def _manage(*args, **env):
    base = {k: v for k, v in os.environ.items() if k not in TEST_ONLY}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True
    )


def test_production_settings_pass_check_deploy():
    done = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ACCESS_LOG_KEY=secrets.token_urlsafe(40),
        ACCESS_LOG_ANCHOR_EMAILS="information-governance@example.org",
        ALLOWED_HOSTS="joinedup.example.org",
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_production_refuses_to_start_without_its_secrets():
    done = _manage("check", DEBUG="false", ALLOWED_HOSTS="joinedup.example.org")
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr


def test_the_openapi_document_is_valid_without_warnings():
    done = _manage("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull, DEBUG="1")
    assert done.returncode == 0, done.stderr


# The settings of issue 13 read from the environment; each is left out of the environment below.
WAVE_SETTINGS = (
    "MFA_REQUIRED",
    "TRUSTED_PROXIES",
    "AXES_FAILURE_LIMIT",
    "AXES_USERNAME_FAILURE_LIMIT",
    "AXES_COOLOFF_HOURS",
    "SESSION_COOKIE_AGE",
    "SESSION_IDLE_TIMEOUT_MINUTES",
    "SESSION_ABSOLUTE_TIMEOUT_HOURS",
    "IDENTIFIER_SEARCHES_PER_MINUTE",
    "ACCESS_LOG_KEY",
    "CACHE_URL",
    "PERSONAL_TOKEN_HOURS",
    "API_CLIENT_TOKEN_DAYS",
)
READ_SETTINGS = """
import json
from django.conf import settings as s
print(json.dumps({
    "MFA_REQUIRED": s.MFA_REQUIRED,
    "TRUSTED_PROXIES": s.TRUSTED_PROXIES,
    "NUM_PROXIES": s.REST_FRAMEWORK["NUM_PROXIES"],
    "AXES_FAILURE_LIMIT": s.AXES_FAILURE_LIMIT,
    "AXES_USERNAME_FAILURE_LIMIT": s.AXES_USERNAME_FAILURE_LIMIT,
    "AXES_COOLOFF_TIME": s.AXES_COOLOFF_TIME,
    "SESSION_COOKIE_AGE": s.SESSION_COOKIE_AGE,
    "SESSION_IDLE_TIMEOUT": s.SESSION_IDLE_TIMEOUT,
    "SESSION_ABSOLUTE_TIMEOUT": s.SESSION_ABSOLUTE_TIMEOUT,
    "IDENTIFIER_SEARCHES_PER_MINUTE": s.IDENTIFIER_SEARCHES_PER_MINUTE,
    "ACCESS_LOG_KEY": s.ACCESS_LOG_KEY,
    "CACHE_BACKEND": s.CACHES["default"]["BACKEND"],
    "TOKEN_TTL": s.REST_KNOX["TOKEN_TTL"].total_seconds(),
    "API_CLIENT_TOKEN_DAYS": s.API_CLIENT_TOKEN_DAYS,
    "CSP": s.CONTENT_SECURITY_POLICY,
    "CSP_REPORT_ONLY": getattr(s, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None),
}))
"""


def _production_defaults(**env):
    """The settings a deployment gets from an environment holding only its secret key."""
    base = {k: v for k, v in os.environ.items() if k not in TEST_ONLY + WAVE_SETTINGS}
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {READ_SETTINGS}"],
        cwd=ROOT,
        env={
            **base,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": secrets.token_urlsafe(50),
            **env,
        },
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_each_new_setting_defaults_to_the_safe_choice_in_an_empty_environment():
    got = _production_defaults()
    # Staff pass a second factor; a forged X-Forwarded-For counts for nothing.
    assert got["MFA_REQUIRED"] is True
    assert got["TRUSTED_PROXIES"] == 0 and got["NUM_PROXIES"] == 0
    # Lockout per username and address, and per username from anywhere (higher, so a stranger
    # needs many more tries to lock a user out everywhere), for an hour.
    assert 0 < got["AXES_FAILURE_LIMIT"] < got["AXES_USERNAME_FAILURE_LIMIT"] <= 50
    assert got["AXES_COOLOFF_TIME"] == 1.0
    # A session ends after 30 idle minutes, and 8 hours after signing in whatever.
    assert got["SESSION_IDLE_TIMEOUT"] == 30 * 60
    assert got["SESSION_ABSOLUTE_TIMEOUT"] == 8 * 3600
    assert got["SESSION_COOKIE_AGE"] <= got["SESSION_ABSOLUTE_TIMEOUT"]
    # Identifier searches are limited; tokens expire.
    assert 0 < got["IDENTIFIER_SEARCHES_PER_MINUTE"] <= 30
    assert got["TOKEN_TTL"] == 8 * 3600
    assert got["API_CLIENT_TOKEN_DAYS"] == 90
    # No access-log key is made up outside DEBUG (the check below refuses to start without one).
    assert got["ACCESS_LOG_KEY"] == ""
    # Rate-limit counters stay in the process: nothing leaves it, and no service is needed (the
    # README asks production to share one, so limits count across web processes).
    assert got["CACHE_BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    # The Content Security Policy is enforced, and allows no inline or evaluated script or style.
    assert got["CSP_REPORT_ONLY"] is None
    directives = got["CSP"]["DIRECTIVES"]
    assert directives["default-src"] == ["'self'"]
    for directive in ("script-src", "style-src"):
        assert not {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(directives[directive]), directive
    assert directives["frame-ancestors"] == ["'none'"]


def test_production_refuses_to_start_without_the_access_log_key():
    done = _manage(
        "check", DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="joinedup.example.org"
    )
    assert done.returncode != 0
    assert "ACCESS_LOG_KEY" in done.stderr


def _seconds(period: str) -> int:
    """A compose duration such as 31m, 1h30m or 35s."""
    units = {"h": 3600, "m": 60, "s": 1}
    return sum(int(n) * units[unit] for n, unit in re.findall(r"(\d+)([hms])", period))


def test_the_worker_is_given_longer_to_stop_than_its_longest_task_may_run():
    """Issue 14: a deployment stopping the worker does not kill a rescan it would have finished."""
    from config.celery import app

    app.loader.import_default_modules()
    longest = max(task.time_limit or app.conf.task_time_limit for task in app.tasks.values())
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert _seconds(services["worker"]["stop_grace_period"]) > longest
