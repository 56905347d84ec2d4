"""Cycles, objectives, key results and initiatives: the plan that teams commit to."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone

from okrs.org.models import KEY_VALIDATOR, Person, Team


class Cycle(models.Model):
    """A period, usually a quarter; cycles nest (a year holds its quarters)."""

    key = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)
    start = models.DateField()
    end = models.DateField(help_text="last day, inclusive")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    frozen_at = models.DateTimeField(
        null=True, blank=True, help_text="when the final scores were frozen after the end"
    )

    class Meta:
        ordering = ("start", "key")

    def __str__(self) -> str:
        return self.key

    @property
    def label(self) -> str:
        """What people read: the cycle's name ("Q4 2026"), else its key. Commands, URLs, plan
        files and the API take the key ("2026-Q4")."""
        return self.name or self.key

    def bounds(self, tz_name: str) -> tuple[dt.datetime, dt.datetime]:
        """Start of the first day and midnight after the last day, in the organisation's zone."""
        tz = zoneinfo.ZoneInfo(tz_name)
        start = dt.datetime.combine(self.start, dt.time(), tzinfo=tz)
        end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


class Level(models.TextChoices):
    COMPANY = "company"
    TEAM = "team"
    INDIVIDUAL = "individual"


class Objective(models.Model):
    """A qualitative goal; it rolls up into at most one parent objective or key result."""

    key = models.CharField(max_length=100, unique=True, validators=[KEY_VALIDATOR])
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="objectives")
    level = models.CharField(max_length=12, choices=Level.choices, default=Level.TEAM)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="objectives"
    )
    title = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="objectives")
    aligns_to_objective = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="aligned_children"
    )
    aligns_to_key_result = models.ForeignKey(
        "KeyResult",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="aligned_objectives",
    )
    position = models.PositiveIntegerField(default=0)
    # Set when the objective was carried over from an unfinished one of an earlier cycle.
    carried_over_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_over_to"
    )

    class Meta:
        ordering = ("position", "id")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(aligns_to_objective__isnull=True)
                | Q(aligns_to_key_result__isnull=True),
                name="objective_aligns_to_one_parent",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def aligns_to_ref(self) -> str | None:
        if self.aligns_to_key_result is not None:
            return self.aligns_to_key_result.ref
        if self.aligns_to_objective is not None:
            return self.aligns_to_objective.key
        return None


class ContributionLink(models.Model):
    """An extra 'contributes to' link, drawn on the map but never rolled up into a score."""

    objective = models.ForeignKey(
        Objective, on_delete=models.CASCADE, related_name="contribution_links"
    )
    to_objective = models.ForeignKey(
        Objective, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    to_key_result = models.ForeignKey(
        "KeyResult", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")

    def __str__(self) -> str:
        return f"{self.objective.key} -> {self.target_ref}"

    @property
    def target_ref(self) -> str:
        if self.to_key_result is not None:
            return self.to_key_result.ref
        assert self.to_objective is not None
        return self.to_objective.key


class Kind(models.TextChoices):
    INCREASE = "increase"
    DECREASE = "decrease"
    STAY_ABOVE = "stay_above"
    STAY_BELOW = "stay_below"
    MILESTONE = "milestone"


class KeyResult(models.Model):
    """A measurable outcome under one objective, owned by one person."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="key_results")
    key = models.CharField(max_length=100, validators=[KEY_VALIDATOR])
    title = models.CharField(max_length=500)
    owner = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="key_results")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    baseline = models.FloatField(null=True, blank=True)
    target = models.FloatField(null=True, blank=True)
    unit = models.CharField(max_length=32, blank=True)
    weight = models.FloatField(default=1.0)
    # How the key result is measured automatically; where its sync stands is its
    # `sync_state` (okrs/metrics/sources/models.py).
    source = models.JSONField(null=True, blank=True, help_text="automatic source configuration")
    final_score = models.FloatField(null=True, blank=True, help_text="frozen at the cycle's end")
    # The owner's answer to "did it move the thing we said it would move?" after the cycle.
    retrospective = models.TextField(blank=True)
    retrospective_at = models.DateTimeField(null=True, blank=True)
    retrospective_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["objective", "key"], name="unique_kr_key_per_objective")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def ref(self) -> str:
        return f"{self.objective.key}/{self.key}"

    @property
    def initial_value(self) -> float | None:
        """The value before any check-in: the baseline, or without one 0 for a milestone."""
        if self.baseline is not None:
            return self.baseline
        return 0.0 if self.kind == Kind.MILESTONE else None


class InitiativeStatus(models.TextChoices):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done"
    DROPPED = "dropped"


class Initiative(models.Model):
    """A deliverable meant to move a key result; finishing it is never key-result progress."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="initiatives")
    key = models.CharField(max_length=100, validators=[KEY_VALIDATOR])
    title = models.CharField(max_length=500)
    key_result = models.ForeignKey(
        KeyResult, null=True, blank=True, on_delete=models.SET_NULL, related_name="initiatives"
    )
    owner = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="initiatives"
    )
    status = models.CharField(
        max_length=12, choices=InitiativeStatus.choices, default=InitiativeStatus.PLANNED
    )
    completed_on = models.DateField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    # Which merged pull requests are this initiative's work: ["label:canary", "branch:canary/",
    # "jira:PLAT-12"] (docs/effort.md). Read by okrs.metrics.effort's linking.
    work = models.JSONField(default=list, blank=True)
    # When it was planned: the coach gives work two weeks from then (or from its cycle's start)
    # to link to it before saying nothing does (okrs.coach.work).
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("position", "id")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["objective", "key"], name="unique_initiative_key_per_objective"
            )
        ]

    def __str__(self) -> str:
        return self.title


class EvaluationGeneration(models.Model):
    """Tokens that every write able to change a score replaces, in the writer's transaction.

    One row (id 1). Database triggers (okrs.goals.generation) give `plan` a value never used
    before on any write to objectives, key results, teams or their owners' names, and
    `checkins` on any write to check-ins, whatever wrote it: a service, a bulk_create, a
    queryset update, another process or psql. The evaluation cache of every process compares
    the tokens it built from with these, so a write is seen by the next read everywhere.
    """

    plan = models.BigIntegerField()
    checkins = models.BigIntegerField()

    def __str__(self) -> str:
        return f"plan {self.plan}, check-ins {self.checkins}"
