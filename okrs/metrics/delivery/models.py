"""Delivery events: what the teams' own systems tell us, kept raw and normalised.

The raw side is append-only evidence; the normalised side is what DORA reads.

Service        one deployable thing we measure.
  key          slug used in URLs, the API and key-result sources ("checkout").
  name         human name.
  team         owning team (org.Team), null while nobody owns it; DORA per team sums its services.
  created_at   when the service was added.

ServiceAlias   how a provider names a service; resolves every event to our Service.
  provider     github | gitlab | pagerduty | generic.
  external     GitHub repository full name ("acme/checkout"), GitLab project path
               ("acme/checkout"), PagerDuty service id ("PXYZ123"), or the generic `service` field.
               Stored lower-case for GitHub/GitLab/generic (their names are case-insensitive);
               PagerDuty ids are kept as given.
  service      the Service it resolves to. (provider, external) is unique.

WebhookSecret  the shared secret (or GitLab token) of one provider's webhooks.
  provider     unique; one secret per provider.
  secret       encrypted at rest (okrs.crypto); never shown, logged, audited or returned.
  updated_at   when it was last set.
  updated_by   the admin who set it (null when set from the command line or deleted person).

RawEvent       every delivery whose signature was verified, exactly as received (append-only).
  provider     github | gitlab | pagerduty | generic.
  event_type   the provider's event name ("deployment_status", "Merge Request Hook",
               "incident.resolved", or the generic `type`: "deployment").
  delivery_id  the provider's delivery id (X-GitHub-Delivery, GitLab's Idempotency-Key or
               X-Gitlab-Event-UUID, PagerDuty event id, generic `id`; a hash of the body when a
               GitHub/GitLab request has none); (provider, delivery_id) is unique: a redelivery
               is a no-op.
  received_at  when we received it.
  payload      the JSON body as received (jsonb on PostgreSQL, which cannot hold NUL: those
               become U+FFFD).
  outcome      normalised (became a deployment/change/incident), ignored (event type or action we
               do not use), unmapped (no ServiceAlias for its repository/service: nothing derived),
               invalid (a known event type whose payload lacks what we need; `detail` says what).
  detail       a short human explanation of the outcome.
  service      the Service the delivery resolved to (null when unmapped, ignored or invalid).

Deployment     one deployment of a service to an environment.
  provider, external_id   the provider's deployment id (GitHub deployment id, GitLab
               deployment_id, GitHub workflow run "run:<id>:<attempt>", generic `deployment_id`
               or `id`); unique together.
  service      the Service deployed.
  environment  the environment name as the provider gives it.
  is_production  environment named production/prod (or GitHub's production_environment flag,
               or generic `production: true`).
  status       success | failure | error | in_progress; the latest status seen by its time
               (a final status is never replaced by an older or non-final one).
  started_at   when the deployment started, if known.
  finished_at  when it reached `status` (for in_progress: when that status was reported).
  commit_sha   the commit deployed (40 hex for git providers; generic may send any id).
  ref          the branch or tag deployed, when known.
  is_remediation  True for an unplanned deployment that remediates production: hotfix, rollback
               or revert (from its ref/task/description/head commit message, or from the
               Change of the commit it deploys: PR labels, title, branch, commit messages).
  remediation_kind  "" | hotfix | rollback | revert.
  remediates_ref  what the event says this remediation remediates ("" if it says nothing): the
               generic event's `remediates` (a deployment id, an incident id or a commit). Read,
               not linked, when DORA is computed (docs/dora.md), so it does not matter which of
               the two arrives first.
  raw_event    the RawEvent that last changed it.

Change         one commit (or merged pull request) that reached the default branch.
  service      the Service it belongs to.
  commit_sha   the head/merge commit; (service, commit_sha) is unique.
  first_commit_at  the time of the change's first commit (the start of lead time).
  merged_at    when it landed on the default branch (PR merge or push time; a push hook
               without a push time uses its newest commit). Always set by ingestion.
  pull_request the pull/merge request number, if the change came from one.
  remediation_kind  "" | hotfix | rollback | revert, from the PR's labels, title, branch or the
               commit messages; a deployment of this commit is then a remediation too.
  reverts_ref  what a revert names as reverted ("" if none): "#123" for a pull or merge request
               ("Reverts acme/checkout#123", "This reverts merge request !123") or a commit sha
               ("This reverts commit <sha>."). A deployment of this commit remediates it.
  deployment   the first successful production deployment of the service that shipped it (the
               earliest one that finished at or after merged_at, ties broken by external_id);
               null until deployed.
  raw_event    the RawEvent that created it.

Incident       one production incident of a service.
  provider, external_id   the provider's incident id; unique together.
  service      the Service affected.
  title        the incident's title.
  opened_at    when it was opened (triggered).
  resolved_at  when it was resolved, null while open.
  caused_by    the Deployment that caused it, if any.
  caused_by_ref  the deployment id or commit the event named as the cause ("" if none); kept so
               the explicit link is made even when that deployment arrives after the incident.
  attribution  how caused_by was found: explicit (the event named a deployment or commit),
               time_window (the latest successful production deployment of the service that
               finished before opened_at within OKRS_INCIDENT_ATTRIBUTION_HOURS), or none.
  raw_event    the RawEvent that last changed it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from okrs.crypto import EncryptedTextField
from okrs.metrics.delivery.ingest import config as _config  # noqa: F401  (registers the system checks)
from okrs.org.models import KEY_VALIDATOR


class Provider(models.TextChoices):
    GITHUB = "github"
    GITLAB = "gitlab"
    PAGERDUTY = "pagerduty"
    GENERIC = "generic"


class Service(models.Model):
    key = models.SlugField(max_length=64, unique=True, validators=[KEY_VALIDATOR])
    name = models.CharField(max_length=200)
    team = models.ForeignKey(
        "org.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="services"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("key",)

    def __str__(self) -> str:
        return self.name or self.key


class ServiceAlias(models.Model):
    provider = models.CharField(max_length=16, choices=Provider.choices)
    external = models.CharField(max_length=300)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="aliases")

    class Meta:
        ordering = ("provider", "external")
        constraints = [
            models.UniqueConstraint(
                fields=("provider", "external"), name="delivery_alias_unique_external"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.external}"


class WebhookSecret(models.Model):
    provider = models.CharField(max_length=16, choices=Provider.choices, unique=True)
    secret = EncryptedTextField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"webhook secret for {self.provider}"  # never the secret itself


class Outcome(models.TextChoices):
    NORMALISED = "normalised"
    IGNORED = "ignored"
    UNMAPPED = "unmapped"
    INVALID = "invalid"


class RawEvent(models.Model):
    provider = models.CharField(max_length=16, choices=Provider.choices)
    event_type = models.CharField(max_length=100)
    delivery_id = models.CharField(max_length=200)
    received_at = models.DateTimeField()
    payload = models.JSONField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    detail = models.TextField(blank=True)
    # Written with the delivery, in the same statement that resolves it. Not indexed: raw
    # events are only listed by time; deleting a service (rare) may scan them.
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("provider", "delivery_id"), name="delivery_rawevent_unique_delivery"
            )
        ]
        indexes = [models.Index(fields=("received_at",), name="delivery_raw_received")]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type} {self.delivery_id}"


class DeploymentStatus(models.TextChoices):
    SUCCESS = "success"
    FAILURE = "failure"
    ERROR = "error"
    IN_PROGRESS = "in_progress"


class RemediationKind(models.TextChoices):
    NONE = "", "none"
    HOTFIX = "hotfix"
    ROLLBACK = "rollback"
    REVERT = "revert"


class Deployment(models.Model):
    provider = models.CharField(max_length=16, choices=Provider.choices)
    external_id = models.CharField(max_length=200)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="deployments")
    environment = models.CharField(max_length=200)
    is_production = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=DeploymentStatus.choices)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField()
    commit_sha = models.CharField(max_length=100, blank=True)
    ref = models.CharField(max_length=300, blank=True)
    is_remediation = models.BooleanField(default=False)
    remediation_kind = models.CharField(
        max_length=16, choices=RemediationKind.choices, blank=True, default=""
    )
    # A database default as well: the one-statement insert (one_statement.py) leaves it out.
    remediates_ref = models.CharField(max_length=200, blank=True, default="", db_default="")
    # Raw events are never deleted, so this link needs no index (one less write per event).
    raw_event = models.ForeignKey(
        RawEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("provider", "external_id"), name="delivery_deployment_unique_external"
            )
        ]
        indexes = [
            models.Index(
                fields=("service", "is_production", "status", "finished_at"),
                name="delivery_deploy_prod",
            ),
            # The organisation-wide DORA report reads every service's production deployments
            # of a window at once; without this it scans per service (165 -> 143 ms a quarter).
            models.Index(
                fields=("is_production", "status", "finished_at"), name="delivery_deploy_window"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} {self.environment} {self.status} {self.finished_at:%Y-%m-%d}"


class Change(models.Model):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="changes")
    commit_sha = models.CharField(max_length=100)
    first_commit_at = models.DateTimeField()
    merged_at = models.DateTimeField(null=True, blank=True)
    pull_request = models.IntegerField(null=True, blank=True)
    remediation_kind = models.CharField(
        max_length=16, choices=RemediationKind.choices, blank=True, default=""
    )
    reverts_ref = models.CharField(max_length=200, blank=True, default="", db_default="")
    # Indexed by delivery_change_lead below, which also serves the foreign key's lookups.
    deployment = models.ForeignKey(
        Deployment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="changes",
        db_index=False,
    )
    # Raw events are never deleted, so this link needs no index (one less write per event).
    raw_event = models.ForeignKey(
        RawEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("service", "commit_sha"), name="delivery_change_unique_commit"
            )
        ]
        indexes = [
            # "The service's changes that landed between the previous production deployment
            # and this one" is asked on every successful production deployment.
            models.Index(fields=("service", "merged_at"), name="delivery_change_landed"),
            # Lead times read each deployment's changes with their first commit time.
            models.Index(fields=("deployment", "first_commit_at"), name="delivery_change_lead"),
            # Each production deployment claims its service's changes not deployed yet. Without
            # this, PostgreSQL walks the "deployment IS NULL" end of delivery_change_lead, full of
            # dead entries from earlier claims, and ingestion slowed from 450 to 240 events a
            # second as history grew (57 ms -> 0.1 ms a claim at 400,000 events).
            models.Index(
                fields=("service", "merged_at"),
                condition=models.Q(deployment__isnull=True),
                name="delivery_change_undeployed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} {self.commit_sha[:12]}"


class Attribution(models.TextChoices):
    EXPLICIT = "explicit"
    TIME_WINDOW = "time_window"
    NONE = "none"


class Incident(models.Model):
    provider = models.CharField(max_length=16, choices=Provider.choices)
    external_id = models.CharField(max_length=200)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="incidents")
    title = models.CharField(max_length=500, blank=True)
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    caused_by = models.ForeignKey(
        Deployment, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    caused_by_ref = models.CharField(max_length=200, blank=True)
    attribution = models.CharField(
        max_length=16, choices=Attribution.choices, default=Attribution.NONE
    )
    # Raw events are never deleted, so this link needs no index (one less write per event).
    raw_event = models.ForeignKey(
        RawEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("provider", "external_id"), name="delivery_incident_unique_external"
            )
        ]
        indexes = [
            # (caused_by) is indexed as a foreign key
            models.Index(fields=("service", "opened_at"), name="delivery_incident_opened"),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} {self.title or self.external_id}"
