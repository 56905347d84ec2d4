"""The bare SQL the dashboard and the alignment map are measured against.

Each function is what a hand-written query costs for the same answer, with no ORM, no scoring
in Python and no rendering: the floor under the route, measured in the same run on the same
database, so the benchmark can print each route's time as a multiple of it. The dashboard's
query counts key results by status with okrs's rules (section "Scoring and status" of
docs/evaluation.md); the benchmark checks that its counts are the dashboard's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection

from okrs.goals.evaluation import thresholds
from okrs.goals.models import Cycle
from okrs.goals.scoring import expected_fraction
from okrs.org.models import Organisation


@dataclass(frozen=True)
class Moment:
    """The parameters of the queries: a cycle at an instant, with the organisation's rules."""

    cycle_id: int
    as_of: dt.datetime
    expected: float
    grace: float
    on_track: float
    at_risk: float
    fresh_since: dt.datetime


def moment(cycle_key: str, as_of: dt.datetime) -> Moment:
    org = Organisation.current()
    limits = thresholds(org)
    cycle = Cycle.objects.get(key=cycle_key)
    start, end = cycle.bounds(org.timezone)
    if cycle.frozen_at is not None:
        as_of = min(as_of, end - dt.timedelta(microseconds=1))
    return Moment(
        cycle_id=cycle.pk,
        as_of=as_of,
        expected=expected_fraction(start, end, as_of),
        grace=limits.grace,
        on_track=limits.on_track,
        at_risk=limits.at_risk,
        fresh_since=as_of - dt.timedelta(days=limits.stale_after_days),
    )


# The latest check-in and the latest human check-in (any source but sync) of each key result
# of the cycle, not after the instant. PostgreSQL's DISTINCT ON walks the (key_result, at)
# index; SQLite has no DISTINCT ON, so there a window function picks the first of each.
_LATEST = {
    "postgresql": """
        latest AS (
            SELECT DISTINCT ON (c.key_result_id) c.key_result_id, c.value, c.at
            FROM checkins_checkin c JOIN krs ON krs.id = c.key_result_id
            WHERE c.at <= %(as_of)s ORDER BY c.key_result_id, c.at DESC, c.id DESC
        ),
        human AS (
            SELECT DISTINCT ON (c.key_result_id) c.key_result_id, c.confidence, c.at
            FROM checkins_checkin c JOIN krs ON krs.id = c.key_result_id
            WHERE c.at <= %(as_of)s AND c.source <> 'sync'
            ORDER BY c.key_result_id, c.at DESC, c.id DESC
        )""",
    "sqlite": """
        latest AS (
            SELECT key_result_id, value, at FROM (
                SELECT c.key_result_id, c.value, c.at, ROW_NUMBER() OVER (
                    PARTITION BY c.key_result_id ORDER BY c.at DESC, c.id DESC) AS n
                FROM checkins_checkin c JOIN krs ON krs.id = c.key_result_id
                WHERE c.at <= %(as_of)s) WHERE n = 1
        ),
        human AS (
            SELECT key_result_id, confidence, at FROM (
                SELECT c.key_result_id, c.confidence, c.at, ROW_NUMBER() OVER (
                    PARTITION BY c.key_result_id ORDER BY c.at DESC, c.id DESC) AS n
                FROM checkins_checkin c JOIN krs ON krs.id = c.key_result_id
                WHERE c.at <= %(as_of)s AND c.source <> 'sync') WHERE n = 1
        )""",
}

# current = the latest value, else the baseline, else 0 for a milestone; score = p clamped;
# status = the owner's confidence while fresh, else pace (okrs.goals.scoring).
_DASHBOARD = """
    WITH krs AS (
        SELECT k.id, k.kind, k.baseline, k.target
        FROM goals_keyresult k JOIN goals_objective o ON o.id = k.objective_id
        WHERE o.cycle_id = %(cycle)s
    ),
    {latest},
    scored AS (
        SELECT krs.kind, h.confidence, h.at AS human_at,
            COALESCE(l.value, krs.baseline, CASE WHEN krs.kind = 'milestone' THEN 0.0 END)
                AS current, krs.baseline, krs.target
        FROM krs LEFT JOIN latest l ON l.key_result_id = krs.id
        LEFT JOIN human h ON h.key_result_id = krs.id
    ),
    paced AS (
        SELECT confidence, human_at, CASE
            WHEN kind = 'stay_above' THEN CASE WHEN current >= target THEN 'on_track'
                ELSE 'off_track' END
            WHEN kind = 'stay_below' THEN CASE WHEN current <= target THEN 'on_track'
                ELSE 'off_track' END
            WHEN kind = 'milestone' THEN CASE WHEN current >= 1 THEN 'on_track'
                ELSE 'off_track' END
            WHEN %(expected)s < %(grace)s OR %(expected)s <= 0 THEN 'on_track'
            WHEN current IS NULL OR baseline IS NULL OR target IS NULL OR target = baseline
                THEN CASE WHEN 0.0 >= %(on_track)s THEN 'on_track'
                    WHEN 0.0 >= %(at_risk)s THEN 'at_risk' ELSE 'off_track' END
            ELSE CASE
                WHEN MAX(0.0, MIN(1.0, (current - baseline) / (target - baseline)))
                    / %(expected)s >= %(on_track)s THEN 'on_track'
                WHEN MAX(0.0, MIN(1.0, (current - baseline) / (target - baseline)))
                    / %(expected)s >= %(at_risk)s THEN 'at_risk'
                ELSE 'off_track' END
        END AS pace
        FROM scored
    )
    SELECT CASE WHEN confidence IS NOT NULL AND human_at >= %(fresh_since)s
        THEN confidence ELSE pace END AS status, COUNT(*)
    FROM paced GROUP BY 1
"""


def _sql(template: str) -> str:
    vendor = connection.vendor
    sql = template.format(latest=_LATEST[vendor])
    if vendor == "sqlite":
        # Else SQLite runs the window query again for every key result it joins to.
        sql = sql.replace("latest AS (", "latest AS MATERIALIZED (")
        sql = sql.replace("human AS (", "human AS MATERIALIZED (")
    if vendor == "postgresql":
        # SQLite's two-argument MAX and MIN are PostgreSQL's GREATEST and LEAST.
        sql = sql.replace("MAX(0.0, MIN(1.0,", "GREATEST(0.0, LEAST(1.0,")
    return sql


def _params(at: Moment) -> dict[str, Any]:
    adapt = connection.ops.adapt_datetimefield_value
    return {
        "cycle": at.cycle_id,
        "as_of": adapt(at.as_of),
        "fresh_since": adapt(at.fresh_since),
        "expected": at.expected,
        "grace": at.grace,
        "on_track": at.on_track,
        "at_risk": at.at_risk,
    }


def dashboard_counts(at: Moment) -> dict[str, int]:
    """Key results of the cycle by status: one query."""
    with connection.cursor() as cursor:
        cursor.execute(_sql(_DASHBOARD), _params(at))
        counts = {str(status): int(count) for status, count in cursor.fetchall()}
    return {s: counts.get(s, 0) for s in ("on_track", "at_risk", "off_track")}


_ALIGNMENT = (
    # The objectives, with team, owner and the parent each aligns to.
    """
    SELECT o.key, o.title, o.level, t.key, p.email, po.key, pko.key, pk.key
    FROM goals_objective o JOIN org_person p ON p.id = o.owner_id
    LEFT JOIN org_team t ON t.id = o.team_id
    LEFT JOIN goals_objective po ON po.id = o.aligns_to_objective_id
    LEFT JOIN goals_keyresult pk ON pk.id = o.aligns_to_key_result_id
    LEFT JOIN goals_objective pko ON pko.id = pk.objective_id
    WHERE o.cycle_id = %(cycle)s
    """,
    # The key results, with owner and what their status needs.
    """
    WITH krs AS (
        SELECT k.id, k.kind, k.baseline, k.target
        FROM goals_keyresult k JOIN goals_objective o ON o.id = k.objective_id
        WHERE o.cycle_id = %(cycle)s
    ),
    {latest}
    SELECT o.key, k.key, k.title, p.email, k.kind, k.baseline, k.target, l.value, l.at,
        h.confidence, h.at
    FROM goals_keyresult k JOIN goals_objective o ON o.id = k.objective_id
    JOIN org_person p ON p.id = k.owner_id
    LEFT JOIN latest l ON l.key_result_id = k.id LEFT JOIN human h ON h.key_result_id = k.id
    WHERE o.cycle_id = %(cycle)s
    """,
    # The initiatives and the contribution links.
    """
    SELECT o.key, i.key, i.title, i.status, k.key, p.email
    FROM goals_initiative i JOIN goals_objective o ON o.id = i.objective_id
    LEFT JOIN goals_keyresult k ON k.id = i.key_result_id
    LEFT JOIN org_person p ON p.id = i.owner_id
    WHERE o.cycle_id = %(cycle)s
    """,
    """
    SELECT o.key, tob.key, tk.key, tko.key
    FROM goals_contributionlink l JOIN goals_objective o ON o.id = l.objective_id
    LEFT JOIN goals_objective tob ON tob.id = l.to_objective_id
    LEFT JOIN goals_keyresult tk ON tk.id = l.to_key_result_id
    LEFT JOIN goals_objective tko ON tko.id = tk.objective_id
    WHERE o.cycle_id = %(cycle)s
    """,
)


def alignment_rows(at: Moment) -> int:
    """The rows the map is drawn from (objectives, key results, initiatives, links): 4 queries."""
    rows = 0
    params = _params(at)
    with connection.cursor() as cursor:
        for template in _ALIGNMENT:
            cursor.execute(_sql(template), params)
            rows += len(cursor.fetchall())
    return rows
