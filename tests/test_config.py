"""Settings come from the environment, strictly: a value we do not understand is an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from okrs import config


def test_database_urls(tmp_path: Path) -> None:
    default = config.database_settings(None, tmp_path)
    assert default["ENGINE"] == "django.db.backends.sqlite3"
    assert default["NAME"] == str(tmp_path / "okrs.sqlite3")
    pg = config.database_settings("postgresql://okrs:p%40ss@db.internal:5433/okrs_prod", tmp_path)
    assert pg["ENGINE"] == "django.db.backends.postgresql"
    assert (pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"], pg["NAME"]) == (
        "okrs", "p@ss", "db.internal", "5433", "okrs_prod",
    )  # fmt: skip
    assert config.database_settings("sqlite:////srv/okrs/db.sqlite3", tmp_path)["NAME"] == (
        "/srv/okrs/db.sqlite3"
    )
    with pytest.raises(config.ConfigError, match="OKRS_DATABASE_URL"):
        config.database_settings("mysql://x@y/z", tmp_path)


def test_postgresql_connections_come_from_a_bounded_pool(tmp_path: Path) -> None:
    url = "postgresql://okrs@db.internal/okrs?sslmode=require"
    pooled = config.database_settings(url, tmp_path, pool_size=12)
    # A pool and persistent per-thread connections exclude each other (Django refuses both).
    assert pooled["CONN_MAX_AGE"] == 0
    options = pooled["OPTIONS"]
    assert isinstance(options, dict) and options["sslmode"] == "require"
    assert options["pool"]["max_size"] == 12 and options["pool"]["min_size"] == 1
    # 0: a connection per request, for a deployment behind PgBouncer.
    unpooled = config.database_settings(url, tmp_path, pool_size=0)["OPTIONS"]
    assert isinstance(unpooled, dict) and "pool" not in unpooled


def test_whole_numbers_are_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKRS_DATABASE_POOL_SIZE", "16")
    assert config.env_int("OKRS_DATABASE_POOL_SIZE", 8) == 16
    monkeypatch.setenv("OKRS_DATABASE_POOL_SIZE", "lots")
    with pytest.raises(config.ConfigError, match="must be a whole number"):
        config.env_int("OKRS_DATABASE_POOL_SIZE", 8)
    monkeypatch.setenv("OKRS_DATABASE_POOL_SIZE", "-1")
    with pytest.raises(config.ConfigError, match="between 0 and"):
        config.env_int("OKRS_DATABASE_POOL_SIZE", 8)


def test_queue_urls(tmp_path: Path) -> None:
    assert config.queue_config(None, tmp_path).kind == "sqlite"
    assert config.queue_config("redis://127.0.0.1:6379/2", tmp_path).kind == "redis"
    with pytest.raises(config.ConfigError, match="OKRS_QUEUE_URL"):
        config.queue_config("amqp://guest@localhost", tmp_path)


def test_booleans_are_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKRS_DEBUG", "yes")
    assert config.env_bool("OKRS_DEBUG", False) is True
    monkeypatch.setenv("OKRS_DEBUG", "maybe")
    with pytest.raises(config.ConfigError, match="OKRS_DEBUG must be true or false"):
        config.env_bool("OKRS_DEBUG", False)


def test_secrets_from_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("OKRS_SECRET_KEY_FILE", str(secret))
    assert config.secret_key(tmp_path) == "from-a-file"
    monkeypatch.setenv("OKRS_SECRET_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(config.ConfigError, match="OKRS_SECRET_KEY_FILE"):
        config.secret_key(tmp_path)


def test_generated_secret_key_is_kept_private(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("OKRS_SECRET_KEY", raising=False)
    monkeypatch.delenv("OKRS_SECRET_KEY_FILE", raising=False)
    first = config.secret_key(tmp_path)
    assert config.secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_the_base_url_follows_the_served_address_unless_one_is_configured() -> None:
    assert config.served_base_url(None, "127.0.0.1", 8100) == "http://127.0.0.1:8100"
    assert config.served_base_url("", "okrs.lan", 80) == "http://okrs.lan:80"
    assert config.served_base_url(None, "::1", 8100) == "http://[::1]:8100"
    # Every interface is no address anybody can follow: the loopback one, which reaches it.
    assert config.served_base_url(None, "0.0.0.0", 8100) == "http://127.0.0.1:8100"  # noqa: S104
    assert config.served_base_url(None, "::", 8100) == "http://[::1]:8100"
    # OKRS_BASE_URL (a proxy in front, https) wins over whatever the server listens on.
    assert config.served_base_url("https://okrs.acme.test/", "0.0.0.0", 8100) == (  # noqa: S104
        "https://okrs.acme.test"
    )


def test_the_base_urls_host_is_always_allowed() -> None:
    local = ["127.0.0.1", "localhost", "[::1]", "testserver"]
    assert config.allowed_hosts(None, "http://127.0.0.1:8100") == local
    assert config.allowed_hosts(None, "http://okrs.lan:8100") == [*local, "okrs.lan"]
    assert config.allowed_hosts(None, "http://[fd00::5]:8100") == [*local, "[fd00::5]"]
    assert config.allowed_hosts("okrs.acme.test, ", "https://okrs.acme.test") == ["okrs.acme.test"]
    assert config.allowed_hosts("a.test", "https://okrs.acme.test/okrs") == [
        "a.test",
        "okrs.acme.test",
    ]
