"""A half-done Slack configuration is reported by the system checks, with stable ids."""

from __future__ import annotations

from typing import Any

from okrs.channels.slack.checks import check_slack_settings


def ids() -> list[str | None]:
    return [message.id for message in check_slack_settings()]


def test_unconfigured_or_fully_configured_is_fine(settings: Any) -> None:
    settings.SLACK_CLIENT_ID = settings.SLACK_CLIENT_SECRET = settings.SLACK_SIGNING_SECRET = ""
    assert ids() == []
    settings.SLACK_CLIENT_ID, settings.SLACK_CLIENT_SECRET = "1.2", "secret"
    settings.SLACK_SIGNING_SECRET = "signing"
    assert ids() == []


def test_partly_configured_is_a_warning(settings: Any) -> None:
    settings.SLACK_CLIENT_ID, settings.SLACK_CLIENT_SECRET = "1.2", "secret"
    settings.SLACK_SIGNING_SECRET = ""
    (message,) = check_slack_settings()
    assert message.id == "okrs.slack.W001" and "OKRS_SLACK_SIGNING_SECRET" in message.msg


def test_a_plain_http_api_url_is_an_error(settings: Any) -> None:
    settings.SLACK_API_URL = "http://slack.example.com/api/"
    assert "okrs.slack.E001" in ids()
    settings.SLACK_API_URL = "http://127.0.0.1:8080/api/"  # a local fake is fine
    assert "okrs.slack.E001" not in ids()
