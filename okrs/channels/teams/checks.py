"""System checks for the Teams settings: a half-done configuration is reported by
`okrs manage check` (and at start-up), not by a 401 from Teams at the first nudge."""

from __future__ import annotations

import urllib.parse
from typing import Any

from django.core import checks

from okrs.channels.teams import config

LOCAL = {"127.0.0.1", "localhost", "::1"}


def _plain_http(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme != "https" and parts.hostname not in LOCAL


@checks.register()
def check_teams_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    teams = config.current()
    found: list[checks.CheckMessage] = []
    missing = teams.missing()
    if missing and len(missing) < len(config.ENV_NAMES):
        found.append(
            checks.Warning(
                f"Teams is partly configured: {', '.join(missing)} not set.",
                hint="Set both from the Azure Bot's app registration (docs/teams.md).",
                id="okrs.teams.W001",
            )
        )
    if teams.app_id and not teams.tenants:
        found.append(
            checks.Warning(
                "No Microsoft 365 tenant is allowed to use the Teams bot: every activity from "
                "Teams is refused (403).",
                hint="Set OKRS_TEAMS_ALLOWED_TENANTS to your tenant id(s), comma-separated, or "
                "OKRS_TEAMS_TENANT_ID for a single-tenant bot (docs/teams.md).",
                id="okrs.teams.W002",
            )
        )
    for name, url in (
        ("OKRS_TEAMS_OPENID_METADATA_URL", teams.openid_metadata_url),
        ("OKRS_TEAMS_TOKEN_URL", teams.token_url),
    ):
        if _plain_http(url):
            found.append(
                checks.Error(
                    f"{name} must be an https:// URL, not {url!r}.",
                    hint="Leave it unset for Microsoft's public cloud.",
                    id="okrs.teams.E001",
                )
            )
    return found
