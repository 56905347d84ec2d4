"""Initiative impact for pages and reports: reads the rows, hands plain values to
`okrs.insights.impact`.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence

from okrs.goals.checkins.models import CheckIn
from okrs.goals.models import Cycle, Initiative, InitiativeStatus, KeyResult
from okrs.insights.impact import DEFAULT_WEEKS, MATERIAL_SHARE, Impact, initiative_impact


def completion_instant(completed_on: dt.date, tz_name: str) -> dt.datetime:
    """When a deliverable finished on `completed_on` starts to count as done.

    Midnight after that day, in the organisation's zone: a check-in on the completion day was
    measured before the deliverable could have shown any effect, so it belongs to "before".
    """
    day = dt.datetime.combine(completed_on + dt.timedelta(days=1), dt.time())
    return day.replace(tzinfo=zoneinfo.ZoneInfo(tz_name)).astimezone(dt.UTC)


def is_measurable(initiative: Initiative) -> bool:
    return (
        initiative.status == InitiativeStatus.DONE
        and initiative.completed_on is not None
        and initiative.key_result_id is not None
    )


def impact_from_readings(
    initiative: Initiative,
    key_result: KeyResult,
    *,
    readings: Sequence[tuple[dt.datetime, float]],
    cycle: Cycle,
    tz_name: str,
    as_of: dt.datetime,
    weeks: int = DEFAULT_WEEKS,
) -> Impact | None:
    """The impact of a done initiative on its key result `key_result`, from that key
    result's check-ins `readings`; None if not done."""
    if not is_measurable(initiative):
        return None
    kind, unit = key_result.kind, key_result.unit
    baseline, target = key_result.baseline, key_result.target
    assert initiative.completed_on is not None
    start, end = cycle.bounds(tz_name)
    return initiative_impact(
        kind=kind,
        unit=unit,
        readings=readings,
        completed_at=completion_instant(initiative.completed_on, tz_name),
        limit_start=start,
        # A check-in at exactly as_of is known at as_of: the limit is exclusive.
        limit_end=min(end, as_of + dt.timedelta(microseconds=1)),
        weeks=weeks,
        min_effect=(
            MATERIAL_SHARE * abs(target - baseline)
            if baseline is not None and target is not None
            else 0.0
        ),
    )


def impacts_for(
    initiatives: Iterable[Initiative], *, tz_name: str, as_of: dt.datetime
) -> dict[int, Impact]:
    """The impact of each done initiative (by id), reading all their check-ins in one query.

    The initiatives need `key_result` and `key_result.objective.cycle` loaded
    (select_related), or each costs queries of its own.
    """
    measurable = [i for i in initiatives if is_measurable(i)]
    if not measurable:
        return {}
    readings: dict[int, list[tuple[dt.datetime, float]]] = defaultdict(list)
    rows = CheckIn.objects.filter(
        key_result_id__in={i.key_result_id for i in measurable}, at__lte=as_of
    ).values_list("key_result_id", "at", "value")
    for kr_id, at, value in rows:
        readings[kr_id].append((at, value))
    found: dict[int, Impact] = {}
    for initiative in measurable:
        kr = initiative.key_result
        assert kr is not None
        impact = impact_from_readings(
            initiative,
            kr,
            readings=readings.get(kr.pk, []),
            cycle=kr.objective.cycle,
            tz_name=tz_name,
            as_of=as_of,
        )
        if impact is not None:
            found[initiative.pk] = impact
    return found
