"""Writing work items and their links: from new deliveries, from stored ones, after plan changes."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from okrs.goals.models import Initiative
from okrs.metrics.delivery.ingest.hooks import StoredDelivery
from okrs.metrics.delivery.models import Outcome, RawEvent
from okrs.metrics.effort import linking
from okrs.metrics.effort.intake import WorkItemRecord, work_item
from okrs.metrics.effort.models import WorkItem
from okrs.org.models import Organisation


@dataclass(frozen=True)
class _Candidate:
    target: linking.Target
    start: dt.datetime
    end: dt.datetime


def _candidates() -> list[_Candidate]:
    """Every initiative that work can link to, in the plan's order."""
    tz = Organisation.current().timezone
    found = []
    initiatives = Initiative.objects.select_related("objective__cycle").order_by(
        "objective__cycle__start", "objective__position", "objective_id", "position", "id"
    )
    for initiative in initiatives:
        entries = []
        for entry in initiative.work or []:
            try:
                entries.append(linking.parse_work_entry(str(entry)))
            except ValueError:
                continue  # the plan's validation refuses these; one stored by hand links nothing
        start, end = initiative.objective.cycle.bounds(tz)
        ref = f"{initiative.objective.key}/{initiative.key}"
        found.append(_Candidate(linking.Target(initiative.pk, ref, tuple(entries)), start, end))
    return found


def _link(item: WorkItem | WorkItemRecord, candidates: list[_Candidate]) -> linking.Link:
    # Initiatives of the cycle the item was merged in come first; the sort keeps plan order.
    ordered = sorted(candidates, key=lambda c: not (c.start <= item.merged_at < c.end))
    return linking.link(
        linking.Item(item.title, item.body, tuple(item.labels), item.branch),
        [c.target for c in ordered],
    )


def record_work_item(record: WorkItemRecord, *, raw_event_id: int | None) -> WorkItem | None:
    """Store a work item once (None when it was already there) and link it."""
    found = _link(record, _candidates())
    try:
        with transaction.atomic():
            return WorkItem.objects.create(
                provider=record.provider,
                external_id=record.external_id[:300],
                author=record.author[:200],
                title=record.title[:500],
                body=record.body,
                labels=list(record.labels),
                branch=record.branch[:300],
                merged_at=record.merged_at,
                raw_event_id=raw_event_id,
                initiative_id=found.initiative_id,
                link_method=found.method,
                link_detail=found.detail[:300],
            )
    except IntegrityError:
        return None  # the same pull request told again (another delivery of it): nothing changes


def receive_delivery(delivery: StoredDelivery) -> None:
    """Ingestion's hook: a newly stored delivery that is a merged pull request is work."""
    record = work_item(delivery.provider, delivery.event_type, delivery.payload)
    if record is not None:
        record_work_item(record, raw_event_id=delivery.raw_event_id)


def backfill_work_items() -> int:
    """Work items from the deliveries stored before effort existed; returns how many are new."""
    added = 0
    usable = RawEvent.objects.filter(
        outcome__in=(Outcome.NORMALISED, Outcome.UNMAPPED),
        event_type__in=("pull_request", "Merge Request Hook", "change"),
    )
    for raw in usable.order_by("received_at", "pk").iterator():
        payload: Any = raw.payload
        record = work_item(
            raw.provider, raw.event_type, payload if isinstance(payload, dict) else {}
        )
        if record is not None and record_work_item(record, raw_event_id=raw.pk) is not None:
            added += 1
    return added


def relink_work_items() -> int:
    """Link every work item again under the plan as it is now; returns how many changed."""
    candidates = _candidates()
    changed = []
    for item in WorkItem.objects.all().iterator():
        found = _link(item, candidates)
        now = (found.initiative_id, found.method, found.detail[:300])
        if now != (item.initiative_id, item.link_method, item.link_detail):
            item.initiative_id, item.link_method, item.link_detail = now
            changed.append(item)
    WorkItem.objects.bulk_update(
        changed, ["initiative", "link_method", "link_detail"], batch_size=500
    )
    return len(changed)


# The latest request for a relink in this thread: of the callbacks one transaction queued, only
# the last one relinks, so an `okrs apply` of many initiatives relinks once, at its commit.
_latest = threading.local()


def plan_changed(**_: Any) -> None:
    """An initiative was saved or deleted: links are made again when the write commits."""
    token = object()
    _latest.token = token

    def relink_if_latest() -> None:
        if getattr(_latest, "token", None) is token:
            relink_work_items()

    transaction.on_commit(relink_if_latest)
