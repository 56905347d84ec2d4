"""Benchmark of nudges: plan a large organisation's week, then send it to a fake Slack.

    python -m okrs.bench.nudges [--quick] [--database-url URL] [--rate N] [--workers N]

The worker subprocess (Django reads its settings once per process) migrates a fresh database,
generates the organisation of okrs.bench.generate (5,000 people; --quick: 500), gives every
person a key result in the running cycle, puts everyone on Slack, and moves every team's
check-in day to the generator's "today" (a Friday) so that a whole organisation is due at one
instant, then:

1. times planning at that instant (load the facts, decide, write the rows); target < 5 s;
2. measures the limit itself: --workers bare clients (processes that only post, and try
   again 10 ms after a 429) send as many messages to a fake Slack Web API (tests/fakes/slack.py
   on 127.0.0.1) limited to --rate chat.postMessage calls a second (default 100);
3. sends every row through okrs to a second such fake, from --workers sender processes, each
   running the worker's pass (`send_due`, as `okrs worker` does every minute) until nothing is
   left; nobody has been matched to Slack yet, so each person is looked up by email first
   (--matched: everyone was, as in any week after the first);
4. checks that every row was sent and that every person received exactly one message.

The fake's limit is counted in time, as Slack's is: a token bucket one second deep that starts
empty when the senders start, refilled at --rate a second; a call finding it empty is answered
429 with Retry-After: 1. (The fake's own `rate_limit` counts calls, for tests that must meet it
however slow the machine is; it refuses one call in every N+1 whatever their pace, so it is no
limit on messages per second.) The report gives okrs' messages per second next to the limit,
the rate the fake accepted, and the bare clients' rate in the same run. Run from the repository
root (it imports the fake from tests/).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import email
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from okrs.bench.harness import write_report
from okrs.bench.sizes import FULL, QUICK

DEFAULT_OUTPUT = Path("var/bench/nudges.json")
PLANNING_TARGET_SECONDS = 5.0
# What okrs should reach: this share of the rate limit (the limit, not okrs, bounds sending).
SENDING_TARGET_RATIO = 0.95
# Friday 27 November 2026 (the generator's today), 17:00 UTC: between 10:00 and midnight on
# that Friday in every timezone the generator uses (Chicago to Kolkata).
PLAN_AT = dt.datetime(2026, 11, 27, 17, 0, tzinfo=dt.UTC)
WORKER_TIMEOUT_SECONDS = 1800
# The sender processes start together this long after they were launched (Django's start-up
# stays out of the measurement); the fake's bucket starts filling at the same instant.
START_DELAY_SECONDS = 4.0


def main(argv: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    if options.worker:
        return _worker(options)
    if options.sender:
        return _sender(options)
    if options.bare_sender:
        return _bare_sender(options)
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
    # SQLite serialises writers, so a second sender process only adds lock waits there.
    workers = options.workers or (2 if options.database_url.startswith("postgres") else 1)
    args = [sys.executable, "-m", "okrs.bench.nudges", "--worker", "--result-file",
            str(result_file), "--rate", str(options.rate), "--workers", str(workers)]  # fmt: skip
    if options.quick:
        args.append("--quick")
    if options.matched:
        args.append("--matched")
    if options.profile:
        args += ["--profile", str(Path(options.profile).resolve())]
    try:
        completed = subprocess.run(args, env=env, timeout=WORKER_TIMEOUT_SECONDS, check=False)
        if completed.returncode != 0 or not result_file.exists():
            print("the nudge benchmark failed, see the output above", file=sys.stderr)
            return 1
        report = json.loads(result_file.read_text())
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    report["load_average"] = [round(x, 2) for x in os.getloadavg()]
    print(format_report(report))
    write_report(options.output, report)
    if report["duplicated"] or report["lost"]:
        return 1
    if options.strict and not (report["planning_passed"] and report["sending_passed"]):
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
        "--rate", type=int, default=100, help="fake Slack chat.postMessage calls per second"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="sender processes racing for the rows (default: 1 on SQLite, 2 on PostgreSQL)",
    )
    parser.add_argument(
        "--matched",
        action="store_true",
        help="everyone already matched to their Slack user, as in any week after the first",
    )
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT))
    parser.add_argument(
        "--profile", metavar="DIR", help="write a cProfile of each sender process into DIR"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when planning or sending misses"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sender", help=argparse.SUPPRESS)
    parser.add_argument("--bare-sender", help=argparse.SUPPRESS)
    parser.add_argument("--start", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--users", help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    return parser


def format_report(report: dict[str, Any]) -> str:
    planning = "PASS" if report["planning_passed"] else "MISS"
    sending = "PASS" if report["sending_passed"] else "MISS"
    rate = report["rate_limit"]
    load = report.get("load_average")
    return "\n".join(
        [
            f"nudges: {report['people']} people, {report['owners']} owners in running cycles, "
            f"{report['database']}, "
            + ("matched to Slack already" if report.get("matched_before") else "none matched yet")
            + (f", load average {load[0]:.2f}" if load else ""),
            f"  planning: {report['planning_seconds']:.2f} s for {report['planned']} nudges "
            f"({report['planning_queries']} queries; target < {PLANNING_TARGET_SECONDS:g} s: "
            f"{planning})",
            f"  limit: fake Slack at {rate} messages/s; {report['workers']} bare clients "
            f"pushing it reached {report['bare_per_second']:.1f}/s "
            f"({report['bare_per_second'] / rate:.2f} of the limit) "
            f"for {report['bare_sent']} messages",
            f"  sending: {report['sent']} sent in {report['sending_seconds']:.1f} s by "
            f"{report['workers']} worker processes = {report['nudges_per_second']:.1f} nudges/s "
            f"= {report['ratio_to_limit']:.2f} of the limit, "
            f"{report['ratio_to_bare']:.2f} of the bare clients (target >= "
            f"{SENDING_TARGET_RATIO:g} of the limit: {sending})",
            f"    the fake accepted {report['accepted_per_second']:.1f}/s; "
            f"{report['by_slack']} Slack, {report['by_email']} email; {report['throttled']} "
            f"answered 429 and waited for; {report['lookups']} users.lookupByEmail; "
            f"passes per worker {report['passes']}",
            f"  duplicated: {report['duplicated']}, lost: {report['lost']}",
        ]
    )


class TimedLimitSlack:
    """Builds the fake Slack whose chat.postMessage limit is counted in time (see the module
    docstring). A factory rather than a subclass at import time: tests/ is imported only in
    the worker subprocess, run from the repository root."""

    @staticmethod
    def create(rate: int) -> Any:
        from tests.fakes.slack import Call, FakeSlack

        class Fake(FakeSlack):
            def __init__(self) -> None:
                super().__init__()
                self.rate = rate
                self.bucket = 0.0
                self.refilled_at: float | None = None
                self.accepted_at: list[float] = []

            def open_at(self, start: float) -> None:
                """The bucket is empty at `start` (wall clock) and fills from then on."""
                with self._lock:
                    self.bucket, self.refilled_at = 0.0, start

            def _over_limit(self, method: str) -> bool:
                if method != "chat.postMessage":
                    return False
                with self._lock:
                    now = time.time()
                    last = self.refilled_at if self.refilled_at is not None else now
                    self.bucket = min(float(self.rate), self.bucket + (now - last) * self.rate)
                    self.refilled_at = now
                    if self.bucket >= 1.0:
                        self.bucket -= 1.0
                        return False
                    self.throttled += 1
                    return True

            def _record(self, call: Call) -> None:
                if call.method == "chat.postMessage" and call.status == 200 and not call.error:
                    with self._lock:
                        self.accepted_at.append(time.time())
                super()._record(call)

        return Fake()


# --- the worker subprocess ---------------------------------------------------------------------


def _worker(options: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from okrs.bench.generate import generate_large_org
    from okrs.channels.slack.models import Installation, SlackAccount
    from okrs.nudges.models import Nudge, NudgeState
    from okrs.nudges.planner import create_planned, plan_nudges
    from okrs.org.models import Person, Team

    sizes = QUICK if options.quick else FULL
    rate = options.rate
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
    slack_people = list(Person.objects.filter(channel="slack").values_list("id", "email"))
    connection.close()  # the sender processes need the connections, not this idle one

    bare = TimedLimitSlack.create(rate)
    with bare:
        for person_id, email_address in slack_people:
            bare.add_user(f"U{person_id:07d}", email_address)
        users = ",".join(f"U{pid:07d}" for pid, _ in slack_people[:planned])
        bare_seconds = _run_processes(
            bare,
            [
                [
                    "--bare-sender",
                    f"bare-{n}",
                    "--token",
                    bare.bot_token,
                    "--users",
                    users,
                    "--workers",
                    str(options.workers),
                ]
                for n in range(options.workers)
            ],
            env={"OKRS_SLACK_API_URL": bare.url},
        )
        bare_sent = len(bare.accepted_at)

    mail_dir = Path(os.environ["OKRS_DATA_DIR"]) / "mail"
    with TimedLimitSlack.create(rate) as slack:
        Installation.objects.create(
            team_id=slack.team_id, team_name="Bench", bot_token=slack.bot_token
        )
        for person_id, email_address in slack_people:
            slack.add_user(f"U{person_id:07d}", email_address)
        if options.matched:
            SlackAccount.objects.bulk_create(
                [
                    SlackAccount(person_id=pid, team_id=slack.team_id, user_id=f"U{pid:07d}")
                    for pid, _ in slack_people
                ],
                batch_size=1000,
            )
            connection.close()
        profile = ["--profile", options.profile] if options.profile else []
        senders = [["--sender", f"bench-{n}", *profile] for n in range(options.workers)]
        sending_seconds = _run_processes(
            slack, senders, env={"OKRS_SLACK_API_URL": slack.url, "BENCH_MAIL_DIR": str(mail_dir)}
        )
        posted = Counter(
            c.params["channel"]
            for c in slack.calls_to("chat.postMessage")
            if c.status == 200 and c.error is None
        )
        throttled = slack.throttled
        lookups = len(slack.calls_to("users.lookupByEmail"))
        start = slack.opened_at
        accepted_seconds = (max(slack.accepted_at) - start) if slack.accepted_at else 0.0
        passes = slack.sender_reports
    mailed = _mailed(mail_dir)
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
    per_second = sent / sending_seconds if sending_seconds else 0.0
    bare_per_second = bare_sent / bare_seconds if bare_seconds else 0.0
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
        "limit_model": "token bucket, 1 s deep, empty at the start; 429 with Retry-After: 1",
        "matched_before": options.matched,
        "throttled": throttled,
        "lookups": lookups,
        "workers": options.workers,
        "passes": passes,
        "sending_seconds": round(sending_seconds, 3),
        "nudges_per_second": round(per_second, 1),
        "accepted_per_second": round(len(slack.accepted_at) / accepted_seconds, 1)
        if accepted_seconds
        else 0.0,
        "bare_sent": bare_sent,
        "bare_seconds": round(bare_seconds, 3),
        "bare_per_second": round(bare_per_second, 1),
        "ratio_to_limit": round(per_second / rate, 3),
        "ratio_to_bare": round(per_second / bare_per_second, 3) if bare_per_second else 0.0,
        "sending_target_ratio": SENDING_TARGET_RATIO,
        "sending_passed": per_second >= SENDING_TARGET_RATIO * rate,
        "duplicated": duplicated,
        "lost": lost,
    }
    Path(options.result_file).write_text(json.dumps(report))
    return 0


def _run_processes(slack: Any, commands: list[list[str]], env: dict[str, str]) -> float:
    """Start the sender processes together; the seconds from their start to the last one done.

    Each is told the same start instant (wall clock), a few seconds ahead so that Django's
    start-up is behind them; the fake's bucket opens at that instant too.
    """
    start = time.time() + START_DELAY_SECONDS
    slack.open_at(start)
    slack.opened_at = start
    environment = {**os.environ, **env}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "okrs.bench.nudges", *command, "--start", str(start)],
            env=environment,
            stdout=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    reports = []
    for process in processes:
        out, _ = process.communicate(timeout=WORKER_TIMEOUT_SECONDS)
        if process.returncode != 0:
            raise RuntimeError(f"a sender process failed ({process.returncode})")
        reports.append(json.loads(out.strip().splitlines()[-1]))
    slack.sender_reports = [r.get("passes", 0) for r in reports]
    return max(r["finished_at"] for r in reports) - start


def _mailed(mail_dir: Path) -> Counter[str]:
    """Recipients of the mail the senders wrote to files (none when everyone is on Slack)."""
    mailed: Counter[str] = Counter()
    for path in mail_dir.glob("*.log") if mail_dir.exists() else ():
        for chunk in path.read_text().split("\n" + "-" * 79 + "\n"):
            if chunk.strip():
                mailed[str(email.message_from_string(chunk.strip()).get("To", ""))] += 1
    return mailed


# --- the sender processes ----------------------------------------------------------------------


def _sender(options: argparse.Namespace) -> int:
    """What `okrs worker` does every minute (`send_due`, one pass), until no row is left.

    The clock starts at PLAN_AT at the common start instant and runs at real speed, so a row
    put back by a long Retry-After comes due again after that many real seconds.
    """
    import django

    django.setup()
    from django.conf import settings

    from okrs.nudges.models import Nudge, NudgeState
    from okrs.nudges.sender import send_due

    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = os.environ["BENCH_MAIL_DIR"]
    settings.SLACK_API_URL = os.environ["OKRS_SLACK_API_URL"]
    start = float(options.start)

    def now() -> dt.datetime:
        return PLAN_AT + dt.timedelta(seconds=time.time() - start)

    open_rows = Nudge.objects.filter(state__in=[NudgeState.PENDING, NudgeState.SENDING])
    open_rows.exists()  # connect before the start, like a running worker
    time.sleep(max(0.0, start - time.time()))
    passes = sent = 0
    profiler = cProfile.Profile() if options.profile else None
    if profiler is not None:
        profiler.enable()
    while open_rows.exists():
        report = send_due(now=now, worker=options.sender)
        passes += 1
        sent += report.sent
        if not report.sent:
            time.sleep(0.05)  # what is left is the other worker's, or waits for its Retry-After
    if profiler is not None:
        profiler.disable()
        Path(options.profile).mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(str(Path(options.profile) / f"{options.sender}.prof"))
    print(json.dumps({"sent": sent, "passes": passes, "finished_at": time.time()}), flush=True)
    return 0


def _bare_sender(options: argparse.Namespace) -> int:
    """The limit without okrs: post this process's share of the users, each once, with the
    client okrs uses, trying again 10 ms after a 429 rather than after its Retry-After: this
    measures what the fake accepts at most on this machine now, not a sender's manners."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    users = options.users.split(",")
    index = int(options.bare_sender.rsplit("-", 1)[1])
    mine = users[index :: int(options.workers)]
    client = WebClient(
        token=options.token, base_url=os.environ["OKRS_SLACK_API_URL"], retry_handlers=[]
    )
    time.sleep(max(0.0, float(options.start) - time.time()))
    for user in mine:
        while True:
            try:
                client.chat_postMessage(channel=user, text="Time for your weekly check-in")
                break
            except SlackApiError as exc:
                if exc.response.status_code != 429:
                    raise
                time.sleep(0.01)
    print(json.dumps({"finished_at": time.time()}), flush=True)
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


if __name__ == "__main__":
    raise SystemExit(main())
