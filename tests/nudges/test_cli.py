"""`okrs nudges plan` and `okrs nudges send` on the `world` organisation."""

from __future__ import annotations

import datetime as dt
import json

import time_machine

from okrs.cli import main
from okrs.goals.checkins.services import record_checkin
from okrs.nudges.models import Nudge
from okrs.org.audit import Actor
from tests.conftest import World
from tests.nudges.smtp import LocalSmtp


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_plan_json_says_who_on_which_channel_for_what_and_why_not(world: World, capsys):
    record_checkin(
        key_result=world.conversion,
        value=2.5,
        actor=Actor(world.other_member, "web"),
        at=dt.datetime(2026, 11, 15, 9, tzinfo=dt.UTC),
    )
    code, out, err = run(
        capsys, "nudges", "plan", "--as-of", "2026-11-16T10:30:00Z", "--format", "json"
    )

    assert code == 0, err
    data = json.loads(out)
    assert data["as_of"] == "2026-11-16T10:30:00Z"
    assert data["cycles"] == ["2026-Q4"]
    [maya] = data["nudges"]
    assert maya["person"] == "maya@acme.test"
    assert maya["kind"] == "nudge"
    assert maya["channel"] == "email"
    assert maya["due_at"] == "2026-11-16T10:00:00Z"
    assert maya["timezone"] == "Europe/London" and maya["checkin_day"] == "monday"
    assert maya["key_results"] == [
        "deploys-advantage/lead-time",
        "deploys-advantage/change-failure-rate",
    ]
    others = {entry["person"]: entry for entry in data["not_nudged"] if entry["kind"] == "nudge"}
    assert others["owen@acme.test"]["reason"] == "checked_in_recently"
    assert others["owen@acme.test"]["next_at"] == "2026-11-23T10:00:00Z"
    assert others["ada@acme.test"]["reason"] == "no_key_results"
    digests = {e["person"]: e for e in data["not_nudged"] if e["kind"] == "digest"}
    assert digests["lena@acme.test"]["reason"] == "not_yet"
    assert digests["lena@acme.test"]["next_at"] == "2026-11-19T10:00:00Z"
    assert Nudge.objects.count() == 0  # `plan` only shows: nothing is planned or sent


def test_plan_text_before_the_day_and_after_the_cycle(world: World, capsys):
    code, out, _ = run(capsys, "nudges", "plan", "--as-of", "2026-11-16T09:00:00Z")
    assert code == 0
    assert "Would be sent (0):" in out
    assert out.startswith(
        f"Nudges as of 2026-11-16 09:00 UTC (cycle running: {world.cycle.name})\n"
    )
    assert "maya@acme.test" in out and "not their day/time yet: next at 2026-11-16 10:00 UTC" in out

    code, out, _ = run(capsys, "nudges", "plan", "--as-of", "2027-02-01")
    assert "no running cycle" in out
    assert "cycle not active" in out

    code, _, err = run(capsys, "nudges", "plan", "--as-of", "yesterday")
    assert code == 2 and "--as-of" in err


def test_send_sends_what_is_due_now_once(world: World, smtp: LocalSmtp, capsys):
    with time_machine.travel(dt.datetime(2026, 11, 16, 10, 1, tzinfo=dt.UTC), tick=False):
        code, out, _ = run(capsys, "nudges", "send")
        assert code == 0
        assert (
            out.strip()
            == "2 planned; 2 sent, 0 to retry, 0 failed, 0 cancelled, 0 taken by another worker"
        )
        code, out, _ = run(capsys, "nudges", "send")
        assert out.strip().startswith("0 planned; 0 sent")
    assert sorted(m["To"] for m in smtp.messages) == ["maya@acme.test", "owen@acme.test"]
