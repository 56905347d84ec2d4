"""An insights worker in a process of its own, for the exactly-once test on PostgreSQL.

    python -m tests.insights.pg_worker setup COUNT BOT_TOKEN TEAM_ID  # COUNT off-track owners
    python -m tests.insights.pg_worker run NAME NOW [SECONDS]          # plan and send until done

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
    from okrs.goals.checkins.models import CheckIn
    from okrs.goals.models import Cycle, KeyResult, Objective
    from okrs.org.models import Organisation, Person, Team

    Organisation.objects.create(pk=1, name="Race", timezone="UTC")
    Installation.objects.create(team_id=team_id, team_name="Race", bot_token=bot_token)
    cycle = Cycle.objects.create(
        key="2026-Q4", start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 31)
    )
    boss = Person.objects.create(email="boss@race.test", name="Boss", role="admin", channel="slack")
    team = Team.objects.create(key="race", name="Race", checkin_day="monday", lead=boss)
    objective = Objective.objects.create(
        key="race", cycle=cycle, team=team, title="Win", owner=boss
    )
    for i in range(count):
        person = Person.objects.create(email=f"p{i}@race.test", name=f"P{i}", channel="slack")
        kr = KeyResult.objects.create(
            objective=objective, key=f"kr{i}", title=f"KR {i}", owner=person, kind="increase",
            baseline=0, target=10, position=i,
        )  # fmt: skip
        CheckIn.objects.create(
            key_result=kr, value=1, confidence="off_track", author=person, source="web",
            at=dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC),
        )  # fmt: skip


def run(name: str, start: dt.datetime, seconds: float) -> None:
    import time_machine

    from okrs.insights.tasks import plan_and_send_insights
    from okrs.nudges.models import Nudge, NudgeState

    began = time.monotonic()
    with time_machine.travel(start, tick=True):
        while time.monotonic() - began < seconds:
            plan_and_send_insights()
            open_rows = Nudge.objects.filter(state__in=[NudgeState.PENDING, NudgeState.SENDING])
            if Nudge.objects.exists() and not open_rows.exists():
                break
            time.sleep(0.05)
    print(json.dumps({"worker": name}), flush=True)


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okrs.settings")
    import django

    django.setup()
    command, *args = argv
    if command == "setup":
        setup(int(args[0]), args[1], args[2])
    elif command == "run":
        run(args[0], dt.datetime.fromisoformat(args[1]), float(args[2]) if len(args) > 2 else 60)
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
