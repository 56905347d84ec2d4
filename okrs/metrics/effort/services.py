"""Writing work items and their links: from new deliveries, from stored ones, after plan changes."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from okrs.goals.models import Initiative
from okrs.metrics.delivery.ingest.hooks import StoredDelivery
from okrs.metrics.delivery.models import Outcome, RawEvent
from okrs.metrics.effort import linking
from okrs.metrics.effort.intake import WorkItemRecord, work_item
from okrs.metrics.effort.jira import JiraAccess, epic_of, jira_access
from okrs.metrics.effort.models import IssueEpic, WorkItem
from okrs.metrics.sources.registry import SourceError
from okrs.org.models import Organisation

log = logging.getLogger(__name__)

# Issues asked of Jira in one run of the look-up task: a backfill of years of pull requests
# spreads over several runs instead of holding a worker for an hour.
MOST_LOOKUPS_PER_RUN = 200


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


def _item(item: WorkItem | WorkItemRecord) -> linking.Item:
    return linking.Item(item.title, item.body, tuple(item.labels), item.branch)


def _link(
    item: WorkItem | WorkItemRecord,
    candidates: list[_Candidate],
    epics: Mapping[str, str] | None = None,
) -> linking.Link:
    # Initiatives of the cycle the item was merged in come first; the sort keeps plan order.
    ordered = sorted(candidates, key=lambda c: not (c.start <= item.merged_at < c.end))
    return linking.link(_item(item), [c.target for c in ordered], epics)


def _known_epics(keys: list[str] | None = None) -> dict[str, str]:
    """What Jira said of these issues (of every issue asked about, without `keys`)."""
    rows = IssueEpic.objects.exclude(epic_key="")
    if keys is not None:
        rows = rows.filter(issue_key__in=keys)
    return dict(rows.values_list("issue_key", "epic_key"))


def record_work_item(record: WorkItemRecord, *, raw_event_id: int | None) -> WorkItem | None:
    """Store a work item once (None when it was already there) and link it."""
    epics = _known_epics(linking.issue_keys(_item(record)))
    return _store(record, raw_event_id, _candidates(), epics)


def record_work_items(records: Iterable[tuple[WorkItemRecord, int | None]]) -> int:
    """Store and link many work items, each with its raw event's id, reading the initiatives and
    what Jira said once for all of them (a backfill, the demo); how many were new."""
    candidates = _candidates()
    epics = _known_epics()
    return sum(
        _store(record, raw_event_id, candidates, epics) is not None
        for record, raw_event_id in records
    )


def _store(
    record: WorkItemRecord,
    raw_event_id: int | None,
    candidates: list[_Candidate],
    epics: Mapping[str, str],
) -> WorkItem | None:
    found = _link(record, candidates, epics)
    try:
        with transaction.atomic():
            created = WorkItem.objects.create(
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
    if found is linking.UNLINKED and _asks_jira(record, candidates):
        transaction.on_commit(_queue_epic_lookups)
    return created


def _asks_jira(item: WorkItem | WorkItemRecord, candidates: list[_Candidate]) -> bool:
    """Whether Jira may know an epic that links the item: it names issues not asked about yet,
    and some initiative lists an issue key."""
    keys = linking.issue_keys(_item(item))
    if not keys or not linking.lists_issues([c.target for c in candidates]):
        return False
    return IssueEpic.objects.filter(issue_key__in=keys).count() < len(keys)


def _queue_epic_lookups() -> None:
    from okrs.metrics.effort.tasks import look_up_epics  # the task module imports this one

    look_up_epics()


def look_up_epics(*, access: JiraAccess | None = None) -> int:
    """Ask Jira for the epic of each issue named by unlinked work and not asked about yet (at
    most MOST_LOOKUPS_PER_RUN), then link again; how many issues were asked about.

    A temporary failure (Jira down, rate limited) raises SourceError after keeping what was
    learnt, so that the task is retried; refused credentials stop the run until the next
    trigger and are logged, never with the credential."""
    access = access or jira_access()
    if access is None:
        return 0
    asked, failure = _ask_jira(access)
    if failure is not None:
        log.warning("looking up Jira epics through %r: %s", access.credential, failure)
        if not failure.permanent:
            raise failure
    return asked


def _ask_jira(access: JiraAccess) -> tuple[int, SourceError | None]:
    """The questions of look_up_epics, and the failure that stopped them, if one did."""
    candidates = _candidates()
    if not linking.lists_issues([c.target for c in candidates]):
        return 0, None
    asked = set(IssueEpic.objects.values_list("issue_key", flat=True))
    wanted: list[str] = []
    unlinked = WorkItem.objects.filter(initiative__isnull=True).order_by("-merged_at", "-id")
    for item in unlinked.iterator():
        for key in linking.issue_keys(_item(item)):
            if key not in asked and key not in wanted:
                wanted.append(key)
        if len(wanted) >= MOST_LOOKUPS_PER_RUN:
            break
    failure: SourceError | None = None
    answered = 0
    for key in wanted[:MOST_LOOKUPS_PER_RUN]:
        try:
            epic = epic_of(key, access=access)
        except SourceError as error:
            failure = error
            break
        IssueEpic.objects.update_or_create(
            issue_key=key, defaults={"epic_key": epic, "looked_up_at": timezone.now()}
        )
        answered += 1
    relink_work_items()
    return answered, failure


def receive_delivery(delivery: StoredDelivery) -> None:
    """Ingestion's hook: a newly stored delivery that is a merged pull request is work."""
    record = work_item(delivery.provider, delivery.event_type, delivery.payload)
    if record is not None:
        record_work_item(record, raw_event_id=delivery.raw_event_id)


def backfill_work_items() -> int:
    """Work items from the deliveries stored before effort existed; returns how many are new."""
    usable = RawEvent.objects.filter(
        outcome__in=(Outcome.NORMALISED, Outcome.UNMAPPED),
        event_type__in=("pull_request", "Merge Request Hook", "change"),
    )
    return record_work_items(
        (record, raw.pk)
        for raw in usable.order_by("received_at", "pk").iterator()
        if (record := _work_item_of(raw)) is not None
    )


def _work_item_of(raw: RawEvent) -> WorkItemRecord | None:
    payload: Any = raw.payload
    return work_item(raw.provider, raw.event_type, payload if isinstance(payload, dict) else {})


def refresh_epics(*, access: JiraAccess | None = None) -> int:
    """Forget what Jira said of every issue and ask again (an issue moved to another epic);
    how many issues were asked about. SourceError when Jira cannot answer."""
    access = access or jira_access()
    if access is None:
        raise SourceError(
            "no Jira credential to ask through: add one of kind jira with its site on "
            "/settings/sources/ (or name it in OKRS_EFFORT_JIRA_CREDENTIAL)",
            permanent=True,
        )
    with transaction.atomic():
        IssueEpic.objects.all().delete()
        relink_work_items()
    asked, failure = _ask_jira(access)
    if failure is not None:
        raise failure
    return asked


def relink_work_items() -> int:
    """Link every work item again under the plan as it is now; returns how many changed."""
    candidates = _candidates()
    epics = _known_epics()
    changed = []
    for item in WorkItem.objects.all().iterator():
        found = _link(item, candidates, epics)
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
            # An initiative that now lists an issue key may be reached through an epic.
            if linking.lists_issues([c.target for c in _candidates()]):
                _queue_epic_lookups()

    transaction.on_commit(relink_if_latest)
