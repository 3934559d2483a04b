"""Production settings pass Django's deployment checks, and the OpenAPI document is valid with
no warnings: both as a fresh process would see them, from the environment alone."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

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
