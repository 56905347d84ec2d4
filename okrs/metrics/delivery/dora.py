"""The five DORA metrics, as pure arithmetic over plain values.

Nothing here touches the database. The functions over rows (`dora_metrics`, `weekly_series`)
are the reference: they define every rule and are tested on worked examples and with
hypothesis. The figures the API, the CLI, the web pages and the `dora` metric source show are
computed by the database itself (`dora_database`: counts, order statistics and the failure
rule in SQL), which hands over a few aggregates per scope; `metrics_from_aggregates`
turns them into the same `Metrics`, and a property test holds both paths to identical answers.

Conventions
-----------
- Instants are POSIX seconds (floats, UTC); durations are seconds. Reading plain floats from
  the database is several times faster than building a datetime per row, and an instant has
  no time zone to get wrong. Day and week buckets are made in the scope's IANA time zone.
- Windows are half-open: [start, end). A deployment belongs to a window by its finish time.
- Only successful production deployments are given to these functions (the selectors filter
  them): a deployment that never reached production changed nothing for users.
- A median of an even count is the mean of the middle two; the p90 is the nearest-rank
  percentile (the smallest value with at least 90% of the values at or below it), so it is
  always one of the observed durations.

Failures
--------
A successful production deployment *caused a failure* when an incident is attributed to it
(the events helper stores the attribution: an explicit deployment id or commit in the event,
else the latest deployment of the service in the 24 h before the incident opened), or when a
remediation deployment (a rollback, a revert, or a hotfix marked as remediation) is found to
remediate it. A remediation belongs to exactly one failure and never creates a second one:

1. When it names what it remediates (`Named`: the generic event's `remediates`, a revert's
   reverted pull request or commit, a rollback to an earlier deployment; `selectors` reads the
   names into deployment ids), it belongs to that: a named incident (nothing more to count), or
   the named deployment, which then counts as failed if no incident is attributed to it,
   recovered when the remediation finished.
2. Otherwise, when an incident of the same service is open as it finishes (opened at or before
   its finish, and unresolved or resolved at most `OPEN_INCIDENT_GRACE` (1 h) before it), it is
   that incident's remediation: it adds no failure. The failed deployment is the one the
   incident is attributed to, recovered at the incident's resolved_at.
3. Otherwise it marks the previous successful production deployment of its service (ties in
   finish time broken by id), finished at most `REMEDIATION_REACH` (7 days) earlier, as failed,
   recovered when the remediation finished. A fix shipped more than a week later repairs
   something older, or is not about that deployment at all; the bound also lets a window be
   computed from the deployments that finished before `end + REMEDIATION_REACH`, without
   reading the whole history. A remediation that itself needs a remediation failed too, so a
   chain of hotfixes counts each link.

A deployment counts once in the change fail rate however many incidents and remediations point
at it. Each incident attributed to a deployment is one failure, recovered at the incident's
`resolved_at`, counted from the later of the deployment's finish and the incident's opening.
A deployment failed only through remediations (no incident) is one failure, counted from its
finish and recovered when the first of them finished. When a deployment has both, its
incidents are its failures: the remediation is how those incidents were resolved.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import NamedTuple

DAY = 86400.0
HOUR = 3600.0
WEEK = 7 * DAY

# The five metrics by the names dora.dev gives them, in its order: pages and readers see these.
METRIC_NAMES = {
    "deployment_frequency": "Deployment frequency",
    "lead_time": "Change lead time",
    "change_failure_rate": "Change failure rate",
    "recovery_time": "Failed deployment recovery time",
    "rework_rate": "Deployment rework rate",
}
# "One month" in the DORA tables, for the band boundaries.
MONTH = 30 * DAY
REMEDIATION_REACH = 7 * DAY
# An incident resolved this shortly before a remediation finished is still the one it fixes.
OPEN_INCIDENT_GRACE = HOUR

ELITE, HIGH, MEDIUM, LOW = "elite", "high", "medium", "low"
BANDS = (ELITE, HIGH, MEDIUM, LOW)


class Window(NamedTuple):
    """[start, end) in POSIX seconds."""

    start: float
    end: float

    def holds(self, instant: float) -> bool:
        return self.start <= instant < self.end

    @property
    def days(self) -> float:
        return (self.end - self.start) / DAY


class Deploy(NamedTuple):
    """A successful production deployment."""

    id: int
    service: int
    finished: float
    remediation: bool = False


class ChangeFact(NamedTuple):
    """A change (commit or merged pull request) shipped by a successful production deployment.

    `lead` is that deployment's finish minus the change's first commit, in seconds; the
    database computes it, so one number per change crosses over.
    """

    deployment: int
    lead: float


class IncidentFact(NamedTuple):
    """An incident of a service, and the deployment it is attributed to.

    Only attributed incidents cause a deployment failure; any incident open as a remediation
    finishes takes that remediation (rule 2). `service` may be left out when `deployment` is
    one of the deployments given: it is then that deployment's service.
    """

    deployment: int | None
    opened: float
    resolved: float | None
    service: int | None = None
    id: int | None = None  # the incident's own id, for the audit rows


class Named(NamedTuple):
    """What a remediation names as remediated (rule 1): a deployment's id, or None when it
    names an incident (the incident's own attribution says which deployment failed)."""

    deployment: int | None
    incident: int | None = None


# How a failure came about, and which rule each remediation fell under (the audit rows).
INCIDENT = "incident"  # an incident attributed to the deployment
NAMED_DEPLOYMENT = "named_deployment"  # rule 1: the remediation named the deployment
NAMED_INCIDENT = "named_incident"  # rule 1: the remediation named an incident
OPEN_INCIDENT = "open_incident"  # rule 2: an incident of the service was open
PREVIOUS_DEPLOYMENT = "previous_deployment"  # rule 3
NO_TARGET = "no_target"  # rule 3 found no deployment in the 7 days before


class Failure(NamedTuple):
    deployment: int
    began: float  # the later of the deployment's finish and the incident's opening
    resolved: float | None
    cause: str = INCIDENT  # INCIDENT, NAMED_DEPLOYMENT or PREVIOUS_DEPLOYMENT
    source: int | None = None  # the incident's id, or the remediation's (deployment) id


class Remedy(NamedTuple):
    """Which rule a remediation fell under, and what it points at."""

    remediation: int
    rule: str  # NAMED_DEPLOYMENT, NAMED_INCIDENT, OPEN_INCIDENT, PREVIOUS_DEPLOYMENT, NO_TARGET
    deployment: int | None = None  # the deployment it marks (or the named one)
    incident: int | None = None  # the incident it belongs to (rule 1 or 2), when known


# --- statistics ---------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Nearest rank: the smallest value with at least `fraction` of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[nearest_rank(len(ordered), fraction) - 1]


class OrderStatistics(NamedTuple):
    """What the median and the nearest-rank p90 of a sample need, picked by the database.

    `lower_middle` and `upper_middle` are the values at ranks ceil(n/2) and floor(n/2) + 1 of
    the sorted sample (the same value when n is odd), `p90` the one at rank ceil(0.9 n).
    """

    size: int
    lower_middle: float | None
    upper_middle: float | None
    p90: float | None

    @property
    def median(self) -> float | None:
        if not self.size or self.lower_middle is None or self.upper_middle is None:
            return None
        if self.size % 2:
            return self.lower_middle
        # The same expression as `median`, on the same two doubles: the same last bit.
        return (self.lower_middle + self.upper_middle) / 2


NO_SAMPLE = OrderStatistics(0, None, None, None)


def nearest_rank(count: int, fraction: float) -> int:
    """The 1-based rank `percentile` picks in a sorted sample of `count` values."""
    return max(1, math.ceil(fraction * count))


# --- bands --------------------------------------------------------------------------------------
#
# Source: Google Cloud / DORA, "Accelerate State of DevOps Report 2023", chapter 1 "How do you
# compare?", the table of software delivery performance levels (https://dora.dev/research/2023/
# dora-report/). The levels, as printed (elite / high / medium / low):
#
#   deployment frequency: on demand / between once per day and once per week / between once
#     per week and once per month / between once per week and once per month
#   change lead time: less than one day / between one day and one week / between one week and
#     one month / between one week and one month
#   change failure rate: 5% / 10% / 15% / 64%
#   failed deployment recovery time: less than one hour / less than one day / between one day
#     and one week / between one month and six months
#
# The table describes clusters of survey answers, so it has gaps and overlaps; this is how a
# measured number is placed on it:
# - In 2023 low and medium print the same deployment frequency and lead time. A value inside
#   that shared range is medium (the better level it fits); low is what is slower than the
#   slowest printed range: deploying less than once a month, a lead time over a month.
# - Boundaries belong to the better level when the level says "between" (exactly one day of
#   lead time is high, exactly one week is high) and to the worse one when it says "less than"
#   (exactly one hour of recovery is high, not elite).
# - The failure rates are single figures, read as each level's ceiling: up to 5% elite, up to
#   10% high, up to 15% medium, above 15% low (64% is the low cluster's typical rate, not a
#   boundary).
# - Recovery between one week and one month falls in a gap of the table: it is worse than
#   medium's range, so it is low.
# - Deployment frequency is placed by the median number of days with a deployment in the whole
#   local weeks of the window (a steadier reading than the mean of bursty deploys): elite when
#   a typical week has a deployment on every working day (5 or more days) and the window
#   averages at least one deployment a day, "on demand, multiple deploys per day"; high when a
#   typical week has at least one day with a deployment; medium when the window averages at
#   least one deployment per month; low below that. Without a whole week in the window there
#   is no band.
# - Deployment rework rate has no band: the 2023 report has no such metric (the 2024 report
#   introduced it, without a performance-level threshold), so its band is always None.


def frequency_band(per_day: float, deploy_days_per_week: float | None) -> str | None:
    if deploy_days_per_week is None:
        return None
    if deploy_days_per_week >= 5 and per_day >= 1:
        return ELITE
    if deploy_days_per_week >= 1:
        return HIGH
    if per_day * (MONTH / DAY) >= 1:
        return MEDIUM
    return LOW


def lead_time_band(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    if seconds < DAY:
        return ELITE
    if seconds <= WEEK:
        return HIGH
    if seconds <= MONTH:
        return MEDIUM
    return LOW


def change_failure_band(percent: float | None) -> str | None:
    if percent is None:
        return None
    if percent <= 5:
        return ELITE
    if percent <= 10:
        return HIGH
    if percent <= 15:
        return MEDIUM
    return LOW


def recovery_band(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    if seconds < HOUR:
        return ELITE
    if seconds < DAY:
        return HIGH
    if seconds <= WEEK:
        return MEDIUM
    return LOW


# --- time buckets -------------------------------------------------------------------------------


def local_midnights(window: Window, tz_name: str) -> list[tuple[float, dt.date]]:
    """Each local day that overlaps the window: (its midnight in POSIX seconds, its date)."""
    tz = zoneinfo.ZoneInfo(tz_name)
    first = dt.datetime.fromtimestamp(window.start, tz).date()
    last = dt.datetime.fromtimestamp(max(window.start, window.end - 1e-6), tz).date()
    days = []
    day = first
    while day <= last:
        days.append((dt.datetime.combine(day, dt.time(), tz).timestamp(), day))
        day += dt.timedelta(days=1)
    return days


def _local_weeks(window: Window, tz_name: str) -> Iterator[Window]:
    """The local calendar weeks (Monday 00:00 to the next Monday 00:00), uncut, from the one
    holding the window's start to the last one starting before its end."""
    tz = zoneinfo.ZoneInfo(tz_name)
    first = dt.datetime.fromtimestamp(window.start, tz).date()
    monday = first - dt.timedelta(days=first.weekday())
    start = dt.datetime.combine(monday, dt.time(), tz).timestamp()
    while start < window.end:
        monday += dt.timedelta(days=7)
        end = dt.datetime.combine(monday, dt.time(), tz).timestamp()
        yield Window(start, end)
        start = end


def whole_weeks(window: Window, tz_name: str) -> list[Window]:
    """The local calendar weeks (Monday 00:00 to Monday 00:00) lying wholly inside the window."""
    weeks = []
    for week in _local_weeks(window, tz_name):
        if week.end > window.end:
            break
        if week.start >= window.start:
            weeks.append(week)
    return weeks


def weeks_overlapping(window: Window, tz_name: str) -> list[Window]:
    """Local calendar weeks overlapping the window, each cut to it: the trend chart's points."""
    return [
        Window(max(week.start, window.start), min(week.end, window.end))
        for week in _local_weeks(window, tz_name)
    ]


# --- the metrics --------------------------------------------------------------------------------


class Frequency(NamedTuple):
    deployments: int
    per_day: float
    deploy_days_per_week: float | None  # median over the window's whole local weeks
    whole_weeks: int
    band: str | None


class Durations(NamedTuple):
    samples: int
    median: float | None  # seconds
    p90: float | None
    band: str | None


class Recovery(NamedTuple):
    failures: int  # failures of deployments in the window, resolved or not
    unresolved: int  # excluded from the median and p90
    median: float | None
    p90: float | None
    band: str | None


class Rate(NamedTuple):
    numerator: int
    denominator: int
    percent: float | None
    band: str | None


class Metrics(NamedTuple):
    deployment_frequency: Frequency
    lead_time: Durations
    change_failure_rate: Rate
    recovery_time: Recovery
    rework_rate: Rate


def deployment_frequency(deploys: Iterable[Deploy], window: Window, tz_name: str) -> Frequency:
    start, end = window
    finished = sorted(d.finished for d in deploys if start <= d.finished < end)
    per_day = len(finished) / window.days if window.days > 0 else 0.0
    weeks = whole_weeks(window, tz_name)
    days_per_week: float | None = None
    if weeks:
        # Bucket by local day with a binary search over the local midnights: one zoneinfo
        # conversion per day rather than per deployment.
        midnights = [m for m, _ in local_midnights(window, tz_name)]
        deploy_days = {bisect.bisect_right(midnights, t) - 1 for t in finished}
        counts = []
        for week in weeks:
            lo = bisect.bisect_left(midnights, week.start)
            hi = bisect.bisect_left(midnights, week.end)
            counts.append(sum(1 for day in range(lo, hi) if day in deploy_days))
        days_per_week = float(median(counts) or 0)
    return Frequency(
        len(finished), per_day, days_per_week, len(weeks), frequency_band(per_day, days_per_week)
    )


def lead_time(
    changes: Iterable[ChangeFact], deploys: Iterable[Deploy], window: Window
) -> Durations:
    """The lead times of the changes shipped by the deployments that finished in the window."""
    start, end = window
    shipped = {d.id for d in deploys if start <= d.finished < end}
    # A commit stamped after its deployment finished is clock skew, not negative time: it
    # counts as zero.
    durations = [lead if lead > 0 else 0.0 for deployment, lead in changes if deployment in shipped]
    middle = median(durations)
    return Durations(len(durations), middle, percentile(durations, 0.9), lead_time_band(middle))


def failures_by_deployment(
    deploys: Sequence[Deploy],
    incidents: Iterable[IncidentFact],
    named: Mapping[int, Named] | None = None,
) -> dict[int, list[Failure]]:
    """Which deployments caused a failure, and each failure's span (see the module's docs).

    `named` maps a remediation's id to what it names (rule 1); a remediation absent from it
    names nothing."""
    incidents = list(incidents)
    finish = {d.id: d.finished for d in deploys}
    failed: dict[int, list[Failure]] = defaultdict(list)
    for incident in incidents:
        if incident.deployment is None:
            continue
        finished = finish.get(incident.deployment)
        if finished is None:
            continue
        began = max(finished, incident.opened)
        failed[incident.deployment].append(
            Failure(incident.deployment, began, incident.resolved, INCIDENT, incident.id)
        )
    # A target without incidents is one failure, recovered by its first remediation.
    first_fix: dict[int, tuple[float, int, str]] = {}
    at = {d.id: d.finished for d in deploys}
    for remedy in remediation_rules(deploys, incidents, named):
        target = remedy.deployment
        if remedy.rule not in (NAMED_DEPLOYMENT, PREVIOUS_DEPLOYMENT) or target is None:
            continue
        if target not in finish or target in failed:
            continue
        fix = (at[remedy.remediation], remedy.remediation, remedy.rule)
        first_fix[target] = min(fix, first_fix.get(target, fix))
    for target, (fixed, remediation, rule) in first_fix.items():
        failed[target].append(Failure(target, finish[target], fixed, rule, remediation))
    return dict(failed)


def remediation_rules(
    deploys: Sequence[Deploy],
    incidents: Iterable[IncidentFact],
    named: Mapping[int, Named] | None = None,
) -> list[Remedy]:
    """The rule each remediation among `deploys` falls under (the module's docs), in order of
    finish (ties by id) per service."""
    named = named or {}
    service_of = {d.id: d.service for d in deploys}
    open_spans: dict[int, list[IncidentFact]] = defaultdict(list)
    for incident in incidents:
        service = incident.service
        if service is None and incident.deployment is not None:
            service = service_of.get(incident.deployment)
        if service is not None:
            open_spans[service].append(incident)
    by_service: dict[int, list[Deploy]] = defaultdict(list)
    for d in deploys:
        by_service[d.service].append(d)
    remedies = []
    for service, service_deploys in sorted(by_service.items()):
        service_deploys.sort(key=lambda d: (d.finished, d.id))
        for previous, current in itertools.pairwise([None, *service_deploys]):
            if current is None or not current.remediation:
                continue
            name = named.get(current.id)
            if name is not None:
                if name.deployment is not None:
                    remedies.append(Remedy(current.id, NAMED_DEPLOYMENT, name.deployment))
                else:
                    remedies.append(Remedy(current.id, NAMED_INCIDENT, incident=name.incident))
                continue
            holding = open_incident(open_spans.get(service, ()), current.finished)
            if holding is not None:
                remedies.append(Remedy(current.id, OPEN_INCIDENT, holding.deployment, holding.id))
            elif previous is not None and current.finished - previous.finished <= REMEDIATION_REACH:
                remedies.append(Remedy(current.id, PREVIOUS_DEPLOYMENT, previous.id))
            else:
                remedies.append(Remedy(current.id, NO_TARGET))
    return remedies


def open_incident(incidents: Iterable[IncidentFact], instant: float) -> IncidentFact | None:
    """The incident open at `instant` (opened at or before it, and unresolved or resolved at
    most `OPEN_INCIDENT_GRACE` before it), the latest-opened if several (rule 2)."""
    holding = [
        i
        for i in incidents
        if i.opened <= instant
        and (i.resolved is None or i.resolved >= instant - OPEN_INCIDENT_GRACE)
    ]
    return max(holding, key=lambda i: (i.opened, i.id or 0), default=None)


def change_failure_rate(
    deploys: Iterable[Deploy], failed: dict[int, list[Failure]], window: Window
) -> Rate:
    start, end = window
    in_window = [d.id for d in deploys if start <= d.finished < end]
    failures = sum(1 for deploy_id in in_window if deploy_id in failed)
    percent = 100.0 * failures / len(in_window) if in_window else None
    return Rate(failures, len(in_window), percent, change_failure_band(percent))


def recovery_time(
    deploys: Iterable[Deploy], failed: dict[int, list[Failure]], window: Window
) -> Recovery:
    spans: list[float] = []
    unresolved = 0
    count = 0
    start, end = window
    for d in deploys:
        if not start <= d.finished < end:
            continue
        for failure in failed.get(d.id, ()):
            count += 1
            if failure.resolved is None:
                unresolved += 1
            else:
                # Resolved before it began is bad data (a clock, a manual edit): zero, not less.
                spans.append(max(0.0, failure.resolved - failure.began))
    middle = median(spans)
    return Recovery(count, unresolved, middle, percentile(spans, 0.9), recovery_band(middle))


def rework_rate(deploys: Iterable[Deploy], window: Window) -> Rate:
    start, end = window
    in_window = [d for d in deploys if start <= d.finished < end]
    rework = sum(1 for d in in_window if d.remediation)
    percent = 100.0 * rework / len(in_window) if in_window else None
    # No band: the 2023 report has no rework rate (see the bands' comment above).
    return Rate(rework, len(in_window), percent, None)


def dora_metrics(
    deploys: Sequence[Deploy],
    changes: Sequence[ChangeFact],
    incidents: Sequence[IncidentFact],
    window: Window,
    tz_name: str,
    *,
    failed: dict[int, list[Failure]] | None = None,
    named: Mapping[int, Named] | None = None,
) -> Metrics:
    """All five metrics for one window.

    `deploys` may reach past the window (up to `end + REMEDIATION_REACH`, for the remediations
    that mark deployments of the window as failed); only those finishing inside it are counted.
    Pass `failed` when computing many windows over the same deployments.
    """
    if failed is None:
        failed = failures_by_deployment(deploys, incidents, named)
    return Metrics(
        deployment_frequency(deploys, window, tz_name),
        lead_time(changes, deploys, window),
        change_failure_rate(deploys, failed, window),
        recovery_time(deploys, failed, window),
        rework_rate(deploys, window),
    )


def weekly_series(
    deploys: Sequence[Deploy],
    changes: Sequence[ChangeFact],
    incidents: Sequence[IncidentFact],
    window: Window,
    tz_name: str,
    *,
    named: Mapping[int, Named] | None = None,
) -> list[tuple[Window, Metrics]]:
    """The metrics of each local week overlapping the window (cut to it), for trend charts."""
    failed = failures_by_deployment(deploys, incidents, named)
    deploys_sorted = sorted(deploys, key=lambda d: d.finished)
    deploy_times = [d.finished for d in deploys_sorted]
    changes_of: dict[int, list[ChangeFact]] = defaultdict(list)
    for change in changes:
        changes_of[change.deployment].append(change)
    series = []
    for week in weeks_overlapping(window, tz_name):
        # Only the slice of each week is handed on, so a long trend stays linear in the rows.
        lo, hi = (bisect.bisect_left(deploy_times, t) for t in week)
        week_deploys = deploys_sorted[lo:hi]
        week_changes = [c for d in week_deploys for c in changes_of.get(d.id, ())]
        series.append(
            (
                week,
                Metrics(
                    deployment_frequency(week_deploys, week, tz_name),
                    lead_time(week_changes, week_deploys, week),
                    change_failure_rate(week_deploys, failed, week),
                    recovery_time(week_deploys, failed, week),
                    rework_rate(week_deploys, week),
                ),
            )
        )
    return series


class Aggregates(NamedTuple):
    """One scope's window as the database sums it up (see `metrics_from_aggregates`)."""

    deployments: int
    remediations: int
    failed_deployments: int
    failures: int  # resolved or not
    unresolved: int
    lead_times: OrderStatistics  # negative leads already counted as zero
    recoveries: OrderStatistics  # the resolved failures only
    deploy_days: Sequence[int]  # days with a deployment, per whole local week that has one


def metrics_from_aggregates(aggregates: Aggregates, window: Window, whole_weeks: int) -> Metrics:
    """The five metrics from what the database counted and picked, by the rules above.

    `whole_weeks` is how many whole local weeks the window holds (`whole_weeks`); weeks
    without a deployment are absent from `deploy_days` and count as zero days here.
    """
    a = aggregates
    per_day = a.deployments / window.days if window.days > 0 else 0.0
    days_per_week: float | None = None
    if whole_weeks:
        counts = [*a.deploy_days, *([0] * (whole_weeks - len(a.deploy_days)))]
        days_per_week = float(median(counts) or 0)
    lead = a.lead_times
    recovery = a.recoveries
    failure_percent = 100.0 * a.failed_deployments / a.deployments if a.deployments else None
    rework_percent = 100.0 * a.remediations / a.deployments if a.deployments else None
    return Metrics(
        Frequency(
            a.deployments,
            per_day,
            days_per_week,
            whole_weeks,
            frequency_band(per_day, days_per_week),
        ),
        Durations(lead.size, lead.median, lead.p90, lead_time_band(lead.median)),
        Rate(
            a.failed_deployments,
            a.deployments,
            failure_percent,
            change_failure_band(failure_percent),
        ),
        Recovery(
            a.failures,
            a.unresolved,
            recovery.median,
            recovery.p90,
            recovery_band(recovery.median),
        ),
        Rate(a.remediations, a.deployments, rework_percent, None),
    )
