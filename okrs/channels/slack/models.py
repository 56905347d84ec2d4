"""What okrs keeps about Slack: installed workspaces, OAuth states, and who is who.

Bot tokens are credentials: they are stored encrypted (okrs.crypto) and never shown. The
person <-> Slack user table caches the match by email so that a nudge or a button click does
not ask Slack every time (a match is checked again after 30 days, and forgotten as soon as a
message to it fails); a miss is remembered too (with `user_id` empty) and asked again a day
later, so that a person added to Slack after the first try is found.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone

from okrs.crypto import EncryptedTextField
from okrs.org.models import Person


class Installation(models.Model):
    """The app installed in one Slack workspace (or Enterprise Grid organisation)."""

    enterprise_id = models.CharField(max_length=32, blank=True)
    team_id = models.CharField(max_length=32, blank=True)
    team_name = models.CharField(max_length=200, blank=True)
    is_enterprise_install = models.BooleanField(default=False)
    app_id = models.CharField(max_length=32, blank=True)
    bot_id = models.CharField(max_length=32, blank=True)
    bot_user_id = models.CharField(max_length=32, blank=True)
    bot_scopes = models.TextField(blank=True)
    bot_token = EncryptedTextField()
    # Only present when the app uses token rotation; Bolt refreshes the token with it.
    bot_refresh_token = EncryptedTextField(blank=True)
    bot_token_expires_at = models.DateTimeField(null=True, blank=True)
    installer_user_id = models.CharField(max_length=32, blank=True)
    installed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    installed_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("installed_at", "id")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["enterprise_id", "team_id"], name="slack_installation_unique_workspace"
            )
        ]

    def __str__(self) -> str:
        return f"{self.team_name or self.team_id or self.enterprise_id} ({self.team_id})"


class OAuthState(models.Model):
    """A one-time `state` of an "Add to Slack" flow; consumed by the OAuth redirect."""

    state = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"state issued {self.created_at:%Y-%m-%d %H:%M}"


class SlackAccount(models.Model):
    """A person matched (by email) to their user in one workspace, or a remembered miss."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="slack_accounts")
    team_id = models.CharField(max_length=32)
    user_id = models.CharField(max_length=32, blank=True, help_text="empty: no such user")
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["person", "team_id"], name="slack_account_one_per_team"
            ),
            models.UniqueConstraint(
                fields=["team_id", "user_id"],
                condition=~Q(user_id=""),
                name="slack_account_unique_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} = {self.team_id}/{self.user_id or '(none)'}"
