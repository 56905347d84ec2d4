"""System checks for the Slack settings: a half-done configuration is reported by
`okrs manage check` (and at start-up), not by a failure at the first click."""

from __future__ import annotations

import urllib.parse
from typing import Any

from django.conf import settings
from django.core import checks

from okrs.channels.slack.bolt import ENV_NAMES, missing_settings


@checks.register()
def check_slack_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    found: list[checks.CheckMessage] = []
    missing = missing_settings()
    if missing and len(missing) < len(ENV_NAMES):
        found.append(
            checks.Warning(
                f"Slack is partly configured: {', '.join(missing)} not set.",
                hint="Set all three from the Slack app's Basic Information page (docs/slack.md).",
                id="okrs.slack.W001",
            )
        )
    api = urllib.parse.urlsplit(settings.SLACK_API_URL)
    local = api.hostname in {"127.0.0.1", "localhost", "::1"}
    if api.scheme != "https" and not local:
        found.append(
            checks.Error(
                f"OKRS_SLACK_API_URL must be an https:// URL, not {settings.SLACK_API_URL!r}.",
                hint="Leave it unset for Slack, or use https://slack-gov.com/api/ for GovSlack.",
                id="okrs.slack.E001",
            )
        )
    return found
