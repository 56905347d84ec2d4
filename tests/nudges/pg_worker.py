"""A nudge worker in a process of its own, for the exactly-once tests on PostgreSQL.

    python -m tests.nudges.pg_worker setup COUNT BOT_TOKEN TEAM_ID  # COUNT owners on Slack
    python -m tests.nudges.pg_worker send NAME NOW [SECONDS]         # plan and send until done
    python -m tests.nudges.pg_worker claim-and-hang NAME NOW         # claim every row, then hang

The clock of `send` starts at NOW and runs at real speed, so rows put back by a 429 come due.
Settings come from the environment (OKRS_DATABASE_URL, OKRS_SLACK_API_URL, ...).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time


def setup(count: int, bot_token: str, team_id: str) -> None:
    from okrs.channels.slack.models import Installation
    from okrs.goals.models import Cycle, KeyResult, Objective
    from okrs.org.models import Organisation, Person, Team

    Organisation.objects.create(pk=1, name="Race", timezone="UTC")
    Installation.objects.create(team_id=team_id, team_name="Race", bot_token=bot_token)
    cycle = Cycle.objects.create(
        key="2026-Q4", start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 31)
    )
    team = Team.objects.create(key="race", name="Race", checkin_day="monday")
    boss = Person.objects.create(email="boss@race.test", name="Boss", role="admin")
    objective = Objective.objects.create(
        key="race", cycle=cycle, team=team, title="Win", owner=boss
    )
    for i in range(count):
        person = Person.objects.create(email=f"p{i}@race.test", name=f"P{i}", channel="slack")
        KeyResult.objects.create(
            objective=objective, key=f"kr{i}", title=f"KR {i}", owner=person, kind="increase",
            baseline=0, target=10, position=i,
        )  # fmt: skip


def send(name: str, start: dt.datetime, seconds: float) -> None:
    from okrs.nudges.models import Nudge, NudgeState
    from okrs.nudges.planner import plan_and_create
    from okrs.nudges.sender import send_due

    began = time.monotonic()

    def now() -> dt.datetime:
        return start + dt.timedelta(seconds=time.monotonic() - began)

    totals = {"sent": 0, "retried": 0, "skipped": 0, "failed": 0, "cancelled": 0, "planned": 0}
    while time.monotonic() - began < seconds:
        totals["planned"] += plan_and_create(now())
        report = send_due(now=now, worker=name)
        for key in ("sent", "retried", "skipped", "failed", "cancelled"):
            totals[key] += getattr(report, key)
        open_rows = Nudge.objects.filter(state__in=[NudgeState.PENDING, NudgeState.SENDING])
        if (totals["planned"] or Nudge.objects.exists()) and not open_rows.exists():
            break
        time.sleep(0.05)
    print(json.dumps(totals), flush=True)


def claim_and_hang(name: str, start: dt.datetime) -> None:
    from okrs.nudges.planner import plan_and_create
    from okrs.nudges.sender import claim, due_ids

    plan_and_create(start)
    claimed = [i for i in due_ids(start) if claim(i, worker=name, now=start)]
    print(json.dumps({"claimed": claimed}), flush=True)
    time.sleep(3600)  # killed with SIGKILL by the test, before sending anything


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okrs.settings")
    import django

    django.setup()
    command, *args = argv
    if command == "setup":
        setup(int(args[0]), args[1], args[2])
    elif command == "send":
        send(args[0], dt.datetime.fromisoformat(args[1]), float(args[2]) if len(args) > 2 else 60)
    elif command == "claim-and-hang":
        claim_and_hang(args[0], dt.datetime.fromisoformat(args[1]))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
