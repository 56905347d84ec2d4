"""What every request and answer goes through (docs/security.md): unreadable input is refused before
any view sees it, and every answer carries the same security headers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from urllib.parse import unquote_to_bytes, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

# Everything we serve comes from our own origin (front-end libraries are vendored, no CDN).
# Inline styles are allowed because the vendored Swagger UI sets them on its elements.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self' 'unsafe-inline'",
        "script-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def content_security_policy() -> str:
    """The policy, with the identity provider's origin as a form target when SSO is on.

    The single sign-on button is a form whose answer redirects to the provider's
    authorization endpoint, and browsers apply form-action to that redirect too.
    """
    oidc = settings.OIDC
    if not oidc.complete:
        return CONTENT_SECURITY_POLICY
    parts = urlsplit(oidc.issuer)
    origin = f"{parts.scheme}://{parts.netloc}"
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'", f"form-action 'self' {origin}")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


# --- unreadable input -----------------------------------------------------------------------------

# Webhooks prove their sender with a signature over the body exactly as sent (or, for Teams, a
# token in a header); their views verify it before reading the body and decide themselves what
# a proven body may hold. A GitHub commit message may legitimately contain "\u0000", which
# okrs.metrics.delivery stores as U+FFFD: refusing it here would lose a genuine delivery, and
# reading an unproven body here would break the rule that nothing unsigned is read at all.
SIGNED_WEBHOOK_PATHS = ("/api/v1/events/", "/slack/events/", "/api/teams/messages")

API_PATH = "/api/v1/"

JSON_TYPES = ("application/json",)
FORM_TYPES = ("application/x-www-form-urlencoded",)
TEXT_TYPES = ("application/yaml", "application/x-yaml")

# One JSON escape: `\` and the character after it, or `\uXXXX`. Scanning escapes in order keeps
# an escaped backslash (`\\u0000`, the six characters) apart from an escaped NUL.
_JSON_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)


class UnreadableInput(ValueError):
    """A part of the request holds a NUL character or text that is not UTF-8."""


class RefuseUnreadableInputMiddleware:
    """400 for a request whose path, query, headers or body hold a NUL character or text that is
    not UTF-8, whatever the route.

    PostgreSQL text cannot hold NUL and psycopg cannot send a lone surrogate, so either would
    reach the database as a server error from any lookup by key; Django itself replaces bytes
    that are not UTF-8 with U+FFFD and looks up the wrong thing. Checking here, before sessions
    and views, spares every view from checking its own parameters. It only looks at bytes and
    never touches the database.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check_request(request)
        except UnreadableInput as exc:
            return refusal(request, str(exc))
        return self.get_response(request)


def refusal(request: HttpRequest, detail: str) -> HttpResponse:
    if request.path.startswith(API_PATH):
        return JsonResponse({"detail": detail}, status=400)
    return HttpResponse(
        f"Bad request (400): {detail}.\n", status=400, content_type="text/plain; charset=utf-8"
    )


def check_request(request: HttpRequest) -> None:
    """Raise UnreadableInput naming the first part of the request that cannot be read as text."""
    _check_bytes(_path_bytes(request), "the path")
    _check_text(request.path_info, "the path")
    _check_bytes(unquote_to_bytes(_query_bytes(request).replace(b"+", b" ")), "the query string")
    for name, value in _headers(request):
        _check_bytes(_wire_bytes(value), f"the {name} header")
    for name, value in request.COOKIES.items():
        # Quoted cookie values have escapes of their own ("\000"), decoded by Django.
        _check_text(name + value, "a cookie")
    if not request.path.startswith(SIGNED_WEBHOOK_PATHS):
        _check_body(request)


def _check_bytes(data: bytes, part: str) -> None:
    if b"\x00" in data:
        raise UnreadableInput(f"{part} holds a NUL character")
    try:
        data.decode("utf-8")  # strict: also refuses encoded surrogates and overlong forms
    except UnicodeDecodeError as exc:
        raise UnreadableInput(f"{part} is not UTF-8 text") from exc


def _check_text(text: str, part: str) -> None:
    if "\x00" in text:
        raise UnreadableInput(f"{part} holds a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise UnreadableInput(f"{part} holds a lone surrogate, which is not text") from exc


def _wire_bytes(text: str) -> bytes:
    """A path, query or header value as it came over the wire: WSGI and Django's ASGI handler
    both hand them over as Latin-1 text, one character a byte."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")  # not from a server: never valid UTF-8


def _path_bytes(request: HttpRequest) -> bytes:
    """The path as sent, percent-escapes decoded, where the server kept it.

    Bytes that are not UTF-8 never reach `request.path`: ASGI servers turn them into U+FFFD and
    Django's WSGI handler escapes them again ("%E9"), so only the path as sent can show them.
    """
    scope = getattr(request, "scope", None)
    if scope is not None:
        raw = scope.get("raw_path") or b""
        return unquote_to_bytes(bytes(raw).split(b"?", 1)[0])
    raw_uri = request.META.get("RAW_URI") or request.META.get("REQUEST_URI") or ""
    return unquote_to_bytes(_wire_bytes(raw_uri).split(b"?", 1)[0])


def _query_bytes(request: HttpRequest) -> bytes:
    scope = getattr(request, "scope", None)
    if scope is not None and isinstance(scope.get("query_string"), bytes):
        return bytes(scope["query_string"])
    return _wire_bytes(request.META.get("QUERY_STRING", ""))


def _headers(request: HttpRequest) -> Iterator[tuple[str, str]]:
    for key, value in request.META.items():
        is_header = key.startswith("HTTP_") or key in ("CONTENT_TYPE", "CONTENT_LENGTH")
        if is_header and isinstance(value, str):
            yield key.removeprefix("HTTP_").replace("_", "-").title(), value


def _check_body(request: HttpRequest) -> None:
    content_type = (request.content_type or "").lower()
    is_json = content_type in JSON_TYPES or content_type.endswith("+json")
    is_form = content_type in FORM_TYPES
    if not (is_json or is_form or content_type.startswith("text/") or content_type in TEXT_TYPES):
        return  # multipart fields and files are decoded by Django and the forms that read them
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return  # Django refuses the body itself when a view reads it
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and declared > limit:
        return  # the view's own limit answers (413), or Django's when it reads the body
    body = request.body
    if is_form:
        _check_bytes(unquote_to_bytes(body.replace(b"+", b" ")), "the body")
        return
    _check_bytes(body, "the body")
    if is_json:
        _check_json_escapes(body.decode("utf-8"))


def _check_json_escapes(text: str) -> None:
    """JSON can spell a NUL or a lone surrogate in plain ASCII, as `\\u0000` or `\\ud800`."""
    pending_high = -1  # where the last high surrogate escape ended, waiting for its low half
    for escape in _JSON_ESCAPE.finditer(text):
        token = escape.group(1)
        code = int(token[1:], 16) if len(token) == 5 else -1
        if pending_high >= 0:
            if escape.start() == pending_high and 0xDC00 <= code <= 0xDFFF:
                pending_high = -1
                continue
            raise UnreadableInput("the body holds a lone surrogate escape, which is not text")
        if code == 0:
            raise UnreadableInput("the body holds a NUL character (\\u0000)")
        if 0xD800 <= code <= 0xDBFF:
            pending_high = escape.end()
        elif 0xDC00 <= code <= 0xDFFF:
            raise UnreadableInput("the body holds a lone surrogate escape, which is not text")
    if pending_high >= 0:
        raise UnreadableInput("the body holds a lone surrogate escape, which is not text")
