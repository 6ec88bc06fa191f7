"""Settings come from the environment and refuse values they cannot use."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_url


def load_settings(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL)",
        ],
        cwd=settings.BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_no_urls_means_sqlite_and_the_embedded_broker():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "namesmith-filesystem://"]


def test_urls_select_postgresql_and_redis():
    result = load_settings(DATABASE_URL="postgres://u@127.0.0.1:5432/x", REDIS_URL="redis://127.0.0.1:6379/3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "redis://127.0.0.1:6379/3"]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DATABASE_URL", "mysql://localhost/x", "DATABASE_URL has scheme 'mysql'"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL has scheme 'localhost'"),
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
        ("WEB_PORT", "eighty", "WEB_PORT='eighty' is not an integer"),
        ("WEB_PORT", "70000", "WEB_PORT=70000 is above the maximum 65535"),
        ("PIPELINE_STUCK_AFTER", "0", "PIPELINE_STUCK_AFTER=0.0 is below the minimum"),
        ("ZONE_BUILD_SHARE", "2", "ZONE_BUILD_SHARE=2.0 is a share of the time: 0.01 to 1"),
        ("REGISTRY_API_RATE", "fast", "REGISTRY_API_RATE='fast' is not like '10/second'"),
        ("RDAP_RATE", "20/fortnight", "RDAP_RATE='20/fortnight' is not like '10/second'"),
        ("WHOIS_RATE", "0/second", "WHOIS_RATE='0/second' is not like '10/second'"),
        ("ROUTE53_DOMAINS_LIMIT", "0", "ROUTE53_DOMAINS_LIMIT=0 is below the minimum 1"),
    ],
)
def test_bad_values_stop_start_up_naming_the_variable(name, value, message):
    result = load_settings(**{name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_helpers_read_typed_values(monkeypatch):
    monkeypatch.setenv("X_FLAG", "Yes")
    monkeypatch.setenv("X_COUNT", "7")
    monkeypatch.setenv("X_EMPTY", "  ")
    assert env_bool("X_FLAG", False) is True
    assert env_int("X_COUNT", 1, minimum=1, maximum=9) == 7
    assert env_int("X_EMPTY", 3) == 3  # empty counts as unset
    with pytest.raises(ImproperlyConfigured, match="X_COUNT=7 is below the minimum 8"):
        env_int("X_COUNT", 1, minimum=8)
    assert env_url("X_UNSET_URL", {"redis"}) is None


def test_celerys_per_task_lines_are_quiet_unless_asked_for():
    code = (
        "import django, logging; django.setup(); "
        "print(logging.getLogger('celery.app.trace').level, logging.getLogger('celery.worker.strategy').level)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    run = [sys.executable, "-c", code]
    quiet = subprocess.run(run, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60)
    loud = subprocess.run(
        run, cwd=settings.BASE_DIR, env={**env, "TASK_LOG_LEVEL": "INFO"}, capture_output=True, text=True, timeout=60
    )
    assert quiet.stdout.split() == ["30", "30"], quiet.stderr
    assert loud.stdout.split() == ["20", "20"], loud.stderr


def test_multi_host_mode_needs_what_the_hosts_share():
    result = load_settings(MULTI_HOST="true")
    assert result.returncode != 0
    for needed in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL"):
        assert needed in result.stderr
    result = load_settings(MULTI_HOST="true", SECRET_KEY="k" * 50, REDIS_URL="redis://127.0.0.1:6379/3")
    assert "MULTI_HOST=true needs DATABASE_URL (a PostgreSQL database every host reaches)" in result.stderr
    result = load_settings(
        MULTI_HOST="true", SECRET_KEY="k" * 50, REDIS_URL="redis://127.0.0.1:6379/3", DATABASE_URL="sqlite:///x.db"
    )
    assert "DATABASE_URL to name PostgreSQL" in result.stderr
    result = load_settings(
        MULTI_HOST="true",
        SECRET_KEY="k" * 50,
        REDIS_URL="redis://127.0.0.1:6379/3",
        DATABASE_URL="postgres://u@127.0.0.1:5432/x",
    )
    assert result.returncode == 0, result.stderr
