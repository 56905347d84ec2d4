"""Sign-in rules for the web app (django-allauth)."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # One organisation's private plan: an admin adds people, nobody signs themselves up.
        return False
