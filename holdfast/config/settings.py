"""holdfast settings: everything that differs between machines comes from the environment.

HOLDFAST_PROFILE=production turns on the production profile (DEBUG off, secure cookies, HSTS,
a content security policy) and refuses to start with a missing or unsafe SECRET_KEY.
"""
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("HOLDFAST_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PROFILE = os.environ.get("HOLDFAST_PROFILE", "development")
PRODUCTION = PROFILE == "production"
DEV_SECRET = "dev-only-insecure-secret-key-change-me-holdfast"

SECRET_KEY = os.environ.get("SECRET_KEY", "" if PRODUCTION else DEV_SECRET)
if PRODUCTION:
    unsafe = (
        not SECRET_KEY
        or SECRET_KEY == DEV_SECRET
        or SECRET_KEY.startswith("django-insecure")
        or len(SECRET_KEY) < 50
        or len(set(SECRET_KEY)) < 5
    )
    if unsafe:
        raise ImproperlyConfigured(
            "SECRET_KEY is missing or unsafe: the production profile needs a random value of at "
            "least 50 characters (python -c 'import secrets; print(secrets.token_urlsafe(64))')."
        )

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    # DEBUG pages leak settings and source; a stray DEBUG=1 must not reach production.
    raise ImproperlyConfigured("DEBUG cannot be on in the production profile.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# How many reverse proxies in front of us append to X-Forwarded-For (login throttling keys on the client address).
TRUSTED_PROXIES = int(os.environ.get("HOLDFAST_TRUSTED_PROXIES", "0"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    # Installed so /api/docs renders ninja's bundled Swagger assets from our own static files:
    # the CSP allows scripts and styles only from 'self', which the default CDN page would break.
    "ninja",
    "django_tasks_db",
    "holdfast.core.tenancy",
    "holdfast.core.accounts",
    "holdfast.core.audit",
    "holdfast.core.events",
    "holdfast.core.customers",
    "holdfast.core.inventory",
    "holdfast.core.bookings",
    "holdfast.core.billing",
    "holdfast.verticals.estate",
    "holdfast.verticals.apartments",
    "holdfast.verticals.hotel",
    "holdfast.verticals.storage",
    "holdfast.verticals.petcare",
    "holdfast.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "holdfast.kit.api.ApiRequestLimitsMiddleware",  # over-long API query strings: a 414 problem, not a 500
    # Static files from the application server itself (make run, gunicorn); a reverse proxy may serve /static/ instead.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "holdfast.core.tenancy.middleware.CorrelationIdMiddleware",
    "holdfast.core.tenancy.middleware.CurrentTenantMiddleware",
    "holdfast.core.tenancy.middleware.VerticalGuardMiddleware",
    "holdfast.core.tenancy.middleware.BusinessTimeMiddleware",
    "holdfast.core.events.idempotency.IdempotencyMiddleware",
    "holdfast.web.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "holdfast.config.urls"
WSGI_APPLICATION = "holdfast.config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "holdfast.web.context.shell",
            ],
            # Date filters every template may use without {% load %} (weekday forms of the locale's style).
            "builtins": ["holdfast.kit.date_filters"],
        },
    }
]

# SQLite is the embedded default for `make run`; PostgreSQL is the system of record.
DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'holdfast.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", DEFAULT_SQLITE), conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Writes are serialised on SQLite: take the write lock at BEGIN so a read-then-write
    # transaction cannot be overtaken between its check and its write.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Login throttling: this many failures for one email (or, below, one address) in the window lock it out.
LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
# One address is often many people (an office NAT, a reverse proxy): it gets a larger allowance so a
# few people mistyping do not lock everyone behind it out, while guessing across emails is still stopped.
LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_MAX_FAILURES_PER_ADDRESS", str(4 * LOGIN_MAX_FAILURES)))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", "900"))

LANGUAGE_CODE = "en-us"
# A business shows dates in its locale's one style (config/formats) and times in its own zone (kit.dates).
LANGUAGES = [("en-us", "English (United States)"), ("en-gb", "English (United Kingdom and international)")]
FORMAT_MODULE_PATH = ["holdfast.config.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Uploaded files (facility photos and documents) go through Django's storage API; local files by default.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", PROJECT_DIR / "staticfiles"))
# Outside production whitenoise also finds files in the apps (tests, make run before any collectstatic);
# production serves what `collectstatic` put in STATIC_ROOT.
WHITENOISE_USE_FINDERS = not PRODUCTION

# Email goes through Django's mailers. EMAIL_BACKEND=smtp (default in production) uses EMAIL_HOST etc.;
# the development default prints messages to the console.
EMAIL_BACKEND_NAME = os.environ.get("EMAIL_BACKEND", "smtp" if PRODUCTION else "console")
_EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
_mailer = {"BACKEND": _EMAIL_BACKENDS.get(EMAIL_BACKEND_NAME, EMAIL_BACKEND_NAME)}
if _mailer["BACKEND"].endswith("smtp.EmailBackend"):
    _mailer["OPTIONS"] = {
        "host": os.environ.get("EMAIL_HOST", "127.0.0.1"),
        "port": int(os.environ.get("EMAIL_PORT", "25")),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS"),
        "timeout": int(os.environ.get("EMAIL_TIMEOUT", "10")),
    }
MAILERS = {"default": _mailer}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "holdfast <no-reply@holdfast.local>")

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Outbox delivery and webhooks.
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "5"))
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", "8"))
# Retention in days (the worker's hourly sweeps). Audit entries are kept for good.
RETENTION_DAYS = {
    "outbox": int(os.environ.get("HOLDFAST_RETENTION_OUTBOX_DAYS", "30")),  # finished events and their deliveries
    "login_attempts": int(os.environ.get("HOLDFAST_RETENTION_LOGIN_ATTEMPTS_DAYS", "30")),
    "read_notifications": int(os.environ.get("HOLDFAST_RETENTION_READ_NOTIFICATIONS_DAYS", "180")),
    "system_logs": int(os.environ.get("HOLDFAST_RETENTION_SYSTEM_LOGS_DAYS", "90")),
}
# Tenants' webhooks may reach loopback/private addresses only where that is safe (development, tests).
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("HOLDFAST_WEBHOOK_ALLOW_PRIVATE", default=not PRODUCTION)
IDEMPOTENCY_TTL_HOURS = int(os.environ.get("IDEMPOTENCY_TTL_HOURS", "24"))
# Row-lock wait before a busy answer (PostgreSQL lock_timeout).
LOCK_TIMEOUT_MS = int(os.environ.get("LOCK_TIMEOUT_MS", "2000"))

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the cookie-less meta tag; kept default.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
