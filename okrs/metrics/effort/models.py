"""Work items: the merged pull requests, merge requests and changes that effort counts.

WorkItem       one merged pull request (GitHub), merge request (GitLab) or generic `change`.
  provider, external_id   github "owner/repo#12", gitlab "group/project!12", generic the
               event's `id`; unique together, so a redelivered or repeated event adds nothing.
  author       the provider's login (or the generic `author`): counted, never listed or ranked.
  title, body, labels, branch   what linking reads (okrs.metrics.effort.linking).
  merged_at    when it was merged; the week it counts in.
  raw_event    the delivery it came from (its service decides a team's unlinked work).
  initiative   the initiative it is linked to, null when unlinked.
  link_method  how: line | label | branch | issue | epic, "" when unlinked.
  link_detail  what matched ("checkout/canary", "label:canary", "PLAT-12", "PLAT-123 in PLAT-12").

IssueEpic      what Jira said an issue's epic is (okrs.metrics.effort.jira), asked once per issue.
  issue_key    "PLAT-123".
  epic_key     "PLAT-12"; "" when the issue has no epic or Jira has no such issue.
"""

from __future__ import annotations

from django.db import models


class WorkItem(models.Model):
    provider = models.CharField(max_length=16)
    external_id = models.CharField(max_length=300)
    author = models.CharField(max_length=200)
    title = models.CharField(max_length=500, blank=True)
    body = models.TextField(blank=True)
    labels = models.JSONField(default=list, blank=True)
    branch = models.CharField(max_length=300, blank=True)
    merged_at = models.DateTimeField()
    raw_event = models.ForeignKey(
        "delivery.RawEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    initiative = models.ForeignKey(
        "goals.Initiative",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="work_items",
    )
    link_method = models.CharField(max_length=16, blank=True)
    link_detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ("merged_at", "id")
        constraints = [
            models.UniqueConstraint(
                fields=("provider", "external_id"), name="effort_workitem_unique_external"
            )
        ]
        indexes = [models.Index(fields=("merged_at",), name="effort_workitem_merged")]

    def __str__(self) -> str:
        return f"{self.provider} {self.external_id}"


class IssueEpic(models.Model):
    issue_key = models.CharField(max_length=100, unique=True)
    epic_key = models.CharField(max_length=100, blank=True)
    looked_up_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.issue_key} in {self.epic_key or 'no epic'}"
