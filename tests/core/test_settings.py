import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from portal.settings.keys import new_rsa_private_key_pem

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {
    "SECRET_KEY": "x" * 20 + "a-random-production-secret-key-for-the-check-only-0123",
    "DATABASE_URL": "postgres://portal@db.example.org/portal",
    "REDIS_URL": "redis://cache.example.org:6379/0",
    "ALLOWED_HOSTS": "portal.example.org",
    "EMAIL_HOST": "smtp.example.org",
    "OIDC_RSA_PRIVATE_KEY": new_rsa_private_key_pem(),
}


def _manage(*args, env):
    dropped = {*SECRETS, "EMAIL_BACKEND", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "portal.settings.production", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("missing", sorted(SECRETS.keys() - {"EMAIL_HOST"}))
def test_it_refuses_to_start_production_without_a_secret(missing):
    env = {k: v for k, v in SECRETS.items() if k != missing}

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr


def test_it_refuses_the_development_secret_key_in_production():
    env = {**SECRETS, "SECRET_KEY": "dev-only-insecure-key-change-me-0123456789abcdefghijklmnop"}

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "SECRET_KEY must be a random value" in result.stderr


def test_it_passes_the_deployment_checks_with_no_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=SECRETS)

    assert result.returncode == 0, result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_it_refuses_an_id_token_key_that_is_no_rsa_private_key():
    result = _manage("check", env={**SECRETS, "OIDC_RSA_PRIVATE_KEY": "not a key"})

    assert result.returncode != 0
    assert "OIDC_RSA_PRIVATE_KEY must be an unencrypted RSA private key" in result.stderr


def test_it_rejects_a_malformed_setting_with_its_name():
    result = _manage("check", env={**SECRETS, "SESSION_IDLE_TIMEOUT_STAFF": "half an hour"})

    assert result.returncode != 0
    assert "SESSION_IDLE_TIMEOUT_STAFF must be a whole number" in result.stderr


def _database_setting(env) -> str:
    code = "from django.db import connection as c; s = c.settings_dict; "
    code += "print(s['CONN_MAX_AGE'], s['CONN_HEALTH_CHECKS'], s['DISABLE_SERVER_SIDE_CURSORS'])"
    result = _manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_it_keeps_production_database_connections_open_and_checks_them():
    assert _database_setting(SECRETS) == "600 True False"
    behind_pgbouncer = {
        "DATABASE_CONN_MAX_AGE": "0",
        "DATABASE_DISABLE_SERVER_SIDE_CURSORS": "true",
    }
    assert _database_setting({**SECRETS, **behind_pgbouncer}) == "0 True True"


def _make_env(*args, env):
    """What the processes `make run` starts (web, worker, beat) find in their environment."""
    clean = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "PORT", "MAKEFLAGS")}
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "--silent",
            "--eval",
            "print-env: ; @echo $$PORT $$SITE_URL",
            "print-env",
            *args,
        ],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_make_run_links_follow_the_port_it_serves():
    assert _make_env("PORT=8123", env={}) == ["8123", "http://127.0.0.1:8123"]
    assert _make_env(env={"PORT": "9001"}) == ["9001", "http://127.0.0.1:9001"]
    assert _make_env(env={}) == ["8000", "http://127.0.0.1:8000"]


def test_make_run_keeps_a_site_url_that_is_set():
    site = "https://portal.example.org"

    assert _make_env("PORT=8123", env={"SITE_URL": site}) == ["8123", site]


def test_make_migrate_creates_the_shared_cache_table(tmp_path):
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    result = subprocess.run(
        ["make", "--no-print-directory", "migrate"],
        cwd=ROOT,
        env={**clean, "VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "portal.settings.base"},
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "portal.sqlite3") as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    assert "portal_cache" in tables


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "django.core.cache.backends.db.DatabaseCache portal_cache"),
        (
            {"REDIS_URL": "redis://cache.example.org:6379/2"},
            "django.core.cache.backends.redis.RedisCache redis://cache.example.org:6379/2",
        ),
    ],
)
def test_the_cache_is_shared_by_every_process(env, expected):
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    code = "from django.conf import settings as s; c = s.CACHES['default']; "
    code += "print(c['BACKEND'], c['LOCATION'])"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "portal.settings.base", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.stdout.strip().splitlines()[-1] == expected, result.stderr


def test_it_refuses_a_stuck_threshold_a_running_task_could_outlast():
    env = {**SECRETS, "CELERY_TASK_TIME_LIMIT": "120", "NOTIFICATION_STUCK_AFTER_SECONDS": "100"}

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "NOTIFICATION_STUCK_AFTER_SECONDS must be more than CELERY_TASK_TIME_LIMIT" in (
        result.stderr
    )


def test_earlier_id_token_keys_are_published_beside_the_current_one():
    earlier = new_rsa_private_key_pem() + new_rsa_private_key_pem()
    code = (
        "from oauth2_provider.settings import oauth2_settings as s; "
        "print(len(s.OIDC_RSA_PRIVATE_KEYS_INACTIVE))"
    )
    result = _manage(
        "shell", "-c", code, env={**SECRETS, "OIDC_RSA_PRIVATE_KEYS_INACTIVE": earlier}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "2"

    refused = _manage("check", env={**SECRETS, "OIDC_RSA_PRIVATE_KEYS_INACTIVE": "old key"})
    assert refused.returncode != 0
    assert "OIDC_RSA_PRIVATE_KEYS_INACTIVE must hold RSA private keys" in refused.stderr
