"""Which Bot Connector failures are worth retrying: the answer decides a nudge row's next state.

No ORM here: a pure mapping from an HTTP status (or a transport failure) to a DeliveryError.
"""

from __future__ import annotations

from collections.abc import Mapping

from okrs.channels.base import DeliveryError

# The connector sends Retry-After with a 429; this is for a proxy that drops it.
DEFAULT_RETRY_AFTER = 30.0

# The bot was removed by the person, blocked, or the conversation no longer exists: the stored
# conversation reference is useless, and the person gets email until they install the app again.
CONVERSATION_GONE = frozenset({403, 404})


def retry_after_seconds(headers: Mapping[str, str]) -> float:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except ValueError:
                break
    return DEFAULT_RETRY_AFTER


def http_error(status: int, headers: Mapping[str, str], *, what: str) -> DeliveryError:
    """The DeliveryError for an HTTP answer `status` to the request `what` (e.g. "send")."""
    if status == 429:
        return DeliveryError(
            f"teams: rate limited ({what})", retry_after=retry_after_seconds(headers)
        )
    if status >= 500 or status == 408:
        return DeliveryError(f"teams: HTTP {status} from the Bot Connector ({what})")
    if status == 401:
        return DeliveryError(
            f"teams: the Bot Connector refused the bot's token (HTTP 401, {what}): check "
            "OKRS_TEAMS_APP_ID and OKRS_TEAMS_APP_PASSWORD",
            permanent=True,
        )
    if status in CONVERSATION_GONE:
        return DeliveryError(
            f"teams: HTTP {status} ({what}): the app was removed or the chat is gone; "
            "the person gets email until they install the app again",
            permanent=True,
        )
    # Any other 4xx is the connector refusing this request as given: it will not change.
    return DeliveryError(f"teams: HTTP {status} ({what})", permanent=True)


def transport_error(exc: BaseException, *, what: str) -> DeliveryError:
    """Connection refused, reset or timed out: the network, not us."""
    return DeliveryError(f"teams: {type(exc).__name__} ({what})")


def token_error(status: int, error_code: str, headers: Mapping[str, str]) -> DeliveryError:
    """A failed client-credentials request for the bot's token."""
    if status == 429:
        return DeliveryError(
            "teams: rate limited (token)", retry_after=retry_after_seconds(headers)
        )
    if status >= 500:
        return DeliveryError(f"teams: HTTP {status} from the token endpoint")
    code = error_code or f"HTTP {status}"
    return DeliveryError(
        f"teams: the token endpoint refused the bot's credentials ({code}): check "
        "OKRS_TEAMS_APP_ID, OKRS_TEAMS_APP_PASSWORD and OKRS_TEAMS_TENANT_ID",
        permanent=True,
    )
