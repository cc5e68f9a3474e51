"""peaceops settings: one module, driven only by environment variables.

| variable | default | meaning |
|---|---|---|
| DATABASE_URL | sqlite:///<repo>/var/peaceops.sqlite3 | database (SQLite or PostgreSQL 15+) |
| SECRET_KEY | a generated key kept in var/secret_key | Django secret key |
| DEBUG | false | Django debug mode |
| ALLOWED_HOSTS | 127.0.0.1,localhost | comma-separated host names |
| PEACEOPS_VAR_DIR | <repo>/var | where the SQLite file and generated secret live |
| PEACEOPS_LOGIN_MAX_FAILURES | 5 | failed sign-ins per user name and address before throttling |
| PEACEOPS_LOGIN_WINDOW_SECONDS | 900 | the window for the above |
| PEACEOPS_MAX_BODY_BYTES | 2097152 | larger request bodies are refused with 413 |
| PEACEOPS_MAX_UPLOAD_BYTES | 1073741824 | larger import uploads are refused with 413 |
| PEACEOPS_IMPORT_DEFER_INDEXES_ROWS | 50000 | first loads this large build indexes at the end |
| PEACEOPS_RULES_INTERVAL_MINUTES | 15 | how often the worker evaluates every early-warning rule |
| CSRF_TRUSTED_ORIGINS | (none) | comma-separated origins, for HTTPS behind a proxy |
| SECURE_COOKIES | false | send session and CSRF cookies over HTTPS only |
| CONN_MAX_AGE | 60 | PostgreSQL connection reuse, seconds |
| LOG_LEVEL | WARNING | root log level |
| EMAIL_HOST, EMAIL_PORT | localhost, 25 | SMTP server for notification email |
| EMAIL_HOST_USER, EMAIL_HOST_PASSWORD | (none) | SMTP sign-in, if the server needs one |
| EMAIL_USE_TLS, EMAIL_USE_SSL | false | STARTTLS, or TLS from the start (port 465) |
| EMAIL_TIMEOUT | 20 | SMTP timeout, seconds |
| DEFAULT_FROM_EMAIL | peaceops@localhost | sender of notification email |
| PEACEOPS_WEBHOOK_TIMEOUT_SECONDS | 10 | how long a webhook receiver may take to answer |
| PEACEOPS_NOTIFICATION_LEASE_SECONDS | 120 | a worker that died while sending: resent after this |
"""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("PEACEOPS_VAR_DIR", BASE_DIR.parent / "var"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    # A fresh machine gets its own key, stable across restarts, never committed.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG", False)
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves the Swagger UI assets locally instead of from a CDN
    "peaceops.core",
    "peaceops.accounts",
    "peaceops.missions",
    "peaceops.incidents",
    "peaceops.warning",
    "peaceops.forecasting",
    "peaceops.api",
    "peaceops.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "peaceops.urls"
WSGI_APPLICATION = "peaceops.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_default_sqlite = f"sqlite:///{VAR_DIR / 'peaceops.sqlite3'}"
SQLITE_MMAP_BYTES = 0x7FFF0000  # 2 GiB less 64 KiB: the most SQLite maps (SQLITE_MAX_MMAP_SIZE)
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_sqlite))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # WAL for concurrent readers during writes; foreign keys are on in Django's backend.
        # Pages of 16 KiB for a new database (no effect on an existing one): a bulk import
        # writes the same bytes in a quarter of the system calls. Reads through a memory map
        # of up to 2 GiB: no copy into a small per-connection cache; the map and dashboard's
        # aggregates over wide rows measured 20 to 35% faster (ADR 0018).
        "init_command": (
            "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            f"PRAGMA mmap_size={SQLITE_MMAP_BYTES};"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "60"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"

LOGIN_MAX_FAILURES = int(os.environ.get("PEACEOPS_LOGIN_MAX_FAILURES", "5"))
LOGIN_WINDOW_SECONDS = int(os.environ.get("PEACEOPS_LOGIN_WINDOW_SECONDS", "900"))

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

# An import of this many rows or more (estimated from the file) into a smaller incidents
# table drops the plain indexes and builds them at the end (ADR 0020); 0: never.
IMPORT_DEFER_INDEXES_ROWS = int(os.environ.get("PEACEOPS_IMPORT_DEFER_INDEXES_ROWS", "50000"))
# Uploaded import files above this size are refused with 413.
MAX_UPLOAD_BYTES = int(os.environ.get("PEACEOPS_MAX_UPLOAD_BYTES", str(1024**3)))
UPLOAD_DIR = VAR_DIR / "uploads"
# Request bodies (other than files) above this size are refused with 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("PEACEOPS_MAX_BODY_BYTES", str(2 * 1024 * 1024)))
# The worker evaluates every early-warning rule this often (rules also run on each save).
PEACEOPS_RULES_INTERVAL_MINUTES = int(os.environ.get("PEACEOPS_RULES_INTERVAL_MINUTES", "15"))

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("zh-hans", "简体中文"),
    ("ar", "العربية"),
    ("es", "Español"),
    ("ru", "Русский"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Static files are served by the platform itself (offline field offices: no CDN).
WHITENOISE_USE_FINDERS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Notifications (warning/delivery.py): email by SMTP, webhooks, and the worker's lease.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "peaceops@localhost")
WEBHOOK_TIMEOUT_SECONDS = int(os.environ.get("PEACEOPS_WEBHOOK_TIMEOUT_SECONDS", "10"))
NOTIFICATION_LEASE_SECONDS = int(os.environ.get("PEACEOPS_NOTIFICATION_LEASE_SECONDS", "120"))
