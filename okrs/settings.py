"""Django settings for okrs, all taken from the environment (see okrs.config and the README)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dotenv import load_dotenv

from okrs import config
from okrs.channels.base import channel_apps
from okrs.sso.configuration import socialaccount_providers

load_dotenv(Path.cwd() / ".env")

DATA_DIR = config.data_dir()
BASE_DIR = Path(__file__).resolve().parent

SECRET_KEY = config.secret_key(DATA_DIR)
# Old keys, comma-separated, while rotating: sessions, signed links and stored credentials
# made with them stay readable (okrs/crypto.py) until they are renewed.
SECRET_KEY_FALLBACKS = [
    key.strip()
    for key in (config.env("OKRS_SECRET_KEY_FALLBACKS", "") or "").split(",")
    if key.strip()
]
DEBUG = config.env_bool("OKRS_DEBUG", False)
# Unset, `okrs serve --host H --port P` makes it http://H:P (okrs/cli/serve.py).
BASE_URL = (config.env("OKRS_BASE_URL", config.DEFAULT_BASE_URL) or "").rstrip("/")
ALLOWED_HOSTS = config.allowed_hosts(config.env("OKRS_ALLOWED_HOSTS"), BASE_URL)
CSRF_TRUSTED_ORIGINS = [BASE_URL] if BASE_URL.startswith("https://") else []

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "huey.contrib.djhuey",
    "django_htmx",
    # Before allauth: the app's templates (okrs/web/templates/allauth/, account/) must win
    # over allauth's own, which are found in INSTALLED_APPS order.
    "okrs.web",
    "okrs.sso",  # also allauth's `openid_connect` provider, checked in full (okrs/sso/provider.py)
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "okrs.org",
    "okrs.goals",
    "okrs.goals.checkins",
    "okrs.nudges",
    *channel_apps(),  # the registry's: adding a channel adds no line here
    "okrs.coach",
    "okrs.insights",
    "okrs.reports",
    "okrs.metrics.delivery",
    "okrs.metrics.sources",
    "okrs.metrics.effort",
    "okrs.scim",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "okrs.security.ContentSecurityPolicyMiddleware",
    # Before anything reads a session, a static file or a parameter: a NUL or bytes that are
    # not UTF-8 get 400 here, for every route.
    "okrs.security.RefuseUnreadableInputMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "okrs.urls"
ASGI_APPLICATION = "okrs.asgi.application"
WSGI_APPLICATION = "okrs.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

DATABASE_POOL_SIZE = config.env_int(
    "OKRS_DATABASE_POOL_SIZE", config.DEFAULT_POOL_SIZE, minimum=0, maximum=1000
)
DATABASES = {
    "default": config.database_settings(
        config.env("OKRS_DATABASE_URL"), DATA_DIR, pool_size=DATABASE_POOL_SIZE
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.Person"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Sign-in with email and password. People are added by an admin (`okrs user create`, plan
# files), never by signing up; failed sign-ins are rate-limited by allauth's defaults.
ACCOUNT_ADAPTER = "okrs.org.accounts.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# The subjects of allauth's mails are written in full (okrs/web/templates/account/email/);
# allauth would otherwise put "[host:port]" in front of them.
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""

# Single sign-on (docs/sso.md): allauth's OpenID Connect provider, configured from OKRS_OIDC_*;
# okrs/sso/accounts.py decides whom a sign-in signs in. With OKRS_PASSWORD_SIGNIN=false the
# password form, its POST and the password pages are gone (allauth's SOCIALACCOUNT_ONLY).
OIDC = config.oidc_config()
PASSWORD_SIGNIN = config.env_bool("OKRS_PASSWORD_SIGNIN", True)
SOCIALACCOUNT_ONLY = not PASSWORD_SIGNIN
SOCIALACCOUNT_PROVIDERS = socialaccount_providers(OIDC)
SOCIALACCOUNT_ADAPTER = "okrs.sso.accounts.SingleSignOnAdapter"
# People are matched by verified email in okrs's adapter, not by allauth's own lookup.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
# OKRS_OIDC_CREATE_PEOPLE adds a person without a form to fill in.
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False  # starting a sign-in is a POST (the button's form)
SOCIALACCOUNT_STORE_TOKENS = False  # okrs calls nothing at the provider after sign-in
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/accounts/login/"

# Mail: SMTP when OKRS_SMTP_HOST is set; one line a message (recipients, subject, first link)
# on the console with OKRS_DEBUG=true or OKRS_MAIL_CONSOLE=true (the demo); otherwise only
# logged as unsent, since bodies carry secrets (reset and check-in links) and output lands in logs.
DEFAULT_FROM_EMAIL = config.env("OKRS_EMAIL_FROM", "okrs <okrs@localhost>")
if config.env("OKRS_SMTP_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = config.env("OKRS_SMTP_HOST")
    EMAIL_PORT = int(config.env("OKRS_SMTP_PORT", "587") or "587")
    EMAIL_HOST_USER = config.env("OKRS_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = config.env("OKRS_SMTP_PASSWORD", "")
    EMAIL_USE_TLS = config.env_bool("OKRS_SMTP_STARTTLS", True)
elif DEBUG or config.env_bool("OKRS_MAIL_CONSOLE", False):
    # The demo prints each mail (a nudge with its check-in link) as one line on the console.
    EMAIL_BACKEND = "okrs.channels.email.console.ConsoleMailBackend"
else:
    EMAIL_BACKEND = "okrs.channels.email.unsent.UnsentMailBackend"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns at every start when it is missing
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if BASE_URL.startswith("https://"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = config.env_bool("OKRS_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

_queue = config.queue_config(config.env("OKRS_QUEUE_URL"), DATA_DIR)
HUEY: dict[str, Any] = {
    "huey_class": "huey.RedisHuey" if _queue.kind == "redis" else "huey.SqliteHuey",
    "name": "okrs",
    "immediate": False,
    "utc": True,
    "consumer": {"workers": 2, "worker_type": "thread", "periodic": True},
}
if _queue.kind == "redis":
    HUEY["url"] = _queue.location
else:
    HUEY["filename"] = _queue.location

# Rate limits (failed sign-ins) live in the cache, so every web process must share it: Redis
# when the queue is on Redis, files in the data dir for the embedded default (which runs a web
# process per core beside its worker process).
if _queue.kind == "redis":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _queue.location,
            "KEY_PREFIX": "okrs-cache",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

NINJA_PAGINATION_PER_PAGE = 100

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": config.env("OKRS_LOG_LEVEL", "INFO")},
    # huey says "executing" and "executed" for every task, several a minute: the tasks log
    # what they did, and huey's warnings and errors (a failed task) still show.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "huey": {"level": "WARNING"}},
}

# Effort (docs/effort.md): the credential through which an issue's Jira epic is looked up; unset,
# the only credential of kind jira, if there is exactly one.
EFFORT_JIRA_CREDENTIAL = config.env("OKRS_EFFORT_JIRA_CREDENTIAL", "") or ""

# Slack (docs/slack.md). The Web API base URL is a setting for GovSlack and for tests.
SLACK_CLIENT_ID = config.env("OKRS_SLACK_CLIENT_ID", "")
SLACK_CLIENT_SECRET = config.env("OKRS_SLACK_CLIENT_SECRET", "")
SLACK_SIGNING_SECRET = config.env("OKRS_SLACK_SIGNING_SECRET", "")
SLACK_API_URL = (config.env("OKRS_SLACK_API_URL", "https://slack.com/api/") or "").rstrip("/") + "/"
