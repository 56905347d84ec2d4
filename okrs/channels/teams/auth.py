"""Who may post to /api/teams/messages: only the Bot Framework, proven by its bearer token.

Every activity Teams sends carries `Authorization: Bearer <JWT>` signed (RS256) by the Bot
Framework. We check, before reading the activity into anything:

- the signature, against the keys published at the `jwks_uri` of the configured OpenID
  metadata (cached; fetched again when a token names a key id we do not know, which is how a
  key rotation shows up);
- the issuer (https://api.botframework.com), the audience (our app id), the expiry and
  not-before with a small leeway for clock skew, all of them required;
- the `serviceurl` claim against the activity's `serviceUrl`, so a token for one region
  cannot carry an activity pointing us at another address;
- the signing key's `endorsements` (published with it in the JWKS) against the activity's
  `channelId`: the Bot Framework signs every channel's tokens, and a key only vouches for the
  channels it endorses ("msteams" here).

The Teams SDK's `TokenValidator` does most of this too, but it is async-only, derives the JWKS
address by rewriting the metadata URL instead of reading `jwks_uri`, accepts a token without
`exp` and allows five minutes of skew; so this module uses PyJWT (which the SDK itself uses)
directly. docs/teams.md says the same.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

import jwt

from okrs.channels.teams.config import TeamsSettings

LEEWAY_SECONDS = 60
METADATA_TTL_SECONDS = 24 * 3600  # Microsoft publishes new keys well before using them
JWKS_TTL_SECONDS = 24 * 3600
# A token naming an unknown key id refetches the keys at most this often (a flood of forged
# tokens must not become a flood of requests to the metadata server).
JWKS_REFRESH_COOLDOWN_SECONDS = 30.0
FETCH_TIMEOUT_SECONDS = 10
# After a failed refetch of the metadata, the keys we have are used for this long before the
# next attempt: otherwise every request would wait on the dead server under the lock.
METADATA_RETRY_SECONDS = 5 * 60


class Unauthorized(Exception):
    """The request is not from the Bot Framework (or not for us). The message says why, for
    the log; it never contains the token."""


@dataclass
class _Keys:
    metadata_url: str
    jwks_uri: str
    fetched_at: float
    client: jwt.PyJWKClient


_lock = threading.Lock()
_cache: dict[str, _Keys] = {}


def _fetch_json(url: str) -> Any:
    if not url.startswith(("https://", "http://")):
        raise ValueError("only http(s) URLs are fetched")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310
        return json.loads(response.read())


def _keys_for(metadata_url: str) -> _Keys:
    with _lock:
        keys = _cache.get(metadata_url)
        if keys is not None and time.time() - keys.fetched_at < METADATA_TTL_SECONDS:
            return keys
        try:
            metadata = _fetch_json(metadata_url)
            jwks_uri = str(metadata["jwks_uri"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            if keys is not None:
                # Keep the keys we know rather than refuse everyone, and try again in a while.
                keys.fetched_at = time.time() - METADATA_TTL_SECONDS + METADATA_RETRY_SECONDS
                return keys
            raise Unauthorized(f"cannot read the OpenID metadata: {type(exc).__name__}") from exc
        client = jwt.PyJWKClient(
            jwks_uri,
            lifespan=JWKS_TTL_SECONDS,
            timeout=FETCH_TIMEOUT_SECONDS,
            cooldown_duration=JWKS_REFRESH_COOLDOWN_SECONDS,
        )
        keys = _Keys(metadata_url, jwks_uri, time.time(), client)
        _cache[metadata_url] = keys
        return keys


def forget_keys() -> None:
    """Drop cached metadata and keys (tests; an admin changing the metadata URL restarts)."""
    with _lock:
        _cache.clear()


def bearer_token(header: str | None) -> str:
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("no bearer token")
    return token.strip()


@dataclass(frozen=True)
class Verified:
    """A token the Bot Framework signed for us: its claims, and the channels its key endorses."""

    claims: dict[str, Any]
    endorsements: frozenset[str]


def _endorsements(signing_key: jwt.PyJWK) -> frozenset[str]:
    # PyJWK keeps the JWKS entry it was built from but has no accessor for extra members.
    data = getattr(signing_key, "_jwk_data", None) or {}
    endorsements = data.get("endorsements") if isinstance(data, dict) else None
    if not isinstance(endorsements, list):
        return frozenset()
    return frozenset(str(item).lower() for item in endorsements if isinstance(item, str))


def validate_token(token: str, *, settings: TeamsSettings) -> Verified:
    """The token's claims if the Bot Framework signed it for us; else Unauthorized."""
    if not settings.app_id:
        raise Unauthorized("OKRS_TEAMS_APP_ID is not set")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"malformed token: {type(exc).__name__}") from exc
    if header.get("alg") != "RS256":
        raise Unauthorized("the token is not signed with RS256")
    keys = _keys_for(settings.openid_metadata_url)
    try:
        signing_key = keys.client.get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            signing_key.key,
            algorithms=["RS256"],
            audience=settings.app_id,
            issuer=settings.issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iss", "aud"]},
        )
    except jwt.PyJWKClientConnectionError as exc:
        raise Unauthorized("cannot fetch the signing keys") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"invalid token: {type(exc).__name__}: {exc}") from exc
    return Verified(claims, _endorsements(signing_key))


def check_endorsement(verified: Verified, channel_id: object) -> None:
    """The key that signed the token must endorse the activity's channel (Bot Framework
    authentication: a key not endorsed for "msteams" may not vouch for a Teams activity)."""
    if not isinstance(channel_id, str) or not channel_id:
        raise Unauthorized("the activity has no channelId")
    if channel_id.lower() not in verified.endorsements:
        raise Unauthorized(f"the signing key does not endorse the channel {channel_id[:40]!r}")


def check_service_url(claims: dict[str, Any], service_url: object) -> None:
    """The activity must point at the service the token was issued for."""
    claimed = str(claims.get("serviceurl") or claims.get("serviceUrl") or "").rstrip("/")
    if not claimed:
        raise Unauthorized("the token has no serviceurl claim")
    if not isinstance(service_url, str) or claimed.lower() != service_url.rstrip("/").lower():
        raise Unauthorized("the activity's serviceUrl is not the token's")
