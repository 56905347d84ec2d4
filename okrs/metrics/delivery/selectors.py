"""Reads for DORA: a scope (service, team, organisation), a window, and the figures.

Every report is a fixed number of queries whatever the size of the scope: the organisation and
its teams, the services, then one query that computes the five metrics of every measure where
the rows are (`dora_database`). `delivery_facts` still reads the rows themselves, as plain
floats (`Epoch`), for the reference arithmetic of `dora` (the quarterly reports, and the tests
that hold the database's answers to the reference's).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from okrs.metrics.delivery import dora, dora_database
from okrs.metrics.delivery.dora import ChangeFact, Deploy, IncidentFact, Metrics, Named, Window
from okrs.metrics.delivery.dora_database import Measure
from okrs.metrics.delivery.models import Change, Deployment, DeploymentStatus, Incident, Service
from okrs.org.models import Organisation, Team
from okrs.org.tree import descendant_ids
from okrs.timeutil import is_bare_date, parse_instant

DEFAULT_DAYS = 30
# The longest window one request may ask for: three years (one of them leap). The report reads
# every row of the window, so a window of centuries would hold a worker for minutes.
MAX_DAYS = 1096
BANDS_SOURCE = (
    "DORA, Accelerate State of DevOps Report 2023, software delivery performance levels "
    "(https://dora.dev/research/2023/dora-report/)"
)


class ScopeNotFound(LookupError):
    """No service or team with that key."""


class DoraQueryInvalid(ValueError):
    """A window that cannot be read or ends before it starts, or a scope named twice."""


class Epoch(Func):
    """A datetime column as POSIX seconds (a float), computed by the database.

    Building a Python datetime per row costs more than the whole DORA arithmetic; the
    database turns each instant into one double instead.
    """

    output_field = FloatField()
    template = "CAST(EXTRACT(EPOCH FROM %(expressions)s) AS double precision)"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Django stores UTC text on SQLite; julianday() parses it to whole milliseconds, which
        # the rounding recovers from the double's last digits.
        template = "ROUND((julianday(%(expressions)s) - 2440587.5) * 86400.0, 3)"
        return self.as_sql(compiler, connection, template=template, **extra)


class SecondsBetween(Func):
    """`later - earlier` in seconds (a float), computed by the database."""

    output_field = FloatField()
    arg_joiner = " - "
    template = "CAST(EXTRACT(EPOCH FROM (%(expressions)s)) AS double precision)"

    def __init__(self, later: Any, earlier: Any) -> None:
        super().__init__(later, earlier)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="ROUND((julianday(%(expressions)s)) * 86400.0, 3)",
            arg_joiner=") - julianday(",
            **extra,
        )


@dataclass(frozen=True)
class Scope:
    kind: str  # service | team | organisation
    key: str | None
    name: str
    timezone: str
    services: dict[int, str] = field(default_factory=dict)  # id -> key
    team: str | None = None  # the owning team of a service: its key
    team_name: str | None = None  # ...and its name, for people


@dataclass(frozen=True)
class Facts:
    deploys: list[Deploy]
    changes: list[ChangeFact]
    incidents: list[IncidentFact]
    named: dict[int, Named] = field(default_factory=dict)


@dataclass(frozen=True)
class DoraReport:
    scope: Scope
    window: Window
    metrics: Metrics


# --- scopes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Teams:
    by_id: dict[int, tuple[str, str, int | None, str]]  # id -> (key, name, parent, timezone)
    org_timezone: str

    def timezone_of(self, team_id: int | None) -> str:
        """A team's own time zone, else its nearest ancestor's, else the organisation's."""
        seen: set[int] = set()
        while team_id is not None and team_id not in seen:
            seen.add(team_id)
            _, _, parent, tz = self.by_id[team_id]
            if tz:
                return tz
            team_id = parent
        return self.org_timezone

    def subtree(self, team_id: int) -> set[int]:
        return descendant_ids({team_id}, {tid: row[2] for tid, row in self.by_id.items()})


def _teams() -> _Teams:
    rows = Team.objects.values_list("id", "key", "name", "parent_id", "timezone")
    return _Teams(
        {tid: (key, name, parent, tz) for tid, key, name, parent, tz in rows},
        Organisation.current().timezone,
    )


def team_timezones() -> dict[int, str]:
    """Each team's time zone for day and week buckets: its own, its nearest ancestor's, or
    the organisation's."""
    teams = _teams()
    return {team_id: teams.timezone_of(team_id) for team_id in teams.by_id}


def resolve_scope(*, service: str | None = None, team: str | None = None) -> Scope:
    """The scope named by a service key, a team key (with its sub-teams), or neither (all)."""
    if service and team:
        raise DoraQueryInvalid("give a service or a team, not both")
    teams = _teams()
    if service:
        found = Service.objects.filter(key=service).values_list("id", "name", "team_id").first()
        if found is None:
            raise ScopeNotFound(f"no service {service!r}")
        sid, name, team_id = found
        return Scope(
            "service",
            service,
            name or service,
            teams.timezone_of(team_id),
            {sid: service},
            teams.by_id[team_id][0] if team_id else None,
            teams.by_id[team_id][1] if team_id else None,
        )
    if team:
        found_team = next((tid for tid, row in teams.by_id.items() if row[0] == team), None)
        if found_team is None:
            raise ScopeNotFound(f"no team {team!r}")
        services = dict(
            Service.objects.filter(team_id__in=teams.subtree(found_team))
            .order_by("key")
            .values_list("id", "key")
        )
        return Scope(
            "team", team, teams.by_id[found_team][1], teams.timezone_of(found_team), services
        )
    services = dict(Service.objects.order_by("key").values_list("id", "key"))
    return Scope("organisation", None, "Organisation", teams.org_timezone, services)


# --- windows ------------------------------------------------------------------------------------


def parse_window(
    start_text: str | None,
    end_text: str | None,
    *,
    tz_name: str,
    now: dt.datetime | None = None,
    days: int = DEFAULT_DAYS,
) -> Window:
    """[from, to) from ISO dates or date-times read in `tz_name`.

    A bare date means the start of that day, for both ends: `from=2026-11-01&to=2026-12-01` is
    November. Without `to`, the window ends now; without `from`, it starts `days` before `to`.
    """
    try:
        end = (
            parse_instant(end_text, tz_name, date_means="start")
            if end_text
            else (now or timezone.now())
        )
        if start_text:
            start = parse_instant(start_text, tz_name, date_means="start")
        elif end_text and is_bare_date(end_text):
            # Whole local days back from a date, so the days line up with local midnights
            # across a change of summer time.
            first_day = dt.date.fromisoformat(end_text.strip()) - dt.timedelta(days=days)
            start = dt.datetime.combine(first_day, dt.time(), zoneinfo.ZoneInfo(tz_name))
        else:
            start = end - dt.timedelta(days=days)
    except ValueError as exc:
        raise DoraQueryInvalid(str(exc)) from exc
    if start >= end:
        raise DoraQueryInvalid("`from` must be before `to` (the window is [from, to))")
    if end - start > dt.timedelta(days=MAX_DAYS):
        raise DoraQueryInvalid(
            f"the window is longer than {MAX_DAYS} days (3 years): ask for a shorter one"
        )
    return Window(start.timestamp(), end.timestamp())


def rolling_window(days: float, *, now: dt.datetime | None = None) -> Window:
    end = (now or timezone.now()).timestamp()
    return Window(end - days * dora.DAY, end)


# --- rows ---------------------------------------------------------------------------------------


def _instant(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def _raw_rows(queryset: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    """The rows of a values_list() query as the database driver returns them.

    Every column here is an integer, a float or a boolean the driver already delivers as
    such, so Django's per-value converters (a Python call per cell, a fifth of the time of a
    whole-organisation report) have nothing to do; SQLite's 0 and 1 stand for the booleans.
    """
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def delivery_facts(*, service_ids: Sequence[int] | None, window: Window) -> Facts:
    """The rows the five metrics of `window` need, for these services (None: every service),
    in three queries.

    Deployments are read up to `REMEDIATION_REACH` past the window's end, for the
    remediations that mark deployments of the window as failed.
    """
    ids = None if service_ids is None else list(service_ids)
    if ids is not None and not ids:
        return Facts([], [], [])
    start, end = _instant(window.start), _instant(window.end)
    production: dict[str, Any] = {"is_production": True, "status": DeploymentStatus.SUCCESS}
    if ids is not None:
        # Every service is no filter at all: then SQLite scans the table in one pass instead
        # of probing the foreign-key index once per service.
        production["service_id__in"] = ids
    remediation = ExpressionWrapper(
        Q(is_remediation=True) | ~Q(remediation_kind=""), output_field=BooleanField()
    )
    deploy_rows = Deployment.objects.filter(
        finished_at__gte=start,
        finished_at__lt=_instant(window.end + dora.REMEDIATION_REACH),
        **production,
    ).values_list("id", "service_id", Epoch("finished_at"), remediation)
    deploys = list(map(Deploy._make, _raw_rows(deploy_rows)))
    shipped_in_window = {
        "deployment__finished_at__gte": start,
        "deployment__finished_at__lt": end,
        **{f"deployment__{name}": value for name, value in production.items()},
    }
    changes = list(
        map(
            ChangeFact._make,
            _raw_rows(
                Change.objects.filter(**shipped_in_window).values_list(
                    "deployment_id",
                    SecondsBetween(F("deployment__finished_at"), F("first_commit_at")),
                )
            ),
        )
    )
    caused_in_window = {
        key.replace("deployment__", "caused_by__"): value
        for key, value in shipped_in_window.items()
    }
    incidents = list(
        map(
            IncidentFact._make,
            _raw_rows(
                Incident.objects.filter(**caused_in_window).values_list(
                    "caused_by_id", Epoch("opened_at"), Epoch("resolved_at"), "service_id", "id"
                )
            ),
        )
    )
    # Any incident open as a remediation read here finishes takes that remediation (rule 2),
    # whatever it is attributed to: read with a second's slack, the rule compares the doubles.
    slack = dt.timedelta(seconds=1)
    open_filter = Q(opened_at__lt=_instant(window.end + dora.REMEDIATION_REACH) + slack) & (
        Q(resolved_at__isnull=True)
        | Q(resolved_at__gte=_instant(window.start - dora.OPEN_INCIDENT_GRACE) - slack)
    )
    if ids is not None:
        open_filter &= Q(service_id__in=ids)
    incidents += [
        IncidentFact(None, opened, resolved, service, incident_id)
        for service, opened, resolved, incident_id in _raw_rows(
            Incident.objects.filter(open_filter).values_list(
                "service_id", Epoch("opened_at"), Epoch("resolved_at"), "id"
            )
        )
    ]
    return Facts(deploys, changes, incidents, named_remediations(service_ids=ids, window=window))


def _production(ids: list[int] | None) -> dict[str, Any]:
    production: dict[str, Any] = {"is_production": True, "status": DeploymentStatus.SUCCESS}
    if ids is not None:
        production["service_id__in"] = ids
    return production


# The most queries `named_remediations` makes, whatever the window holds.
NAMES_QUERIES = 6


def named_remediations(*, service_ids: Sequence[int] | None, window: Window) -> dict[int, Named]:
    """What each remediation read for `window` names as remediated (rule 1 of
    `dora.failures_by_deployment`), by remediation id; one that names nothing known is absent.

    A name is read in this order: the event's `remediates` (else what the change of the
    deployed commit reverts) as a deployment id of the service, an incident id of the service,
    a pull or merge request ("#123": the deployment that shipped it) or a commit (the deployment
    that shipped it, else the latest one of it that finished before the remediation). A
    rollback that names nothing and deploys a commit deployed before rolls back the deployment
    that followed that earlier one. Names are read each time DORA is computed, so it does not
    matter in which order the events arrived. At most `NAMES_QUERIES` queries.
    """
    ids = None if service_ids is None else list(service_ids)
    if ids is not None and not ids:
        return {}
    # What the change of the deployed commit reverts comes with each remediation, looked up
    # by (service, commit), the change's unique key: one query, not a second one over every
    # deployed commit of the window (a year of hotfixes of a whole organisation made that a
    # scan of the changes).
    reverts = Subquery(
        Change.objects.filter(service_id=OuterRef("service_id"), commit_sha=OuterRef("commit_sha"))
        .exclude(reverts_ref="")
        .values("reverts_ref")[:1]
    )
    rows = list(
        Deployment.objects.filter(
            Q(is_remediation=True) | ~Q(remediation_kind=""),
            finished_at__gte=_instant(window.start),
            finished_at__lt=_instant(window.end + dora.REMEDIATION_REACH),
            **_production(ids),
        ).values_list(
            "id",
            "service_id",
            "finished_at",
            "commit_sha",
            "remediates_ref",
            "remediation_kind",
            reverts,
        )
    )
    if not rows:
        return {}
    services = sorted({row[1] for row in rows})
    ref_of = {
        rid: remediates or (reverted or "" if commit else "")
        for rid, _, _, commit, remediates, _, reverted in rows
    }
    refs = set(ref_of.values()) - {""}
    rollback_commits = {
        row[3] for row in rows if row[3] and row[5] == "rollback" and not ref_of[row[0]]
    }
    if not refs and not rollback_commits:
        # Nothing named and no rollback to an earlier commit (most hotfixes): the lookups
        # below would find nothing, and building their queries costs more than the read.
        return {}
    by_external = {
        (service, external): did
        for did, service, external in Deployment.objects.filter(
            service_id__in=services, external_id__in=refs
        )
        .order_by("finished_at", "id")
        .values_list("id", "service_id", "external_id")
    }
    incidents = {
        (service, external): iid
        for iid, service, external in Incident.objects.filter(
            service_id__in=services, external_id__in=refs
        ).values_list("id", "service_id", "external_id")
    }
    requests = {int(ref[1:]) for ref in refs if ref[:1] == "#" and ref[1:].isdigit()}
    shipped_request = (
        {
            (service, f"#{number}"): did
            for service, number, did in Change.objects.filter(
                service_id__in=services, pull_request__in=requests, deployment__isnull=False
            )
            .order_by("-merged_at", "-id")
            .values_list("service_id", "pull_request", "deployment_id")
        }
        if requests
        else {}
    )
    shipped_commit = {
        (service, commit): did
        for service, commit, did in Change.objects.filter(
            service_id__in=services, commit_sha__in=refs, deployment__isnull=False
        ).values_list("service_id", "commit_sha", "deployment_id")
    }
    following = Subquery(
        Deployment.objects.filter(
            service_id=OuterRef("service_id"),
            is_production=True,
            status=DeploymentStatus.SUCCESS,
        )
        .filter(
            Q(finished_at__gt=OuterRef("finished_at"))
            | Q(finished_at=OuterRef("finished_at"), id__gt=OuterRef("id"))
        )
        .order_by("finished_at", "id")
        .values("id")[:1]
    )
    of_commit: dict[tuple[int, str], list[tuple[dt.datetime, int, int | None]]] = defaultdict(list)
    for did, service, commit, finished, next_id in (
        (
            Deployment.objects.filter(
                service_id__in=services,
                commit_sha__in=refs | rollback_commits,
                is_production=True,
                status=DeploymentStatus.SUCCESS,
            )
            .annotate(following=following)
            .order_by("finished_at", "id")
            .values_list("id", "service_id", "commit_sha", "finished_at", "following")
        )
        if refs | rollback_commits
        else ()
    ):
        of_commit[service, commit].append((finished, did, next_id))

    named: dict[int, Named] = {}
    for rid, service, finished, commit, _, kind, _ in rows:
        ref = ref_of[rid]
        if ref:
            target = by_external.get((service, ref))
            if target is not None and target != rid:
                named[rid] = Named(target)
            elif (service, ref) in incidents:
                named[rid] = Named(None, incidents[service, ref])
            elif (service, ref) in shipped_request:
                named[rid] = Named(shipped_request[service, ref])
            elif (service, ref) in shipped_commit:
                named[rid] = Named(shipped_commit[service, ref])
            else:
                earlier = [
                    d for f, d, _ in of_commit.get((service, ref), ()) if (f, d) < (finished, rid)
                ]
                if earlier:
                    named[rid] = Named(earlier[-1])
        elif kind == "rollback" and commit:
            undone = [
                nxt
                for f, d, nxt in of_commit.get((service, commit), ())
                if (f, d) < (finished, rid)
            ]
            if undone and undone[-1] is not None and undone[-1] != rid:
                named[rid] = Named(undone[-1])
    return named


def _service_filter(scope: Scope) -> list[int] | None:
    return None if scope.kind == "organisation" else list(scope.services)


def dora_report(*, scope: Scope, window: Window) -> DoraReport:
    """The five metrics of one scope, computed by the database in one query."""
    (metrics,) = dora_database.measure_metrics(
        [Measure(list(scope.services), window, scope.timezone)],
        read=window,
        every_service=scope.kind == "organisation",
        named=named_remediations(service_ids=_service_filter(scope), window=window),
    )
    return DoraReport(scope, window, metrics)


def dora_trend(*, scope: Scope, window: Window) -> list[tuple[Window, Metrics]]:
    """The metrics of each local week of the window (cut to it), for the charts: one query.

    As in `dora.weekly_series`, the rows are read for the whole window, so a deployment of
    one week can be marked failed by a remediation of the next.
    """
    weeks = dora.weeks_overlapping(window, scope.timezone)
    services = list(scope.services)
    metrics = dora_database.measure_metrics(
        [Measure(services, week, scope.timezone) for week in weeks],
        read=window,
        every_service=scope.kind == "organisation",
        named=named_remediations(service_ids=_service_filter(scope), window=window),
    )
    return list(zip(weeks, metrics, strict=True))


@dataclass(frozen=True)
class OverviewRow:
    scope: Scope
    metrics: Metrics
    depth: int = 0  # nesting of a team under its parents, for indentation


def organisation_overview(
    *, window: Window
) -> tuple[DoraReport, list[OverviewRow], list[OverviewRow]]:
    """The organisation, each team (with its sub-teams' services) and each service: one read.

    Returns (the organisation's report, team rows in tree order, service rows by key). Teams
    without any service below them are left out: they have nothing to measure.
    """
    teams = _teams()
    service_rows = list(Service.objects.order_by("key").values_list("id", "key", "name", "team_id"))
    org_scope = Scope(
        "organisation", None, "Organisation", teams.org_timezone, {s[0]: s[1] for s in service_rows}
    )
    services_by_team: dict[int | None, list[tuple[int, str]]] = defaultdict(list)
    for sid, key, _, team_id in service_rows:
        services_by_team[team_id].append((sid, key))
    service_scopes = []
    for sid, key, name, team_id in service_rows:
        team_key, team_name = teams.by_id[team_id][:2] if team_id else (None, None)
        tz = teams.timezone_of(team_id)
        service_scopes.append(
            Scope("service", key, name or key, tz, {sid: key}, team_key, team_name)
        )
    team_scopes: list[tuple[Scope, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for tid in sorted(
            (t for t, row in teams.by_id.items() if row[2] == parent),
            key=lambda t: teams.by_id[t][0],
        ):
            key, name, _, _ = teams.by_id[tid]
            services = {
                sid: skey for t in teams.subtree(tid) for sid, skey in services_by_team.get(t, ())
            }
            if services:
                scope = Scope(
                    "team",
                    key,
                    name,
                    teams.timezone_of(tid),
                    dict(sorted(services.items(), key=lambda x: x[1])),
                )
                team_scopes.append((scope, depth))
            walk(tid, depth + 1)

    walk(None, 0)
    # One measure per row; a service counts in its own row, its team's and every parent's.
    scopes = [org_scope, *(s for s, _ in team_scopes), *service_scopes]
    metrics = dora_database.measure_metrics(
        [Measure(list(s.services), window, s.timezone) for s in scopes],
        read=window,
        every_service=True,
        named=named_remediations(service_ids=None, window=window),
    )
    org = DoraReport(org_scope, window, metrics[0])
    team_list = [
        OverviewRow(scope, m, depth)
        for (scope, depth), m in zip(team_scopes, metrics[1 : 1 + len(team_scopes)], strict=True)
    ]
    service_list = [
        OverviewRow(scope, m)
        for scope, m in zip(service_scopes, metrics[1 + len(team_scopes) :], strict=True)
    ]
    return org, team_list, service_list


# --- presentation shared by the API, the CLI and the pages --------------------------------------


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / dora.HOUR, 3)


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def metrics_json(metrics: Metrics) -> dict[str, Any]:
    f, lt, cfr, rec, rw = metrics
    return {
        "deployment_frequency": {
            "per_day": round(f.per_day, 3),
            "per_week": round(f.per_day * 7, 3),
            "deployments": f.deployments,
            "deploy_days_per_week": f.deploy_days_per_week,
            "whole_weeks": f.whole_weeks,
            "band": f.band,
        },
        "lead_time": {
            "median_hours": _hours(lt.median),
            "p90_hours": _hours(lt.p90),
            "changes": lt.samples,
            "band": lt.band,
        },
        "change_failure_rate": {
            "percent": _round(cfr.percent, 2),
            "failed_deployments": cfr.numerator,
            "deployments": cfr.denominator,
            "band": cfr.band,
        },
        "recovery_time": {
            "median_hours": _hours(rec.median),
            "p90_hours": _hours(rec.p90),
            "failures": rec.failures,
            "unresolved": rec.unresolved,
            "band": rec.band,
        },
        "rework_rate": {
            "percent": _round(rw.percent, 2),
            "remediation_deployments": rw.numerator,
            "deployments": rw.denominator,
            "band": rw.band,
        },
    }


def report_json(report: DoraReport) -> dict[str, Any]:
    scope = report.scope
    return {
        "scope": {"kind": scope.kind, "key": scope.key, "name": scope.name, "team": scope.team},
        "services": sorted(scope.services.values()),
        "window": {
            "from": _instant(report.window.start).isoformat().replace("+00:00", "Z"),
            "to": _instant(report.window.end).isoformat().replace("+00:00", "Z"),
            "days": round(report.window.days, 3),
        },
        "timezone": scope.timezone,
        **metrics_json(report.metrics),
        "bands_source": BANDS_SOURCE,
    }


def dora_document(
    *, service: str | None, team: str | None, start: str | None, end: str | None
) -> dict[str, Any]:
    """The report of a service, a team or the organisation (neither named) over [start, end),
    as GET /api/v1/dora answers it and `okrs dora --format json` prints it. Raises ScopeNotFound
    for an unknown key and DoraQueryInvalid for a window or a scope it cannot read."""
    scope = resolve_scope(service=service, team=team)
    window = parse_window(start, end, tz_name=scope.timezone)
    return report_json(dora_report(scope=scope, window=window))
