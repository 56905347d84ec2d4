"""A line in the log for each single sign-on, with the email and never a token."""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.signals import user_logged_in
from django.dispatch import receiver

logger = logging.getLogger("okrs.sso")


@receiver(user_logged_in)
def log_single_sign_on(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if kwargs.get("sociallogin") is not None:
        logger.info("single sign-on: %s signed in", user.email)
