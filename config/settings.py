"""Settings for Joined Up, all read from the environment with safe embedded defaults.

The embedded default (no environment at all, DEBUG on) runs on a SQLite file with Celery in
eager mode and email printed to the console, so `make run` needs no other service.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from core import limits

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set unless DEBUG is on.")
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105 (DEBUG only)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "pgtrigger",
    "pghistory",
    "govuk_frontend_django",
    "csp",
    "core",
    "agencies",
    "journeys",
    "advocates",
    "consent",
    "duplicates",
    "concerns",
    "portal",
    "devdata",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "consent.policy.OneViewerPerRequest",
    "django.contrib.messages.middleware.MessageMiddleware",
    "agencies.middleware.SessionTimeouts",
    "agencies.middleware.SecondFactorFirst",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "config.cache_control.NoStore",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.gates",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'joinedup.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("TEST", {})
# A persistent connection is checked before each request reuses it, so a connection the
# database dropped (a restart, a failover) costs a reconnect, not a 500.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )
elif DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Writers take the lock when their transaction starts and wait for it, so concurrent
    # writers (the access log's hash chain among them) queue instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The cache holds rate-limit counters only; share one (e.g. redis://) between processes.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout after repeated failed sign-ins (django-axes).
# Two counts: failures of one username from one address (AXES_FAILURE_LIMIT), and of one
# username from anywhere (AXES_USERNAME_FAILURE_LIMIT, higher), so spraying from many addresses
# is stopped too while a stranger needs far more tries to lock a user out everywhere; either
# lockout ends after the cool-off (agencies.api_auth.TwoCountLockout).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_USERNAME_FAILURE_LIMIT = env.int("AXES_USERNAME_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_HANDLER = "agencies.api_auth.TwoCountLockout"
# A failure during a lockout does not restart it, so a stranger cannot keep a user out for ever.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The client address for lockout and throttles alike: the socket's, unless TRUSTED_PROXIES (the
# number of proxies in front that each append to X-Forwarded-For) says whose header to believe.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)
AXES_CLIENT_IP_CALLABLE = "agencies.api_auth.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_LOCKOUT_CALLABLE = "agencies.api_auth.lockout_response"
# Sign-in attempts name citizens (their usernames are emails): no admin pages for them. Lift a
# lockout with `manage.py axes_reset_username`.
AXES_ENABLE_ADMIN = False

# A second factor (django-otp: an authenticator app's 6-digit code, or a recovery code). With
# MFA_REQUIRED every account of an agency passes it before it sees anything (consent.policy);
# citizens may turn it on. Off only for the demo and tests (the default under DEBUG).
MFA_REQUIRED = env.bool("MFA_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = "Joined Up"
# Wrong codes in a row lock a device for 1, 2, 4... seconds (django-otp's throttling).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
RECOVERY_CODE_COUNT = 10

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("govuk", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
    ("htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
# GOV.UK Frontend's compiled CSS asks for its fonts and crest at /assets/.
# `make assets` copies them to var/webroot/assets.
WHITENOISE_ROOT = BASE_DIR / "var" / "webroot"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# Seconds the mail server may take to answer: emails are sent by a task (core.mail), which
# retries a server that is away, so nothing waits on it for long.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Joined Up <no-reply@joinedup.invalid>")

# Celery: eager in-process unless a broker is configured. No request waits on the broker:
# work goes through the outbox (core.outbox), and every socket to Redis has a short timeout.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
# Nobody reads a task's result but the rescan's progress page (that task says so itself).
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
# Every task stops itself after the soft limit and is killed at the hard one; the rescan has
# its own, longer, limits. A task whose worker died is redelivered once the visibility timeout
# passes, so it is set above the longest hard limit (else a running task is delivered twice).
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
RESCAN_SOFT_TIME_LIMIT = env.int("RESCAN_SOFT_TIME_LIMIT", default=1500)
RESCAN_TIME_LIMIT = env.int("RESCAN_TIME_LIMIT", default=1800)
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=RESCAN_TIME_LIMIT + 600)
# Seconds any one call to Redis may take (connect, send or answer).
REDIS_TIMEOUT = env.float("REDIS_TIMEOUT", default=2.0)
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "socket_timeout": REDIS_TIMEOUT,
    "socket_connect_timeout": REDIS_TIMEOUT,
    "socket_keepalive": True,
    "health_check_interval": 25,
    "max_retries": 1,
    # How often a worker looks for tasks of dead workers whose visibility timeout has passed.
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_SECONDS", default=10),
    "unacked_restore_throttle": 1,
}
CELERY_REDIS_SOCKET_TIMEOUT = REDIS_TIMEOUT
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_TIMEOUT
CELERY_REDIS_BACKEND_HEALTH_CHECK_INTERVAL = 25
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5},
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
# Beat's DatabaseScheduler (django-celery-beat) syncs this schedule into its tables.
CELERY_BEAT_SCHEDULE = {
    "rescan-duplicate-assessments-nightly": {
        "task": "journeys.rescan_duplicates",
        "schedule": crontab(hour=2, minute=30),
    },
    "consent-expiry-reminders-daily": {
        "task": "consent.send_expiry_reminders",
        "schedule": crontab(hour=9, minute=0),
    },
    "access-log-anchor-daily": {
        "task": "consent.anchor_access_log",
        "schedule": crontab(hour=0, minute=5),
    },
    "consent-lapse-notices-nightly": {
        "task": "consent.send_lapse_notices",
        "schedule": crontab(hour=1, minute=15),
    },
    # Work the broker could not take when asked; expires so a long outage queues one, not many.
    "relay-outbox": {
        "task": "core.relay_outbox",
        "schedule": timedelta(seconds=10),
        "options": {"expire_seconds": 10},
    },
    "catch-up-scheduled-runs": {
        "task": "core.catch_up_scheduled_runs",
        "schedule": timedelta(minutes=5),
        "options": {"expire_seconds": 300},
    },
    "agency-knows-repair-nightly": {
        "task": "consent.repair_agency_knows",
        "schedule": crontab(hour=3, minute=15),
    },
}
# Scheduled runs caught up when none finished within their period (core.runs): beat drops a run
# it cannot send while Redis is down.
CATCH_UP_RUNS = {"journeys.rescan_duplicates": timedelta(days=1)}
CATCH_UP_GRACE_MINUTES = env.int("CATCH_UP_GRACE_MINUTES", default=30)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "agencies.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "agencies.api_auth.ClientScopes",
    ],
    "NUM_PROXIES": TRUSTED_PROXIES,
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": limits.API_PAGE_SIZE,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "config.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"auth": env("AUTH_THROTTLE_RATE", default="20/min")},
}
# Tokens are stored as digests (django-rest-knox). A person's token lasts a working day; an
# agency system's lasts API_CLIENT_TOKEN_DAYS unless its manager revokes it sooner.
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env.int("PERSONAL_TOKEN_HOURS", default=8)),
    "AUTH_HEADER_PREFIX": "Token",
}
API_CLIENT_TOKEN_DAYS = env.int("API_CLIENT_TOKEN_DAYS", default=90)
SPECTACULAR_SETTINGS = {
    "TITLE": "Joined Up API",
    "DESCRIPTION": "Joined-up records of families, shared only as each person consents.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc from our own static files (drf-spectacular-sidecar), under the CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Content Security Policy: everything from our own origin; no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

# Production hardening (on whenever DEBUG is off; each can be relaxed from the environment).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes inside the stack speak plain HTTP
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
# A session ends after this long without a request, and this long after signing in whatever
# (agencies.middleware.SessionTimeouts).
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT_MINUTES", default=30) * 60
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT_HOURS", default=8) * 3600
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# Domain settings.
CONSENT_OWN_AGE = env.int("CONSENT_OWN_AGE", default=16)
# Rule 4: the sectors (agencies.models.Sector values) whose staff record parental responsibility.
PARENTAL_RESPONSIBILITY_SECTORS = env.list(
    "PARENTAL_RESPONSIBILITY_SECTORS", default=["childrens_social_care", "health_visiting", "gp"]
)
CONSENT_DEFAULT_MONTHS = env.int("CONSENT_DEFAULT_MONTHS", default=12)
CONSENT_BACKDATE_DAYS = env.int("CONSENT_BACKDATE_DAYS", default=30)
BREAK_GLASS_HOURS = env.int("BREAK_GLASS_HOURS", default=4)
# Information governance's shared address: told of emergency access no manager can review, and
# sent the access log's daily anchors.
INFORMATION_GOVERNANCE_EMAIL = env("INFORMATION_GOVERNANCE_EMAIL", default="")

# The access log's chain is keyed (HMAC-SHA256) by a secret the database never holds; its head
# is anchored daily to a file and to information governance's inbox. Production must set the
# key (a system check refuses to start without it) and keep it out of the database's reach.
ACCESS_LOG_KEY = env("ACCESS_LOG_KEY", default="")
if not ACCESS_LOG_KEY and DEBUG:
    ACCESS_LOG_KEY = "insecure-access-log-key-only-for-debug"
ACCESS_LOG_ANCHOR_DIR = Path(env("ACCESS_LOG_ANCHOR_DIR", default=str(BASE_DIR / "var" / "anchors")))
ACCESS_LOG_ANCHOR_EMAILS = env.list(
    "ACCESS_LOG_ANCHOR_EMAILS", default=[INFORMATION_GOVERNANCE_EMAIL] if INFORMATION_GOVERNANCE_EMAIL else []
)
DUPLICATE_WINDOW_DAYS = env.int("DUPLICATE_WINDOW_DAYS", default=90)
DUPLICATE_SHARE = env.float("DUPLICATE_SHARE", default=0.5)
DUPLICATE_MIN_SHARED = env.int("DUPLICATE_MIN_SHARED", default=5)
TELL_US_ONCE_DAYS = env.int("TELL_US_ONCE_DAYS", default=90)
IDENTIFIER_SEARCHES_PER_MINUTE = env.int("IDENTIFIER_SEARCHES_PER_MINUTE", default=30)
DEMO_PASSWORD = env("DEMO_PASSWORD", default="")

# The citizen portal.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
INVITATION_DAYS = env.int("INVITATION_DAYS", default=7)
INVITATION_CODE_HOURS = env.int("INVITATION_CODE_HOURS", default=72)
INVITATION_CODE_ATTEMPTS = env.int("INVITATION_CODE_ATTEMPTS", default=5)
# Text messages go to the SMS provider's email gateway as <international number>@this domain,
# on the same mail path as every email.
SMS_EMAIL_DOMAIN = env("SMS_EMAIL_DOMAIN", default="sms.joinedup.invalid")
CONSENT_REMINDER_DAYS = env.int("CONSENT_REMINDER_DAYS", default=30)
DATA_EXPORT_INLINE_LIMIT = env.int("DATA_EXPORT_INLINE_LIMIT", default=300)
# An export still being made after this long is taken to be stuck: asking again retries it.
DATA_EXPORT_STUCK_MINUTES = env.int("DATA_EXPORT_STUCK_MINUTES", default=15)

# Reference unit costs for pricing journeys (README.md, "Unit costs"); seed_demo loads this file,
# else shared/data/unit_costs.csv beside the project when it exists.
UNIT_COSTS_CSV = env("UNIT_COSTS_CSV", default="")
