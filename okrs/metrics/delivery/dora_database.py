"""The five DORA metrics computed where the rows are: one SQL statement for any number of scopes.

`dora` (beside this module) defines the rules over rows (the reference); this module asks the
database for the same figures without bringing the rows over. A *measure* is a set of services and a
window (one scope's report, one week of a trend, one row of the overview); every measure of a
call is answered by one statement, so a report costs the same few queries whatever the size of
the scope or the number of rows.

What the statement does, on both databases:

- `deploys`: the successful production deployments read for the call (from the window's start
  to `REMEDIATION_REACH` past its end, as the reference reads them), each with the next
  deployment of its service (LEAD, ordered by finish then id).
- `named`, `incident_failures`, `open_spans`, `remediation_targets`, `remediated_failures`,
  `failures`: the failure rule, in one place (see `_FAILURE_RULE`); what each remediation names
  is read beforehand (`selectors.named_remediations`) and handed over as parameters.
- `counted`: each deployment joined to every measure whose services and window hold it; a
  service counts in several measures (its own row, its team's and each parent team's).
- counts per measure with GROUP BY; the median and the p90 as order statistics picked by the
  database from the sorted values.

PostgreSQL picks the order statistics with one `percentile_disc` over an array of fractions
(one sort per measure) and counts the days with a deployment per local week with
`AT TIME ZONE`. SQLite has neither: it ranks the values with `row_number()` and returns the
three ranks needed per measure, and returns the deployments' finish times of the whole weeks
for Python to place on local days (one binary search per deployment).

Floating point agrees exactly with the reference: instants are the same doubles (the same
EXTRACT / julianday expressions as `selectors.Epoch`), durations are the same subtractions of
them, and the even-count median is `(a + b) / 2` in Python over the two middle values the
database picked, not `percentile_cont`'s interpolation (`a + (b - a) * 0.5` can differ in the
last bit).
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from okrs.metrics.delivery import dora
from okrs.metrics.delivery.dora import Aggregates, Metrics, Named, OrderStatistics, Window


@dataclass(frozen=True)
class Measure:
    """One figure to compute: the deployments of `services` that finished in `window`."""

    services: Sequence[int]
    window: Window
    timezone: str


# --- the SQL, shared by both databases ----------------------------------------------------------

# The reference's median of an even count needs the two middle values. percentile_disc(f) picks
# the value at rank ceil(f n): 0.5 gives ceil(n/2), and a fraction a hair above 0.5 gives
# floor(n/2) + 1 for any n below a billion; 0.9 gives the nearest-rank p90, computed in the same
# double arithmetic as `dora.nearest_rank`.
_PICKS = "ARRAY[0.5, 0.500000001, 0.9]::float8[]"

# The deployments a call reads, with the next deployment of the same service. `readable` marks
# those whose changes and incidents the reference reads (finished before the read window's
# end, as a timestamp); the others are only there for the remediations that follow.
_DEPLOYS = """
deploys (
    id, service_id, finished_at, finished, remediation, readable,
    next_id, next_is_remediation, next_finished
) AS MATERIALIZED (
    SELECT d.id, d.service_id, d.finished_at, {finished},
           (d.is_remediation OR d.remediation_kind <> ''),
           d.finished_at < %(readable_before)s,
           LEAD(d.id) OVER later,
           LEAD(d.is_remediation OR d.remediation_kind <> '') OVER later,
           LEAD({finished}) OVER later
    FROM delivery_deployment d
    WHERE d.is_production AND d.status = 'success'
      AND d.finished_at >= %(read_from)s AND d.finished_at < %(read_to)s
      {service_filter}
    WINDOW later AS (PARTITION BY d.service_id ORDER BY d.finished_at, d.id)
)"""

# Which deployment failed, and each failure's recovery in seconds (NULL while unresolved), as
# `dora.failures_by_deployment` has it:
# - each incident attributed to a deployment is one failure, counted from the later of the
#   deployment's finish and the incident's opening, and never less than zero;
# - each remediation belongs to one target (`remediation_targets`): the deployment it names
#   (`named`, rule 1; a remediation naming an incident is in `named` without a target); else
#   none while an incident of its service is open as it finishes (rule 2); else the previous
#   deployment of its service (ties by id), finished at most REMEDIATION_REACH earlier (rule 3);
# - a target without incidents is one failure, recovered when its first remediation finished.
_FAILURE_RULE = """
incident_failures (deployment, recovery) AS (
    SELECT i.caused_by_id,
           CASE WHEN i.resolved_at IS NULL THEN NULL
                ELSE {greatest}(0.0, {resolved} - {greatest}(d.finished, {opened})) END
    FROM delivery_incident i
    JOIN deploys d ON d.id = i.caused_by_id
    WHERE d.readable
),
open_spans (service_id, opened, resolved) AS MATERIALIZED (
    -- The incidents that can be open as a remediation read here finishes (rule 2), each
    -- instant turned into seconds once: read with a second's slack, the rule compares the
    -- doubles.
    SELECT i.service_id, {opened}, {resolved}
    FROM delivery_incident i
    WHERE i.opened_at < %(open_before)s
      AND (i.resolved_at IS NULL OR i.resolved_at >= %(resolved_from)s)
      {incident_service_filter}
),
remediation_targets (deployment, finished, fixed) AS (
    SELECT n.target, d.finished, r.finished
    FROM named n
    JOIN deploys r ON r.id = n.remediation
    JOIN deploys d ON d.id = n.target
    WHERE r.remediation
    UNION ALL
    SELECT d.id, d.finished, d.next_finished
    FROM deploys d
    WHERE d.next_is_remediation AND d.next_finished - d.finished <= %(reach)s
      AND NOT EXISTS (SELECT 1 FROM named n WHERE n.remediation = d.next_id)
      AND NOT EXISTS (
          SELECT 1 FROM open_spans i
          WHERE i.service_id = d.service_id AND i.opened <= d.next_finished
            AND (i.resolved IS NULL OR i.resolved >= d.next_finished - %(grace)s)
      )
),
remediated_failures (deployment, recovery) AS (
    SELECT t.deployment, {greatest}(0.0, min(t.fixed) - t.finished)
    FROM remediation_targets t
    WHERE NOT EXISTS (SELECT 1 FROM incident_failures f WHERE f.deployment = t.deployment)
    GROUP BY t.deployment, t.finished
),
failures (deployment, recovery) AS (
    SELECT deployment, recovery FROM incident_failures
    UNION ALL
    SELECT deployment, recovery FROM remediated_failures
)"""

# Each deployment under every measure holding it, and the samples of the two durations.
_COUNTED = """
counted (measure, id, finished_at, finished, remediation, readable, weeks_start, weeks_end)
AS MATERIALIZED (
    SELECT m.measure, d.id, d.finished_at, d.finished, d.remediation, d.readable,
           m.weeks_start, m.weeks_end
    FROM deploys d
    JOIN member m ON m.service = d.service_id
        AND d.finished >= m.window_start AND d.finished < m.window_end
),
failed (id) AS (SELECT DISTINCT deployment FROM failures),
deployment_counts (measure, deployments, remediations, failed) AS (
    SELECT c.measure, count(*), count(*) FILTER (WHERE c.remediation), count(f.id)
    FROM counted c LEFT JOIN failed f ON f.id = c.id
    GROUP BY c.measure
),
recoveries (measure, recovery) AS (
    SELECT c.measure, f.recovery FROM counted c JOIN failures f ON f.deployment = c.id
),
leads (measure, lead) AS (
    -- A first commit stamped after its deployment is clock skew, not negative time.
    SELECT c.measure, CASE WHEN {lead} > 0 THEN {lead} ELSE 0.0 END
    FROM counted c JOIN delivery_change ch ON ch.deployment_id = c.id
    WHERE c.readable
)"""


def epoch_sql(column: str, vendor: str) -> str:
    """The column as POSIX seconds: the very expression `selectors.Epoch` reads."""
    if vendor == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM {column}) AS double precision)"
    return f"ROUND((julianday({column}) - 2440587.5) * 86400.0, 3)"


def seconds_between_sql(later: str, earlier: str, vendor: str) -> str:
    """`later - earlier` in seconds: the very expression `selectors.SecondsBetween` reads."""
    if vendor == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS double precision)"
    return f"ROUND((julianday({later}) - julianday({earlier})) * 86400.0, 3)"


def _common(vendor: str, *, service_filter: str) -> str:
    """`service_filter` restricts the rows of table alias `{table}` to the services read."""
    greatest = "GREATEST" if vendor == "postgresql" else "max"
    finished = epoch_sql("d.finished_at", vendor)
    return ",\n".join(
        (
            _DEPLOYS.format(finished=finished, service_filter=service_filter.format(table="d")),
            _FAILURE_RULE.format(
                greatest=greatest,
                resolved=epoch_sql("i.resolved_at", vendor),
                opened=epoch_sql("i.opened_at", vendor),
                incident_service_filter=service_filter.format(table="i"),
            ),
            _COUNTED.format(
                lead=seconds_between_sql("c.finished_at", "ch.first_commit_at", vendor)
            ),
        )
    )


_POSTGRESQL = """
WITH member (measure, service, window_start, window_end, weeks_start, weeks_end) AS (
    -- Each service of each measure with the measure's bounds, in one list. Joined to the
    -- bounds on the measure instead, it made PostgreSQL expect a few dozen deployments where
    -- the organisation's year has 57,000, and probe the changes' index once per deployment;
    -- joined on the service alone it expects thousands, and hashes the changes.
    SELECT * FROM unnest(
        %(member_measure)s::int[], %(member_service)s::int[], %(member_window_start)s::float8[],
        %(member_window_end)s::float8[], %(member_weeks_start)s::float8[],
        %(member_weeks_end)s::float8[]
    )
),
named (remediation, target) AS (
    SELECT * FROM unnest(%(named_remediation)s::int[], %(named_target)s::int[])
),
bounds (measure, window_start, window_end, timezone, weeks_start, weeks_end) AS (
    SELECT * FROM unnest(
        %(measure)s::int[], %(window_start)s::float8[], %(window_end)s::float8[],
        %(timezone)s::text[], %(weeks_start)s::float8[], %(weeks_end)s::float8[]
    )
),
{common},
week_days (measure, days) AS (
    -- Days with a deployment in each whole local week of the measure that has one.
    SELECT c.measure, count(DISTINCT CAST(c.finished_at AT TIME ZONE b.timezone AS date))
    FROM counted c JOIN bounds b ON b.measure = c.measure
    WHERE c.finished >= c.weeks_start AND c.finished < c.weeks_end
    GROUP BY c.measure, date_trunc('week', c.finished_at AT TIME ZONE b.timezone)
)
SELECT b.measure,
       coalesce(dc.deployments, 0), coalesce(dc.remediations, 0), coalesce(dc.failed, 0),
       r.failures, r.resolved, r.picks, l.changes, l.picks, w.days
FROM bounds b
LEFT JOIN deployment_counts dc ON dc.measure = b.measure
LEFT JOIN (
    SELECT measure, count(*) AS failures, count(recovery) AS resolved,
           percentile_disc({picks}) WITHIN GROUP (ORDER BY recovery) AS picks
    FROM recoveries GROUP BY measure
) r ON r.measure = b.measure
LEFT JOIN (
    SELECT measure, count(*) AS changes,
           percentile_disc({picks}) WITHIN GROUP (ORDER BY lead) AS picks
    FROM leads GROUP BY measure
) l ON l.measure = b.measure
LEFT JOIN (
    SELECT measure, array_agg(days) AS days FROM week_days GROUP BY measure
) w ON w.measure = b.measure
ORDER BY b.measure
"""

# SQLite: the counts as above; the order statistics as the three ranks each sample needs
# (ceil(0.9 n) is (9 n + 9) / 10 in integers, which tests/dora checks against the double
# arithmetic of `dora.nearest_rank`); the finish times of the whole weeks, for Python.
_SQLITE = """
WITH bounds (measure, window_start, window_end, weeks_start, weeks_end) AS (VALUES {bounds}),
member (measure, service, window_start, window_end, weeks_start, weeks_end) AS (
    SELECT b.measure, json_extract(value, '$[1]'), b.window_start, b.window_end, b.weeks_start,
           b.weeks_end
    FROM json_each(%(members)s) JOIN bounds b ON b.measure = json_extract(value, '$[0]')
),
named (remediation, target) AS (
    SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(%(named)s)
),
{common},
ranked (kind, measure, value, rank, n) AS (
    SELECT 'lead', measure, lead,
           row_number() OVER (PARTITION BY measure ORDER BY lead),
           count(*) OVER (PARTITION BY measure)
    FROM leads
    UNION ALL
    SELECT 'recovery', measure, recovery,
           row_number() OVER (PARTITION BY measure ORDER BY recovery),
           count(*) OVER (PARTITION BY measure)
    FROM recoveries WHERE recovery IS NOT NULL
)
SELECT 'counts', b.measure, coalesce(dc.deployments, 0), coalesce(dc.remediations, 0),
       coalesce(dc.failed, 0), coalesce(r.failures, 0), coalesce(r.unresolved, 0)
FROM bounds b
LEFT JOIN deployment_counts dc ON dc.measure = b.measure
LEFT JOIN (
    SELECT measure, count(*) AS failures, count(*) - count(recovery) AS unresolved
    FROM recoveries GROUP BY measure
) r ON r.measure = b.measure
UNION ALL
SELECT kind, measure, rank, n, value, NULL, NULL FROM ranked
WHERE rank IN ((n + 1) / 2, n / 2 + 1, (9 * n + 9) / 10)
UNION ALL
SELECT 'finish', c.measure, c.finished, NULL, NULL, NULL, NULL FROM counted c
WHERE c.finished >= c.weeks_start AND c.finished < c.weeks_end
"""


# --- running it ---------------------------------------------------------------------------------


def measure_metrics(
    measures: Sequence[Measure],
    *,
    read: Window,
    every_service: bool = False,
    named: Mapping[int, Named] | None = None,
) -> list[Metrics]:
    """The five metrics of each measure, in one query.

    `read` is the window the rows are read for, as the reference reads them: deployments
    from its start to `REMEDIATION_REACH` past its end, changes and incidents of the
    deployments that finished inside it; every measure's window lies within it. With
    `every_service`, the deployments are read without a service filter (the organisation,
    where a filter only costs time). `named` is what the remediations read name
    (`selectors.named_remediations`, rule 1).
    """
    if not measures:
        return []
    weeks = [_whole_weeks(m.window, m.timezone) for m in measures]
    services = sorted({s for m in measures for s in m.services})
    if not services:
        aggregates = [_nothing()] * len(measures)
    elif connection.vendor == "postgresql":
        aggregates = _postgresql(measures, weeks, services, read, every_service, named or {})
    else:
        aggregates = _sqlite(measures, weeks, services, read, every_service, named or {})
    return [
        dora.metrics_from_aggregates(a, m.window, len(w))
        for a, m, w in zip(aggregates, measures, weeks, strict=True)
    ]


def _nothing() -> Aggregates:
    return Aggregates(0, 0, 0, 0, 0, dora.NO_SAMPLE, dora.NO_SAMPLE, ())


_weeks_cache: dict[tuple[Window, str], list[Window]] = {}


def _whole_weeks(window: Window, tz_name: str) -> list[Window]:
    """`dora.whole_weeks`, remembered: the overview asks it for every row of one window."""
    key = (window, tz_name)
    if key not in _weeks_cache:
        if len(_weeks_cache) > 4096:
            _weeks_cache.clear()
        _weeks_cache[key] = dora.whole_weeks(window, tz_name)
    return _weeks_cache[key]


def _instant(seconds: float) -> Any:
    """A bound as the reference's queries compare it: a datetime rounded to the microsecond,
    in the form the backend stores (text on SQLite)."""
    return connection.ops.adapt_datetimefield_value(dt.datetime.fromtimestamp(seconds, dt.UTC))


def _read_bounds(read: Window) -> dict[str, Any]:
    return {
        "read_from": _instant(read.start),
        "read_to": _instant(read.end + dora.REMEDIATION_REACH),
        "readable_before": _instant(read.end),
        "reach": dora.REMEDIATION_REACH,
        "grace": dora.OPEN_INCIDENT_GRACE,
        # The incidents that can hold a remediation read here (rule 2), with a second's slack.
        "open_before": _instant(read.end + dora.REMEDIATION_REACH + 1.0),
        "resolved_from": _instant(read.start - dora.OPEN_INCIDENT_GRACE - 1.0),
    }


def _weeks_span(weeks: list[Window]) -> tuple[float, float]:
    # Whole weeks are consecutive: the first's start to the last's end. No week, no span.
    return (weeks[0].start, weeks[-1].end) if weeks else (0.0, 0.0)


_MEMBER = ("measure", "service", "window_start", "window_end", "weeks_start", "weeks_end")


def _postgresql(
    measures: Sequence[Measure],
    weeks: list[list[Window]],
    services: list[int],
    read: Window,
    every_service: bool,
    named: Mapping[int, Named],
) -> list[Aggregates]:
    spans = [_weeks_span(w) for w in weeks]
    # Each service of each measure, with the measure's bounds (see `member`).
    members = [
        (n, service, m.window.start, m.window.end, *span)
        for n, (m, span) in enumerate(zip(measures, spans, strict=True))
        for service in m.services
    ]
    params: dict[str, Any] = {
        **_read_bounds(read),
        "named_remediation": list(named),
        "named_target": [n.deployment for n in named.values()],
        **{f"member_{column}": [row[i] for row in members] for i, column in enumerate(_MEMBER)},
        "measure": list(range(len(measures))),
        "window_start": [m.window.start for m in measures],
        "window_end": [m.window.end for m in measures],
        "timezone": [m.timezone for m in measures],
        "weeks_start": [s for s, _ in spans],
        "weeks_end": [e for _, e in spans],
    }
    service_filter = ""
    if not every_service:
        service_filter = "AND {table}.service_id = ANY(%(services)s::int[])"
        params["services"] = services
    sql = _POSTGRESQL.format(
        common=_common("postgresql", service_filter=service_filter), picks=_PICKS
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        Aggregates(
            deployments=deployments,
            remediations=remediations,
            failed_deployments=failed,
            failures=failures or 0,
            unresolved=(failures or 0) - (resolved or 0),
            lead_times=picked(changes or 0, lead_picks),
            recoveries=picked(resolved or 0, recovery_picks),
            deploy_days=days or (),
        )
        for (
            _,
            deployments,
            remediations,
            failed,
            failures,
            resolved,
            recovery_picks,
            changes,
            lead_picks,
            days,
        ) in rows
    ]


def picked(count: int, picks: Sequence[float] | None) -> OrderStatistics:
    if not count or picks is None:
        return dora.NO_SAMPLE
    lower, upper, p90 = picks
    return OrderStatistics(count, lower, upper, p90)


def _sqlite(
    measures: Sequence[Measure],
    weeks: list[list[Window]],
    services: list[int],
    read: Window,
    every_service: bool,
    named: Mapping[int, Named],
) -> list[Aggregates]:
    params: dict[str, Any] = {
        **_read_bounds(read),
        "named": json.dumps([[r, n.deployment] for r, n in named.items()]),
        "members": json.dumps([[n, s] for n, m in enumerate(measures) for s in m.services]),
    }
    # The window bounds go over as bound doubles, not JSON text, so they compare exactly.
    bounds = []
    for n, (m, w) in enumerate(zip(measures, weeks, strict=True)):
        weeks_start, weeks_end = _weeks_span(w)
        names = [f"b{n}_{field}" for field in ("start", "end", "weeks_start", "weeks_end")]
        params.update(
            zip(names, (m.window.start, m.window.end, weeks_start, weeks_end), strict=True)
        )
        bounds.append(f"({n}, " + ", ".join(f"%({name})s" for name in names) + ")")
    service_filter = ""
    if not every_service:
        service_filter = "AND {table}.service_id IN (SELECT value FROM json_each(%(services)s))"
        params["services"] = json.dumps(services)
    sql = _SQLITE.format(
        common=_common("sqlite", service_filter=service_filter), bounds=", ".join(bounds)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()

    counts: dict[int, tuple[int, int, int, int, int]] = {}
    ranks: dict[tuple[str, int], dict[int, float]] = defaultdict(dict)
    sizes: dict[tuple[str, int], int] = {}
    finishes: dict[int, list[float]] = defaultdict(list)
    for kind, measure, a, b, c, d, e in rows:
        if kind == "counts":
            counts[measure] = (a, b, c, d, e)
        elif kind == "finish":
            finishes[measure].append(a)
        else:
            ranks[kind, measure][a] = c
            sizes[kind, measure] = b

    def from_ranks(kind: str, measure: int) -> OrderStatistics:
        n = sizes.get((kind, measure), 0)
        if not n:
            return dora.NO_SAMPLE
        by_rank = ranks[kind, measure]
        return OrderStatistics(
            n, by_rank[(n + 1) // 2], by_rank[n // 2 + 1], by_rank[(9 * n + 9) // 10]
        )

    result = []
    for n, (m, w) in enumerate(zip(measures, weeks, strict=True)):
        deployments, remediations, failed, failures, unresolved = counts[n]
        result.append(
            Aggregates(
                deployments,
                remediations,
                failed,
                failures,
                unresolved,
                from_ranks("lead", n),
                from_ranks("recovery", n),
                deploy_days(finishes.get(n, ()), w, m.timezone),
            )
        )
    return result


def deploy_days(finished: Sequence[float], weeks: list[Window], tz_name: str) -> list[int]:
    """Days with a deployment in each whole week that has one, as `dora.deployment_frequency`
    counts them: local days found by binary search over the local midnights."""
    if not weeks or not finished:
        return []
    midnights = [m for m, _ in dora.local_midnights(Window(weeks[0].start, weeks[-1].end), tz_name)]
    days = sorted({bisect.bisect_right(midnights, t) - 1 for t in finished})
    counts = []
    for week in weeks:
        lo = bisect.bisect_left(days, bisect.bisect_left(midnights, week.start))
        hi = bisect.bisect_left(days, bisect.bisect_left(midnights, week.end))
        if hi > lo:
            counts.append(hi - lo)
    return counts
