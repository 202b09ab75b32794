"""Django settings, read from the environment with safe defaults for the demo.

Production sets DEBUG=false, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL; everything else has a default.
"""

from __future__ import annotations

import datetime
import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

# openpyxl picks its XML writer once, at first import: with lxml present (python-docx pulls it in)
# it writes every Chinese character of a ledger as a numeric entity. Every process loads these
# settings before any openpyxl import, so the stdlib writer (plain UTF-8) is chosen everywhere.
os.environ["OPENPYXL_LXML"] = "False"
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TRACKER_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "")
    if key:
        return key
    if not DEBUG:
        # One line, said by manage.py without a traceback: what to set, for production and for the demo.
        raise ImproperlyConfigured(
            "SECRET_KEY 未设置（SECRET_KEY must be set when DEBUG is off）：生产环境请在环境文件中设置 "
            "SECRET_KEY、ALLOWED_HOSTS 等（见 deploy/tracker.env）；本机演示请先运行 make demo，"
            "或设置 DEBUG=true。"
        )
    # Demo only: generate once and keep it, so sessions survive restarts.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_q",
    "axes",  # before obligations: its permissions exist when obligations' post_migrate gives them out
    "csp",
    "obligations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before anything reads the body (sessions no, but CSRF reads POST): 411/413 unread, uploads capped.
    "obligations.middleware.request_body.RequestBodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "obligations.middleware.cache.PrivatePagesMiddleware",
    # Inside CommonMiddleware, so a 404 for "/tasks" still becomes the APPEND_SLASH redirect.
    "obligations.middleware.friendly_errors.FriendlyErrorsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"
ASGI_APPLICATION = "tracker.asgi.application"

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
                "obligations.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'tracker.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("CONN_MAX_AGE", 0),
        # A kept connection is checked before a request uses it, so a restarted database server
        # costs a reconnect, not a 500.
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the qcluster writes; IMMEDIATE transactions and a busy
    # timeout make writers queue instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": env_int("SQLITE_TIMEOUT", 30),
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_tracker.sqlite3")}
    # SQLite ignores an index's INCLUDE columns (a covering index on PostgreSQL): still a plain index.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles the dashboard's aggregates on every request: at a million tasks
    # that costs ~100 ms a query and saves nothing on queries this short. And its default random
    # page cost (4) models spinning disks: on SSDs it prefers scanning 2.4 M assignments to looking
    # up a deadline window's few thousand by index. Both can be set back per installation.
    jit = "on" if env_bool("POSTGRES_JIT", False) else "off"
    page_cost = float(os.environ.get("POSTGRES_RANDOM_PAGE_COST") or 1.1)
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c jit={jit} -c random_page_cost={page_cost}"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out account or address before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Language and time ----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or VAR_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG
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
# Uploaded plans and evidence are never served directly: views check who may see them.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
TRACKER_MAX_IMPORT_BYTES = env_int("TRACKER_MAX_IMPORT_BYTES", 50 * 1024 * 1024)
TRACKER_MAX_EVIDENCE_BYTES = env_int("TRACKER_MAX_EVIDENCE_BYTES", 20 * 1024 * 1024)
# Plan imports: a file up to this size whose reading needs no conversion or OCR is imported within
# the upload request; anything larger or slower runs as a background job (obligations.plans.import_jobs).
TRACKER_IMPORT_INLINE_BYTES = env_int("TRACKER_IMPORT_INLINE_BYTES", 2 * 1024 * 1024)
# A running import job writes a heartbeat this often; one silent for TRACKER_IMPORT_STALE_SECONDS
# lost its worker (killed, crashed) and is shown as failed, with a retry button.
TRACKER_IMPORT_HEARTBEAT_SECONDS = env_int("TRACKER_IMPORT_HEARTBEAT_SECONDS", 5)
TRACKER_IMPORT_STALE_SECONDS = env_int("TRACKER_IMPORT_STALE_SECONDS", 60)
# django-q's time limit for one import job (a 300-page scan at about 4 s a page needs 20 minutes).
TRACKER_IMPORT_TIMEOUT_SECONDS = env_int("TRACKER_IMPORT_TIMEOUT_SECONDS", 1800)
TRACKER_MAX_EVIDENCE_FILES = 10  # evidence files per report or completion request
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Largest request body per kind of form, refused (413) from Content-Length before it is read, and
# enforced again while a multipart body streams (obligations.security.body_limits). Views name their kind with
# @accepts_body; everything else, the admin and the login page included, is a "form".
TRACKER_FORM_OVERHEAD_BYTES = env_int("TRACKER_FORM_OVERHEAD_BYTES", 256 * 1024)  # boundaries, fields
TRACKER_MAX_BODY_BYTES = {
    "import": TRACKER_MAX_IMPORT_BYTES + TRACKER_FORM_OVERHEAD_BYTES,
    "evidence": TRACKER_MAX_EVIDENCE_BYTES * TRACKER_MAX_EVIDENCE_FILES + TRACKER_FORM_OVERHEAD_BYTES,
    "form": DATA_UPLOAD_MAX_MEMORY_SIZE,
}
FILE_UPLOAD_HANDLERS = [
    "obligations.security.body_limits.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
LEDGER_DIR = Path(os.environ.get("LEDGER_DIR", VAR_DIR / "ledgers"))

# --- Product settings -----------------------------------------------------------------------------
# The jurisdiction (市/区/县) this deployment serves; plans name their own when the text says so.
TRACKER_JURISDICTION = os.environ.get("TRACKER_JURISDICTION", "")
# 督查通报: rows of its overdue and extension tables (the longest overdue first; the ledger lists all).
BULLETIN_TABLE_ROWS = env_int("BULLETIN_TABLE_ROWS", 200)

# --- E-mail ---------------------------------------------------------------------------------------
_EMAIL_BACKENDS = {
    # Headers and the plain-text part only (Django's own prints the raw MIME message).
    "console": "obligations.reminders.console_mail.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
_email_backend = os.environ.get("EMAIL_BACKEND", "console")
EMAIL_BACKEND = _EMAIL_BACKENDS.get(_email_backend, _email_backend)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "督办台账 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Background tasks (django-q2) -----------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
Q_CLUSTER: dict = {
    "name": os.environ.get("Q_CLUSTER_NAME", "tracker"),
    "workers": env_int("Q_WORKERS", 2),
    "timeout": env_int("Q_TIMEOUT", 600),
    "retry": env_int("Q_RETRY", 720),
    "max_attempts": env_int("Q_MAX_ATTEMPTS", 3),
    "queue_limit": 50,
    "bulk": 10,
    "poll": float(os.environ.get("Q_POLL", "1")),
    "guard_cycle": float(os.environ.get("Q_GUARD_CYCLE", "0.5")),
    # After downtime run each missed schedule once, not once per missed slot.
    "catch_up": False,
    "label": "后台任务",
    "save_limit": 1000,
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- Reminders (obligations.reminders) ------------------------------------------------------------
# How often the sender runs (it also picks up manual 催办 and retries); django-q's finest step is 1 min.
REMINDER_SEND_EVERY_MINUTES = env_int("REMINDER_SEND_EVERY_MINUTES", 1)
# Tasks read per sweep batch: queries grow with batches, not with tasks.
REMINDER_SWEEP_BATCH = env_int("REMINDER_SWEEP_BATCH", 2000)
# PostgreSQL: database connections writing a sweep's batches at once (each batch is one INSERT ...
# SELECT run by the database, so two keep two of its cores busy).
REMINDER_SWEEP_CONNECTIONS = env_int("REMINDER_SWEEP_CONNECTIONS", 2)
# The sender's e-mail digests, personal chat/SMS messages and group robots' messages on up to three
# connections at once (PostgreSQL).
REMINDER_SEND_THREADS = env_int("REMINDER_SEND_THREADS", 3)
# A row or digest still "sending" after this long belonged to a sender that died; it is queued again.
# Keep it well above EMAIL_TIMEOUT so a slow but live sender is never overtaken.
REMINDER_CLAIM_TIMEOUT_SECONDS = env_int("REMINDER_CLAIM_TIMEOUT_SECONDS", 300)
# Digests a sender claims at once (each is re-confirmed as its try starts).
REMINDER_DIGEST_BATCH = env_int("REMINDER_DIGEST_BATCH", 50)
# First retry delay after a failed send; doubles with each attempt (capped at an hour).
REMINDER_RETRY_BASE_SECONDS = env_int("REMINDER_RETRY_BASE_SECONDS", 60)
# A sweep still "running" after this long died with its worker (django-q kills tasks at its timeout).
REMINDER_SWEEP_STALE_SECONDS = env_int("REMINDER_SWEEP_STALE_SECONDS", Q_CLUSTER["timeout"] + 60)
# Chat and SMS channels (obligations.reminders.channels). 政务微信 deployments serve the 企业微信 API at
# their own address: set WECOM_BASE_URL to it (robots and the application both use it).
WECOM_BASE_URL = os.environ.get("WECOM_BASE_URL", "https://qyapi.weixin.qq.com").rstrip("/")
DINGTALK_BASE_URL = os.environ.get("DINGTALK_BASE_URL", "https://oapi.dingtalk.com").rstrip("/")
CHANNEL_CONNECT_TIMEOUT = float(os.environ.get("CHANNEL_CONNECT_TIMEOUT", "5"))
CHANNEL_READ_TIMEOUT = float(os.environ.get("CHANNEL_READ_TIMEOUT", "15"))
# Group robots take at most this many messages a minute (企业微信 and 钉钉 both document 20).
ROBOT_MESSAGES_PER_MINUTE = env_int("ROBOT_MESSAGES_PER_MINUTE", 20)
# Recurring obligations: occurrences kept ahead of today (at least this many, and this many days).
RECURRENCE_AHEAD_COUNT = env_int("RECURRENCE_AHEAD_COUNT", 3)
RECURRENCE_AHEAD_DAYS = env_int("RECURRENCE_AHEAD_DAYS", 90)

# --- Security -------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
CSRF_COOKIE_HTTPONLY = False  # forms read nothing from it; keeping the default simplifies AJAX
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "obligations.views.error_pages.csrf_failure"
# Every page uses only its own static files: no inline script or style, no CDN (intranets are offline).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Login throttling (django-axes) ---------------------------------------------------------------
# An account, and separately a client address, is locked after this many failed logins within the
# cool-off, for the cool-off (counted from the latest failure); supervisors unlock at /security/logins/.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Failures while locked are refused without extending the lock, so the retry time shown holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A successful login does not wipe the failures: it would wipe them for the whole address too.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "obligations.views.lockout_pages.lockout_response"
AXES_CLIENT_IP_CALLABLE = "obligations.security.lockouts.client_ip"
# No start-up banner on stderr: management commands promise one line there on bad input. Failed
# logins are still logged, with the username and address that count for the lock.
AXES_VERBOSE = False
# Reverse proxies (nginx) in front of the app that append to X-Forwarded-For; 0 = clients connect directly.
TRACKER_TRUSTED_PROXIES = env_int("TRACKER_TRUSTED_PROXIES", 0)

# --- Operations (obligations.ops): health, heartbeat, backups ----------------------------------------
# /healthz tells anonymous callers only {"status": ...}; this token (header "Authorization: Bearer …"),
# or a supervisor's session, gets the details.
TRACKER_HEALTH_TOKEN = os.environ.get("TRACKER_HEALTH_TOKEN", "")
# The qcluster writes a heartbeat every minute; older than this, /healthz says the cluster is down.
TRACKER_HEARTBEAT_MAX_AGE_SECONDS = env_int("TRACKER_HEARTBEAT_MAX_AGE_SECONDS", 180)
# Backups (manage.py backup / restore, and the nightly schedule 每日备份 at TRACKER_BACKUP_TIME).
TRACKER_BACKUP_DIR = Path(os.environ.get("TRACKER_BACKUP_DIR", VAR_DIR / "backups"))
TRACKER_BACKUP_TIME = os.environ.get("TRACKER_BACKUP_TIME", "02:30")
TRACKER_BACKUP_KEEP_DAILY = env_int("TRACKER_BACKUP_KEEP_DAILY", 7)
TRACKER_BACKUP_KEEP_MONTHLY = env_int("TRACKER_BACKUP_KEEP_MONTHLY", 6)
# A backup of many gigabytes of evidence outlasts Q_TIMEOUT; the nightly job gets this long.
TRACKER_BACKUP_TIMEOUT_SECONDS = env_int("TRACKER_BACKUP_TIMEOUT_SECONDS", 3600)
# /healthz reports a backup problem when the newest good nightly backup is older than this.
TRACKER_BACKUP_MAX_AGE_HOURS = env_int("TRACKER_BACKUP_MAX_AGE_HOURS", 48)
# Monitoring may call /healthz over plain HTTP on the server itself.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Every record is written once, by the root logger's handler: Django's own "django" handlers (a
# second console copy under DEBUG, mail to ADMINS without it) are dropped. A refused request
# (4xx: a 403, a 404) is logged as one line without the traceback of the exception that made it.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors_brief": {"()": "obligations.ops.log_filters.ClientErrorsBrief"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["client_errors_brief"],
        },
        "server": {"class": "logging.StreamHandler", "formatter": "server"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # runserver's access lines, once, in its own format.
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # urllib3 logs request lines, query strings (webhook keys, tokens) included, at DEBUG: never.
        "urllib3": {"level": "WARNING"},
    },
}
