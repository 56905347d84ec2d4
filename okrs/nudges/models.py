"""Nudges: one row per message asking one person to check in, the truth about its delivery.

A row moves pending -> sending -> sent (or failed, or cancelled). Workers claim a row with a
conditional UPDATE before they talk to any provider (okrs/nudges/sender.py), so the row, not
the queue, decides whether a message goes out; the unique constraints make planning the same
week twice a no-op.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone

from okrs.goals.models import Cycle, KeyResult
from okrs.org.models import Person


class NudgeState(models.TextChoices):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class NudgeKind(models.TextChoices):
    NUDGE = "nudge"  # the weekly message on the check-in day at 10:00
    REMINDER = "reminder"  # two days later, if still due
    SNOOZED = "snoozed"  # the nudge again, a day after the person snoozed it
    DIGEST = "digest"  # to a team lead: what is still missing this week
    # Insights (okrs/insights): sent through the same rows, claims, retries and fallbacks.
    DRIFT = "drift"  # to the owner: on track by status, but the trend ends below the line
    OFF_TRACK = "off_track"  # to the owner and the objective's team lead
    LEADERSHIP = "leadership"  # Monday's digest to leads and admins
    RETROSPECTIVE = "retrospective"  # after a cycle is frozen: one per owner and cycle


# Alerts are about one key result: their row names it, and the week constraint includes it.
KEY_RESULT_KINDS = (NudgeKind.DRIFT, NudgeKind.OFF_TRACK)
# Kinds whose message okrs/insights/messages.py builds (all sent as alerts).
INSIGHT_KINDS = (*KEY_RESULT_KINDS, NudgeKind.LEADERSHIP, NudgeKind.RETROSPECTIVE)


class Nudge(models.Model):
    """One message to one person about one week."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="nudges")
    kind = models.CharField(max_length=20, choices=NudgeKind.choices, default=NudgeKind.NUDGE)
    state = models.CharField(
        max_length=10, choices=NudgeState.choices, default=NudgeState.PENDING, db_index=True
    )
    # The cycle week this message belongs to: the local date of the owner's check-in day (for
    # a digest, of the team's check-in day in the lead's timezone). Links expire a week later.
    week_start = models.DateField()
    # The cycle of the key results listed (the shortest active one when several run at once).
    cycle = models.ForeignKey(
        Cycle, null=True, blank=True, on_delete=models.SET_NULL, related_name="nudges"
    )
    # Ids of the key results that were due when the row was planned (the message itself is
    # built again at sending time, so a check-in in between is not asked about).
    key_result_ids = models.JSONField(default=list, blank=True)
    # For a drift or off-track alert: the key result it is about.
    key_result = models.ForeignKey(
        KeyResult, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    # For a digest: the keys of the teams it covers.
    team_keys = models.JSONField(default=list, blank=True)
    due_at = models.DateTimeField(help_text="when it should be sent")
    expires_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="end of its cycle week: not sent, and its link refused, after",
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    channel = models.CharField(
        max_length=10, blank=True, help_text="the channel of the last attempt (fixed for fallbacks)"
    )
    last_error = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    # An email copy made after a permanent failure on a chat channel points at the failed row.
    fallback_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="fallback"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("due_at", "id")
        constraints: ClassVar = [
            # Planning is idempotent: one nudge, one reminder, one snoozed copy per person and
            # week, one digest per lead and week, one leadership digest per person and week.
            # Fallback copies have their own row.
            models.UniqueConstraint(
                fields=["person", "kind", "week_start"],
                condition=Q(fallback_of__isnull=True, key_result__isnull=True)
                & ~Q(kind="retrospective"),
                name="one_nudge_per_person_kind_week",
            ),
            # An alert: at most one per key result, recipient and week, whatever its kind (a
            # key result that drifts on Monday and goes off track on Wednesday alerts its owner
            # once; the lead, alerted only when off track, still hears of it).
            models.UniqueConstraint(
                fields=["key_result", "person", "week_start"],
                condition=Q(fallback_of__isnull=True, key_result__isnull=False),
                name="one_alert_per_key_result_person_week",
            ),
            # The retrospective prompt: once per owner and cycle.
            models.UniqueConstraint(
                fields=["person", "cycle"],
                condition=Q(fallback_of__isnull=True, kind="retrospective"),
                name="one_retrospective_prompt_per_person_cycle",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.kind} to {self.person_id} for week {self.week_start} ({self.state})"
