"""The API's shell, shared by every domain's routes: who is calling, and how routes describe
their parameters and answers in the OpenAPI document.

Authentication: bearer tokens for scripts, the session cookie for the browser. A request that
proves no one gets 401, whatever its method; 403 is for a known caller who may not do what they
ask (a failed CSRF check included, since only a signed-in session has one). The router that
mounts the domains' routes (okrs/api/routes.py) adds the answers every operation shares.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth
from pydantic import WithJsonSchema

from okrs.org.models import ApiToken, Person


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Person | None:
        person = ApiToken.authenticate(token)
        if person is not None:
            request.user = person
            request.okrs_channel = "api"  # type: ignore[attr-defined]
        return person


class SignedInSession(SessionAuth):
    """The browser's session, with ninja's CSRF check on writes, so a page on another site
    cannot post check-ins with a signed-in person's cookie.

    ninja checks CSRF before it looks for a session, which answers a stranger's POST with
    403 "CSRF check Failed": here a request without a signed-in session is simply not this
    scheme's, and ends as 401 when no other scheme knows it either.
    """

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super().__call__(request)


AUTH = [BearerToken(), SignedInSession()]


# Instants are read by okrs.timeutil.parse_instant, which gives a bare date its meaning (for
# `as_of`, the end of that day in the organisation's time zone), so parameters stay text for the
# handlers; the document still says what they must look like.
INSTANT_FORMATS = {
    "anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]
}
Instant = Annotated[str, WithJsonSchema(INSTANT_FORMATS)]
AsOf = Annotated[
    str,
    WithJsonSchema(
        {
            **INSTANT_FORMATS,
            "description": "an ISO date (the end of that day in the organisation's time zone) "
            "or date-time (without an offset: in that time zone); default: now",
        }
    ),
]

Level = Annotated[
    str,
    WithJsonSchema({"type": "string", "enum": ["company", "team", "individual"]}),
]


def answers(described: dict[int, str]) -> dict[str, Any]:
    """openapi_extra for a route: what each of its own statuses means."""
    return {"responses": {status: {"description": text} for status, text in described.items()}}
