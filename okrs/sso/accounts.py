"""Who a single sign-on signs in (docs/sso.md).

The identity is the email address, as everywhere in okrs: a sign-in whose ID token passed
(okrs/sso/provider.py) signs in the person with the provider's *verified* email, and nobody
else. An unknown email is refused unless OKRS_OIDC_CREATE_PEOPLE is on, which adds them as a
member; a person switched off (by an admin or by SCIM) is refused.
"""

from __future__ import annotations

import logging
from typing import Any

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.internal.datakit import parse_bool_safely
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from allauth.socialaccount.providers.base import AuthProcess
from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import render

from okrs.org.audit import Actor, record, snapshot
from okrs.org.models import Person, Role

logger = logging.getLogger(__name__)

CHANNEL = "sso"


def _refuse(request: HttpRequest, reason: str, template: str, **context: Any) -> None:
    logger.warning("single sign-on refused: %s", reason)
    raise ImmediateHttpResponse(render(request, template, context, status=403))


def provider_email(sociallogin: SocialLogin, *, trust_email: bool) -> tuple[str, bool]:
    """The email the provider gave and whether it vouches for it.

    The userinfo answer first, as allauth reads it, else the ID token's claims. A provider
    that sends no `email_verified` at all (Microsoft Entra ID) vouches only when the admin
    said it may (OKRS_OIDC_TRUST_EMAIL); an explicit false is never overridden.
    """
    data = sociallogin.account.extra_data or {}
    claims = data.get("userinfo") or {}
    if not claims.get("email"):
        claims = data.get("id_token") or {}
    email = str(claims.get("email") or "").strip().lower()
    if "email_verified" in claims:
        verified = parse_bool_safely(claims.get("email_verified"))
    else:
        verified = trust_email
    return email, bool(email) and verified


class SingleSignOnAdapter(DefaultSocialAccountAdapter):
    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> None:
        # The page says only that it failed; the reason (a PyJWT or protocol message, never
        # a token or a secret) is for the admin.
        reason = exception if exception is not None else error
        logger.warning("single sign-on failed: %s", reason or "no state for this sign-in")

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        if sociallogin.state.get("process") == AuthProcess.CONNECT:
            # There is no "link another account" in okrs: the email decides who signs in.
            _refuse(request, "linking an account is not offered", "sso/refused.html")
        email, verified = provider_email(sociallogin, trust_email=settings.OIDC.trust_email)
        if not verified:
            _refuse(
                request,
                f"the provider did not confirm the email {email or '(none)'}",
                "sso/unverified.html",
                email=email,
            )
        person = Person.objects.filter(email__iexact=email).first()
        if sociallogin.is_existing and sociallogin.user != person:
            # The provider's account was linked to someone whose email it no longer gives:
            # the email is the identity, so it must not sign in the person linked before.
            _refuse(request, f"{email} is linked to another person", "sso/refused.html")
        if person is None:
            if not settings.OIDC.create_people:
                _refuse(request, f"{email} has no account", "sso/no_account.html", email=email)
            return  # allauth signs them up (save_user below)
        if not person.is_active:
            _refuse(request, f"{email} is switched off", "account/account_inactive.html")
        if not sociallogin.is_existing:
            sociallogin.connect(request, person)

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        # Reached only for a verified email that no person has (pre_social_login).
        return bool(settings.OIDC.create_people)

    def populate_user(self, request: HttpRequest, sociallogin: SocialLogin, data: Any) -> Any:
        person = super().populate_user(request, sociallogin, data)
        email, _ = provider_email(sociallogin, trust_email=settings.OIDC.trust_email)
        person.email = email
        person.name = str(data.get("name") or "")[:200]
        person.role = Role.MEMBER
        return person

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form: Any = None) -> Any:
        person = super().save_user(request, sociallogin, form)
        record(
            Actor(None, CHANNEL),
            action="create",
            entity="person",
            ref=person.email,
            after=snapshot(person),
        )
        logger.info("single sign-on: added %s as a member", person.email)
        return person
