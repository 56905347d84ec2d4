"""Checking that a webhook delivery comes from whom it says, before anything reads it.

Each function takes the shared secret, the request headers (lower-case names) and the raw body
exactly as received: a signature covers bytes, so the body is never re-serialised first. Every
comparison is constant-time (hmac.compare_digest), so response timing tells nothing about how
much of a forged signature was right.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

# A generic delivery signed longer ago than this (or this far in the future) is refused: a
# captured request cannot be replayed later, and clocks may drift a little.
GENERIC_TOLERANCE_SECONDS = 300


class SignatureInvalid(Exception):
    """The delivery is not signed with the configured secret; the message says what is wrong."""


def _hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_github(secret: str, headers: Mapping[str, str], body: bytes) -> None:
    """X-Hub-Signature-256: sha256=HEX, the HMAC-SHA256 of the body with the webhook secret."""
    given = headers.get("x-hub-signature-256", "")
    if not given:
        raise SignatureInvalid("X-Hub-Signature-256 header is missing")
    expected = "sha256=" + _hmac_hex(secret, body)
    if not hmac.compare_digest(expected.encode(), given.strip().encode()):
        raise SignatureInvalid("X-Hub-Signature-256 does not match the configured secret")


def verify_gitlab(secret: str, headers: Mapping[str, str], body: bytes) -> None:
    """X-Gitlab-Token: the secret token itself (GitLab does not sign the body)."""
    given = headers.get("x-gitlab-token", "")
    if not given:
        raise SignatureInvalid("X-Gitlab-Token header is missing")
    if not hmac.compare_digest(secret.encode(), given.encode()):
        raise SignatureInvalid("X-Gitlab-Token does not match the configured token")


def verify_pagerduty(secret: str, headers: Mapping[str, str], body: bytes) -> None:
    """X-PagerDuty-Signature: v1=HEX[,v1=HEX...], HMAC-SHA256 of the body. While a secret is
    being rotated PagerDuty sends one signature per secret; any one matching is enough."""
    given = headers.get("x-pagerduty-signature", "")
    if not given:
        raise SignatureInvalid("X-PagerDuty-Signature header is missing")
    expected = ("v1=" + _hmac_hex(secret, body)).encode()
    # Compare against every candidate without stopping early, so timing does not reveal which.
    matched = False
    for candidate in given.split(","):
        matched |= hmac.compare_digest(expected, candidate.strip().encode())
    if not matched:
        raise SignatureInvalid("no X-PagerDuty-Signature matches the configured secret")


def generic_signature(secret: str, body: bytes, timestamp: int | str) -> str:
    """The X-Okrs-Signature value for a generic delivery: sha256=HMAC(secret, "TS." + body)."""
    return "sha256=" + _hmac_hex(secret, str(timestamp).encode() + b"." + body)


def verify_generic(
    secret: str, headers: Mapping[str, str], body: bytes, *, now: float | None = None
) -> None:
    """X-Okrs-Timestamp: Unix seconds; X-Okrs-Signature: sha256=HEX of HMAC-SHA256 over
    "<timestamp>.<body>". The timestamp is signed too, so it cannot be changed to replay."""
    timestamp = headers.get("x-okrs-timestamp", "").strip()
    given = headers.get("x-okrs-signature", "").strip()
    if not given:
        raise SignatureInvalid("X-Okrs-Signature header is missing")
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureInvalid("X-Okrs-Timestamp must be the Unix time in seconds")
    expected = generic_signature(secret, body, timestamp)
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise SignatureInvalid("X-Okrs-Signature does not match the configured secret")
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > GENERIC_TOLERANCE_SECONDS:
        raise SignatureInvalid(
            f"X-Okrs-Timestamp is more than {GENERIC_TOLERANCE_SECONDS} s from the server's "
            "clock: sign each delivery when sending it"
        )
