"""What every page of every domain shares: who is signed in, who may enter, the refusal page.

`okrs/web` is the shell around the domains' pages (base templates, static files, template filters
and this module). Only a domain's outer layer (its views, URLs and forms) imports it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails

from okrs.org.models import Person
from okrs.org.permissions import is_admin

View = Callable[..., HttpResponse]


class HtmxHttpRequest(HttpRequest):
    """A request that went through `HtmxMiddleware`."""

    htmx: HtmxDetails


def signed_in(request: HttpRequest) -> Person:
    """The person behind a request that `login_required` let through."""
    person = request.user
    assert isinstance(person, Person)
    return person


def signed_in_admin(request: HttpRequest) -> Person | None:
    """The signed-in person when they are an active admin, else None."""
    person = request.user
    return person if isinstance(person, Person) and is_admin(person) else None


def forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    """The 403 page, saying in words why the person may not do this."""
    return render(request, "web/forbidden.html", {"reason": reason}, status=403)


def _admins_only(view: View, reason: str) -> View:
    @functools.wraps(view)
    def only_admins(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if signed_in_admin(request) is None:
            return forbidden(request, reason)
        return view(request, *args, **kwargs)

    return only_admins


def admin_required(reason: str) -> Callable[[View], View]:
    """`login_required`, then the 403 page with `reason` for anyone but an active admin."""
    return lambda view: login_required(_admins_only(view, reason))


def admin_post_required(reason: str) -> Callable[[View], View]:
    """`login_required`, POST only (405), then the 403 page with `reason` for anyone but an
    active admin."""
    return lambda view: login_required(require_POST(_admins_only(view, reason)))


def signin_required(view: View) -> View:
    """`login_required`, except that a poll whose session ended sends the whole page to sign-in
    instead of swapping the sign-in form into the page."""
    guarded = login_required(view)

    @functools.wraps(view)
    def wrapper(request: HtmxHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.htmx and not request.user.is_authenticated:
            current = request.htmx.current_url_abs_path or "/"
            response = HttpResponse(status=204)
            response["HX-Redirect"] = redirect_to_login(current).url
            return response
        return guarded(request, *args, **kwargs)

    return wrapper


class Form(forms.Form):
    """A form whose labels sit on their own line above the control: no trailing colon."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
