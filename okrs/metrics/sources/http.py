"""One HTTP call to a metric source's API, with its failures sorted into permanent and temporary.

The standard library's urllib is enough for a JSON request and keeps the dependencies small.
Error messages name the host and path only: a URL's query or a request header may hold a
credential, and these messages are shown on the key-result page to everyone who may read it.
For the same reason they never quote what a server answered (an error body, a fetched value):
the status code and a reason of our own, nothing else.

Redirects are never followed: urllib would send the Authorization header on to wherever the
Location points, another host included, so a credential could leave its own site.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from okrs.metrics.sources.registry import SourceError

TIMEOUT_SECONDS = 15.0
USER_AGENT = "okrs-metric-sync/1"
# How much of an error body is read to sort a failure (GitHub's rate limit); never shown.
ERROR_BODY_CHARS = 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Turns every 3xx into an HTTPError instead of following it."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# urllib's usual handlers (proxies from the environment included), minus following Location.
_OPENER = urllib.request.build_opener(_NoRedirects())


def where(url: str) -> str:
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.hostname or ''}{port}{parts.path}"


def build_url(
    base: str, path: str, query: Mapping[str, Any] | list[tuple[str, Any]] | None = None
) -> str:
    url = base.rstrip("/") + path
    encoded = urlencode(query, doseq=True) if query else ""
    return f"{url}?{encoded}" if encoded else url


class HttpFailure(SourceError):
    """An HTTP answer other than 2xx, kept so that a backend can look closer (GitHub's 403)."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        status: int,
        headers: Mapping[str, str],
        reason: str = "",
    ) -> None:
        super().__init__(message, permanent=permanent)
        self.status = status
        self.headers = headers
        # The provider's own words, for a backend to sort the failure by; never in a message.
        self.reason = reason


def request_json(
    method: str,
    url: str,
    *,
    what: str,
    headers: Mapping[str, str] | None = None,
    body: Any = None,
    timeout: float | None = None,
) -> Any:
    """The decoded JSON answer, or SourceError.

    401 and 403 (credentials refused), 400, 404 and 422 (a bad query or path) are permanent:
    asking again gives the same answer. 429, 5xx, timeouts and refused connections are
    temporary. `what` names the service in messages ("PagerDuty").
    """
    timeout = TIMEOUT_SECONDS if timeout is None else timeout
    if urlsplit(url).scheme not in ("http", "https"):
        raise SourceError(f"{what}: only http and https URLs are fetched", permanent=True)
    data = None
    all_headers = {"Accept": "application/json", "User-Agent": USER_AGENT, **(headers or {})}
    if body is not None:
        data = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    # The scheme is checked above: no file:// or ftp:// reaches urlopen.
    request = urllib.request.Request(url, data=data, headers=all_headers, method=method)  # noqa: S310
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise _http_failure(exc, what, url) from None
    except TimeoutError:
        raise SourceError(
            f"{what} did not answer within {timeout:g} s ({where(url)})", permanent=False
        ) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError | socket.timeout):
            message = f"{what} did not answer within {timeout:g} s ({where(url)})"
        else:
            message = f"{what} cannot be reached at {where(url)}: {reason}"
        raise SourceError(message, permanent=False) from None
    except (OSError, ValueError) as exc:
        # The exception's text may hold part of the answer: its class says enough.
        raise SourceError(
            f"{what} at {where(url)} failed: {type(exc).__name__}", permanent=False
        ) from None
    try:
        return json.loads(raw)
    except ValueError:
        # A proxy's HTML error page with status 200 passes; the next try may reach the API.
        raise SourceError(
            f"{what} answered with something other than JSON", permanent=False
        ) from None


def _http_failure(exc: urllib.error.HTTPError, what: str, url: str) -> HttpFailure:
    status = exc.code
    try:
        text = exc.read(ERROR_BODY_CHARS * 4).decode("utf-8", "replace")
    except OSError:
        text = ""
    detail = _provider_reason(text)
    headers = {key.lower(): value for key, value in (exc.headers or {}).items()}
    if 300 <= status < 400:
        message = (
            f"{what} at {where(url)} answered with a redirect (HTTP {status}): okrs does not "
            "follow redirects, so that credentials never leave their own site; use the final URL"
        )
        permanent = True
    elif status in (401, 403):
        message = f"{what} refused the credentials (HTTP {status})"
        permanent = True
    elif status == 429:
        message = f"{what} is rate limiting us (HTTP 429)"
        permanent = False
    elif status >= 500:
        message = f"{what} failed (HTTP {status} from {where(url)})"
        permanent = False
    elif status == 404:
        message = f"{what} has nothing at {where(url)} (HTTP 404)"
        permanent = True
    else:
        message = f"{what} refused the request (HTTP {status})"
        permanent = True
    return HttpFailure(message, permanent=permanent, status=status, headers=headers, reason=detail)


def _provider_reason(text: str) -> str:
    """The reason a JSON error body gives, in the shapes our providers use (kept on the
    failure for the backend to look at, never shown)."""
    try:
        body = json.loads(text)
    except ValueError:
        return ""
    reasons: list[str] = []
    if isinstance(body, dict):
        for key in ("error", "message", "errorMessages", "errors"):
            value = body.get(key)
            if isinstance(value, str):
                reasons.append(value)
            elif isinstance(value, dict) and isinstance(value.get("message"), str):
                reasons.append(value["message"])
            elif isinstance(value, list):
                reasons.extend(
                    item if isinstance(item, str) else str(item.get("message", ""))
                    for item in value
                    if isinstance(item, str | dict)
                )
    reason = "; ".join(r for r in reasons if r)
    return reason[:ERROR_BODY_CHARS]
