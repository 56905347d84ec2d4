"""django-allauth's OpenID Connect provider, with every check on the ID token turned on.

allauth 65's provider sends no nonce, accepts a sign-in without an ID token (the userinfo
answer alone) and skips the ID token's signature when the token came from the token endpoint.
This subclass keeps allauth's flow (state, PKCE, the token exchange) and adds what an ID token
must pass before anyone is signed in:

- the discovery document names the configured issuer (OpenID Connect Discovery 4.3), so the
  keys and endpoints okrs trusts are that issuer's;
- the token endpoint answers with an ID token;
- PyJWT verifies its signature against the issuer's JWKS with an asymmetric algorithm, its
  issuer, its audience (the client id) and its expiry, and requires each of these claims;
- its nonce is the one this browser's sign-in sent (kept in allauth's state in the session);
- allauth's own check that the token was not already used (its `jti`, in the cache).
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from allauth.core.internal.deferred import jwt
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp, SocialToken
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.conf import settings
from django.http import HttpRequest, HttpResponse

# What an identity provider signs ID tokens with: never "none", never a shared secret (HS256
# would make the client secret a signing key, and the JWKS has no such key).
SIGNING_ALGORITHMS = [
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
]
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "sub", "nonce"]


class SingleSignOnAdapter(OpenIDConnectOAuth2Adapter):
    # Set by the callback view from the state it found for this sign-in (okrs/sso/views.py).
    expected_nonce = ""

    @property
    def openid_config(self) -> dict[str, Any]:
        config: dict[str, Any] = super().openid_config
        if config.get("issuer") != settings.OIDC.issuer:
            raise OAuth2Error(
                f"the discovery document names the issuer {config.get('issuer')!r}, "
                f"not OKRS_OIDC_ISSUER {settings.OIDC.issuer!r}"
            )
        return config

    def complete_login(
        self, request: HttpRequest, app: SocialApp, token: SocialToken, **kwargs: Any
    ) -> Any:
        if not kwargs["response"].get("id_token"):
            raise OAuth2Error("the token endpoint answered without an ID token")
        return super().complete_login(request, app, token, **kwargs)

    def _decode_id_token(self, app: SocialApp, id_token: str) -> dict[str, Any]:
        config = self.openid_config
        try:
            _, key = jwtkit.fetch_key(id_token, config["jwks_uri"], jwtkit.lookup_kid_jwk)
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key=key,
                algorithms=SIGNING_ALGORITHMS,
                audience=app.client_id,
                issuer=config["issuer"],
                options={"require": REQUIRED_CLAIMS},
            )
        except (jwt.PyJWTError, KeyError, ValueError) as exc:
            raise OAuth2Error(f"ID token refused: {exc}") from exc
        nonce = str(claims.get("nonce", ""))
        if not self.expected_nonce or not hmac.compare_digest(nonce, self.expected_nonce):
            raise OAuth2Error("ID token refused: its nonce is not the one this sign-in sent")
        jwtkit.verify_jti(claims)
        return claims


class SingleSignOnProvider(OpenIDConnectProvider):
    """allauth's `openid_connect` provider, served by okrs/sso/urls.py with the adapter above."""

    oauth2_adapter_class = SingleSignOnAdapter
    # The URLs come from this package (okrs/sso/urls.py), not allauth's openid_connect one.
    package = "okrs.sso"

    def get_oauth2_adapter(self, request: HttpRequest) -> SingleSignOnAdapter:
        return SingleSignOnAdapter(request, self.app.provider_id)

    def redirect(
        self,
        request: HttpRequest,
        process: Any,
        next_url: str | None = None,
        data: Any = None,
        **kwargs: Any,
    ) -> HttpResponse:
        # A nonce per sign-in, sent to the provider and kept in this sign-in's state: the ID
        # token must carry it back, so a token issued for another sign-in is refused.
        nonce = secrets.token_urlsafe(32)
        auth_params = kwargs.pop("auth_params", None)
        if auth_params is None:
            auth_params = self.get_auth_params()
        auth_params = {**auth_params, "nonce": nonce}
        response: HttpResponse = super().redirect(
            request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs
        )
        return response


provider_classes = [SingleSignOnProvider]
