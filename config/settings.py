"""Django settings for Namesmith, read from environment variables.

With no ``DATABASE_URL`` the database is SQLite under ``VAR_DIR``; with no
``REDIS_URL`` Celery uses kombu's filesystem transport under ``VAR_DIR`` — a
broker that needs no server. Tasks always run in a Celery worker process.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu.transport import TRANSPORT_ALIASES

from config import logs, network
from config.env import (
    env_bool,
    env_days,
    env_float,
    env_int,
    env_json_object,
    env_list,
    env_path,
    env_rate,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# Runtime state (SQLite database, embedded broker, beat schedule, secret key).
VAR_DIR = env_path("VAR_DIR", BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)

# Multi-host mode: processes of one emulator on several hosts (docs/deployment.md). The
# network plan may then name addresses beyond loopback, and what the hosts must share is
# required rather than made up per host: SECRET_KEY, a PostgreSQL DATABASE_URL and
# REDIS_URL (the broker, the beat lock, the rate limiter).
MULTI_HOST = env_bool("MULTI_HOST", False)
if MULTI_HOST:
    _missing = [
        f"{name} ({why})"
        for name, why in (
            ("SECRET_KEY", "every host signs sessions and tokens with the same key"),
            ("DATABASE_URL", "a PostgreSQL database every host reaches"),
            ("REDIS_URL", "the broker, the beat lock and the rate limiter every host shares"),
        )
        if not env_str(name)
    ]
    if _missing:
        raise ImproperlyConfigured("MULTI_HOST=true needs " + "; ".join(_missing))
    if not env_str("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise ImproperlyConfigured("MULTI_HOST=true needs DATABASE_URL to name PostgreSQL: a SQLite file is one host's")


def _secret_key() -> str:
    configured = env_str("SECRET_KEY")
    if configured:
        return configured
    # A local emulator should start with no setup: keep a generated key beside the data.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", ".localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

WEB_HOST = env_str("WEB_HOST", "127.0.0.1")
WEB_PORT = env_int("WEB_PORT", 8000, minimum=1, maximum=65535)

# Prometheus metrics (config.metrics): the web app at /metrics; run_dns, run_resolver,
# run_epp, run_whois and each worker process on METRICS_HOST at METRICS_PORT + an offset.
# METRICS_PORT=0 turns the per-process servers off.
METRICS_HOST = env_str("METRICS_HOST", "127.0.0.1")
METRICS_PORT = env_int("METRICS_PORT", 9480, minimum=0, maximum=65535 - 100)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "config.clock",
    "config.aws",
    "registry",
    "registrar",
    "resolver",
]

MIDDLEWARE = [
    "config.logs.CorrelationMiddleware",
    "config.metrics.RequestMetrics",
    "django.middleware.security.SecurityMiddleware",
    # Route 53 (and other AWS APIs): signed requests answered before sessions, CSRF and views.
    "config.aws.dispatch.AwsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------

DATABASE_URL = env_url("DATABASE_URL", {"postgres", "postgresql", "sqlite"})
_conn_max_age = env_int("DB_CONN_MAX_AGE", 60, minimum=0)
if DATABASE_URL:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=_conn_max_age)
else:
    _db = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(VAR_DIR / "db.sqlite3"), "CONN_MAX_AGE": _conn_max_age}

if _db["ENGINE"] == "django.db.backends.postgresql":
    # Server-side parameters let psycopg prepare the queries it sees repeatedly, so
    # PostgreSQL stops parsing and planning the same few statements over and over.
    _db["OPTIONS"] = {"server_side_binding": True}

if _db["ENGINE"] == "django.db.backends.sqlite3":
    import sqlite3

    if sqlite3.sqlite_version_info < (3, 35):
        raise ImproperlyConfigured(
            f"Namesmith needs SQLite 3.35 or newer (UPDATE ... RETURNING); this Python has "
            f"{sqlite3.sqlite_version}. Use a newer Python build or set DATABASE_URL to PostgreSQL."
        )
    # Several processes (web, worker, beat) share the file: WAL lets readers run beside a
    # writer, IMMEDIATE takes the write lock up front so two writers queue instead of
    # failing with "database is locked" on lock upgrade.
    _db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    _db["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGIN_URL = "shop:login"
LOGIN_REDIRECT_URL = "shop:domains"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Namesmith <no-reply@namesmith.localhost>")

# Plain lines by default; LOG_FORMAT=json writes one JSON object per line. Each names its
# process and the correlation id of the work it belongs to (see config.logs).
LOG_FORMAT = env_str("LOG_FORMAT", "plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'plain' or 'json', not {LOG_FORMAT!r}")
LOGGING = logs.logging_config(
    json_lines=LOG_FORMAT == "json",
    level=env_str("LOG_LEVEL", "INFO"),
    # Celery logs two lines for every task it runs ("received", "succeeded"), and
    # config.celery one more with its correlation id; at several tasks per order they
    # drown everything else. TASK_LOG_LEVEL=INFO brings them back.
    quiet={
        name: env_str("TASK_LOG_LEVEL", "WARNING")
        for name in ("celery.app.trace", "celery.worker.strategy", "celery.beat", "config.celery")
    }
    # kombu warns that the embedded broker's URL names no host, once per connection.
    | {"kombu.connection": "ERROR"},
)

# --- REST framework -------------------------------------------------------------------------

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "registrar.api.auth.CustomerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    # Requests per token (registry API) or per client address (RDAP); over it the answer
    # is 429 with Retry-After. "N/second", "N/minute", "N/hour" or "N/day".
    "DEFAULT_THROTTLE_RATES": {
        "registry-api": env_rate("REGISTRY_API_RATE", "50/second"),
        "rdap": env_rate("RDAP_RATE", "20/second"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Namesmith API",
    "DESCRIPTION": "Registrar (customer) API of the Namesmith registry and registrar emulator.",
    "VERSION": "1",
    # The interactive docs pages load Swagger UI from this install, not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Redis, when set: the broker, the cache, the rate limiter's counters (config.ratelimit)
# and the beat lock live there.
REDIS_URL = env_url("REDIS_URL", {"redis", "rediss"})
# Put before every key the emulator writes in Redis, so several emulators (or a test run
# beside a running emulator) can share one Redis.
REDIS_KEY_PREFIX = env_str("REDIS_KEY_PREFIX", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX + "cache",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Celery ---------------------------------------------------------------------------------

# kombu's filesystem transport, writing each message atomically (see config.broker).
TRANSPORT_ALIASES.setdefault("namesmith-filesystem", "config.broker:Transport")
BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A message whose worker died unacknowledged comes back after this long; the pipeline's
    # own sweep usually recovers such work sooner (see registrar.services.recover_stuck_work).
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, str | int | float] = {
        "visibility_timeout": env_int("REDIS_VISIBILITY_TIMEOUT", 300, minimum=10),
        "global_keyprefix": REDIS_KEY_PREFIX,
    }
else:
    CELERY_BROKER_URL = "namesmith-filesystem://"
    for _sub in ("queue", "control"):
        (BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "polling_interval": env_float("BROKER_POLL_INTERVAL", 0.05, minimum=0.01),
    }

# How many worker processes `make run` starts (config.supervise), each one task at a time.
WORKER_CONCURRENCY = env_int("WORKER_CONCURRENCY", 2, minimum=1, maximum=64)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = False  # never run tasks inline, not even in tests
CELERY_TASK_IGNORE_RESULT = True  # outcomes travel as reply tasks, not through a result backend
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_DEFAULT_QUEUE = "registrar"
CELERY_TASK_ROUTES = {
    "registry.*": {"queue": "registry"},
    "registrar.*": {"queue": "registrar"},
    "resolver.*": {"queue": "resolver"},
    "clock.*": {"queue": "registry"},
}
# One beat sends the periodic tasks however many run (a lock in Redis, or on a file beside
# the embedded database); its schedule is kept in memory (see config.beat).
CELERY_BEAT_SCHEDULER = "config.beat:LockedScheduler"
# Database connections outlive tasks (see config.celery); a huge reuse count keeps Celery's
# Django fixup from closing them after every task.
CELERY_DB_REUSE_MAX = 10**9

# How long pipeline work may sit without progress before the sweep re-sends it, and how
# often the sweep runs (seconds).
PIPELINE_STUCK_AFTER = env_float("PIPELINE_STUCK_AFTER", 30.0, minimum=0.1)
PIPELINE_SWEEP_EVERY = env_float("PIPELINE_SWEEP_EVERY", 10.0, minimum=0.1)
PAYMENT_MAX_ATTEMPTS = env_int("PAYMENT_MAX_ATTEMPTS", 5, minimum=1, maximum=50)

# The emulator clock (config.clock): how often a process re-reads the shared offset, how
# often beat runs the sweeps of time-based work, and how long a move of the clock waits at
# each step for the work it started (an auto-renewal order, say) to finish (seconds).
CLOCK_REFRESH = env_float("CLOCK_REFRESH", 1.0, minimum=0.0)
CLOCK_SWEEP_EVERY = env_float("CLOCK_SWEEP_EVERY", 10.0, minimum=0.5)
CLOCK_SETTLE_TIMEOUT = env_float("CLOCK_SETTLE_TIMEOUT", 30.0, minimum=0.0)

# A zone build asked for this long ago and not started is sent again (seconds).
ZONE_REQUEST_STALE_AFTER = env_float("ZONE_REQUEST_STALE_AFTER", 30.0, minimum=1.0)
# The share of the time building one zone (the root or a TLD) may take: a build waits
# after the last one for (1 / share - 1) times as long as that one took (1: never waits).
# Storing and loading a build cost about as much again as building it.
ZONE_BUILD_SHARE = env_float("ZONE_BUILD_SHARE", 0.1, minimum=0.01)
if ZONE_BUILD_SHARE > 1:
    raise ImproperlyConfigured(f"ZONE_BUILD_SHARE={ZONE_BUILD_SHARE} is a share of the time: 0.01 to 1")

# Health checks: the emulated checker locations (each probes on its own), how often beat
# looks for due checks, and how long one probe may take (connect, then the answer).
HEALTH_CHECKER_LOCATIONS = env_list("HEALTH_CHECKER_LOCATIONS", ["us-east-1", "eu-west-1", "ap-northeast-2"])
HEALTH_SWEEP_EVERY = env_float("HEALTH_SWEEP_EVERY", 0.5, minimum=0.2)
HEALTH_CHECK_TIMEOUT = env_float("HEALTH_CHECK_TIMEOUT", 2.0, minimum=0.1)
# A health check's endpoint outside the emulated network (127.0.0.0/8, ::1) is never probed:
# no traffic leaves the machine. Its checkers report it as this status instead.
HEALTH_OUTSIDE_STATUS = env_str("HEALTH_OUTSIDE_STATUS", "HEALTHY").upper()
if HEALTH_OUTSIDE_STATUS not in {"HEALTHY", "UNHEALTHY"}:
    raise ImproperlyConfigured(f"HEALTH_OUTSIDE_STATUS={HEALTH_OUTSIDE_STATUS!r} is not HEALTHY or UNHEALTHY")

CELERY_BEAT_SCHEDULE = {
    "recover-stuck-orders": {
        "task": "registrar.tasks.recover_stuck_work",
        "schedule": PIPELINE_SWEEP_EVERY,
    },
    "resend-stuck-api-operations": {
        "task": "registry.tasks.resend_stuck_api_operations",
        "schedule": PIPELINE_SWEEP_EVERY,
    },
    "publish-stale-zones": {
        "task": "registry.tasks.publish_stale_zones",
        "schedule": ZONE_REQUEST_STALE_AFTER,
    },
    "run-health-checks": {
        "task": "resolver.tasks.run_health_checks",
        "schedule": HEALTH_SWEEP_EVERY,
    },
    "run-clock-sweeps": {
        "task": "clock.run_due_sweeps",
        "schedule": CLOCK_SWEEP_EVERY,
    },
    "sync-pending-changes": {
        "task": "resolver.tasks.sync_pending_changes",
        "schedule": ZONE_REQUEST_STALE_AFTER,
    },
}

# Fault injection for crash tests: "<point>:<marker file>" makes the named point in the
# pipeline write the marker file and then hang, so a test can kill the worker right there.
PAUSE_AT = env_str("NAMESMITH_PAUSE_AT")
if PAUSE_AT and ":" not in PAUSE_AT:
    raise ImproperlyConfigured("NAMESMITH_PAUSE_AT must look like '<point>:<marker file>'")

# --- Registry and registrar -----------------------------------------------------------------

REGISTRY_CURRENCY = env_str("REGISTRY_CURRENCY", "USD")
# The registrar account the in-house web shop uses at the registry.
REGISTRAR_CLIENT_ID = env_str("REGISTRAR_CLIENT_ID", "namesmith")
# Retail price = registry fee + this margin, per year of registration, in minor units.
REGISTRAR_MARGIN_PER_YEAR = env_int("REGISTRAR_MARGIN_PER_YEAR", 200, minimum=0)
# Days before expiry the registrar emails renewal reminders, and renews domains that have
# auto-renew on with the card last used for them.
REGISTRAR_REMINDER_DAYS = env_days("REGISTRAR_REMINDER_DAYS", [30, 7, 1])
REGISTRAR_AUTO_RENEW_DAYS = env_int("REGISTRAR_AUTO_RENEW_DAYS", 7, minimum=1, maximum=60)

# --- Network plan and DNS -------------------------------------------------------------------

# Every emulated server on its own loopback address (see config.network). The DNS port is
# 53 when this process may bind it, a high port otherwise, or DNS_PORT.
_privileged = network.may_bind_low_ports()
DNS_PORT = env_int("DNS_PORT", 53 if _privileged else network.DNS_HIGH_PORT, minimum=1, maximum=65535)
NETWORK_PLAN_FILE = env_str("NETWORK_PLAN_FILE")
NETWORK_PLAN = network.validate(
    network.plan_from_file(Path(NETWORK_PLAN_FILE), DNS_PORT)
    if NETWORK_PLAN_FILE
    else network.default_plan(env_str("NETWORK_BLOCK", network.DEFAULT_BLOCK), DNS_PORT, _privileged),
    beyond_loopback=MULTI_HOST,
)
# Who may transfer zones (AXFR/IXFR) and send NOTIFY: loopback unless told otherwise.
DNS_TRANSFER_ALLOW = env_list("DNS_TRANSFER_ALLOW", ["127.0.0.0/8", "::1/128"])
# Largest UDP answer we offer in EDNS(0) (the DNS flag day 2020 value).
DNS_UDP_PAYLOAD = env_int("DNS_UDP_PAYLOAD", 1232, minimum=512, maximum=4096)
DNS_TCP_IDLE_TIMEOUT = env_float("DNS_TCP_IDLE_TIMEOUT", 10.0, minimum=0.1)
# run_dns re-reads zone serials this often in case a NOTIFY was lost (seconds).
DNS_POLL_EVERY = env_float("DNS_POLL_EVERY", 30.0, minimum=0.5)
# Secondary servers of the registry's zones (root and TLDs), by zone: a JSON object like
# {"com.": {"notify": ["127.0.0.1:5301"], "allow": ["127.0.0.0/8"], "key": "xfr.example."}};
# checked at start by the resolver app, applied from each zone's next version.
DNS_SECONDARIES = env_json_object("DNS_SECONDARIES")
# TSIG keys of the operators' secondaries: "name:algorithm:base64-secret", comma-separated.
DNS_TSIG_KEYS = env_list("DNS_TSIG_KEYS", [])
# Versions of each zone whose changes the store keeps (run_dns applies them; IXFR serves them).
DNS_ZONE_HISTORY = env_int("DNS_ZONE_HISTORY", 100, minimum=1, maximum=100_000)

# The recursive resolver (run_resolver) on the plan's resolver address: who may ask it, and
# the TCP port of its control channel (the trace page and the operators' cache view use it)
# on the same address.
RESOLVER_ALLOW = env_list("RESOLVER_ALLOW", ["127.0.0.0/8", "::1/128"])
RESOLVER_CONTROL_PORT = env_int("RESOLVER_CONTROL_PORT", 8953, minimum=1, maximum=65535)

# --- WHOIS ---

# run_whois (RFC 3912) on the plan's WHOIS address. WHOIS_RATE is the queries one client
# address may make, as "N/second", "N/minute", "N/hour" or "N/day": at most N in any such
# period (config.ratelimit). WHOIS_IDLE_TIMEOUT is how long it waits for the query line (seconds).
WHOIS_RATE = env_rate("WHOIS_RATE", "10/second")
WHOIS_IDLE_TIMEOUT = env_float("WHOIS_IDLE_TIMEOUT", 10.0, minimum=0.1)

# --- EPP ---

# run_epp (the registry's EPP server, RFC 5730-5734 over TLS) on the plan's EPP address.
# With EPP_TLS_CERT unset, a self-signed certificate and key are made under VAR_DIR on
# first run; a configured certificate (and EPP_TLS_KEY) must exist.
EPP_TLS_SELF_SIGNED = env_str("EPP_TLS_CERT") is None
EPP_TLS_CERT = env_path("EPP_TLS_CERT", VAR_DIR / "epp-cert.pem")
EPP_TLS_KEY = env_path("EPP_TLS_KEY", VAR_DIR / "epp-key.pem")
# A session that sends nothing for this long is closed (seconds).
EPP_IDLE_TIMEOUT = env_float("EPP_IDLE_TIMEOUT", 600.0, minimum=1.0)
# Sessions one registrar may have open at once; a login beyond it gets 2502.
EPP_SESSIONS_PER_REGISTRAR = env_int("EPP_SESSIONS_PER_REGISTRAR", 10, minimum=1)
# Largest frame accepted (bytes of XML); a larger one is read past and answered with 2001.
EPP_MAX_FRAME = env_int("EPP_MAX_FRAME", 65_536, minimum=4096, maximum=16 * 1024 * 1024)
# After EPP_LOGIN_FAILURES failed logins from one client address within EPP_LOGIN_WINDOW
# seconds, logins from it are refused (2502) until the window has passed.
EPP_LOGIN_FAILURES = env_int("EPP_LOGIN_FAILURES", 5, minimum=1)
EPP_LOGIN_WINDOW = env_float("EPP_LOGIN_WINDOW", 300.0, minimum=1.0)
# Threads that run EPP commands against the database (each holds a connection). One
# process runs Python one thread at a time and SQLite takes one writer at a time, so on
# the 2-core machine more threads only queue (bench/epp.py: p90 at 10 sessions rises from
# about 50 ms with 2 to 70 ms with 4); raise it for PostgreSQL on a bigger machine.
EPP_WORKERS = env_int("EPP_WORKERS", 2, minimum=1, maximum=64)

# --- AWS APIs (Route 53) ---

# Requests to the Route 53 API are signed (SigV4) with one of the account's access keys;
# with AWS_VERIFY_SIGNATURES off the key id still names the account but any signature passes
# (quick local use with a client whose secret is not at hand).
AWS_VERIFY_SIGNATURES = env_bool("AWS_VERIFY_SIGNATURES", True)

# Route 53's quotas, enforced by the rental service for every entry point (shop, customer
# API, Route 53 API) and reported by GetAccountLimit and friends. ROUTE53_LIMITS overrides
# some, by Route 53's names: "MAX_HOSTED_ZONES_BY_OWNER=1000,MAX_RRSETS_BY_ZONE=20000".
ROUTE53_DEFAULT_LIMITS = {
    "MAX_HOSTED_ZONES_BY_OWNER": 500,
    "MAX_HEALTH_CHECKS_BY_OWNER": 200,
    "MAX_REUSABLE_DELEGATION_SETS_BY_OWNER": 100,
    "MAX_ZONES_BY_REUSABLE_DELEGATION_SET": 100,
    "MAX_RRSETS_BY_ZONE": 10_000,
}


def _route53_limits() -> dict[str, int]:
    limits = dict(ROUTE53_DEFAULT_LIMITS)
    for item in env_list("ROUTE53_LIMITS", []):
        name, _, value = item.partition("=")
        name = name.strip().upper()
        if name not in limits or not (value.strip().isascii() and value.strip().isdigit()) or int(value) < 1:
            raise ImproperlyConfigured(
                f"ROUTE53_LIMITS: {item!r} is not NAME=N with N >= 1 and NAME one of {', '.join(limits)}"
            )
        limits[name] = int(value)
    return limits


ROUTE53_LIMITS = _route53_limits()

# Route 53 Domains' quota: the domains an account may hold, counting those it is registering
# or transferring in, before RegisterDomain and TransferDomain answer DomainLimitExceeded
# (AWS's default is 20; it raises it on request).
ROUTE53_DOMAINS_LIMIT = env_int("ROUTE53_DOMAINS_LIMIT", 20, minimum=1)
