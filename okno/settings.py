"""Django settings for okno: every deployment choice comes from an environment variable (see README)."""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from okno.core.env import (
    ConfigurationError,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    env_time_zone,
)

PACKAGE_DIR = Path(__file__).resolve().parent

DATA_DIR = Path(env_str("OKNO_DATA_DIR", "var")).expanduser().resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("OKNO_DEBUG", False)


def _secret_key() -> str:
    """The configured key, or one generated once and kept in the data folder."""
    configured = env_str("OKNO_SECRET_KEY")
    if configured:
        if len(configured) < 32:
            raise ConfigurationError("OKNO_SECRET_KEY must be at least 32 characters long.")
        return configured
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
#: The address citizens reach the site at, for links in SMS and e-mail messages.
OKNO_PUBLIC_URL = env_str("OKNO_PUBLIC_URL", "http://127.0.0.1:8000") or "http://127.0.0.1:8000"
ALLOWED_HOSTS = env_list("OKNO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("OKNO_CSRF_TRUSTED_ORIGINS", [])
if env_bool("OKNO_BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "simple_history",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "okno.core",
    "okno.notifications",
    "okno.catalog",
    "okno.staff",
    "okno.queueing",
    "okno.appointments",
    "okno.feedback",
    "okno.cases",
    "okno.analytics",
    "okno.portal",
    "okno.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "okno.core.middleware.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "okno.urls"
ASGI_APPLICATION = "okno.asgi.application"
WSGI_APPLICATION = "okno.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "okno.core.context_processors.site",
            ],
        },
    },
]

# --- database -------------------------------------------------------------
_default_sqlite = f"sqlite:///{DATA_DIR / 'okno.sqlite3'}"
try:
    _db = dj_database_url.parse(
        env_str("DATABASE_URL", _default_sqlite) or _default_sqlite,
        conn_max_age=env_int("OKNO_DB_CONN_MAX_AGE", 0, minimum=0),
        conn_health_checks=True,
    )
except ValueError as error:
    raise ConfigurationError(
        f"DATABASE_URL is not a database URL okno understands: {error}"
    ) from None
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so concurrent writers queue
    # instead of failing half-way; WAL lets readers go on while one writes.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL;",
    }
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORMS_URLFIELD_ASSUME_HTTPS = True

# --- cache and live events -------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "okno",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- background work: notifications, reminders --------------------------------------------
# "immediate" runs each task in the process that queued it (the embedded default and the tests);
# "database" queues tasks in the database for `okno worker` (production: requests never wait on
# an SMS gateway, and a task survives a restart).
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS = {
    "default": {
        "BACKEND": _TASK_BACKENDS[
            env_choice("OKNO_TASKS_BACKEND", "immediate", list(_TASK_BACKENDS))
        ]
    }
}

# --- notifications (e-mail, SMS): see okno/notifications ------------------------------------
# "console" prints messages (and keeps them in memory for tests): the default, so a demo sends
# nothing to anybody. Production sets OKNO_SMS_BACKEND=http and OKNO_EMAIL_BACKEND=smtp.
OKNO_SMS_BACKEND = env_choice("OKNO_SMS_BACKEND", "console", ["console", "http"])
OKNO_SMS_GATEWAY_URL = env_str("OKNO_SMS_GATEWAY_URL")
OKNO_SMS_GATEWAY_TOKEN = env_str("OKNO_SMS_GATEWAY_TOKEN")
OKNO_SMS_SENDER = env_str("OKNO_SMS_SENDER")
OKNO_SMS_TIMEOUT = env_int("OKNO_SMS_TIMEOUT", 10, minimum=1)
if OKNO_SMS_BACKEND == "http" and not OKNO_SMS_GATEWAY_URL.startswith(("https://", "http://")):
    raise ConfigurationError(
        "OKNO_SMS_BACKEND=http needs OKNO_SMS_GATEWAY_URL, an https:// (or http://) address."
    )
OKNO_EMAIL_BACKEND = env_choice("OKNO_EMAIL_BACKEND", "console", ["console", "smtp"])
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env_str("OKNO_EMAIL_HOST", "localhost") or "localhost"
EMAIL_PORT = env_int("OKNO_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("OKNO_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("OKNO_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("OKNO_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = SERVER_EMAIL = env_str("OKNO_EMAIL_FROM", "okno@localhost") or "okno@localhost"
if OKNO_EMAIL_BACKEND == "smtp" and "@" not in env_str("OKNO_EMAIL_FROM"):
    raise ConfigurationError(
        "OKNO_EMAIL_BACKEND=smtp needs OKNO_EMAIL_FROM, the sender address (okno@example.gov)."
    )
# Rows older than this lose their recipient and text (data minimisation); the rest stays as a count.
OKNO_NOTIFICATION_RETENTION_DAYS = env_int("OKNO_NOTIFICATION_RETENTION_DAYS", 90, minimum=1)
#: Satisfaction by age band, gender or disability is shown only for groups of at least this many
#: ratings, so that nobody in a small group can be recognised.
OKNO_MIN_GROUP_RATINGS = env_int("OKNO_MIN_GROUP_RATINGS", 10, minimum=1)
#: Today's figures are computed from the raw tables and shared for this many seconds (0: never).
OKNO_LIVE_FIGURES_SECONDS = env_int("OKNO_LIVE_FIGURES_SECONDS", 60, minimum=0)
# Periodic jobs (reminders, retries, clean-up) run in a thread of `okno serve`; with several app
# servers, set 0 and run them in `okno worker` instead (they are safe to run twice, but need not).
OKNO_PERIODIC_IN_SERVE = env_bool("OKNO_PERIODIC_IN_SERVE", True)

# --- people and passwords --------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "staff:login"
LOGIN_REDIRECT_URL = "staff:home"
LOGOUT_REDIRECT_URL = "portal:home"

# --- languages and time ------------------------------------------------------
LANGUAGES = [
    ("uk", _("Ukrainian")),
    ("ru", _("Russian")),
    ("pl", _("Polish")),
    ("kk", _("Kazakh")),
    ("en", _("English")),
]
LANGUAGE_CODE = env_choice("OKNO_LANGUAGE_CODE", "uk", [code for code, _name in LANGUAGES])
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_time_zone("OKNO_TIME_ZONE", "Europe/Kyiv")

# --- static files ------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# okno/static (the site's stylesheet) belongs to no app, so the app finder would not see it.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
# Files are found in the package when `collectstatic` has not run (tests, `okno manage runserver`).
WHITENOISE_USE_FINDERS = True
WHITENOISE_MAX_AGE = 3600

# --- logging: no personal data, ever; requests are not logged with their query strings -------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("OKNO_LOG_LEVEL", "INFO") or "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

SILENCED_SYSTEM_CHECKS: list[str] = []
