"""Which Slack failures are worth retrying: the answer decides a nudge row's next state.

No ORM here: a pure mapping from what slack_sdk raised to a `DeliveryError`, tested directly.
"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from okrs.channels.base import DeliveryError

# The person has no (active) user in the workspace: remembered as a miss, email takes over.
USER_MISSING = frozenset({"users_not_found", "user_not_found", "user_disabled"})

# The workspace's token no longer works: the admin has to install the app again.
TOKEN_BROKEN = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)

# Errors Slack documents as "try again later".
TEMPORARY = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)

# Slack always sends Retry-After with a 429; this is only for a proxy that drops it.
DEFAULT_RETRY_AFTER = 30.0


def slack_error_code(exc: BaseException) -> str:
    """Slack's error string ("invalid_auth"), or a short description of a transport failure."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        data = response.data if isinstance(response.data, dict) else {}
        if response.status_code >= 500:
            return f"HTTP {response.status_code}"
        return str(data.get("error") or f"HTTP {response.status_code}")
    return type(exc).__name__


def retry_after_seconds(headers: dict[str, object]) -> float:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            if isinstance(value, list | tuple):
                value = value[0] if value else ""
            try:
                return max(0.0, float(str(value)))
            except ValueError:
                break
    return DEFAULT_RETRY_AFTER


def delivery_error(exc: BaseException) -> DeliveryError:
    """The DeliveryError for a failed Web API call. Never includes a token in the message."""
    code = slack_error_code(exc)
    message = f"slack: {code}"
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        if status == 429:
            return DeliveryError(
                f"slack: rate limited ({exc.response.api_url.rsplit('/', 1)[-1]})",
                retry_after=retry_after_seconds(dict(exc.response.headers or {})),
            )
        if status >= 500 or code in TEMPORARY:
            return DeliveryError(message)
        # Any other answer (USER_MISSING, TOKEN_BROKEN, channel_not_found, not_in_channel, a
        # malformed message...) is Slack refusing this request as given: it will not change.
        return DeliveryError(message, permanent=True)
    # Connection refused, reset or timed out (URLError is an OSError): the network, not us.
    return DeliveryError(message)
