"""The rows behind a DORA report: what each figure was computed from, for people to audit.

The figures come from the database (`dora_database`); the rows come from the reference rules
(`dora.failures_by_deployment`, `dora.remediation_rules`) over the rows `selectors.delivery_facts`
reads, and `tests/dora/test_database_path.py` holds both to the same answers. A busy window can
hold thousands of deployments, so each list is a page (`limit` rows from `offset`) with its
total; the counts beside the figures are always whole. A detail costs the report's queries,
the facts' and three more for the rows of the page, however many rows the window holds.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import F

from okrs.metrics.delivery import dora
from okrs.metrics.delivery.dora import Window
from okrs.metrics.delivery.models import Change, Deployment, Incident
from okrs.metrics.delivery.selectors import (
    DoraQueryInvalid,
    DoraReport,
    Scope,
    SecondsBetween,
    delivery_facts,
    dora_report,
    parse_window,
    report_json,
    resolve_scope,
)

DEFAULT_LIMIT = 100
MAX_LIMIT = 500

RULE_TEXT = {
    dora.INCIDENT: "an incident is attributed to it",
    dora.NAMED_DEPLOYMENT: "a remediation names it (rule 1)",
    dora.NAMED_INCIDENT: "names an incident (rule 1): no failure of its own",
    dora.OPEN_INCIDENT: "finished while an incident was open (rule 2): no failure of its own",
    dora.PREVIOUS_DEPLOYMENT: "marks the previous deployment, at most 7 days earlier (rule 3)",
    dora.NO_TARGET: "names nothing and follows no deployment of the 7 days before: no failure",
}


@dataclass(frozen=True)
class Page:
    limit: int = DEFAULT_LIMIT
    offset: int = 0

    def of(self, rows: Sequence[Any]) -> Sequence[Any]:
        return rows[self.offset : self.offset + self.limit]


def parse_page(limit: Any, offset: Any) -> Page:
    """The page asked for, or DoraQueryInvalid saying what is wrong with it."""

    def whole(value: Any, name: str, default: int) -> int:
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise DoraQueryInvalid(f"{name} must be a whole number, not {value!r}") from exc

    size = whole(limit, "limit", DEFAULT_LIMIT)
    start = whole(offset, "offset", 0)
    if not 1 <= size <= MAX_LIMIT:
        raise DoraQueryInvalid(f"limit must be between 1 and {MAX_LIMIT}")
    if start < 0:
        raise DoraQueryInvalid("offset must be 0 or more")
    return Page(size, start)


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / dora.HOUR, 3)


def _section(rows: list[dict[str, Any]], total: int, page: Page) -> dict[str, Any]:
    return {"total": total, "offset": page.offset, "limit": page.limit, "rows": rows}


def dora_detail(*, scope: Scope, window: Window, page: Page) -> tuple[DoraReport, dict[str, Any]]:
    """The report of `scope` over `window`, and the rows behind its figures."""
    report = dora_report(scope=scope, window=window)
    services = None if scope.kind == "organisation" else list(scope.services)
    facts = delivery_facts(service_ids=services, window=window)
    failed = dora.failures_by_deployment(facts.deploys, facts.incidents, facts.named)
    in_window = sorted(
        (d for d in facts.deploys if window.holds(d.finished)), key=lambda d: (d.finished, d.id)
    )
    held = {d.id for d in in_window}
    failures = [f for d in in_window for f in failed.get(d.id, ())]
    remedies = [
        r
        for r in dora.remediation_rules(facts.deploys, facts.incidents, facts.named)
        if r.remediation in held
    ]
    page_deploys = page.of(in_window)
    page_failures = page.of(failures)
    page_remedies = page.of(remedies)

    # The rows of the page, read by id: three queries whatever the window holds.
    deployment_ids = {d.id for d in page_deploys}
    deployment_ids |= {f.deployment for f in page_failures}
    deployment_ids |= {
        f.source for f in page_failures if f.cause != dora.INCIDENT and f.source is not None
    }
    deployment_ids |= {r.remediation for r in page_remedies}
    deployment_ids |= {r.deployment for r in page_remedies if r.deployment is not None}
    incident_ids = {
        f.source for f in page_failures if f.cause == dora.INCIDENT and f.source is not None
    }
    incident_ids |= {r.incident for r in page_remedies if r.incident is not None}
    deployments = {
        row["id"]: row
        for row in Deployment.objects.filter(id__in=deployment_ids).values(
            "id",
            "provider",
            "external_id",
            "finished_at",
            "commit_sha",
            "remediation_kind",
            "is_remediation",
            "remediates_ref",
            service_key=F("service__key"),
            service_name=F("service__name"),
        )
    }
    changes: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for change in (
        Change.objects.filter(deployment_id__in={d.id for d in page_deploys})
        .order_by("first_commit_at", "id")
        .values(
            "deployment_id",
            "commit_sha",
            "pull_request",
            "first_commit_at",
            lead=SecondsBetween(F("deployment__finished_at"), F("first_commit_at")),
        )
    ):
        lead = change["lead"]
        changes[change["deployment_id"]].append(
            {
                "commit": change["commit_sha"],
                "pull_request": change["pull_request"],
                "first_commit_at": _iso(change["first_commit_at"]),
                # As the figure counts it: clock skew is zero, not negative time.
                "lead_hours": _hours(lead if lead > 0 else 0.0),
            }
        )
    incidents = {
        row["id"]: row
        for row in Incident.objects.filter(id__in=incident_ids).values(
            "id", "external_id", "title", "attribution", "opened_at", "resolved_at"
        )
    }

    def deployment_ref(deployment_id: int | None) -> dict[str, Any] | None:
        row = deployments.get(deployment_id) if deployment_id is not None else None
        if row is None:
            return None
        return {
            "id": row["external_id"],
            "provider": row["provider"],
            "service": row["service_key"],
            "service_name": row["service_name"] or row["service_key"],
            "finished_at": _iso(row["finished_at"]),
        }

    def incident_ref(incident_id: int | None) -> dict[str, Any] | None:
        row = incidents.get(incident_id) if incident_id is not None else None
        if row is None:
            return None
        return {
            "id": row["external_id"],
            "title": row["title"],
            "attribution": row["attribution"],
            "opened_at": _iso(row["opened_at"]),
            "resolved_at": _iso(row["resolved_at"]),
        }

    deployment_rows = []
    for d in page_deploys:
        row = deployments[d.id]
        deployment_rows.append(
            {
                **(deployment_ref(d.id) or {}),
                "commit": row["commit_sha"],
                "remediation": row["remediation_kind"] or ("hotfix" if d.remediation else None),
                "failed": d.id in failed,
                "changes": changes.get(d.id, []),
            }
        )
    failure_rows = [
        {
            "deployment": deployment_ref(f.deployment),
            "cause": f.cause,
            "why": RULE_TEXT[f.cause],
            "incident": incident_ref(f.source) if f.cause == dora.INCIDENT else None,
            "remediation": deployment_ref(f.source) if f.cause != dora.INCIDENT else None,
            "began_at": _iso(dt.datetime.fromtimestamp(f.began, dt.UTC)),
            "resolved_at": None
            if f.resolved is None
            else _iso(dt.datetime.fromtimestamp(f.resolved, dt.UTC)),
            "recovery_hours": None
            if f.resolved is None
            else _hours(max(0.0, f.resolved - f.began)),
        }
        for f in page_failures
    ]
    remediation_rows = [
        {
            "deployment": deployment_ref(r.remediation),
            "kind": deployments[r.remediation]["remediation_kind"] or "hotfix",
            "names": deployments[r.remediation]["remediates_ref"] or None,
            "rule": r.rule,
            "why": RULE_TEXT[r.rule],
            "marks": deployment_ref(r.deployment)
            if r.rule in (dora.NAMED_DEPLOYMENT, dora.PREVIOUS_DEPLOYMENT)
            else None,
            "incident": incident_ref(r.incident),
        }
        for r in page_remedies
    ]
    return report, {
        "deployments": _section(deployment_rows, len(in_window), page),
        "failures": {
            **_section(failure_rows, len(failures), page),
            "failed_deployments": len({f.deployment for f in failures}),
        },
        "remediations": _section(remediation_rows, len(remedies), page),
    }


def dora_detail_document(
    *,
    service: str | None,
    team: str | None,
    start: str | None,
    end: str | None,
    limit: Any = None,
    offset: Any = None,
) -> dict[str, Any]:
    """GET /api/v1/dora/detail's answer. Raises ScopeNotFound or DoraQueryInvalid."""
    scope = resolve_scope(service=service, team=team)
    window = parse_window(start, end, tz_name=scope.timezone)
    report, detail = dora_detail(scope=scope, window=window, page=parse_page(limit, offset))
    return {**report_json(report), "detail": detail}
