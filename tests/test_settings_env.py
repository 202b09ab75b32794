"""Settings come from the environment, with safe demo defaults and a production profile that passes check --deploy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "db = settings.DATABASES['default']; "
    "print(json.dumps({'engine': db['ENGINE'], 'name': str(db['NAME']), 'host': db.get('HOST'), 'port': db.get('PORT'),"
    " 'options': db.get('OPTIONS', {}), 'q': settings.Q_CLUSTER, 'email': settings.EMAIL_BACKEND,"
    " 'debug': settings.DEBUG, 'tz': settings.TIME_ZONE, 'lang': settings.LANGUAGE_CODE, 'hosts': settings.ALLOWED_HOSTS,"
    " 'secret_len': len(settings.SECRET_KEY)}, default=str))"
)


def run_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    base = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG"}
    }
    base.update({"DJANGO_SETTINGS_MODULE": "tracker.settings", "TRACKER_VAR_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=base, capture_output=True, text=True, timeout=60
    )


def probe(tmp_path: Path, **env: str) -> dict:
    result = run_settings(tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_demo_defaults_sqlite_in_var_with_wal_and_orm_broker(tmp_path):
    data = probe(tmp_path, DEBUG="true")
    assert data["engine"] == "django.db.backends.sqlite3"
    assert data["name"] == str(tmp_path / "tracker.sqlite3")
    assert "journal_mode=WAL" in data["options"]["init_command"]
    assert data["options"]["timeout"] >= 10
    assert data["options"]["transaction_mode"] == "IMMEDIATE"
    assert data["q"]["orm"] == "default" and "redis" not in data["q"]
    assert data["q"]["catch_up"] is False
    assert data["tz"] == "Asia/Shanghai" and data["lang"] == "zh-hans"
    assert data["email"] == "obligations.reminders.console_mail.EmailBackend"
    # The generated key is kept in var/ and reused.
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 50
    assert probe(tmp_path, DEBUG="true")["secret_len"] == len(key)


def test_database_url_and_redis_url_are_honoured(tmp_path):
    data = probe(
        tmp_path,
        DEBUG="true",
        DATABASE_URL="postgres://tracker:pw@db.internal:5433/duban",
        REDIS_URL="redis://127.0.0.1:6379/2",
        EMAIL_BACKEND="file",
    )
    assert data["engine"] == "django.db.backends.postgresql"
    assert (data["name"], data["host"], data["port"]) == ("duban", "db.internal", 5433)
    assert data["q"]["redis"] == "redis://127.0.0.1:6379/2" and "orm" not in data["q"]
    assert data["email"].endswith("filebased.EmailBackend")


def test_secret_key_required_when_debug_is_off(tmp_path):
    result = run_settings(tmp_path, DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_check_deploy_passes_with_production_environment(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tracker.settings",
            "TRACKER_VAR_DIR": str(tmp_path),
            "DEBUG": "false",
            "SECRET_KEY": "k" * 20 + "-production-secret-Xy9#pQ2$rT7&wZ4!mN8@",
            "ALLOWED_HOSTS": "duban.example.gov.cn",
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_sqlite_connection_really_uses_wal():
    if connection.vendor != "sqlite":
        pytest.skip("WAL applies to SQLite only; this run uses " + connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 10000
