"""Ninety days of delivery events for the demo organisation, so its DORA key results compute.

Seven services of the demo's engineering teams deploy on working days, in working hours of
their team's time zone. Each deployment ships a few changes; a few deployments fail (an
incident, a hotfix or a rollback), and a few incidents have nothing to do with a deployment.
The story matches the plan's: checkout's lead time falls from about four days before the
quarter to about a day and a half now (the platform team's `lead-time` key result reads it), and
the organisation's change failure rate falls from about 9% to under 5% (`change-failure-rate`).

Failures are placed by accumulating each deployment's failure probability and failing the
deployment that tips the sum over one: the failure count of any window is then the sum of the
probabilities give or take one, so the story holds whichever day the demo is loaded, where
coin flips would wander. Everything else comes from a generator seeded by the service's key.

The last week arrives as webhook deliveries would: each deployment, change and incident of it is
a generic event (docs/events.md), signed with the generic webhook secret (the demo sets one when
there is none) and passed to `ingest` at the time it happened, so `/settings/webhooks/` lists
them under "Recent deliveries" and ingestion links them as it links any delivery. The weeks
before are written directly, as their normalised rows (provider `generic`, external ids starting
`demo-`): the same rows, without a hundred more deliveries to sign and store. Loading again
changes nothing once they exist.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import secrets
import time
import zlib
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from okrs.metrics.delivery.ingest import webhook_secrets
from okrs.metrics.delivery.ingest.configure import set_webhook_secret
from okrs.metrics.delivery.ingest.services import ingest
from okrs.metrics.delivery.models import (
    Change,
    Deployment,
    Incident,
    Outcome,
    Service,
    ServiceAlias,
)
from okrs.metrics.delivery.selectors import team_timezones
from okrs.metrics.delivery.signatures import generic_signature
from okrs.metrics.effort.intake import WorkItemRecord
from okrs.metrics.effort.services import record_work_items
from okrs.org.audit import Actor
from okrs.org.models import Team

DAYS = 90
PREFIX = "demo-"
# The days before the load whose events arrive as webhook deliveries.
DELIVERED_DAYS = 7
PROVIDER = "generic"


@dataclass(frozen=True)
class DemoService:
    key: str
    name: str
    team: str
    deploys_per_weekday: float
    # Median change lead time in hours before the quarter's improvements, and at the end.
    lead_hours_before: float
    lead_hours_now: float


SERVICES = (
    DemoService("checkout", "Checkout", "checkout", 2.2, 96, 26),
    DemoService("payments", "Payments", "checkout", 1.2, 60, 40),
    DemoService("platform-api", "Platform API", "platform", 1.6, 30, 14),
    DemoService("build-pipeline", "Build pipeline", "platform", 1.0, 20, 10),
    DemoService("onboarding", "Onboarding", "growth", 1.5, 48, 30),
    DemoService("warehouse-etl", "Warehouse ETL", "data", 0.6, 72, 60),
    DemoService("alerting", "Alerting", "reliability", 0.5, 40, 24),
)


def improvement(fraction: float) -> float:
    """How far the improvements have got at `fraction` of the ninety days (0 to 1).

    Nothing changes in the first third (the summer, before the quarter); then steadily.
    """
    return 0.0 if fraction < 1 / 3 else (fraction - 1 / 3) / (2 / 3)


def failure_probability(fraction: float) -> float:
    return 0.095 - 0.062 * improvement(fraction)


def recovery_hours(fraction: float) -> float:
    return 5.0 - 3.6 * improvement(fraction)


@dataclass
class _Rows:
    deployments: list[Deployment] = field(default_factory=list)
    changes: list[tuple[int, Change]] = field(default_factory=list)  # index of its deployment
    incidents: list[tuple[int | None, Incident]] = field(default_factory=list)
    # While a service is being repaired its team holds other releases.
    blocked_until: dict[str, dt.datetime] = field(default_factory=dict)
    # Each service's latest successful deployment, and the one before each deployment: a
    # change merges after the one before its own, so ingestion links it to the deployment
    # that ships it, as it links a real change.
    deployed_at: dict[str, dt.datetime] = field(default_factory=dict)
    deployed_before: dict[int, dt.datetime] = field(default_factory=dict)


def load_delivery(*, until: dt.datetime, actor: Actor) -> int:
    """Write the demo's delivery history for the 90 days before `until`; returns rows added.

    `actor` sets the generic webhook secret when none is set, as an admin would.
    """
    if Deployment.objects.filter(external_id__startswith=PREFIX).exists():
        return 0
    return _write(until, actor)


@transaction.atomic
def _write(until: dt.datetime, actor: Actor) -> int:
    teams = {t.key: t for t in Team.objects.filter(key__in={s.team for s in SERVICES})}
    zones = team_timezones()
    start = until - dt.timedelta(days=DAYS)
    rows = _Rows()
    debt = [0.5]  # shared by all services: the failure rate is the organisation's
    services = []
    for spec in SERVICES:
        team = teams.get(spec.team)
        service, _ = Service.objects.get_or_create(
            key=spec.key, defaults={"name": spec.name, "team": team}
        )
        ServiceAlias.objects.get_or_create(
            provider="github", external=f"acme/{spec.key}", defaults={"service": service}
        )
        tz = zoneinfo.ZoneInfo(zones.get(team.pk, "Europe/London") if team else "Europe/London")
        services.append((spec, service, tz))
    # Day by day across the services, so the shared failure sum follows time.
    for day in range(DAYS + 1):
        for spec, service, tz in services:
            _one_day(spec, service, tz, start, until, day, debt, rows)
    delivered = _save(rows, since=until - dt.timedelta(days=DELIVERED_DAYS))
    _deliver(delivered, actor)
    return len(rows.deployments) + len(rows.changes) + len(rows.incidents)


def _rng(*parts: object) -> random.Random:
    # crc32 rather than hash(): str hashes change with every interpreter run.
    return random.Random(zlib.crc32(":".join(map(str, parts)).encode()))


def _one_day(
    spec: DemoService,
    service: Service,
    tz: zoneinfo.ZoneInfo,
    start: dt.datetime,
    until: dt.datetime,
    day: int,
    debt: list[float],
    rows: _Rows,
) -> None:
    local_day = (start.astimezone(tz) + dt.timedelta(days=day)).date()
    if local_day.weekday() >= 5:
        return  # nobody deploys at the weekend
    rng = _rng(spec.key, local_day.isoformat())
    count = int(spec.deploys_per_weekday + rng.random())
    minutes = sorted(rng.randrange(9 * 60 + 30, 17 * 60 + 30) for _ in range(count))
    for minute in minutes:
        finished = dt.datetime.combine(local_day, dt.time(minute // 60, minute % 60), tz)
        finished = finished.astimezone(dt.UTC)
        if finished < start or finished >= until:
            continue
        if finished < rows.blocked_until.get(spec.key, start):
            continue
        fraction = (finished - start) / (until - start)
        if rng.random() < 0.03:
            # A pipeline that failed before reaching production: counted nowhere.
            _deployment(rows, spec, service, finished, rng, status="failure")
            continue
        index = _deployment(rows, spec, service, finished, rng)
        lead_median = spec.lead_hours_before + (
            spec.lead_hours_now - spec.lead_hours_before
        ) * improvement(fraction)
        for _ in range(rng.randint(1, 4)):
            lead = rng.lognormvariate(math.log(lead_median), 0.45)
            _change(rows, index, service, finished, dt.timedelta(hours=lead), rng)
        debt[0] += failure_probability(fraction)
        if debt[0] >= 1:
            debt[0] -= 1
            _failure(rows, spec, service, finished, fraction, until, rng)
        elif rng.random() < 0.02:
            # Incidents that no deployment caused (a provider outage, a full disk).
            opened = finished + dt.timedelta(hours=rng.uniform(30, 40))
            _incident(rows, None, service, opened, until, rng.uniform(0.5, 3), "Upstream outage")


def _failure(
    rows: _Rows,
    spec: DemoService,
    service: Service,
    finished: dt.datetime,
    fraction: float,
    until: dt.datetime,
    rng: random.Random,
) -> None:
    index = len(rows.deployments) - 1
    recovery = rng.lognormvariate(math.log(recovery_hours(fraction)), 0.5)
    kind = rng.random()
    if kind < 0.55:
        opened = finished + dt.timedelta(minutes=rng.uniform(10, 180))
        resolved = _incident(rows, index, service, opened, until, recovery, "Error rate above SLO")
        if rng.random() < 0.4:
            rollback_at = opened + dt.timedelta(hours=recovery * 0.6)
            if rollback_at < until:
                _deployment(rows, spec, service, rollback_at, rng, remediation="rollback")
        rows.blocked_until[spec.key] = resolved + dt.timedelta(minutes=10)
        return
    remediation = "hotfix" if kind < 0.85 else "rollback"
    fixed_at = finished + dt.timedelta(hours=recovery if remediation == "hotfix" else recovery / 3)
    if fixed_at < until:
        fix = _deployment(rows, spec, service, fixed_at, rng, remediation=remediation)
        if remediation == "hotfix":
            _change(rows, fix, service, fixed_at, dt.timedelta(hours=rng.uniform(0.5, 2)), rng)
    rows.blocked_until[spec.key] = fixed_at + dt.timedelta(minutes=10)


def _deployment(
    rows: _Rows,
    spec: DemoService,
    service: Service,
    finished: dt.datetime,
    rng: random.Random,
    *,
    status: str = "success",
    remediation: str = "",
) -> int:
    sha = f"{rng.getrandbits(160):040x}"
    refs = {"": "main", "hotfix": f"hotfix/{sha[:7]}", "rollback": "main", "revert": "main"}
    index = len(rows.deployments)
    if spec.key in rows.deployed_at:
        rows.deployed_before[index] = rows.deployed_at[spec.key]
    if status == "success":
        rows.deployed_at[spec.key] = finished
    rows.deployments.append(
        Deployment(
            provider="generic",
            external_id=f"{PREFIX}{spec.key}-{len(rows.deployments) + 1}",
            service=service,
            environment="production",
            is_production=True,
            status=status,
            started_at=finished - dt.timedelta(minutes=rng.uniform(4, 15)),
            finished_at=finished,
            commit_sha=sha,
            ref=refs[remediation],
            is_remediation=bool(remediation),
            remediation_kind=remediation,
        )
    )
    return len(rows.deployments) - 1


def _change(
    rows: _Rows,
    deployment: int,
    service: Service,
    deployed: dt.datetime,
    lead: dt.timedelta,
    rng: random.Random,
) -> None:
    first_commit = deployed - lead
    merged = first_commit + lead * rng.uniform(0.6, 0.95)
    previous = rows.deployed_before.get(deployment)
    if previous is not None:
        merged = min(max(merged, previous + dt.timedelta(minutes=1)), deployed)
    rows.changes.append(
        (
            deployment,
            Change(
                service=service,
                commit_sha=f"{rng.getrandbits(160):040x}",
                first_commit_at=first_commit,
                merged_at=merged,
                pull_request=rng.randrange(100, 9999),
            ),
        )
    )


def _incident(
    rows: _Rows,
    deployment: int | None,
    service: Service,
    opened: dt.datetime,
    until: dt.datetime,
    hours: float,
    title: str,
) -> dt.datetime:
    resolved = opened + dt.timedelta(hours=hours)
    if opened >= until:
        return resolved
    explicit = deployment is not None and len(rows.incidents) % 5 < 3
    attribution = "none" if deployment is None else ("explicit" if explicit else "time_window")
    rows.incidents.append(
        (
            deployment,
            Incident(
                provider="generic",
                external_id=f"{PREFIX}incident-{len(rows.incidents) + 1}",
                service=service,
                title=title,
                opened_at=opened,
                resolved_at=resolved if resolved < until else None,  # still open now
                caused_by_ref="" if not explicit else "deployment",
                attribution=attribution,
            ),
        )
    )
    return resolved


def _work_items(changes: list[Change], work: dict[str, dict[str, Any]]) -> None:
    """The work items of the changes written directly (the delivered ones arrive by ingestion)."""
    record_work_items((_work_item(change, work[change.commit_sha]), None) for change in changes)


def _work_item(change: Change, fields: dict[str, Any]) -> WorkItemRecord:
    return WorkItemRecord(
        provider="generic",
        external_id=f"{PREFIX}change-{change.commit_sha[:12]}",
        author=fields["author"],
        title=fields["title"],
        body=fields["body"],
        labels=tuple(fields["labels"]),
        branch=fields["branch"],
        merged_at=change.merged_at or change.first_commit_at,
    )


def _save(rows: _Rows, *, since: dt.datetime) -> list[tuple[dt.datetime, dict[str, Any]]]:
    """Write the rows from before `since`; return the later ones as the generic events that
    deliver them, each with the instant it arrives."""
    recent = {i for i, d in enumerate(rows.deployments) if d.finished_at >= since}
    created = dict(
        zip(
            (i for i in range(len(rows.deployments)) if i not in recent),
            Deployment.objects.bulk_create(
                [d for i, d in enumerate(rows.deployments) if i not in recent]
            ),
            strict=True,
        )
    )
    events: list[tuple[dt.datetime, dict[str, Any]]] = []
    for index in sorted(recent):
        events.append(_deployment_event(rows.deployments[index]))
    work = work_fields([change for _, change in rows.changes])
    changes = []
    for index, change in rows.changes:
        if index in recent:
            events.append(_change_event(change, work[change.commit_sha]))
        else:
            change.deployment = created[index]
            changes.append(change)
    Change.objects.bulk_create(changes)
    _work_items(changes, work)
    incidents = []
    for cause, incident in rows.incidents:
        if incident.opened_at >= since:
            # Named by the incident tool, or left to ingestion's attribution window.
            explicit = cause is not None and incident.caused_by_ref
            named = rows.deployments[cause].external_id if cause is not None and explicit else ""
            events.extend(_incident_events(incident, cause=named))
            continue
        if cause is not None:
            incident.caused_by = created[cause]
            if incident.caused_by_ref:
                incident.caused_by_ref = created[cause].external_id
        incidents.append(incident)
    Incident.objects.bulk_create(incidents)
    return sorted(events, key=lambda event: (event[0], event[1]["id"]))


def _deployment_event(deployment: Deployment) -> tuple[dt.datetime, dict[str, Any]]:
    payload = {
        "id": deployment.external_id,
        "type": "deployment",
        "service": deployment.service.key,
        "deployment_id": deployment.external_id,
        "environment": deployment.environment,
        "status": deployment.status,
        "started_at": _iso(deployment.started_at),
        "finished_at": _iso(deployment.finished_at),
        "commit": deployment.commit_sha,
        "ref": deployment.ref,
    }
    if deployment.remediation_kind:
        payload["remediation"] = deployment.remediation_kind
    return deployment.finished_at, payload


def _change_event(change: Change, work: dict[str, Any]) -> tuple[dt.datetime, dict[str, Any]]:
    merged = change.merged_at or change.first_commit_at
    return merged, {
        "id": f"{PREFIX}change-{change.commit_sha[:12]}",
        "type": "change",
        "service": change.service.key,
        "commit": change.commit_sha,
        "first_commit_at": _iso(change.first_commit_at),
        "merged_at": _iso(merged),
        "pull_request": change.pull_request,
        **work,
    }


# Who wrote a change and what it was for, so that the demo's effort (docs/effort.md) shows
# each way of linking and some unlinked work: a label, a branch prefix, an Initiative: line.
# Each way has titles of its own, some naming the change's service, so the latest work of an
# initiative reads like a real team's pull requests rather than one title twenty times.
_CANARY = (
    "Add a canary stage to the {service} pipeline",
    "Shift canary traffic by weight on {service}",
    "Raise the {service} canary step from 5% to 25%",
    "Roll back a canary when its error rate doubles",
    "Compare canary and baseline p95 latency before promoting",
    "Hold each canary for ten minutes outside working hours",
    "Page the deploying team when a canary is aborted",
    "Show canary progress in the deploy log",
    "Let canaried changes skip the change advisory board",
    "Send config changes through the same canary as code",
    "Tag canary pods so the dashboards can split them",
    "Promote the {service} canary automatically when it is healthy",
    "Keep sticky sessions on the canary during checkout",
    "Alert when a canary has waited for promotion over an hour",
    "Run the {service} smoke tests against the canary",
    "Record who promoted each canary in the audit log",
    "Cap a canary at one region until it is promoted",
    "Document how to pause a canary by hand",
    "Give the canary its own error-rate panel on {service}",
    "Retry a canary promotion that timed out",
)
_BUILD_CACHE = (
    "Read the remote build cache first",
    "Upload {service} build outputs to the remote cache",
    "Key the build cache on the lockfile hash",
    "Evict build cache entries older than 14 days",
    "Warm the build cache nightly from main",
    "Report the cache hit rate in the CI summary",
    "Build locally when the remote cache times out",
    "Share the test cache between {service} jobs",
    "Sign cache artefacts before uploading them",
    "Stop caching generated protobuf files",
    "Cache the {service} Docker layers in the registry",
    "Fetch only the cache entries a job needs",
    "Time out cache downloads after 30 seconds",
    "Keep a separate build cache per release branch",
    "Log why a cache entry was missed",
    "Compress cache uploads with zstd",
    "Skip the cache for builds of tagged releases",
    "Move the remote cache bucket next to the CI runners",
    "Measure the {service} build time with a cold cache",
    "Drop the old local cache volume from the runners",
)
_SLO_ALERTING = (
    "Burn-rate alert for {service} availability",
    "Page on a 2% hourly burn of the error budget",
    "Open a ticket instead of paging on a slow daily burn",
    "Drop the raw CPU threshold alerts of {service}",
    "Add an SLO dashboard for {service}",
    "Set the {service} latency objective at p95 300 ms",
    "Link each burn-rate alert to its runbook",
    "Silence burn-rate alerts during planned maintenance",
    "Count only user-facing errors against the error budget",
    "Show the remaining error budget of {service} on its dashboard",
    "Alert on {service} 5xx errors by burn rate",
    "Use a 28-day window for error budgets",
    "Route burn-rate pages to the owning team",
    "Test the burn-rate rules against last month's incidents",
    "Remove the disk-usage pager of {service}",
    "Freeze feature releases when the error budget is spent",
    "Send a weekly error-budget summary to team leads",
    "Exclude health checks from the availability objective",
    "Alert when the {service} error budget will be spent within a day",
    "Write the runbook for a fast burn on {service}",
)
_UPKEEP = (
    "Bump {service} dependencies",
    "Tidy the logging in {service}",
    "Fix a flaky integration test in {service}",
    "Add request ids to {service} error logs",
    "Speed up the {service} unit tests",
    "Upgrade the base image of {service}",
    "Remove a feature flag that is always on",
    "Rename a misleading configuration option",
    "Lower the default HTTP client timeout to 5 seconds",
    "Update the local setup steps in the README",
    "Delete dead code left from the old API",
    "Fix a typo in the maintenance page",
)
_WORK: tuple[tuple[dict[str, Any], tuple[str, ...]], ...] = (
    ({"labels": ["canary"]}, _CANARY),
    ({"branch": "build-cache/"}, _BUILD_CACHE),
    ({"body": "Initiative: dependable-service/slo-alerting"}, _SLO_ALERTING),
    ({}, _UPKEEP),
    ({}, _UPKEEP),  # twice: two changes in five link to no initiative
)


def _slug(title: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in title.lower()).split()
    return "-".join(words[:5])


def work_fields(changes: list[Change]) -> dict[str, dict[str, Any]]:
    """Each change's pull request (by its commit): author, title, labels, branch and body.

    The way it is linked is chosen by its commit; the titles of each way are dealt in turn, in
    the order the changes merged, so no title comes back before the others of its way have."""
    # Counted per list of titles: upkeep's, which two ways share, is dealt as one list.
    dealt: dict[tuple[str, ...], int] = dict.fromkeys((titles for _, titles in _WORK), 0)
    found = {}
    for change in sorted(changes, key=lambda c: (c.merged_at or c.first_commit_at, c.commit_sha)):
        seed = zlib.crc32(change.commit_sha.encode())
        way = seed % len(_WORK)
        linked, titles = _WORK[way]
        title = titles[dealt[titles] % len(titles)].format(service=change.service.name)
        dealt[titles] += 1
        fields: dict[str, Any] = {
            "labels": [],
            "branch": f"change/{change.commit_sha[:8]}",
            "body": "",
            **linked,
            "title": title,
            "author": f"{change.service.key}-dev-{seed // 7 % 3 + 1}",
        }
        if fields["branch"].endswith("/"):
            fields["branch"] += _slug(title)
        found[change.commit_sha] = fields
    return found


def _incident_events(incident: Incident, *, cause: str) -> list[tuple[dt.datetime, dict[str, Any]]]:
    """The incident opened, and resolved later when it was resolved by now."""
    opened = {
        "id": f"{incident.external_id}-opened",
        "type": "incident",
        "service": incident.service.key,
        "incident_id": incident.external_id,
        "title": incident.title,
        "status": "open",
        "opened_at": _iso(incident.opened_at),
    }
    if cause:
        opened["deployment_id"] = cause
    events = [(incident.opened_at, opened)]
    if incident.resolved_at is not None:
        resolved = dict(
            opened,
            id=f"{incident.external_id}-resolved",
            status="resolved",
            resolved_at=_iso(incident.resolved_at),
        )
        events.append((incident.resolved_at, resolved))
    return events


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _deliver(events: list[tuple[dt.datetime, dict[str, Any]]], actor: Actor) -> None:
    """Send each event to ingestion as the demo's CI and incident tool would, signed."""
    if not events:
        return
    # From the database: this process's copy may be of a secret that is gone.
    current = webhook_secrets.current(PROVIDER, reload=True)
    if current is None:
        secret = secrets.token_hex(32)
        set_webhook_secret(actor=actor, provider=PROVIDER, secret=secret)
    else:
        secret = current.plaintext
    for received_at, payload in events:
        body = json.dumps(payload).encode()
        timestamp = int(time.time())
        headers = {
            "X-Okrs-Timestamp": str(timestamp),
            "X-Okrs-Signature": generic_signature(secret, body, timestamp),
        }
        result = ingest(provider=PROVIDER, headers=headers, body=body, received_at=received_at)
        if result.outcome != Outcome.NORMALISED:
            # The events are the demo's own: one that is not used is a bug in this module.
            raise RuntimeError(f"demo delivery {payload['id']}: {result.outcome}, {result.detail}")
