"""Bolt's installation and OAuth state stores, kept in our database.

Every web process and worker reads the same rows, so an installation made through one process
is used by all (nothing Slack needs lives in process memory). Tokens go through
EncryptedTextField: the database only ever holds their ciphertext.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore

from okrs.channels.slack import models

logger = logging.getLogger(__name__)


def _key(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None):
    # An org-wide install is found by its enterprise alone, whatever workspace the event is from.
    if is_enterprise_install:
        return {"enterprise_id": enterprise_id or "", "is_enterprise_install": True}
    return {"enterprise_id": enterprise_id or "", "team_id": team_id or ""}


def _expiry(timestamp: int | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC) if timestamp else None


class DjangoInstallationStore(InstallationStore):
    """One row per workspace, bot token only (okrs asks for no user scopes)."""

    @property
    def logger(self) -> logging.Logger:
        return logger

    def save(self, installation: Installation) -> None:
        self.save_bot(installation.to_bot(), installer_user_id=installation.user_id or "")

    @transaction.atomic
    def save_bot(self, bot: Bot, installer_user_id: str = "") -> None:
        values: dict[str, Any] = {
            "team_name": bot.team_name or "",
            "is_enterprise_install": bool(bot.is_enterprise_install),
            "app_id": bot.app_id or "",
            "bot_id": bot.bot_id or "",
            "bot_user_id": bot.bot_user_id or "",
            "bot_scopes": ",".join(bot.bot_scopes or []),
            "bot_token": bot.bot_token,
            "bot_refresh_token": bot.bot_refresh_token or "",
            "bot_token_expires_at": _expiry(bot.bot_token_expires_at),
            "updated_at": timezone.now(),
        }
        if installer_user_id:
            values["installer_user_id"] = installer_user_id
        models.Installation.objects.update_or_create(
            enterprise_id=bot.enterprise_id or "",
            team_id=bot.team_id or "",
            defaults=values,
        )

    def _row(
        self,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None,
    ) -> models.Installation | None:
        key = _key(enterprise_id, team_id, is_enterprise_install)
        return models.Installation.objects.filter(**key).order_by("-updated_at").first()

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        row = self._row(enterprise_id, team_id, is_enterprise_install)
        return bot_of(row) if row else None

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        row = self._row(enterprise_id, team_id, is_enterprise_install)
        if row is None:
            return None
        return Installation(**_bot_fields(row), user_id=row.installer_user_id or "")

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        # Called by Bolt on `app_uninstalled` / `tokens_revoked`: the token is dead anyway.
        models.Installation.objects.filter(
            enterprise_id=enterprise_id or "", team_id=team_id or ""
        ).delete()

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is None:
            self.delete_bot(enterprise_id=enterprise_id, team_id=team_id)


def _timestamp(moment: dt.datetime | None) -> int | None:
    return int(moment.timestamp()) if moment else None


def _bot_fields(row: models.Installation) -> dict[str, Any]:
    """The row as the keyword arguments of Bolt's Bot and Installation alike (blank is None)."""
    return {
        "app_id": row.app_id or None,
        "enterprise_id": row.enterprise_id or None,
        "team_id": row.team_id or None,
        "team_name": row.team_name or None,
        "bot_token": row.bot_token,
        "bot_id": row.bot_id,
        "bot_user_id": row.bot_user_id,
        "bot_scopes": row.bot_scopes,
        "bot_refresh_token": row.bot_refresh_token or None,
        "bot_token_expires_at": _timestamp(row.bot_token_expires_at),
        "is_enterprise_install": row.is_enterprise_install,
        "installed_at": row.installed_at.timestamp(),
    }


def bot_of(row: models.Installation) -> Bot:
    return Bot(**_bot_fields(row))


class DjangoOAuthStateStore(OAuthStateStore):
    """One-time states: consumed by deleting the row, so a replayed redirect is refused."""

    def __init__(self, *, expiration_seconds: int = 600) -> None:
        self.expiration_seconds = expiration_seconds

    @property
    def logger(self) -> logging.Logger:
        return logger

    def issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        models.OAuthState.objects.create(state=state)
        # Old, never-used states are dropped here rather than by a periodic task.
        horizon = timezone.now() - dt.timedelta(seconds=self.expiration_seconds)
        models.OAuthState.objects.filter(created_at__lt=horizon).delete()
        return state

    def consume(self, state: str) -> bool:
        horizon = timezone.now() - dt.timedelta(seconds=self.expiration_seconds)
        # A conditional delete: of two redirects racing with the same state, one wins.
        deleted, _ = models.OAuthState.objects.filter(
            state=state or "", created_at__gte=horizon
        ).delete()
        return deleted == 1
