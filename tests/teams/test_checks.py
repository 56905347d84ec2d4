"""A half-done Teams configuration is reported by the system checks, with stable ids."""

from __future__ import annotations

from typing import Any

import pytest

from okrs.channels.teams import config
from okrs.channels.teams.checks import check_teams_settings


def ids(monkeypatch: pytest.MonkeyPatch, **values: Any) -> set[str | None]:
    monkeypatch.setattr(config, "settings", config.TeamsSettings(**values))
    return {message.id for message in check_teams_settings()}


def test_system_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ids(monkeypatch) == set()
    assert ids(monkeypatch, app_id="x", app_password="y", tenant_id="t") == set()
    assert ids(monkeypatch, app_id="x", app_password="y", allowed_tenants=("t",)) == set()
    # Configured, but no tenant may use the bot: every activity would be refused.
    assert ids(monkeypatch, app_id="x", app_password="y") == {"okrs.teams.W002"}
    assert ids(monkeypatch, app_id="x", tenant_id="t") == {"okrs.teams.W001"}
    assert "okrs.teams.E001" in ids(
        monkeypatch, openid_metadata_url="http://login.example/v1/.well-known/openidconfiguration"
    )
    assert ids(monkeypatch, token_url_override="http://127.0.0.1:9/token") == set()
