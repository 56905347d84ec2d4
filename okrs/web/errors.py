"""A failed request: 503 while the database cannot be reached, a server error otherwise.

Django turns an exception anywhere in a request (a view, a middleware, the session or the
sign-in that run before any view) into a call of `handler500` from inside its `except` block,
so the exception is still at hand there. That makes this the one place where a database that
is down or out of connections becomes "try again shortly" instead of a server error: the
request that met it is refused, the process keeps serving, and the pool reconnects on its own.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import server_error as django_server_error

# Seconds a client is asked to wait before retrying; the pool retries connecting meanwhile.
RETRY_AFTER_SECONDS = 5
UNAVAILABLE = "the database is unavailable for a moment: try again in a few seconds"


def database_unavailable(exc: BaseException | None) -> bool:
    """True for a failure to reach or use the database connection, not for a bad query.

    OperationalError covers refused connections, a pool that timed out waiting for one (Django
    wraps psycopg_pool's PoolTimeout, an OperationalError, like any driver error), a server
    that went away mid-request and SQLite's "database is locked"; InterfaceError a
    connection closed under us. A query the database rejects (IntegrityError, DataError) is
    a bug or a bad input, and stays a server error.
    """
    return isinstance(exc, OperationalError | InterfaceError)


def server_error(request: HttpRequest) -> HttpResponse:
    if not database_unavailable(sys.exc_info()[1]):
        return django_server_error(request)
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": UNAVAILABLE}, status=503)
    else:
        response = HttpResponse(
            f"<!doctype html><title>Unavailable</title><h1>okrs is unavailable</h1>"
            f"<p>{UNAVAILABLE.capitalize()}.</p>",
            status=503,
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
