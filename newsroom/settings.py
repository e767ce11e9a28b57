"""Newsroom settings: one module, configured from the environment only.

Every variable read here is listed in the README. With ``DJANGO_DEBUG`` unset the settings are the
production ones: a secret key is required and cookies, HSTS and the HTTPS redirect are on.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from newsroom.origin import accepted, parse_origin

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    # Development only: a fixed key is harmless when DEBUG is on and nothing is public.
    SECRET_KEY = "django-insecure-development-key-do-not-use-in-production"  # noqa: S105

# The site's one public origin: the only source of scheme, host and port for every absolute
# address written (newsroom/origin.py). Requests naming another host or port, or one that is
# not an alias, answer 400. Development (DEBUG on) defaults to `make run`'s address.
if os.environ.get("DJANGO_ALLOWED_HOSTS"):
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS is replaced by DJANGO_SITE_URL (the public origin) and "
        "DJANGO_SITE_ALIASES (other host[:port] names it answers to): see the README."
    )
_site_url = os.environ.get("DJANGO_SITE_URL", "").strip()
if not _site_url:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SITE_URL must be set when DJANGO_DEBUG is off (e.g. https://news.example)."
        )
    _site_url = "http://127.0.0.1:8000"
SITE_URL = parse_origin(_site_url)
SITE_ALIASES = env_list("DJANGO_SITE_ALIASES", "localhost,127.0.0.1,[::1]" if DEBUG else "")
# Django's own host check stays on as a second line (it ignores ports; OriginMiddleware does not).
ALLOWED_HOSTS = sorted(
    f"[{host}]" if ":" in host else host for host, _ in accepted(SITE_URL, tuple(SITE_ALIASES))
)
# Forms posted from the public origin are trusted even when a TLS proxy in front speaks plain
# HTTP to the app server.
CSRF_TRUSTED_ORIGINS = [SITE_URL, *env_list("DJANGO_CSRF_TRUSTED_ORIGINS")]

INSTALLED_APPS = [
    # The domain, then the desk (the admin) on top of it.
    "articles",
    "desk",
    "reader",
    "newsroom.apps.NewsroomAdminConfig",
    "django.contrib.auth",
    # Failed sign-ins, counted in the database (newsroom/security.py).
    "axes",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_filters",
    # "taggit" is deliberately absent: our own Tag and TaggedArticle models replace its tables.
]

MIDDLEWARE = [
    # First: a request for another host or port is refused before anything can cache it.
    "newsroom.origin.OriginMiddleware",
    # Then a body over the size cap, before anything reads it.
    "newsroom.security.RequestSizeLimitMiddleware",
    # ETag on every page and a 304 when the reader's copy is current, cached pages included.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "newsroom.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions and auth: a cached page for an anonymous reader needs neither.
    "reader.cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A merged tag's old page and feeds: a 301 on their 404 (reader/redirects.py).
    "reader.redirects.MergedTagRedirectMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a sign-in refused for too many failures into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

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


# Database: SQLite (WAL) unless DATABASE_URL names another database.
def sqlite_options():
    # IMMEDIATE takes the write lock when a transaction starts, so a transaction that reads and
    # then writes waits for the busy timeout instead of failing with "database is locked".
    return {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # A 32 MiB page cache per connection (SQLite's default is 2 MiB): connections are kept
        # (CONN_MAX_AGE), so the index and row pages every page reads stay in memory instead of
        # being read again through the operating system (at 100,000 stories the person page
        # cost 20% less, search 15%). It is a ceiling, filled only as pages are read.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32768;"
        ),
    }


DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = sqlite_options()
    # Opening a SQLite connection (and running the pragmas) costs more than many a query.
    DATABASES["default"]["CONN_MAX_AGE"] = 600
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DJANGO_DB_PREPARED_STATEMENTS", True
):
    # Parameters bound by the server, and a statement run five times on a connection prepared
    # there (psycopg's prepare_threshold): PostgreSQL then plans the site's busiest queries once
    # per connection instead of on every request (planning was most of the server's time on a
    # person page). Measured with and without, same run (make ablation, 2,000 articles): 15% of
    # the filtered list's and the search's CPU, 18% of the person page's. A pooler in
    # transaction mode (PgBouncer before 1.21) cannot keep prepared statements: turn this off
    # there.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
# A connection dropped by the server is noticed and replaced instead of failing a request
# (Django's SELECT 1 before a request's first query; a check that skipped that round trip on
# quiet connections saved at most 8% of a page's CPU, under the 10% a mechanism must earn).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# Cache: DJANGO_CACHE_URL, e.g. file:///var/cache/newsroom, redis://host:6379/0, locmem://, dummy://
def parse_cache_url(url):
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme == "file":
        return {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": parts.path,
            # The default of 300 entries is far below a site's worth of pages.
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    if scheme in {"redis", "rediss"}:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
        }
    if scheme == "db":
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": parts.netloc or parts.path.lstrip("/") or "newsroom_cache",
        }
    if scheme == "locmem":
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": parts.netloc or "newsroom",
        }
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(f"DJANGO_CACHE_URL has an unknown scheme: {scheme!r}")


CACHES = {
    "default": parse_cache_url(
        os.environ.get("DJANGO_CACHE_URL", f"file://{BASE_DIR / 'var' / 'cache'}")
    )
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Static files are served by whitenoise; media (uploads) from MEDIA_ROOT.
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
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

# Uploads on shared S3-compatible storage for several app servers (docs/deploy.md); needs
# django-storages installed where it is used.
if os.environ.get("DJANGO_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["DJANGO_S3_BUCKET"],
            "endpoint_url": os.environ.get("DJANGO_S3_ENDPOINT_URL") or None,
            "custom_domain": os.environ.get("DJANGO_S3_CUSTOM_DOMAIN") or None,
            "querystring_auth": False,
            "file_overwrite": False,
        },
    }

# django-taggit: "US" and "us" are one tag.
TAGGIT_CASE_INSENSITIVE = True
# taggit's own rule for a typed list of tags (with a comma, commas separate; without, spaces),
# applied after dropping invisible characters; the importer's "Tags:" line uses it too.
TAGGIT_TAGS_FROM_STRING = "articles.names.parse_tags"

ADMIN_URL = os.environ.get("DJANGO_ADMIN_URL", "admin/").strip("/") + "/"

# Security: safe by default whenever DEBUG is off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    # The HTTPS redirect goes to the configured host, never to the one a request named.
    SECURE_SSL_HOST = urlsplit(SITE_URL).netloc if SITE_URL.startswith("https:") else None
    # The one switch that trusts a proxy in front: its X-Forwarded-Proto then says whether the
    # reader used HTTPS (the redirect, secure cookies). It never changes the written origin, and
    # X-Forwarded-Host, -Port and Forwarded are never read.
    if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# Staff sign in through the admin; an unsafe ?next= falls back to the admin's index.
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"

# Size caps (docs/deploy.md gives the matching nginx client_max_body_size). Form fields of one
# request: Django's default, stated (a 200,000-character body is at most 800 kB); files above
# the memory size are streamed to a temporary file; one image at most IMAGE_MAX_BYTES, reported
# by the form; a whole request at most REQUEST_MAX_BYTES (413 past it).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
IMAGE_MAX_BYTES = 15 * 1024 * 1024
REQUEST_MAX_BYTES = int(os.environ.get("DJANGO_REQUEST_MAX_MB", 20)) * 1024 * 1024

# Sign-in throttling: this many failures per user name or address, then a pause of the window.
# django-axes counts them in the database, so every worker sees one count and it still holds
# when the shared cache is down (docs/security.md).
LOGIN_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", 5))
LOGIN_FAILURE_WINDOW = int(os.environ.get("DJANGO_LOGIN_FAILURE_WINDOW", 15 * 60))
AUTHENTICATION_BACKENDS = [
    "newsroom.security.SignInThrottle",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(seconds=LOGIN_FAILURE_WINDOW)
# Either is enough to pause: one user name tried from many addresses, or one address trying
# many names. The address is REMOTE_ADDR: forwarded headers are not trusted (docs/security.md).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "newsroom.security.sign_in_name"
AXES_LOCKOUT_CALLABLE = "newsroom.security.sign_in_paused"
AXES_RESET_ON_SUCCESS = True
# Failures are what throttling needs; successful sign-ins are in Django's last_login.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# How many stories a list page shows, and how many pages are numbered (their count is capped
# there); older stories are reached page by page after that (reader/pagination.py).
ARTICLES_PER_PAGE = 20
ARTICLES_NUMBERED_PAGES = 10

# The publication's name in feeds, the news sitemap and structured data.
SITE_NAME = "Newsroom"
