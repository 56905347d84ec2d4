"""Microsoft Teams settings, read from the environment (OKRS_TEAMS_*).

They live here rather than in okrs/settings.py so that the channel is one package. Tests replace
the module's `settings` object (or call `load()` after changing the environment).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from okrs.config import env

# The Bot Framework's public cloud: who signs the tokens Teams sends us, and where we get ours.
BOT_FRAMEWORK_OPENID_METADATA = "https://login.botframework.com/v1/.well-known/openidconfiguration"
BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
# A multi-tenant bot asks the "botframework.com" tenant for its token; a single-tenant bot its own.
LOGIN = "https://login.microsoftonline.com"

ENV_NAMES = {
    "app_id": "OKRS_TEAMS_APP_ID",
    "app_password": "OKRS_TEAMS_APP_PASSWORD",
}


@dataclass(frozen=True)
class TeamsSettings:
    app_id: str = ""
    app_password: str = ""  # the app registration's client secret: never logged or shown
    tenant_id: str = ""  # set for a single-tenant bot
    openid_metadata_url: str = BOT_FRAMEWORK_OPENID_METADATA
    issuer: str = BOT_FRAMEWORK_ISSUER
    token_url_override: str = ""
    scope: str = BOT_FRAMEWORK_SCOPE
    # Tenants whose activities okrs accepts (OKRS_TEAMS_ALLOWED_TENANTS). People are matched by
    # the email the Bot Connector reports, which the sender's tenant admin controls: an activity
    # from any other tenant could claim anyone's email, so it is refused before it is read.
    allowed_tenants: tuple[str, ...] = ()

    @property
    def configured(self) -> bool:
        return bool(self.app_id and self.app_password)

    @property
    def token_url(self) -> str:
        if self.token_url_override:
            return self.token_url_override
        tenant = self.tenant_id or "botframework.com"
        return f"{LOGIN}/{tenant}/oauth2/v2.0/token"

    @property
    def tenants(self) -> frozenset[str]:
        """The allowed tenants: the configured list, else the single-tenant bot's own tenant;
        empty (every activity refused) when neither is set."""
        if self.allowed_tenants:
            return frozenset(tenant.lower() for tenant in self.allowed_tenants)
        return frozenset({self.tenant_id.lower()}) if self.tenant_id else frozenset()

    def allows(self, tenant_id: str) -> bool:
        return bool(tenant_id) and tenant_id.lower() in self.tenants

    def missing(self) -> list[str]:
        return [env_name for name, env_name in ENV_NAMES.items() if not getattr(self, name)]

    def with_changes(self, **changes: Any) -> TeamsSettings:
        return replace(self, **changes)


def load() -> TeamsSettings:
    return TeamsSettings(
        app_id=env("OKRS_TEAMS_APP_ID", "") or "",
        app_password=env("OKRS_TEAMS_APP_PASSWORD", "") or "",
        tenant_id=env("OKRS_TEAMS_TENANT_ID", "") or "",
        openid_metadata_url=env("OKRS_TEAMS_OPENID_METADATA_URL", BOT_FRAMEWORK_OPENID_METADATA)
        or BOT_FRAMEWORK_OPENID_METADATA,
        token_url_override=env("OKRS_TEAMS_TOKEN_URL", "") or "",
        allowed_tenants=parse_tenants(env("OKRS_TEAMS_ALLOWED_TENANTS", "") or ""),
    )


def parse_tenants(text: str) -> tuple[str, ...]:
    """ "a, b,,c" -> ("a", "b", "c"); tenant ids are GUIDs, compared ignoring case."""
    return tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))


settings = load()


def current() -> TeamsSettings:
    """The settings in force now (looked up at call time, so a test's replacement is seen)."""
    return settings
