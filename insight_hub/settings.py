"""The hub's one settings module.

Everything comes from the environment (see `.env.example`); a bad value stops start-up with a message
naming the variable, rather than running with a surprising default. With `DATABASE_URL` and `REDIS_URL`
unset the hub runs on its embedded default (SQLite, Celery eager): for a first look, not for production.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A developer's `.env` file, when there is one; the real environment always wins.
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """A boolean that refuses anything but the usual spellings (django-environ reads "ture" as False)."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false (1/0, yes/no, on/off), not {raw!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see .env.example)")
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105 - never used with DEBUG off
elif not DEBUG and len(SECRET_KEY) < 40:
    raise ImproperlyConfigured("SECRET_KEY must be at least 40 characters long when DEBUG is off")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Absolute address of the hub, used in QR codes on posters and links in emails.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"SITE_URL must start with http:// or https://, not {SITE_URL!r}")

# The public notices every page's footer links to. SOURCE_CODE_URL is the repository the hub's code is read
# at (the footer's "Source code"; no link when unset). The two addresses are where people ask about their
# personal data and report an accessibility problem; unset, the notices send them to the trust's own.
SOURCE_CODE_URL = os.environ.get("SOURCE_CODE_URL", "").strip()
if SOURCE_CODE_URL and not SOURCE_CODE_URL.startswith("https://"):
    raise ImproperlyConfigured(f"SOURCE_CODE_URL must start with https://, not {SOURCE_CODE_URL!r}")
PRIVACY_CONTACT_EMAIL = os.environ.get("PRIVACY_CONTACT_EMAIL", "").strip()
ACCESSIBILITY_CONTACT_EMAIL = os.environ.get("ACCESSIBILITY_CONTACT_EMAIL", "").strip()
for _name in ("PRIVACY_CONTACT_EMAIL", "ACCESSIBILITY_CONTACT_EMAIL"):
    if vars()[_name] and "@" not in vars()[_name]:
        raise ImproperlyConfigured(f"{_name} must be an email address, not {vars()[_name]!r}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "insight_hub",
    "insight_hub.organisations",
    "insight_hub.themes",
    "insight_hub.privacy",
    "insight_hub.notifications",
    "insight_hub.operations",
    "insight_hub.search",
    "feedback",
    "stories",
    "dashboards",
    "charters",
    "dashboards.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads request.POST: a form body Django cannot decode is refused with a 400 here.
    "insight_hub.middleware.RequestBodyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "insight_hub.cache_control.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it must see the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "insight_hub.urls"
WSGI_APPLICATION = "insight_hub.wsgi.application"

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
                "insight_hub.organisations.context_processors.scope",
                "insight_hub.notices.footer",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]
# Field templates in templates/django/forms/ give every form the NHS.UK markup.
FORM_RENDERER = "insight_hub.forms.NHSFormRenderer"

# Embedded default: SQLite beside the code. Production, CI and docker-compose set DATABASE_URL.
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"].get("ENGINE") not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
    raise ImproperlyConfigured(
        f"DATABASE_URL must be a postgres:// (or sqlite://) address, not {os.environ.get('DATABASE_URL')!r}"
    )
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded default serves threaded requests (runserver): a writer waits up to 20 s for the lock rather
    # than failing with "database is locked", takes it when its transaction begins (so two transactions never
    # deadlock upgrading a read to a write), and readers go on while it writes (WAL).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
# A dropped connection (a PostgreSQL restart) is noticed and replaced rather than reused.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after a working day of inactivity and when the browser closes.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60, minimum=300)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie, but keep forms simple

# django-axes: lock a username + address pair out after repeated failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Security headers. HSTS, secure cookies and HTTPS redirect whenever DEBUG is off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading binds every subdomain of the registered domain and is slow to undo: the domain's owner
        # opts in (SECURE_HSTS_PRELOAD=true), so `check --deploy` does not warn about a deliberate "no".
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Behind a TLS-terminating proxy (docker-compose's web sits behind one in production).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# Health checks come over plain HTTP from inside the container network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content Security Policy: no inline scripts, no third-party origins. htmx's own indicator styles are
# switched off (htmx-config meta) so that no inline style is injected either.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed names need a collectstatic run; DEBUG serves from the finders instead.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploads larger than this are refused before they reach an importer.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Public survey form: accepted posts per client address and service in 10 minutes.
PUBLIC_FORM_RATE_LIMIT = env_int("PUBLIC_FORM_RATE_LIMIT", 60, minimum=1)
MAX_IMPORT_FILE_BYTES = env_int("MAX_IMPORT_FILE_BYTES", 200 * 1024 * 1024, minimum=1024)
# Board reports: days a generated report's files are kept before the hourly cleanup deletes them.
BOARD_REPORT_RETENTION_DAYS = env_int("BOARD_REPORT_RETENTION_DAYS", 30, minimum=1)
# A stories file (CSV or Care Opinion JSON) is read into memory whole, so its limit is lower.
MAX_STORY_IMPORT_BYTES = env_int("MAX_STORY_IMPORT_BYTES", 20 * 1024 * 1024, minimum=1024)

# Limits on what is decompressed and parsed, each checked before the work starts and refused with a message
# (insight_hub/limits.py applies them; README "Security", "Limits"). Overridable where the right value depends
# on the machine; the rest are fixed because no real file comes near them.
# An XLSX file is a ZIP archive: its members' unpacked size, all together and for the shared text (which
# openpyxl holds in memory whole), and how much smaller than that each member is packed.
_MIB = 1024 * 1024
XLSX_MAX_UNCOMPRESSED_BYTES = env_int("XLSX_MAX_UNCOMPRESSED_BYTES", 1024 * _MIB, minimum=_MIB)
XLSX_MAX_SHARED_STRINGS_BYTES = env_int("XLSX_MAX_SHARED_STRINGS_BYTES", 64 * _MIB, minimum=_MIB)
XLSX_MAX_SHARED_STRINGS = 1_000_000
XLSX_MAX_COMPRESSION_RATIO = 100  # real workbooks pack 2 to 25 times; a bomb packs about 1,000 times
XLSX_MAX_ROWS = 1_048_576  # Excel's own limit
# A file to import: its columns, all its cells (a spreadsheet's, counted as read), a CSV line's length.
IMPORT_MAX_COLUMNS = 1000
IMPORT_MAX_CELLS = 30_000_000
IMPORT_MAX_LINE_BYTES = 2 * _MIB
CSV_MAX_FIELD_CHARS = 131_072  # the csv module's own default, set explicitly
# JSON bodies and files (the prediction API, Care Opinion exports): nesting depth and a whole number's digits.
JSON_MAX_DEPTH = 32
JSON_MAX_INT_DIGITS = 30
# The prediction API: what the tagger does well inside one request (about 70,000 characters a second on one
# core of the project's CI machine, so the largest request takes seconds, far inside gunicorn's 30).
API_MAX_BODY_BYTES = 4 * _MIB
API_MAX_COMMENTS = 1000
API_MAX_COMMENT_CHARS = 20_000
API_MAX_CHARS_PER_REQUEST = env_int("API_MAX_CHARS_PER_REQUEST", 300_000, minimum=1000)

# Email: the console by default, so password-reset links appear in the terminal on a first look.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Insight Hub <no-reply@insight-hub.invalid>")
# A safety concern unanswered this many working days (weekends, England's bank holidays excluded) goes to
# the trust's deputy safety lead, and after as many again to the ICB's lead (stories.safety).
SAFETY_ESCALATE_AFTER_WORKING_DAYS = env_int("SAFETY_ESCALATE_AFTER_WORKING_DAYS", 2, minimum=1)

# Celery. With REDIS_URL unset, tasks run eagerly in the web process (the embedded default only).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL must be a redis:// or rediss:// address, not {REDIS_URL!r}")
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# A task whose worker died without acknowledging it (acks_late) is handed out again after this many seconds;
# it must exceed the longest task, or a task still running is handed out twice (harmless, tasks are
# idempotent, but wasted work). Redis is checked for such tasks every tenth of it, at most every 10 s.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 60 * 60, minimum=5)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": max(1, min(10, CELERY_VISIBILITY_TIMEOUT // 10)),
    "unacked_restore_throttle": 1,
}
# The untagged sweep (every minute, celery beat) re-queues items still untagged this many seconds after they
# were saved: their signal was lost (Redis down). Longer than a queued item normally waits for a worker.
TAGGING_SWEEP_AFTER_SECONDS = env_int("TAGGING_SWEEP_AFTER_SECONDS", 10 * 60, minimum=1)

# Care Opinion API v2 (stories.care_opinion): the subscription's HTTP header key (unset: no sync runs) and the
# opinions endpoint. Care Opinion allows 5 requests a second; the sync never goes faster.
CARE_OPINION_API_KEY = os.environ.get("CARE_OPINION_API_KEY", "").strip()
CARE_OPINION_API_URL = os.environ.get(
    "CARE_OPINION_API_URL", "https://www.careopinion.org.uk/api/v2/opinions"
).rstrip("/")
if not CARE_OPINION_API_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"CARE_OPINION_API_URL must start with https://, not {CARE_OPINION_API_URL!r}")
# Seconds to wait for Care Opinion to answer one request before it counts as a fault (retried, then the run
# stops with its position saved).
CARE_OPINION_TIMEOUT_SECONDS = env_int("CARE_OPINION_TIMEOUT_SECONDS", 30, minimum=1)

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {LOG_LEVEL!r}"
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
