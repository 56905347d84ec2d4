"""Benchmark of nudges: plan a large organisation's week, then send it to a fake Slack.

    python -m okrs.bench.nudges [--quick] [--database-url URL] [--rate N] [--workers N]

The worker subprocess (Django reads its settings once per process) migrates a fresh database,
generates the organisation of okrs.bench.generate (5,000 people; --quick: 500), gives every
person a key result in the running cycle, puts everyone on Slack, and moves every team's
check-in day to the generator's "today" (a Friday) so that a whole organisation is due at one
instant, then:

1. times planning at that instant (load the facts, decide, write the rows); target < 5 s;
2. sends every row through the real Slack channel to the fake Slack Web API of
   tests/fakes/slack.py on 127.0.0.1, rate limited to --rate chat.postMessage calls per second
   (answered 429 + Retry-After beyond it; default 100), with --workers sender threads racing
   for the rows (a person Slack cannot reach would fall back to email, kept in memory);
3. checks that every row was sent and that every person received exactly one message.

It reports nudges per second; the rate limit, not okrs, should be what bounds it. Run from the
repository root (it imports the fake from tests/).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from okrs.bench.sizes import FULL, QUICK

DEFAULT_OUTPUT = Path("var/bench/nudges.json")
PLANNING_TARGET_SECONDS = 5.0
# Friday 27 November 2026 (the generator's today), 17:00 UTC: between 10:00 and midnight on
# that Friday in every timezone the generator uses (Chicago to Kolkata).
PLAN_AT = dt.datetime(2026, 11, 27, 17, 0, tzinfo=dt.UTC)
WORKER_TIMEOUT_SECONDS = 1800


def main(argv: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    if options.worker:
        return _worker(options)
    data_dir = Path(tempfile.mkdtemp(prefix="okrs-bench-nudges-"))
    result_file = data_dir / "result.json"
    env = dict(os.environ)
    env.update(
        {
            "OKRS_DATABASE_URL": options.database_url,
            "OKRS_QUEUE_URL": "",
            "DJANGO_SETTINGS_MODULE": "okrs.settings",
            "OKRS_DATA_DIR": str(data_dir),
            "OKRS_DEBUG": "false",
            "OKRS_BASE_URL": "http://testserver",
            "OKRS_LOG_LEVEL": "ERROR",
            "OKRS_SMTP_HOST": "",
        }
    )
    # SQLite serialises writers, so a second sender thread only adds lock waits there.
    workers = options.workers or (2 if options.database_url.startswith("postgres") else 1)
    args = [sys.executable, "-m", "okrs.bench.nudges", "--worker", "--result-file",
            str(result_file), "--rate", str(options.rate), "--workers", str(workers)]  # fmt: skip
    if options.quick:
        args.append("--quick")
    try:
        completed = subprocess.run(args, env=env, timeout=WORKER_TIMEOUT_SECONDS, check=False)
        if completed.returncode != 0 or not result_file.exists():
            print("the nudge benchmark failed, see the output above", file=sys.stderr)
            return 1
        report = json.loads(result_file.read_text())
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    print(format_report(report))
    output = Path(options.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {output}")
    if report["duplicated"] or report["lost"]:
        return 1
    if options.strict and not report["planning_passed"]:
        return 1
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m okrs.bench.nudges",
        description="Time planning the nudges of a large organisation and sending them.",
    )
    parser.add_argument("--quick", action="store_true", help="500 people instead of 5,000")
    parser.add_argument(
        "--database-url",
        default="",
        help="OKRS_DATABASE_URL of an EMPTY database to fill (default: a fresh SQLite file)",
    )
    parser.add_argument(
        "--rate", type=int, default=0, help="fake Slack chat.postMessage calls per second"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="sender threads racing for the rows (default: 1 on SQLite, 2 on PostgreSQL)",
    )
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT))
    parser.add_argument("--strict", action="store_true", help="exit 1 when planning misses")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    return parser


def format_report(report: dict[str, Any]) -> str:
    verdict = "PASS" if report["planning_passed"] else "MISS"
    return "\n".join(
        [
            f"nudges: {report['people']} people, {report['owners']} owners in running cycles",
            f"  planning: {report['planning_seconds']:.2f} s for {report['planned']} nudges "
            f"({report['planning_queries']} queries; target < {PLANNING_TARGET_SECONDS:g} s: "
            f"{verdict})",
            f"  sending: {report['sent']} sent in {report['sending_seconds']:.1f} s = "
            f"{report['nudges_per_second']:.1f} nudges/s ({report['by_slack']} Slack at most "
            f"{report['rate_limit']}/s, {report['by_email']} email; {report['throttled']} answered "
            f"429 and retried later)",
            f"  duplicated: {report['duplicated']}, lost: {report['lost']}",
        ]
    )


# --- the worker subprocess ---------------------------------------------------------------------


def _worker(options: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core import mail
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from okrs.bench.generate import generate_large_org
    from okrs.channels.slack.models import Installation
    from okrs.nudges.models import Nudge, NudgeState
    from okrs.nudges.planner import create_planned, plan_nudges
    from okrs.nudges.sender import send_due
    from okrs.org.models import Person, Team
    from tests.fakes.slack import FakeSlack

    sizes = QUICK if options.quick else FULL
    rate = options.rate or (20 if options.quick else 100)
    call_command("migrate", verbosity=0)
    generate_large_org(
        people=sizes.people, teams=sizes.teams, objectives=sizes.objectives,
        key_results=sizes.key_results,
    )  # fmt: skip
    Team.objects.update(checkin_day="friday")
    _every_person_owns_a_running_key_result()
    # Everyone on Slack: the benchmark is about the chat path and its rate limit.
    Person.objects.update(channel="slack")

    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        plan = plan_nudges(PLAN_AT)
        planned = create_planned(plan)
        planning_seconds = time.perf_counter() - began
    owners = sum(1 for o in plan.facts.owners.values() if o.key_results)

    # Mail stays in memory: the benchmark measures okrs, not an SMTP server.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    with FakeSlack() as slack:
        settings.SLACK_API_URL = slack.url
        Installation.objects.create(
            team_id=slack.team_id, team_name="Bench", bot_token=slack.bot_token
        )
        slack_people = list(Person.objects.filter(channel="slack").values_list("id", "email"))
        for person_id, email in slack_people:
            slack.add_user(f"U{person_id:07d}", email)
        slack.rate_limit("chat.postMessage", rate)
        sending_seconds = _send_all(send_due, Nudge, NudgeState, options.workers)
        posted = Counter(
            c.params["channel"]
            for c in slack.calls_to("chat.postMessage")
            if c.status == 200 and c.error is None
        )
        throttled = slack.throttled
    mailed = Counter(to for message in mail.outbox for to in message.to)
    sent_rows = list(
        Nudge.objects.filter(state=NudgeState.SENT).values_list(
            "person_id", "person__email", "channel"
        )
    )
    expected_slack = {f"U{pid:07d}" for pid, _, channel in sent_rows if channel == "slack"}
    expected_email = {email for _, email, channel in sent_rows if channel == "email"}
    duplicated = sum(n - 1 for n in posted.values() if n > 1) + sum(
        n - 1 for n in mailed.values() if n > 1
    )
    lost = (
        Nudge.objects.exclude(state=NudgeState.SENT).count()
        + len(expected_slack - posted.keys())
        + len(expected_email - mailed.keys())
    )
    sent = len(sent_rows)
    report = {
        "quick": options.quick,
        "database": connection.vendor,
        "people": sizes.people,
        "owners": owners,
        "planned": planned,
        "planning_seconds": round(planning_seconds, 3),
        "planning_queries": len(queries.captured_queries),
        "planning_target_seconds": PLANNING_TARGET_SECONDS,
        "planning_passed": planning_seconds < PLANNING_TARGET_SECONDS,
        "sent": sent,
        "by_slack": sum(posted.values()),
        "by_email": sum(mailed.values()),
        "rate_limit": rate,
        "throttled": throttled,
        "workers": options.workers,
        "sending_seconds": round(sending_seconds, 3),
        "nudges_per_second": round(sent / sending_seconds, 1) if sending_seconds else 0.0,
        "duplicated": duplicated,
        "lost": lost,
    }
    Path(options.result_file).write_text(json.dumps(report))
    return 0


def _every_person_owns_a_running_key_result() -> None:
    """The generator spreads key results over a year, so only a fifth of its people own one in
    the running quarter; the benchmark plans for the whole organisation (5,000 owners), so each
    person without one gets a key result under an objective of the running cycle."""
    from okrs.goals.evaluation import current_cycle
    from okrs.goals.models import KeyResult, Objective
    from okrs.org.models import Organisation, Person

    cycle = current_cycle(PLAN_AT, Organisation.current())
    assert cycle is not None, "the generated organisation has no running cycle"
    objectives = list(Objective.objects.filter(cycle=cycle).values_list("id", flat=True))
    owners = set(
        KeyResult.objects.filter(objective__cycle=cycle).values_list("owner_id", flat=True)
    )
    missing = Person.objects.exclude(id__in=owners).values_list("id", flat=True)
    KeyResult.objects.bulk_create(
        [
            KeyResult(
                objective_id=objectives[n % len(objectives)],
                key=f"bench-owner-{person_id}",
                title="Raise weekly active teams from 40 to 60",
                owner_id=person_id,
                kind="increase",
                baseline=40,
                target=60,
            )
            for n, person_id in enumerate(missing)
        ],
        batch_size=1000,
    )


def _send_all(send_due: Any, nudge_model: Any, states: Any, workers: int) -> float:
    """Run `workers` sender threads until no row is left to send; the seconds it took.

    Their clock starts at PLAN_AT and runs at real speed, so a row put back by a 429 with
    Retry-After comes due again after that many real seconds.
    """
    from django.db import connection

    began = time.monotonic()

    def now() -> dt.datetime:
        return PLAN_AT + dt.timedelta(seconds=time.monotonic() - began)

    open_states = [states.PENDING, states.SENDING]
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            while nudge_model.objects.filter(state__in=open_states).exists():
                report = send_due(now=now, worker=name)
                if not report.sent:
                    time.sleep(0.05)  # everything left waits for its Retry-After
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(f"bench-{n}",)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.monotonic() - began


if __name__ == "__main__":
    raise SystemExit(main())
