"""A whole week and a half, minute by quarter hour, across teams and owners in many timezones.

Every quarter of an hour the worker's job runs (plan, then send) with the clock moved there by
time-machine, and mail goes to a real local SMTP server. The expected instants are worked out
here from the calendar, independently of the planner: 10:00 on the check-in day in the owner's
own timezone, the reminder two days later at 10:00, the lead's digest three days later.
The window holds the end of British summer time (25 October) and of US daylight time (1 November).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import time_machine
from django.db.models import QuerySet

from okrs.goals.checkins.services import record_checkin
from okrs.goals.models import Cycle, KeyResult, Objective
from okrs.nudges.models import Nudge, NudgeKind, NudgeState
from okrs.nudges.planner import plan_and_create
from okrs.nudges.sender import send_due
from okrs.nudges.services import snooze_nudge
from okrs.org.audit import Actor
from okrs.org.models import Organisation, Person, Team
from tests.nudges.smtp import LocalSmtp, body_of

START = dt.datetime(2026, 10, 24, 0, 0, tzinfo=dt.UTC)
END = dt.datetime(2026, 11, 4, 0, 0, tzinfo=dt.UTC)
STEP = dt.timedelta(minutes=15)
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

# team key -> (check-in day, team timezone, the first owner's own timezone)
TEAMS = {
    "ldn": ("monday", "Europe/London", "Asia/Kolkata"),
    "nyc": ("sunday", "America/New_York", "America/Los_Angeles"),
    "blr": ("friday", "Asia/Kolkata", "Europe/London"),
    "akl": ("sunday", "Pacific/Auckland", "Pacific/Chatham"),
}


def local_ten(day: dt.date, zone: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), zoneinfo.ZoneInfo(zone)).astimezone(dt.UTC)


def checkin_days(weekday: str, zone: str) -> list[dt.date]:
    """Local dates of the check-in day whose 10:00 falls inside the window."""
    first = START.astimezone(zoneinfo.ZoneInfo(zone)).date() - dt.timedelta(days=7)
    days = [first + dt.timedelta(days=n) for n in range(25)]
    return [
        d for d in days if WEEKDAYS[d.weekday()] == weekday and START <= local_ten(d, zone) < END
    ]


def sent_times(rows: QuerySet[Nudge]) -> list[dt.datetime]:
    """When each of these sent rows went out, in order (a sent row always has its time)."""
    times = [at for at in rows.values_list("sent_at", flat=True) if at is not None]
    assert len(times) == rows.count()
    return sorted(times)


def build() -> dict[str, tuple[Person, str, str, str]]:
    """Owners by email -> (person, their zone, the team's day, the team's key)."""
    org = Organisation.objects.create(name="World", timezone="Europe/London")
    cycle = Cycle.objects.create(
        key="2026-Q4", start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 31)
    )
    admin = Person.objects.create(email="admin@w.test", role="admin")
    owners = {}
    for key, (day, team_zone, own_zone) in TEAMS.items():
        lead = Person.objects.create(email=f"lead-{key}@w.test", role="lead")
        team = Team.objects.create(
            key=key, name=key, lead=lead, timezone=team_zone, checkin_day=day
        )
        objective = Objective.objects.create(
            key=f"o-{key}", cycle=cycle, team=team, title=key, owner=admin
        )
        members = [lead]
        for n in range(3):
            person = Person.objects.create(
                email=f"{key}{n}@w.test", timezone=own_zone if n == 0 else ""
            )
            members.append(person)
            KeyResult.objects.create(
                objective=objective, key=f"kr{n}", title=f"{key} {n}", owner=person,
                kind="increase", baseline=0, target=10,
            )  # fmt: skip
            owners[person.email] = (person, own_zone if n == 0 else team_zone, day, key)
        team.members.set(members)
    assert org.pk
    return owners


def test_a_week_of_nudges_reminders_snoozes_and_digests(db: None, smtp: LocalSmtp) -> None:
    owners = build()
    snoozed: dict[str, dt.datetime] = {}
    with time_machine.travel(START, tick=False) as traveller:
        moment = START
        while moment < END:
            traveller.move_to(moment)
            plan_and_create(moment)
            send_due()
            just_sent = Nudge.objects.filter(kind=NudgeKind.NUDGE, state=NudgeState.SENT)
            for nudge in just_sent.filter(sent_at=moment).select_related("person"):
                # Owner 2 of each team snoozes the first nudge half an hour after it arrives.
                if (
                    nudge.person.email.split("@")[0].endswith("2")
                    and nudge.person.email not in snoozed
                ):
                    snoozed[nudge.person.email] = snooze_nudge(
                        nudge_id=nudge.pk, person=nudge.person, now=moment + STEP * 2
                    )
            for nudge in just_sent.filter(sent_at=moment - dt.timedelta(hours=1)).select_related(
                "person"
            ):
                # Owner 1 of each team checks in an hour after every nudge.
                if nudge.person.email.split("@")[0].endswith("1"):
                    kr = KeyResult.objects.get(owner=nudge.person)
                    record_checkin(key_result=kr, value=3, actor=Actor(nudge.person, "email"))
            moment += STEP

    sent = Nudge.objects.filter(state=NudgeState.SENT)
    assert len(smtp.messages) == sent.count()  # every row marked sent was really delivered once
    assert not Nudge.objects.exclude(state__in=[NudgeState.SENT, NudgeState.CANCELLED]).exists()

    for email, (person, zone, day, _team_key) in owners.items():
        days = checkin_days(day, zone)
        assert days, email
        nudges = sent_times(sent.filter(person=person, kind=NudgeKind.NUDGE))
        # Exactly one nudge per week, each at 10:00 on the team's day in the owner's own zone.
        assert nudges == [local_ten(d, zone) for d in days], email
        reminders = sent_times(sent.filter(person=person, kind=NudgeKind.REMINDER))
        expected = [
            local_ten(d + dt.timedelta(days=2), zone)
            for d in days
            if local_ten(d + dt.timedelta(days=2), zone) < END
        ]
        if email.split("@")[0].endswith("1"):
            assert reminders == [], email  # checked in after the nudge: no reminder
        else:
            assert reminders == expected, email
        copies = sent_times(sent.filter(person=person, kind=NudgeKind.SNOOZED))
        if email in snoozed:
            first = local_ten(days[0], zone) + STEP * 2
            # Snoozed half an hour after the nudge: back the next day at the same local time.
            tomorrow = dt.datetime.combine(
                first.astimezone(zoneinfo.ZoneInfo(zone)).date() + dt.timedelta(days=1),
                first.astimezone(zoneinfo.ZoneInfo(zone)).time(),
                zoneinfo.ZoneInfo(zone),
            ).astimezone(dt.UTC)
            assert copies == [tomorrow] == [snoozed[email]], email
        else:
            assert copies == [], email

    for key, (day, team_zone, _) in TEAMS.items():
        lead = Person.objects.get(email=f"lead-{key}@w.test")
        digests = sent_times(sent.filter(person=lead, kind=NudgeKind.DIGEST))
        days = checkin_days(day, team_zone)
        # The week before the first check-in day in the window may have its digest inside it.
        weeks = [days[0] - dt.timedelta(days=7), *days]
        expected = [
            local_ten(d + dt.timedelta(days=3), team_zone)
            for d in weeks
            if START <= local_ten(d + dt.timedelta(days=3), team_zone) < END
        ]
        assert digests == sorted(expected), key
        # The digest after the team's check-in day lists who has not checked in, and only them.
        after = [at for at in digests if at > local_ten(checkin_days(day, team_zone)[0], team_zone)]
        mail = smtp.to(lead.email)[digests.index(after[0])]
        body = body_of(mail, "plain")
        assert f"{key}2@w.test: {key} 2 (o-{key}/kr2)" in body
        # It opens the team's page, where the lead sees who is missing, not the site's root.
        assert body.rstrip().endswith(f"\nhttp://testserver/teams/{key}/")
        assert f"{key}1@w.test" not in body
