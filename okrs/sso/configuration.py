"""django-allauth's settings for the OpenID provider, made from okrs's own (okrs.config).

Plain data with no Django import, so that okrs/settings.py can build them from the environment
and a test from the provider it starts.
"""

from __future__ import annotations

from typing import Any

from okrs.config import OidcConfig

# The provider's id in allauth: part of the redirect URI an admin registers with their
# identity provider, BASE_URL/accounts/oidc/sso/login/callback/ (docs/sso.md).
PROVIDER_ID = "sso"
CALLBACK_PATH = f"/accounts/oidc/{PROVIDER_ID}/login/callback/"


def socialaccount_providers(oidc: OidcConfig) -> dict[str, Any]:
    """SOCIALACCOUNT_PROVIDERS: the one OpenID provider when it is configured, else none."""
    apps = []
    if oidc.complete:
        apps.append(
            {
                "provider_id": PROVIDER_ID,
                "name": oidc.name,
                "client_id": oidc.client_id,
                "secret": oidc.client_secret,
                "settings": {
                    "server_url": oidc.discovery_url,
                    "oauth_pkce_enabled": True,
                    "scope": ["openid", "email", "profile"],
                },
            }
        )
    return {"openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": apps}}
