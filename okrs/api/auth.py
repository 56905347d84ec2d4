"""API authentication: bearer tokens for scripts, the session cookie for the browser.

A request that proves no one gets 401, whatever its method; 403 is for a known caller who may
not do what they ask (a failed CSRF check included, since only a signed-in session has one).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

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
