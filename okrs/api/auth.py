"""API authentication: bearer tokens for scripts, the session cookie for the browser."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from okrs.org.models import ApiToken, Person


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Person | None:
        person = ApiToken.authenticate(token)
        if person is not None:
            request.user = person
            request.okrs_channel = "api"  # type: ignore[attr-defined]
        return person


# The session scheme checks the CSRF token on writes, so a page on another site cannot post
# check-ins with a signed-in person's cookie.
AUTH = [BearerToken(), django_auth]
