"""What okrs keeps about Teams: where to reach each person (a conversation reference).

A conversation reference is what the Bot Connector needs to post into a personal chat with the
bot: the service URL of the person's region, the conversation id, the bot's id and the tenant.
Teams gives it to us when the person installs the app; we cannot create it ourselves. No
credentials are stored here: the bot's token comes from the client secret in the environment.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone

from okrs.org.models import Person


class TeamsConversation(models.Model):
    """The personal chat between the okrs bot and one Teams user."""

    # Null while the Teams user is not matched to a person (their email is unknown to okrs).
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="teams_conversations"
    )
    tenant_id = models.CharField(max_length=64, blank=True)
    user_id = models.CharField(max_length=200, help_text="the Teams user id (29:...)")
    aad_object_id = models.CharField(max_length=64, blank=True)
    email = models.CharField(max_length=254, blank=True, help_text="as Teams told us")
    service_url = models.CharField(max_length=500)
    conversation_id = models.CharField(max_length=500)
    bot_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("created_at", "id")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["tenant_id", "user_id"], name="teams_one_chat_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.person_id or '?'} = {self.tenant_id}/{self.user_id}"
