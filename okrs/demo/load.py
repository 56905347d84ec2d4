"""Loading the demo organisation: the plan through `apply`, then weeks of check-in history.

The history is written after the fact, so it is designed rather than random: each key result
follows a story (on pace, slipping, blocked, gone quiet, levelling off) that shows one thing the
product does with it. Values follow the story as a share of the way from baseline to target at
each point's place in the cycle, and the history ends at the week of the day it is loaded, so
the statuses come out much the same whenever in the cycle that is (on the demo's date,
2026-11-27, they are the ones the tests check). Noise comes from a random generator seeded by
the key result's reference: two loads on the same day write the same numbers.

Whatever the weekday, the README's two people (the platform lead and the CEO) each find a
manual and an automatic key result due on "my check-ins" and one done this week: those
histories end a fixed number of days before the load instead of on the team's check-in day
(`Story.checked_in_days_ago`). The same keeps a missed check-in on the dashboard every day.

Loading is idempotent: `apply` changes nothing the second time, and history is only written for
a key result that has no check-in at all.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
import zlib
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from okrs.ascode.apply import apply_plan
from okrs.ascode.parse import load_plan
from okrs.demo.delivery import load_delivery
from okrs.goals.checkins.models import CheckIn
from okrs.goals.checkins.services import record_checkin
from okrs.goals.models import Cycle, Initiative, KeyResult, Objective
from okrs.goals.scoring import expected_fraction
from okrs.metrics.sources.sync import SYNC_ACTOR
from okrs.org import audit
from okrs.org.audit import Actor
from okrs.org.models import WEEKDAYS, Organisation, Person, Role, Team

PLAN_PATH = Path(__file__).with_name("plan.yaml")
# plan.yaml is written for this quarter (and its year); `demo_plan_text` moves it to another.
PLAN_YEAR, PLAN_QUARTER = 2026, 4
DEMO_TIMEZONE = "Europe/London"  # the plan's organisation timezone: its days are the demo's
HISTORY_WEEKS = 10
# A key result is due on "my check-ins" when nobody checked in on it for three days. Some get
# their latest check-in this many days before the load, whatever weekday that is: a week leaves
# one due, missed since its team's check-in day, and not stale (that takes ten days); a day
# leaves one done this week.
DUE_THIS_WEEK = 7
DONE_THIS_WEEK = 1
# The plan is loaded by the system on the operator's command, not by any one person.
LOADER = Actor(None, "cli", trusted=True)


@dataclass(frozen=True)
class Story:
    """How one key result's quarter goes, as seen through its owner's weekly check-ins.

    For increase and decrease, the value at a point is `pace` times the straight line from
    baseline to target (1 is exactly on schedule), or levels off at `plateau` of the way. For the
    other kinds, `values` are the readings, the last one being the latest check-in.
    """

    pace: float = 1.0
    plateau: float | None = None
    # From `turn` (the cycle's fraction gone) on, progress runs at `pace_after`: a delivered
    # initiative that moved the metric, for the report's "did the deliverable move it?".
    turn: float | None = None
    pace_after: float | None = None
    values: tuple[float, ...] = ()
    decimals: int = 1
    noise: float = 0.03
    # The last `turned_at` check-ins carry `confidence`, the ones before `earlier`; None means
    # the owner only types numbers, so the status falls back to pace.
    confidence: str | None = "on_track"
    earlier: str | None = "on_track"
    turned_at: int = 2
    # Weeks at the end without a check-in: the key result goes stale.
    silent_weeks: int = 0
    # Never checked in at all.
    untouched: bool = False
    # The latest check-in this many days before the load (DUE_THIS_WEEK, DONE_THIS_WEEK), the
    # earlier ones weekly before it; None: weekly on the team's check-in day.
    checked_in_days_ago: int | None = None
    # The latest notes, oldest first; earlier check-ins get a short everyday note or none.
    notes: tuple[str, ...] = ()
    source: str = "web"


STORIES: dict[str, Story] = {
    # -- company ---------------------------------------------------------------------------------
    "grow-revenue/self-serve-arr": Story(
        decimals=2,
        notes=(
            "October renewals landed as forecast.",
            "Annual plans added £40k ARR in their first week.",
            "Two larger self-serve accounts moved to the Business plan.",
        ),
    ),
    "grow-revenue/trial-conversion": Story(
        pace=0.55,
        confidence="at_risk",
        turned_at=3,
        notes=(
            "Flat since the pricing change; waiting for the in-app upgrade experiment to read out.",
            "Experiment inconclusive. The new trial email sequence would help but is stuck in "
            "legal review for the updated terms.",
            "Still blocked on legal for the trial emails; asked Helen to escalate.",
        ),
    ),
    "grow-revenue/payback-period": Story(
        pace=0.5,
        confidence="at_risk",
        notes=(
            "Paid search costs are up a fifth since September; payback stopped improving.",
            "Moving budget from paid search to the partner programme; it shows in January at "
            "the earliest.",
        ),
        checked_in_days_ago=DUE_THIS_WEEK,
    ),
    "keep-customers/net-revenue-retention": Story(
        notes=(
            "Expansion from the success plans is starting to show.",
            "Two downgrades in EMEA offset by the Globex expansion.",
        ),
    ),
    # On track by the owner's word, but the trend ends the quarter short of the target.
    "keep-customers/logo-churn": Story(
        pace=0.55,
        decimals=2,
        notes=(
            "Churn down a little. The save campaign for at-risk accounts starts in December, "
            "so I expect the real drop then.",
            "Holding steady; the December campaign is still on, confident we land it.",
        ),
    ),
    "keep-customers/top-account-reviews": Story(
        decimals=0,
        checked_in_days_ago=DONE_THIS_WEEK,
        notes=(
            "Globex and Initech reviews done; both asked for the Jira integration.",
            "Three more this week; the December calendar is full.",
        ),
    ),
    "product-adoption/weekly-active-teams": Story(
        pace=1.25,
        decimals=0,
        notes=(
            "Guided setup is paying off: new teams come back in week two.",
            "Best week of the year, helped by the Slack check-ins launch.",
        ),
    ),
    "product-adoption/integration-adoption": Story(
        pace=0.6,
        confidence="at_risk",
        notes=(
            "The Jira integration slipped to January; it was half of the planned uplift.",
            "Looking at the GitHub integration to make up the gap, but it needs a partner "
            "review we do not control.",
        ),
    ),
    "time-to-market/idea-to-customer": Story(
        decimals=0,
        notes=(
            "Platform's pipeline templates cut a week off the median.",
            "On plan; checkout and growth now release without a platform ticket.",
        ),
    ),
    "time-to-market/roadmap-predictability": Story(pace=0.95, decimals=0),
    # Updates itself from the delivery events (about six a day): the CEO adds the confidence.
    "time-to-market/release-frequency": Story(
        pace=0.75,
        source="cli",
        checked_in_days_ago=DUE_THIS_WEEK,
        notes=("Checkout and growth release daily now; data still ships weekly.",),
    ),
    # -- engineering -----------------------------------------------------------------------------
    "engineering-flow/deploy-frequency": Story(pace=1.1, source="cli"),
    "engineering-flow/time-to-restore": Story(
        source="cli",
        notes=("Automatic rollback would halve this; platform has it planned for December.",),
    ),
    # Slow until the remote build cache (done 2026-10-23, a quarter of the cycle) halved CI.
    "deploys-advantage/lead-time": Story(
        pace=0.5,
        turn=0.24,
        pace_after=1.25,
        decimals=0,
        source="cli",
        checked_in_days_ago=DUE_THIS_WEEK,
        notes=(
            "Remote build cache is live: CI for the monorepo went from 41 to 12 minutes.",
            "Canary deployments on 9 of 31 services; approvals are now the slowest step.",
            "Canary on 14 services. Change advisory board now skips canaried changes.",
        ),
    ),
    "deploys-advantage/change-failure-rate": Story(
        values=(9.1, 8.6, 7.8, 7.2, 6.4, 5.9, 5.3, 4.8, 4.6, 4.3),
        source="cli",
        notes=(
            "Under 5% for the first time; canaries caught two bad releases this week.",
            "Holding under 5%. Config changes are now the main source of failures.",
        ),
    ),
    "deploys-advantage/golden-path": Story(
        pace=0.9,
        decimals=0,
        checked_in_days_ago=DUE_THIS_WEEK,
        notes=(
            "Search and notifications moved onto the golden path.",
            "Two teams asked to wait until their December releases are out; on plan otherwise.",
        ),
    ),
    "deploys-advantage/ci-queue-time": Story(
        pace=1.15,
        checked_in_days_ago=DONE_THIS_WEEK,
        notes=(
            "Autoscaling runners are live for the monorepo.",
            "Peak wait under 6 minutes all week; spot instances next.",
        ),
    ),
    "deploys-advantage/platform-dependency": Story(
        pace=0.6,
        decimals=0,
        confidence="at_risk",
        turned_at=3,
        notes=(
            "Pipeline templates shipped; new services no longer need us.",
            "Database provisioning is still a platform ticket: self-service is waiting on "
            "security sign-off for the IAM roles.",
            "Still blocked on the security review; 21 of last month's releases needed us, "
            "most for databases.",
        ),
    ),
    # The deliverable written as a key result: never done, so pace is off track every week.
    "kubernetes-migration/complete-migration": Story(
        values=(0,) * HISTORY_WEEKS,
        confidence="at_risk",
        turned_at=3,
        source="cli",
        notes=(
            "38 of 52 services on Kubernetes.",
            "Stateless services done. Search and the billing ledger are blocked: persistent "
            "volume latency is too high for the ledger's write load.",
            "Still blocked on storage; testing local NVMe volumes with the vendor.",
        ),
    ),
    "kubernetes-migration/decommission-vms": Story(
        pace=0.4,
        decimals=0,
        silent_weeks=2,
        notes=(
            "Three hosts gone. The rest wait for the network team to move the VPN endpoints.",
            "No change; VPN move scheduled for next sprint.",
        ),
    ),
    "safer-config/config-rollbacks": Story(
        pace=1.1,
        decimals=0,
        source="cli",
        notes=("Config changes now go through the same canary as code.",),
    ),
    "dependable-service/customer-incidents": Story(
        pace=0.6,
        decimals=0,
        confidence="at_risk",
        source="cli",
        notes=(
            "Two incidents came from the payment provider's outage; not ours, but they count.",
            "Game days keep slipping because of on-call load; without them we will not get to 4.",
        ),
    ),
    "dependable-service/p95-latency": Story(
        pace=1.05,
        decimals=0,
        source="cli",
        notes=(
            "Edge caching of catalogue queries shipped: P95 down 120 ms.",
            "Connection pooling fix in the checkout API; on plan.",
        ),
    ),
    "dependable-service/oncall-escalations": Story(
        pace=0.25,
        decimals=0,
        confidence="off_track",
        earlier="at_risk",
        turned_at=3,
        source="cli",
        notes=(
            "SLO burn-rate alerts helped for checkout, but every alert from the legacy "
            "monitoring stack still pages.",
            "Retiring legacy monitoring is dropped for this quarter: the data team's ETL "
            "alerts depend on it. That was most of the reduction.",
            "No way to 10 this quarter without legacy monitoring gone; proposing to move the "
            "target or the ETL alerts. Needs a decision from Hannah and Ravi.",
        ),
    ),
    "dependable-service/availability": Story(
        values=(99.93, 99.97, 99.91, 99.96, 99.98, 99.95, 99.97, 99.96, 99.97, 99.98),
        decimals=2,
        source="cli",
        notes=("Back above target after the certificate expiry incident.",),
    ),
    # -- business-facing teams -------------------------------------------------------------------
    "effortless-checkout/checkout-completion": Story(
        notes=(
            "Shorter address form is live in the UK and Ireland.",
            "On plan; address autocomplete next.",
        )
    ),
    # The numbers are on pace, but the owner knows the gain is about to disappear.
    "effortless-checkout/payment-failures": Story(
        pace=0.95,
        decimals=2,
        confidence="off_track",
        turned_at=1,
        notes=(
            "Smart retries are doing most of the work.",
            "Our acquirer is retiring the retry API that smart retries use. Once it goes, "
            "failed payments go back to about 3.5%, and the replacement cannot ship this quarter.",
        ),
    ),
    # A big early jump, then flat: on track today, short of the target by the end.
    "effortless-checkout/mobile-conversion": Story(
        plateau=0.42,
        notes=(
            "Apple Pay and Google Pay gave us a big jump.",
            "Flat this week, expecting the next step from the new product pages.",
        ),
    ),
    "first-week-wins/activation-rate": Story(
        pace=1.3,
        notes=("Template plans in guided setup: new teams check in on day two.",),
    ),
    "first-week-wins/time-to-first-objective": Story(decimals=0),
    # The owner types numbers but never a confidence, so the status is pace: off track.
    "first-week-wins/invites-per-account": Story(
        pace=0.2,
        decimals=2,
        confidence=None,
        earlier=None,
        notes=("", "Invite from Slack still in review with Slack's marketplace team."),
    ),
    "self-serve-upgrades/monthly-upgrades": Story(
        decimals=0,
        notes=("In-app upgrade is now the top upgrade path.",),
    ),
    "self-serve-upgrades/pricing-page-conversion": Story(
        pace=0.55,
        confidence="at_risk",
        notes=(
            "Annual plans delayed: billing cannot prorate mid-term changes yet.",
            "Still waiting on billing for proration; the page test alone moved us 0.3 points.",
        ),
    ),
    "same-day-numbers/dashboard-freshness": Story(
        pace=1.2,
        notes=("Billing events now stream in; revenue dashboards refresh hourly.",),
    ),
    "same-day-numbers/self-serve-answers": Story(
        pace=0.9,
        decimals=0,
        silent_weeks=2,
        notes=("Metrics layer in Looker covers revenue and usage questions.",),
    ),
    # Never checked in: stale and off track, the first thing a lead should ask about.
    "same-day-numbers/churn-early-warning": Story(untouched=True),
    "warehouse-rebuild/pipeline-failures": Story(decimals=0),
    "warehouse-rebuild/warehouse-cost": Story(
        pace=0.15,
        confidence="off_track",
        turned_at=2,
        notes=(
            "The reserved capacity contract runs until March, so most of the saving cannot "
            "land this quarter.",
            "Finance confirmed: no early exit from the contract. Proposing to carry this to Q1.",
        ),
    ),
    "build-what-customers-use/validated-opportunities": Story(decimals=0),
    "build-what-customers-use/feature-usage": Story(
        pace=0.6,
        decimals=0,
        confidence="at_risk",
        notes=(
            "Usage analytics only cover web releases; mobile releases are invisible to us.",
            "Blocked on the mobile analytics SDK upgrade, planned for mid-December.",
        ),
    ),
    "support-reason-to-stay/first-response": Story(
        pace=1.2,
        notes=("Follow-the-sun with the Kolkata team covers the US evening.",),
    ),
    "support-reason-to-stay/csat": Story(
        values=(91.8, 92.4, 93.1, 92.6, 91.9, 92.8, 91.2, 90.9, 90.4, 90.8),
        confidence="at_risk",
        turned_at=3,
        notes=(
            "Dip from the billing migration tickets.",
            "Billing tickets are still a third of our volume; agreed a fix list with checkout.",
            "Recovering slowly; not back above 92% until the invoice fix ships.",
        ),
    ),
    # A week without a check-in: the dashboard shows a missed check-in on every weekday (the
    # platform team's, due the same way, count from Mondays, this team's from Thursdays).
    "support-reason-to-stay/expansion-revenue": Story(
        decimals=0, checked_in_days_ago=DUE_THIS_WEEK
    ),
}

# Earlier weeks' notes: what people write when nothing much happened (or nothing at all).
EVERYDAY_NOTES: dict[str | None, tuple[str, ...]] = {
    "on_track": ("On plan.", "Moving as expected.", "Good week.", "", "", ""),
    "at_risk": ("Slower than planned; looking at options with the team.", "", ""),
    "off_track": ("Behind; see the blocker from last week.", ""),
    None: ("", "", "Updated from the weekly report."),
}


@dataclass(frozen=True)
class HistoryPoint:
    at: dt.datetime
    value: float
    confidence: str | None
    note: str


@dataclass(frozen=True)
class DemoResult:
    people: int
    teams: int
    objectives: int
    key_results: int
    initiatives: int
    plan_changes: int
    checkins_added: int
    cycle: str  # the key, for commands
    cycle_name: str  # for people
    history_until: dt.datetime | None
    # Deployments, changes and incidents written for the DORA metrics (okrs.demo.delivery).
    delivery_rows_added: int = 0


def load_demo(*, today: dt.datetime | None = None) -> DemoResult:
    """Apply the demo plan and write check-in history up to `today` (default: now).

    History never goes past now, since check-ins cannot be in the future, nor outside the
    demo's cycle. Loading again changes nothing.
    """
    now = timezone.now()
    if today is not None and timezone.is_naive(today):
        raise ValueError("today needs a timezone")
    until = min(today or now, now)
    local_day = until.astimezone(zoneinfo.ZoneInfo(DEMO_TIMEZONE)).date()
    plan = load_plan(demo_plan_text(local_day), filename=str(PLAN_PATH))
    applied = apply_plan(plan, actor=LOADER)
    assign_roles()
    cycle = Cycle.objects.get(key=demo_cycle_key(local_day))
    # The story starts with the cycle: its initiatives were planned then, as their history says
    # (the coach's OKR013 counts from it).
    cycle_start, _ = cycle.bounds(DEMO_TIMEZONE)
    Initiative.objects.filter(objective__cycle=cycle, created_at__gt=cycle_start).update(
        created_at=cycle_start
    )
    added, history_until = record_history(cycle, until=until)
    delivery_added = load_delivery(until=until, actor=LOADER)
    return DemoResult(
        people=Person.objects.count(),
        teams=Team.objects.count(),
        objectives=Objective.objects.filter(cycle=cycle).count(),
        key_results=KeyResult.objects.filter(objective__cycle=cycle).count(),
        initiatives=Initiative.objects.filter(objective__cycle=cycle).count(),
        plan_changes=len(applied.changes),
        checkins_added=added,
        cycle=cycle.key,
        cycle_name=cycle.label,
        history_until=history_until,
        delivery_rows_added=delivery_added,
    )


def quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def demo_cycle_key(day: dt.date) -> str:
    """The demo's quarter on `day`: the one holding it, so the demo always has a running cycle."""
    year, quarter = quarter_of(day)
    return f"{year}-Q{quarter}"


def _quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, 3 * quarter - 2, 1)
    following = dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return start, following - dt.timedelta(days=1)


def demo_plan_text(day: dt.date) -> str:
    """plan.yaml, moved from the quarter it is written for to the one holding `day`.

    Loaded whenever, the demo is mid-story in a running quarter: its cycles become that quarter
    and its year, and every date of the plan (initiatives' `completed_on`) keeps its distance
    from the quarter's start (cut at the quarter's end, the shortest quarter being 90 days).
    """
    text = PLAN_PATH.read_text(encoding="utf-8")
    year, quarter = quarter_of(day)
    if (year, quarter) == (PLAN_YEAR, PLAN_QUARTER):
        return text
    old_start, old_end = _quarter_bounds(PLAN_YEAR, PLAN_QUARTER)
    new_start, new_end = _quarter_bounds(year, quarter)
    old_cycles = (
        f'  - key: "{PLAN_YEAR}"\n    name: "{PLAN_YEAR}"\n'
        f"    start: {PLAN_YEAR}-01-01\n    end: {PLAN_YEAR}-12-31\n"
        f"  - key: {PLAN_YEAR}-Q{PLAN_QUARTER}\n    name: Q{PLAN_QUARTER} {PLAN_YEAR}\n"
        f"    start: {old_start}\n    end: {old_end}\n"
    )
    new_cycles = (
        f'  - key: "{year}"\n    name: "{year}"\n'
        f"    start: {year}-01-01\n    end: {year}-12-31\n"
        f"  - key: {year}-Q{quarter}\n    name: Q{quarter} {year}\n"
        f"    start: {new_start}\n    end: {new_end}\n"
    )
    if old_cycles not in text:
        raise RuntimeError("okrs/demo/plan.yaml's cycles are not the ones demo_plan_text moves")
    text = text.replace(old_cycles, new_cycles).replace(
        f'parent: "{PLAN_YEAR}"', f'parent: "{year}"'
    )
    text = text.replace(f"cycle: {PLAN_YEAR}-Q{PLAN_QUARTER}", f"cycle: {year}-Q{quarter}")

    def moved(match: re.Match[str]) -> str:
        offset = dt.date.fromisoformat(match.group(1)) - old_start
        return f"completed_on: {min(new_start + offset, new_end)}"

    return re.sub(r"completed_on: (\d{4}-\d\d-\d\d)", moved, text)


DEMO_ADMIN = "ceo@acme.test"
DEMO_LEAD = "maya@acme.test"
# A try-out password, printed by `okrs serve`: never run the demo on a real organisation's server.
DEMO_PASSWORD = "okrs-demo"  # noqa: S105 - printed on purpose, for the demo only
# The README's two people, as the sign-in hint introduces them after their names.
DEMO_SIGN_INS = {DEMO_LEAD: "lead of the platform team", DEMO_ADMIN: "CEO (admin)"}


def demo_sign_ins() -> list[tuple[Person, str]]:
    """The README's two people who still sign in with the demo password, each with who they are
    in the demo; none when the demo is not loaded or both passwords were changed."""
    order = list(DEMO_SIGN_INS)
    people = sorted(
        Person.objects.filter(email__in=order), key=lambda person: order.index(person.email)
    )
    # Argon2 is slow on purpose: a hash the two share (as the demo sets them) is checked once.
    checked: dict[str, bool] = {}
    signs_in = []
    for person in people:
        if person.password not in checked:
            checked[person.password] = check_password(DEMO_PASSWORD, person.password)
        if checked[person.password]:
            signs_in.append((person, DEMO_SIGN_INS[person.email]))
    return signs_in


@transaction.atomic
def assign_roles() -> None:
    """Make the demo's team leads `lead` and its CEO `admin`, as an admin would by hand.

    Plan files carry no roles (a change to a plan repository must not grant anyone rights), so
    the demo sets them here. Only members are promoted: nobody's role is ever lowered.
    """
    wanted = {DEMO_ADMIN: Role.ADMIN}
    for lead_email in Team.objects.filter(lead__isnull=False).values_list("lead__email", flat=True):
        wanted.setdefault(lead_email, Role.LEAD)
    # The two demo sign-ins get the printed password, once: a password set since stays. One
    # hash for both (Argon2 is slow on purpose): the password is printed anyway.
    unset = [
        person
        for person in Person.objects.filter(email__in=[DEMO_ADMIN, DEMO_LEAD])
        if not person.has_usable_password()
    ]
    if unset:
        encoded = make_password(DEMO_PASSWORD)
        for person in unset:
            person.password = encoded
            person.save(update_fields=["password"])
    for person in Person.objects.filter(email__in=wanted, role=Role.MEMBER):
        before = audit.snapshot(person)
        person.role = wanted[person.email]
        person.save(update_fields=["role"])
        audit.record(
            LOADER, action="update", entity="person", ref=person.email,
            before=before, after=audit.snapshot(person),
        )  # fmt: skip


@transaction.atomic
def record_history(cycle: Cycle, *, until: dt.datetime) -> tuple[int, dt.datetime | None]:
    """Weekly check-ins for each demo key result of `cycle` that has none yet.

    Key results without a story are someone's real plan in the demo's cycle: they are left
    alone. Returns how many check-ins were written and the instant the history runs to (None
    before the cycle starts).
    """
    org = Organisation.current()
    start, end = cycle.bounds(org.timezone)
    until = min(until, end - dt.timedelta(seconds=1))
    if until < start:
        return 0, None
    checked_in = set(
        CheckIn.objects.filter(key_result__objective__cycle=cycle).values_list(
            "key_result_id", flat=True
        )
    )
    key_results = (
        KeyResult.objects.filter(objective__cycle=cycle)
        .exclude(pk__in=checked_in)
        .select_related("objective__team", "owner")
        .order_by("objective__position", "objective_id", "position", "id")
    )
    added = 0
    for kr in key_results:
        story = STORIES.get(kr.ref)
        if story is None:
            continue
        team = kr.objective.team
        points = history_points(
            ref=kr.ref,
            kind=kr.kind,
            baseline=kr.baseline,
            target=kr.target,
            story=story,
            checkin_day=team.checkin_day if team else "monday",
            tz_name=kr.owner.timezone or org.timezone,
            cycle_start=start,
            cycle_end=end,
            until=until,
        )
        for point in points:
            if kr.source:
                # A key result that updates itself: its source read the value (the owner's
                # check-in beside it gives the confidence), so its forecast has values to draw.
                record_checkin(key_result=kr, value=point.value, at=point.at, actor=SYNC_ACTOR)
                added += 1
            record_checkin(
                key_result=kr,
                value=point.value,
                confidence=point.confidence,
                note=point.note,
                at=point.at,
                actor=Actor(kr.owner, story.source, trusted=True),
            )
            added += 1
    return added, until


def history_points(
    *,
    ref: str,
    kind: str,
    baseline: float | None,
    target: float | None,
    story: Story,
    checkin_day: str,
    tz_name: str,
    cycle_start: dt.datetime,
    cycle_end: dt.datetime,
    until: dt.datetime,
) -> list[HistoryPoint]:
    """The check-ins one key result's owner made, weekly, in the cycle and up to `until`."""
    if story.untouched:
        return []
    # crc32 rather than hash(): str hashes change with every interpreter run.
    rng = random.Random(zlib.crc32(ref.encode()))
    times = weekly_times(
        rng,
        weekday=WEEKDAYS.index(checkin_day),
        tz=zoneinfo.ZoneInfo(tz_name),
        start=cycle_start,
        until=until,
        days_ago=story.checked_in_days_ago,
    )
    if story.silent_weeks:
        times = times[: -story.silent_weeks]
    count = len(times)
    points = []
    for index, at in enumerate(times):
        from_end = count - 1 - index
        latest_turn = from_end < story.turned_at
        confidence = story.confidence if latest_turn else story.earlier
        if from_end < len(story.notes):
            note = story.notes[len(story.notes) - 1 - from_end]
        else:
            note = rng.choice(EVERYDAY_NOTES[confidence])
        value = story_value(
            story,
            rng,
            kind=kind,
            baseline=baseline,
            target=target,
            elapsed=expected_fraction(cycle_start, cycle_end, at),
            from_end=from_end,
        )
        points.append(HistoryPoint(at, value, confidence, note))
    return points


def weekly_times(
    rng: random.Random,
    *,
    weekday: int,
    tz: zoneinfo.ZoneInfo,
    start: dt.datetime,
    until: dt.datetime,
    days_ago: int | None = None,
) -> list[dt.datetime]:
    """One working-hours instant per week on the team's check-in day (sometimes a day late), or
    with `days_ago`, weekly back from that many days before `until` (the latest never late)."""
    local_until = until.astimezone(tz)
    if days_ago is None:
        last_day = local_until.date() - dt.timedelta(days=(local_until.weekday() - weekday) % 7)
    else:
        last_day = local_until.date() - dt.timedelta(days=days_ago)
    times = []
    for week in range(HISTORY_WEEKS):
        late = 1 if rng.random() < 0.15 and (days_ago is None or week > 0) else 0
        minute = rng.randrange(9 * 60 + 15, 17 * 60)
        day = last_day - dt.timedelta(weeks=week, days=-late)
        local = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=tz)
        at = local.astimezone(dt.UTC)
        if start <= at <= until:
            times.append(at)
    return sorted(times)


def story_value(
    story: Story,
    rng: random.Random,
    *,
    kind: str,
    baseline: float | None,
    target: float | None,
    elapsed: float,
    from_end: int,
) -> float:
    """The value at one check-in: `elapsed` is the cycle's fraction gone at that point."""
    noise = rng.uniform(-story.noise, story.noise)
    if kind in ("increase", "decrease") and target is not None:
        origin = baseline if baseline is not None else 0.0
        if story.plateau is not None:
            # Most of the gain in the first weeks, then almost nothing.
            share = story.plateau * (1 - math.exp(-elapsed / 0.08))
        elif story.turn is not None and story.pace_after is not None and elapsed > story.turn:
            share = story.pace * story.turn + story.pace_after * (elapsed - story.turn)
        else:
            share = story.pace * elapsed
        share = max(share + noise * min(1.0, elapsed * 4), 0.0)
        # Teams ahead of plan overshoot a little, never into nonsense like negative hours.
        share = min(share, 1.1)
        value = origin + share * (target - origin)
        if kind == "decrease" and target > 0:
            value = max(value, target * 0.75)
        return round(value, story.decimals)
    if story.values:
        values = story.values
        return float(values[max(len(values) - 1 - from_end, 0)])
    if kind == "milestone":
        return 0.0
    # stay_above / stay_below without a story: comfortably on the right side of the target.
    level = target if target is not None else 0.0
    margin = abs(level) * 0.02 or 1.0
    return round(level + margin if kind == "stay_above" else level - margin, story.decimals)
