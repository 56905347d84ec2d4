"""Django system checks for the single sign-on settings, with stable ids (`okrs manage check`).

A half-configured provider leaves SSO off and says which variable is missing, instead of a
button that fails at the first sign-in; password sign-in off with no provider would lock
everyone out, so it is an error too.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@register("okrs")
def check_single_sign_on(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    oidc = settings.OIDC
    problems: list[CheckMessage] = []
    if oidc.issuer:
        for value, name, number in (
            (oidc.client_id, "OKRS_OIDC_CLIENT_ID", "001"),
            (oidc.client_secret, "OKRS_OIDC_CLIENT_SECRET", "002"),
        ):
            if not value:
                problems.append(
                    Error(
                        f"OKRS_OIDC_ISSUER is set but {name} is not: single sign-on is off.",
                        hint=f"Set {name} (or {name}_FILE) to the value your identity "
                        "provider gave for okrs, or unset OKRS_OIDC_ISSUER (docs/sso.md).",
                        id=f"okrs.sso.E{number}",
                    )
                )
        parts = urlsplit(oidc.issuer)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(
                Error(
                    f"OKRS_OIDC_ISSUER must be an https:// URL, not {oidc.issuer!r}.",
                    hint="The issuer as your identity provider names it, e.g. "
                    "https://example.okta.com/oauth2/default (docs/sso.md).",
                    id="okrs.sso.E003",
                )
            )
        elif parts.scheme == "http" and parts.hostname not in LOOPBACK:
            problems.append(
                Warning(
                    f"OKRS_OIDC_ISSUER {oidc.issuer} is not https: the provider's keys and "
                    "tokens would cross the network unprotected.",
                    id="okrs.sso.W001",
                )
            )
    elif oidc.client_id or oidc.client_secret:
        problems.append(
            Error(
                "OKRS_OIDC_CLIENT_ID or OKRS_OIDC_CLIENT_SECRET is set but OKRS_OIDC_ISSUER is "
                "not: single sign-on is off.",
                hint="Set OKRS_OIDC_ISSUER to your identity provider's issuer URL (docs/sso.md).",
                id="okrs.sso.E004",
            )
        )
    if not settings.PASSWORD_SIGNIN and not oidc.complete:
        problems.append(
            Error(
                "OKRS_PASSWORD_SIGNIN=false but single sign-on is not configured: nobody "
                "could sign in.",
                hint="Configure OKRS_OIDC_ISSUER, OKRS_OIDC_CLIENT_ID and "
                "OKRS_OIDC_CLIENT_SECRET, or leave password sign-in on (docs/sso.md).",
                id="okrs.sso.E005",
            )
        )
    return problems
