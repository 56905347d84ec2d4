"""The two ends of a single sign-on: starting it, and the provider's answer (the callback).

allauth's own openid_connect views build allauth's adapter; these build okrs's
(okrs/sso/provider.py), which verifies the ID token in full.
"""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from requests import RequestException

from okrs.sso.provider import SingleSignOnAdapter

logger = logging.getLogger(__name__)


class LoginView(OAuth2LoginView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response: HttpResponse = super().dispatch(request, *args, **kwargs)
        except (OAuth2Error, RequestException) as exc:
            # Reading the discovery document failed: the provider is down, or it is not the
            # issuer configured. The sign-in page stays usable; the reason goes to the log.
            logger.warning("single sign-on: cannot start a sign-in: %s", exc)
            return render(request, "sso/unavailable.html", status=502)
        return response


class CallbackView(OAuth2CallbackView):
    def _get_state(self, request: HttpRequest, provider: Any) -> tuple[Any, Any]:
        state, response = super()._get_state(request, provider)
        if state is not None and isinstance(self.adapter, SingleSignOnAdapter):
            self.adapter.expected_nonce = str(state.get("nonce") or "")
        return state, response


def _adapted(
    view_class: type[LoginView] | type[CallbackView], request: HttpRequest, provider_id: str
) -> HttpResponse:
    """allauth's view with okrs's adapter; 404 while single sign-on is not configured."""
    try:
        view = view_class.adapter_view(SingleSignOnAdapter(request, provider_id))
        response: HttpResponse = view(request)
    except SocialApp.DoesNotExist:
        raise Http404("single sign-on is not configured") from None
    return response


@login_not_required
def login(request: HttpRequest, provider_id: str) -> HttpResponse:
    return _adapted(LoginView, request, provider_id)


@login_not_required
def callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    return _adapted(CallbackView, request, provider_id)


def no_linked_accounts(request: HttpRequest) -> HttpResponse:
    """allauth's "connect another account" page: okrs has none, the email decides who one is."""
    raise Http404("okrs links no accounts: your identity provider's email decides who you are")


# Served before allauth's own (okrs/urls.py).
sso_routes = [path("accounts/3rdparty/", no_linked_accounts)]
