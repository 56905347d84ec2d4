"""What the alerts and digests say and when they are due: pure functions over plain values.

No ORM here: the planners (alerts.py, digest.py, end_of_cycle.py) load the facts, these decide
and word them, and the tests drive them directly.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

from okrs.numbers import amount, forecast_amount, percent
from okrs.timeutil import day_text

DRIFT = "drift"
OFF_TRACK = "off_track"

# The leadership digest: Monday 08:00 in the recipient's timezone, sent that day only.
DIGEST_WEEKDAY = 0
DIGEST_TIME = dt.time(8, 0)

MINUS = "\u2212"  # a real minus sign reads better than a hyphen

# Items per section of the digest; the rest are summed up ("... and 12 more").
MAX_ITEMS = 10

STATUS_LABEL = {"on_track": "on track", "at_risk": "at risk", "off_track": "off track"}


def alert_kind(*, status: str, drifting: bool) -> str | None:
    """The alert a key result's state calls for: off track, drifting, or none.

    `drifting` (okrs/goals/evaluation.py) already means "on track by status, forecast score
    under the on-track threshold", so the two never apply at once.
    """
    if status == OFF_TRACK:
        return OFF_TRACK
    if drifting:
        return DRIFT
    return None


def week_monday(moment: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.date:
    """The local date of the Monday starting the week `moment` falls in, in `tz`."""
    local = moment.astimezone(tz).date()
    return local - dt.timedelta(days=local.weekday())


def week_end(monday: dt.date, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """Midnight after the Sunday of the week starting `monday`, local, as UTC."""
    end = dt.datetime.combine(monday + dt.timedelta(days=7), dt.time(), tzinfo=tz)
    return end.astimezone(dt.UTC)


def digest_slot(
    moment: dt.datetime, tz: zoneinfo.ZoneInfo
) -> tuple[dt.date, dt.datetime, dt.datetime] | None:
    """(week's Monday, due at, expires at) when the digest is due at `moment`, else None.

    Due from Monday 08:00 local until the end of that Monday: a digest whose day passed
    while no worker ran is skipped rather than sent days late, like the nudges.
    """
    local = moment.astimezone(tz)
    if local.weekday() != DIGEST_WEEKDAY or local.time() < DIGEST_TIME:
        return None
    monday = local.date()
    due = dt.datetime.combine(monday, DIGEST_TIME, tzinfo=tz).astimezone(dt.UTC)
    expires = dt.datetime.combine(monday + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return monday, due, expires.astimezone(dt.UTC)


@dataclass(frozen=True)
class AlertFacts:
    """One key result's numbers at the moment of the alert."""

    kind: str  # DRIFT or OFF_TRACK
    ref: str
    title: str
    unit: str
    owner_name: str
    baseline: float | None
    target: float | None
    current: float | None
    score: float
    expected: float  # fraction of the cycle elapsed
    expected_value: float | None  # the value on the straight line from baseline at `expected`
    forecast: float | None
    forecast_score: float | None
    cycle_name: str
    cycle_end: dt.date
    for_owner: bool  # False: the copy for the team lead


def expected_value(baseline: float | None, target: float | None, expected: float) -> float | None:
    """Where the value should be by now on a straight line from baseline to target."""
    if baseline is None or target is None:
        return None
    return baseline + (target - baseline) * expected


def alert_message(facts: AlertFacts) -> tuple[str, str, tuple[str, ...]]:
    """(subject, text, lines) of a drift or off-track alert."""
    if facts.kind == DRIFT:
        subject = f"Drifting: {facts.title}"
        what = (
            f"{facts.ref} is on track today, but its trend ends the cycle at "
            f"{percent(facts.forecast_score)} of the way to the target, under the 70% line."
        )
    else:
        subject = f"Off track: {facts.title}"
        what = f"{facts.ref} is off track."
    if not facts.for_owner:
        what += f" Owner: {facts.owner_name}."
    lines = [
        f"Current: {amount(facts.current, facts.unit)} (score {percent(facts.score)})",
        f"Expected by now: {amount(facts.expected_value, facts.unit)} "
        f"({percent(facts.expected)} of {facts.cycle_name} has passed)",
    ]
    if facts.forecast is not None:
        forecast = forecast_amount(
            facts.forecast, facts.unit, baseline=facts.baseline, target=facts.target
        )
        lines.append(
            f"Forecast at the cycle end ({facts.cycle_end.isoformat()}): {forecast} "
            f"vs target {amount(facts.target, facts.unit)} "
            f"(score {percent(facts.forecast_score)})"
        )
    else:
        lines.append(
            f"Forecast: too few check-ins to tell; target {amount(facts.target, facts.unit)}"
        )
    text = what + "\n" + "\n".join(lines)
    return subject, text, tuple(lines)


@dataclass(frozen=True)
class Moved:
    ref: str
    title: str
    unit: str
    before: float | None
    after: float | None
    score_before: float
    score_after: float


@dataclass(frozen=True)
class Flagged:
    ref: str
    title: str
    owner_name: str
    status: str  # off_track or drifting
    score: float
    forecast_score: float | None


@dataclass(frozen=True)
class Missing:
    owner_name: str
    titles: tuple[str, ...]  # of the key results without a check-in this week
    last_checkin: dt.date | None  # the owner's latest human check-in on any of them


def digest_message(
    *,
    scope: str,
    moved: Sequence[Moved],
    flagged: Sequence[Flagged],
    missing: Sequence[Missing],
) -> tuple[str, str, tuple[str, ...]]:
    """(subject, text, lines) of the leadership digest for one scope (teams or organisation)."""
    off = [f for f in flagged if f.status == OFF_TRACK]
    drifting = [f for f in flagged if f.status != OFF_TRACK]
    missing_count = sum(len(m.titles) for m in missing)
    lines: list[str] = []
    lines.append(f"What moved this week ({len(moved)}):" if moved else "Nothing moved this week.")
    for m in moved[:MAX_ITEMS]:
        delta = m.score_after - m.score_before
        lines.append(
            f"  {_named(m)}: {amount(m.before, m.unit)} → {amount(m.after, m.unit)} "
            f"(score {percent(m.score_before)} → {percent(m.score_after)}, "
            f"{'+' if delta >= 0 else MINUS}{round(abs(delta) * 100)} points)"
        )
    lines += _more(len(moved))
    lines.append(f"Off track ({len(off)}):" if off else "Nothing is off track.")
    for f in off[:MAX_ITEMS]:
        lines.append(f"  {_named(f)} ({f.owner_name}): score {percent(f.score)}")
    lines += _more(len(off))
    if drifting:
        lines.append(f"Drifting ({len(drifting)}):")
        for f in drifting[:MAX_ITEMS]:
            lines.append(
                f"  {_named(f)} ({f.owner_name}): on track now, forecast score "
                f"{percent(f.forecast_score)}"
            )
        lines += _more(len(drifting))
    lines.append(
        f"Check-ins missing this week ({missing_count}):"
        if missing
        else "Every key result was checked in on this week."
    )
    for gap in missing[:MAX_ITEMS]:
        since = f"last check-in {day_text(gap.last_checkin)}" if gap.last_checkin else "never"
        # A title may hold a comma: semicolons keep the key results apart.
        lines.append(f"  {gap.owner_name}: {'; '.join(gap.titles)} ({since})")
    lines += _more(len(missing))
    counts = (
        f"{len(moved)} moved, {len(off)} off track, {len(drifting)} drifting, "
        f"{missing_count} missing"
    )
    subject = f"Weekly OKR digest for {scope}: {counts}"
    headline = f"This week in {scope}: {counts}."
    return subject, headline + "\n" + "\n".join(lines), tuple(lines)


def _named(item: Moved | Flagged) -> str:
    """A key result as its readers know it: its title (its ref only when it has none)."""
    return item.title or item.ref


def _more(count: int) -> list[str]:
    # A chat message has a size limit; the full lists are on the dashboard the digest links to.
    return [f"  … and {count - MAX_ITEMS} more on the dashboard"] if count > MAX_ITEMS else []


@dataclass(frozen=True)
class FinalScore:
    ref: str
    title: str
    unit: str
    baseline: float | None
    target: float | None
    final_value: float | None
    final_score: float | None
    url: str
    answered: bool


def retrospective_message(
    *, cycle_name: str, results: Sequence[FinalScore]
) -> tuple[str, str, tuple[str, ...]]:
    """(subject, text, lines) of the end-of-cycle prompt to one owner."""
    lines = tuple(
        f"{r.ref}: {r.title}: final {amount(r.final_value, r.unit)} of target "
        f"{amount(r.target, r.unit)}, score {percent(r.final_score)}"
        f"{' (answered)' if r.answered else ''} — {r.url}"
        for r in results
    )
    subject = f"{cycle_name} has ended: did it move the thing we said it would move?"
    text = (
        f"{cycle_name} has ended and its scores are final. For each of your key results, tell "
        "us in a few lines whether it moved the thing we said it would move, and why."
    )
    return subject, text + "\n" + "\n".join(lines), lines
