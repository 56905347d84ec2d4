"""What okrs keeps for every channel alike: the interactions it has already acted on."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone


class HandledInteraction(models.Model):
    """A button press (a Slack click, a Teams activity) already acted on, so that the same
    press delivered twice (a double click, two requests racing before the message loses its
    buttons, a proxy retrying) records once. Claimed by inserting the unique key
    (okrs.channels.interactions)."""

    channel = models.CharField(max_length=10)
    key = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["channel", "key"], name="handled_interaction_once")
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.key}"
