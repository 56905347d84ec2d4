"""Configuration read from the environment (and an optional `.env` file).

Parsing is strict: a value that is not understood is an error at start-up with the variable's
name, never a silent default, because a misread setting on a server is found much later.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit


class ConfigError(ValueError):
    """A setting in the environment cannot be used as given."""


def env(name: str, default: str | None = None) -> str | None:
    """Read NAME, or the contents of the file that NAME_FILE points to (for secrets)."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text().strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE: cannot read {file_path}: {exc.strerror}") from exc
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int, *, minimum: int = 0, maximum: int = 10_000) -> int:
    value = env(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None
    if not minimum <= number <= maximum:
        raise ConfigError(f"{name} must be between {minimum} and {maximum}, not {number}")
    return number


# Where links point when OKRS_BASE_URL is not set and `okrs serve` has not said otherwise: the
# address `okrs serve` listens on by default.
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
# Listening on every interface says nothing about the name people reach the server by; loopback
# is the one address known to reach it (and the one ALLOWED_HOSTS lets in without configuration).
_EVERY_INTERFACE = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # noqa: S104


def served_base_url(configured: str | None, host: str, port: int) -> str:
    """The base URL of `okrs serve --host H --port P`: OKRS_BASE_URL if set, else http://H:P.

    Emailed links and the URLs shown for Slack, Teams and webhooks are made from the base URL,
    so a server on another port must not keep pointing them at :8000.
    """
    if configured:
        return configured.rstrip("/")
    host = _EVERY_INTERFACE.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def allowed_hosts(configured: str | None, base_url: str) -> list[str]:
    """OKRS_ALLOWED_HOSTS (comma-separated), else the local names; always the base URL's host."""
    hosts = (
        [host.strip() for host in configured.split(",") if host.strip()]
        if configured
        else ["127.0.0.1", "localhost", "[::1]", "testserver"]
    )
    base_host = urlsplit(base_url).netloc.rsplit("@", 1)[-1]
    # Django compares the Host header without its port, and an IPv6 literal with its brackets.
    base_host = base_host.rsplit(":", 1)[0] if not base_host.endswith("]") else base_host
    if base_host and base_host not in hosts:
        hosts.append(base_host)
    return hosts


def data_dir() -> Path:
    path = Path(env("OKRS_DATA_DIR", "var") or "var").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_key(directory: Path) -> str:
    """OKRS_SECRET_KEY, or a key generated once and kept in the data dir.

    Keeping it in the data dir means sessions and signed links survive restarts without the
    admin having to invent a key for a first try-out.
    """
    configured = env("OKRS_SECRET_KEY")
    if configured:
        return configured
    key_file = directory / "secret_key"
    if not key_file.exists():
        # Write a private temporary file, then link it into place: the link fails if another
        # process (a worker starting beside the server) got there first, and a reader never
        # sees a half-written key.
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".secret_key.")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
            with contextlib.suppress(FileExistsError):
                os.link(temporary, key_file)
        finally:
            os.unlink(temporary)
    return key_file.read_text().strip()


# Database connections each process may hold on PostgreSQL (OKRS_DATABASE_POOL_SIZE). Every
# thread that serves requests or runs tasks holds at most one at a time, so a pool at least as
# large as a process's threads never makes a request wait; `okrs serve` refuses more threads.
DEFAULT_POOL_SIZE = 8
# How long a request waits for a connection before it is answered 503: with the pool sized to
# the threads this only happens when PostgreSQL is unreachable or refuses connections.
POOL_TIMEOUT_SECONDS = 5.0
# Connections the pool opened for a burst are closed after this long unused, down to one.
POOL_MAX_IDLE_SECONDS = 60.0


def database_settings(
    url: str | None, directory: Path, *, pool_size: int = DEFAULT_POOL_SIZE
) -> dict[str, object]:
    """Django DATABASES['default'] for OKRS_DATABASE_URL (sqlite:///path or postgresql://...).

    PostgreSQL connections come from a pool per process (psycopg_pool through Django) and go
    back to it at the end of every request and task. `pool_size` 0 opens a connection per
    request instead, for deployments behind an external pooler such as PgBouncer.
    """
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(directory / "okrs.sqlite3"),
            "OPTIONS": {
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL;",
                # A write transaction takes the lock when it begins, so it waits for another
                # process's write (the timeout above) instead of failing "database is locked"
                # when its earlier read turns into a write.
                "transaction_mode": "IMMEDIATE",
            },
        }
    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query))
    if parts.scheme == "sqlite":
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": _sqlite_path(parts.path) or ":memory:",
            "OPTIONS": {"timeout": 20},
        }
    if parts.scheme in ("postgres", "postgresql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")) or "okrs",
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            # Pooled connections are returned, not kept per thread: a server that runs each
            # request on a new thread would otherwise leave one connection behind per request.
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": True,
            # sslmode=require, connect_timeout=5, ...: handed to libpq as they are.
            "OPTIONS": {**options, **_pool_options(pool_size)},
        }
    raise ConfigError(
        f"OKRS_DATABASE_URL must start with sqlite:// or postgresql://, not {parts.scheme}://"
    )


def _pool_options(size: int) -> dict[str, object]:
    if size == 0:
        return {}
    return {
        "pool": {
            "min_size": 1,
            "max_size": size,
            "timeout": POOL_TIMEOUT_SECONDS,
            "max_idle": POOL_MAX_IDLE_SECONDS,
            # Requests beyond this many waiting for a connection are refused at once (503)
            # instead of piling up behind a database that is down.
            "max_waiting": size * 4,
        }
    }


def _sqlite_path(path: str) -> str:
    """sqlite:////abs/path has the path "//abs/path"; sqlite:///rel has "/rel" (relative)."""
    name = unquote(path)
    return name[1:] if name.startswith("//") else name.lstrip("/")


@dataclass(frozen=True)
class QueueConfig:
    kind: str  # "sqlite" or "redis"
    location: str


def queue_config(url: str | None, directory: Path) -> QueueConfig:
    if not url:
        return QueueConfig("sqlite", str(directory / "queue.sqlite3"))
    scheme = urlsplit(url).scheme
    if scheme in ("redis", "rediss"):
        return QueueConfig("redis", url)
    if scheme == "sqlite":
        return QueueConfig("sqlite", _sqlite_path(urlsplit(url).path))
    raise ConfigError(f"OKRS_QUEUE_URL must start with redis:// or sqlite://, not {scheme}://")


@dataclass(frozen=True)
class OidcConfig:
    """Single sign-on through an OpenID provider (docs/sso.md), as the environment gives it.

    Read without judging: an issuer without a client id is reported by the system checks
    (okrs/sso/checks.py) with the variable to set, and SSO stays off until it is complete.
    """

    issuer: str
    client_id: str
    client_secret: str = field(repr=False)  # never in a log line or a traceback
    name: str = "Single sign-on"
    create_people: bool = False
    trust_email: bool = False

    @property
    def complete(self) -> bool:
        return bool(self.issuer and self.client_id and self.client_secret)

    @property
    def discovery_url(self) -> str:
        # Issuers differ on a trailing slash (Auth0 has one, Okta none); the document is at
        # ISSUER/.well-known/openid-configuration either way (OpenID Connect Discovery 4).
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def oidc_config() -> OidcConfig:
    return OidcConfig(
        issuer=env("OKRS_OIDC_ISSUER", "") or "",
        client_id=env("OKRS_OIDC_CLIENT_ID", "") or "",
        client_secret=env("OKRS_OIDC_CLIENT_SECRET", "") or "",
        name=env("OKRS_OIDC_NAME", "Single sign-on") or "Single sign-on",
        create_people=env_bool("OKRS_OIDC_CREATE_PEOPLE", False),
        trust_email=env_bool("OKRS_OIDC_TRUST_EMAIL", False),
    )
