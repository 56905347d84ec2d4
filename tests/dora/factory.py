"""Delivery rows for the DORA tests, written the way normalised events leave them."""

from __future__ import annotations

import datetime as dt
import itertools

from okrs.metrics.delivery.models import Change, Deployment, Incident, Service
from okrs.org.models import Team

_ids = itertools.count(1)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def service(key: str, team: Team | None = None) -> Service:
    return Service.objects.create(key=key, name=key.title(), team=team)


def deploy(
    svc: Service,
    finished: str,
    *,
    status: str = "success",
    production: bool = True,
    remediation: str = "",
    commits: tuple[str, ...] = (),
) -> Deployment:
    """A deployment finished at `finished`, shipping changes first committed at `commits`."""
    n = next(_ids)
    d = Deployment.objects.create(
        provider="generic",
        external_id=f"d{n}",
        service=svc,
        environment="production" if production else "staging",
        is_production=production,
        status=status,
        finished_at=utc(finished),
        commit_sha=f"{n:040x}",
        is_remediation=bool(remediation),
        remediation_kind=remediation,
    )
    for committed in commits:
        Change.objects.create(
            service=svc,
            commit_sha=f"c{next(_ids):039x}",
            first_commit_at=utc(committed),
            merged_at=utc(committed),
            deployment=d,
        )
    return d


def incident(
    svc: Service, opened: str, resolved: str | None, caused_by: Deployment | None
) -> Incident:
    return Incident.objects.create(
        provider="generic",
        external_id=f"i{next(_ids)}",
        service=svc,
        title="Checkout errors",
        opened_at=utc(opened),
        resolved_at=utc(resolved) if resolved else None,
        caused_by=caused_by,
        attribution="explicit" if caused_by else "none",
    )
