"""Settings for Bangkit Berdaya, read from the environment (and an optional .env file)."""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
TESTING = env.bool("BANGKIT_TESTING", default=False)

SECRET_KEY = env("SECRET_KEY", default="")
# The release this server runs (e.g. its commit); empty: a digest of the source stands for it
# (the dashboard's cache is keyed by it, dashboards.cache.code_version).
RELEASE = env("RELEASE", default="")
if not SECRET_KEY:
    if DEBUG or TESTING:
        # Only for a developer's machine: never used when DEBUG is off.
        SECRET_KEY = "django-insecure-local-development-key-not-for-production"
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY belum diisi. Set the SECRET_KEY environment variable (a long random "
            "string) before running Bangkit Berdaya with DEBUG=False."
        )

# A separate key for hashing NIKs, so rotating SECRET_KEY (sessions) does not orphan supports.
NIK_HASH_KEY = env("NIK_HASH_KEY", default=SECRET_KEY)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_fsm",
    "import_export",
    "simple_history",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "django_prometheus",
    "bangkit",
    "proposals",
    "budgets",
    "verification",
    "procurement",
    "reporting",
    "portal",
    "dashboards",
    "audit",
    "demo",
]

MIDDLEWARE = [
    # First and last: request counts and latency (django-prometheus), every response included.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # The request id for the logs and the X-Request-ID header (bangkit/logs.py).
    "bangkit.logs.RequestIdMiddleware",
    # A too-large declared body is refused before anything reads it.
    "bangkit.middleware.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy header (settings below), static files included.
    "bangkit.content_policy.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The public pages kept for visitors, served before sessions and authentication run.
    "portal.public_cache.KeptPagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the user and messages are known, so its 400 page shows the usual menu.
    "bangkit.middleware.RejectNulCharactersMiddleware",
    # Out-of-scope objects are a 404 and an uncaught refusal a page with its message, for
    # every view (bangkit/refusals.py).
    "bangkit.refusals.RefusalMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it must see the authentication outcome.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "bangkit.urls"
WSGI_APPLICATION = "bangkit.wsgi.application"

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
                "portal.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections (a new PostgreSQL connection per request halved the public pages'
# throughput: /sk/<id>/ 150 → 365 req/s), checked before reuse so a restarted database
# server costs one retry, not an error. CONN_MAX_AGE=0 turns them off.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=True))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Serialise writers instead of failing with "database is locked" under the dev server.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )

# Rate limits count in the cache, so it must be shared by every app server and worker: by
# default the database (its table is made by `migrate`, bangkit migration 0005); CACHE_URL
# (or REDIS_URL), e.g. redis://127.0.0.1:6379/1, replaces it. Redis goes through Django's own
# backend (the `redis` package); any other URL through django-environ.
CACHE_URL = env("CACHE_URL", default="") or env("REDIS_URL", default="")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            # Django's Redis backend; an outage degrades to uncached pages (bangkit/cache.py).
            "BACKEND": "bangkit.cache.RedisCache",
            "LOCATION": CACHE_URL,
            # Several sites on one Redis keep apart by prefix.
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="bangkit"),
            "TIMEOUT": 300,
            # An unreachable host costs a request half a second, not a worker.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
elif CACHE_URL:
    CACHES = {"default": env.cache_url_config(CACHE_URL)}
else:
    CACHES = {
        "default": {
            "BACKEND": "bangkit.cache.DatabaseCache",
            "LOCATION": "bangkit_cache",
            # Culling past MAX_ENTRIES drops live counts too: keep room for many clients.
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }

# Sessions live in the database, shared by every app server; with Redis as the cache they are
# read from it first (cached_db), still written to the database so a Redis restart signs
# no one out. SESSION_ENGINE overrides either.
SESSION_ENGINE = env(
    "SESSION_ENGINE",
    default="django.contrib.sessions.backends.cached_db"
    if CACHES["default"]["BACKEND"].endswith("RedisCache")
    else "django.contrib.sessions.backends.db",
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "bangkit.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lock an account+address pair out after repeated failures (django-axes). Its failures are
# rows in the database (axes' default database handler), so every app server counts them.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_USERNAME_CALLABLE = "bangkit.signin.axes_username"

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia")]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True
# Numbers are grouped the Indonesian way by the `rupiah` and `angka` template filters;
# a global separator would print years as "2.026".
USE_THOUSAND_SEPARATOR = False
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# Static files under DEBUG=False: collectstatic writes hashed names (app.3f2a….css) with gzip
# and Brotli copies; whitenoise serves those names with "Cache-Control: max-age=315360000,
# public, immutable", so a repeat visit on a slow phone link downloads no script or style
# again (tests/bangkit/test_settings.py; figures in docs/BENCHMARKS.md).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG or TESTING:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

# Optional S3-compatible object storage for media (MinIO, AWS, Wasabi …).
if env("AWS_STORAGE_BUCKET_NAME", default=""):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env("AWS_S3_REGION_NAME", default=None),
            "access_key": env("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env("AWS_SECRET_ACCESS_KEY", default=None),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            # "path" for MinIO, moto and most self-hosted stores; "virtual" or "auto" for AWS.
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default="auto"),
            "signature_version": env("AWS_S3_SIGNATURE_VERSION", default="s3v4"),
            # A prefix inside the bucket, so one bucket can hold several environments.
            "location": env("AWS_LOCATION", default=""),
        },
    }

# Mail (notifications, password reset) from EMAIL_URL, e.g. smtp+tls://user:pass@host:587;
# the console in development.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Bangkit Berdaya <noreply@jambikota.go.id>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background tasks (Django's tasks API, the django-tasks backport): by default kept in this
# database and run by `manage.py db_worker` (which `make run` starts beside the web server),
# so no extra server is needed; TASKS_BACKEND names a real queue's backend in production
# (e.g. django_tasks_rq.RQBackend). The test suite runs each task at once, in process.
TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
if TESTING:
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# /healthz answers 503 once a task has waited this long: no worker is taking them.
TASKS_STALE_MINUTES = env.int("TASKS_STALE_MINUTES", default=15)

# Uploads: refuse oversize bodies early; each attachment is checked again by content.
MAX_ATTACHMENT_BYTES = env.int("MAX_ATTACHMENT_BYTES", default=10 * 1024 * 1024)
# The whole request body, refused from its Content-Length before any of it is read
# (bangkit/middleware.py; nginx's client_max_body_size should say the same): room for the
# largest form, ten attachments at once (proposals/forms.py MAX_FILES_PER_UPLOAD).
MAX_REQUEST_BODY_BYTES = env.int(
    "MAX_REQUEST_BODY_BYTES", default=10 * MAX_ATTACHMENT_BYTES + 2 * 1024 * 1024
)
# The non-file fields of one request (Django counts them while parsing).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=12 * 1024 * 1024)
# An uploaded file larger than this goes to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
FILE_UPLOAD_TEMP_DIR = env("FILE_UPLOAD_TEMP_DIR", default=None)

# Public pages rate-limit per client address: behind N reverse proxies, read the address the
# outermost one saw from X-Forwarded-For (README: production runs behind one proxy).
RATELIMIT_PROXY_COUNT = env.int("RATELIMIT_PROXY_COUNT", default=0)
if RATELIMIT_PROXY_COUNT:
    # The sign-in lock-out must count the real client, not the proxy everyone shares.
    AXES_IPWARE_PROXY_COUNT = RATELIMIT_PROXY_COUNT
    AXES_IPWARE_PROXY_ORDER = "right-most"
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

# The public address, printed in decrees' QR codes (e.g. https://bangkit.jambikota.go.id).
SITE_URL = env("SITE_URL", default="")

DEMO_PASSWORD = env("DEMO_PASSWORD", default="bangkit-demo")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not TESTING)
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not TESTING)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not TESTING)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
# The proxy's health probe and the metrics scraper speak plain HTTP to the app server: never
# redirect them.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]

# /metrics (bangkit/metrics.py) is not public: a bearer token or a list of addresses allows it.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp 4 format). Everything comes from this site; no inline
# <script>, no on…= attribute, no inline style="…" or <style> in any page: scripts and styles
# live in static/ (WeasyPrint's PDF templates keep theirs: they never reach a browser).
# PDFs and photos opened on their own go without it (bangkit/content_policy.py says why).
# blob: images are the photo-upload previews (URL.createObjectURL of the chosen file).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "img-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# The public map (/proyek/) draws its shapes without any tile server. When set (e.g.
# https://tile.openstreetmap.org/{z}/{x}/{y}.png), map tiles from there are laid underneath
# and the policy lets the browser load images from that origin.
PUBLIC_MAP_TILES_URL = env("PUBLIC_MAP_TILES_URL", default="")
PUBLIC_MAP_TILES_ATTRIBUTION = env(
    "PUBLIC_MAP_TILES_ATTRIBUTION", default="© kontributor OpenStreetMap"
)
if PUBLIC_MAP_TILES_URL:
    from urllib.parse import urlsplit

    _tiles = urlsplit(PUBLIC_MAP_TILES_URL)
    _host = _tiles.netloc.replace("{s}.", "*.")  # {s}: Leaflet's subdomains a, b, c
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(f"{_tiles.scheme}://{_host}")

IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# Logs go to standard error (journald under systemd), one JSON object a line with the request
# id, personal data redacted (bangkit/logs.py); LOG_FORMAT=text for a developer's terminal.
LOG_FORMAT = env("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "bangkit.logs.RedactPersonalData"}},
    "formatters": {
        "json": {"()": "bangkit.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # One line per request; ACCESS_LOG=False leaves them to nginx.
        "bangkit.access": {"level": "INFO" if env.bool("ACCESS_LOG", default=True) else "WARNING"},
        # django.server repeats the access line under runserver.
        "django.server": {"level": "WARNING"},
    },
}
