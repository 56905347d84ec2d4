"""Check-ins: every update of a key result, with where it came from."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone

from okrs.channels.base import channel_choices
from okrs.goals.models import KeyResult
from okrs.org.models import Person


class Source(models.TextChoices):
    """Where a check-in came from, besides the channels of the registry (email, Slack, Teams),
    which are sources too under their own names: see `source_choices`."""

    # The labels are how a key result's check-ins name where each came from.
    WEB = "web", "web"
    API = "api", "API"
    CLI = "cli", "command line"
    SYNC = "sync", "synced"  # a metric source's value, not a person's word


def source_choices() -> list[tuple[str, str]]:
    """Every source a check-in may have: the web, each registered channel, the API, the CLI and
    the sync. Read when validating, so that adding a channel needs no migration."""
    web, *others = Source.choices
    return [web, *channel_choices(), *others]


class Confidence(models.TextChoices):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"


class CheckIn(models.Model):
    """One value of a key result at one time. `at` is when it was true; `created_at` when told."""

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="checkins")
    value = models.FloatField()
    # Null, not "": a check-in without a confidence reports its confidence as null.
    confidence = models.CharField(  # noqa: DJ001
        max_length=10, choices=Confidence.choices, null=True, blank=True
    )
    note = models.TextField(blank=True)
    author = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="checkins"
    )
    source = models.CharField(max_length=8, choices=source_choices)
    at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("at", "id")
        indexes: ClassVar = [models.Index(fields=["key_result", "at"])]

    def __str__(self) -> str:
        return f"{self.key_result_id}={self.value} at {self.at:%Y-%m-%d}"

    @property
    def human(self) -> bool:
        return self.source != Source.SYNC
