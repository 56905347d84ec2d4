"""`okrs demo` on a database without the demo: in another quarter, in the future, the command's
own output (tests/test_demo.py looks at the demo once loaded)."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine

from okrs.cli import demo as demo_command
from okrs.demo.load import load_demo
from okrs.goals.checkins.models import CheckIn
from okrs.goals.models import Cycle, Initiative
from tests.test_demo import TODAY


@pytest.fixture
def at_demo_today() -> Iterator[dt.datetime]:
    with time_machine.travel(TODAY, tick=False):
        yield TODAY


def test_loaded_in_another_quarter_the_plan_moves_there(db: None) -> None:
    before = dt.datetime(2026, 9, 1, 12, tzinfo=dt.UTC)
    with time_machine.travel(before, tick=False):
        result = load_demo()
    assert result.cycle == "2026-Q3"
    assert result.key_results == 43 and result.checkins_added > 0
    q3 = Cycle.objects.get(key="2026-Q3")
    assert (q3.start, q3.end) == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert q3.parent is not None and q3.parent.key == "2026"
    assert not Cycle.objects.filter(key="2026-Q4").exists()
    assert CheckIn.objects.order_by("-at").values_list("at", flat=True)[0] <= before
    # Delivered initiatives keep their place in the quarter: 2026-10-23 was day 22 of Q4.
    assert Initiative.objects.filter(completed_on=dt.date(2026, 7, 23)).exists()


def test_today_in_the_future_stops_at_now(db: None, at_demo_today: dt.datetime) -> None:
    load_demo(today=TODAY + dt.timedelta(days=30))
    latest = CheckIn.objects.order_by("-at").values_list("at", flat=True).first()
    assert latest is not None and latest <= TODAY


def test_the_command_prints_a_summary_and_how_to_sign_in(
    db: None, at_demo_today: dt.datetime, capsys: pytest.CaptureFixture[str]
) -> None:
    assert demo_command.run(argparse.Namespace(today=None)) == 0
    first = capsys.readouterr().out
    assert "60 people, 8 teams" in first
    # People read the cycle's name; the command to type takes its key.
    assert "8 teams; Q4 2026: " in first and "; cycle 2026-Q4" not in first
    assert "status --cycle 2026-Q4" in first
    assert "Serve it (it prints where to sign in, and as whom):\n  okrs serve\n" in first
    # What `okrs serve` then prints, with the address it serves (tests/test_demo_served.py).
    sign_in = demo_command.sign_in_lines("http://127.0.0.1:8100/")
    assert "Sign in at http://127.0.0.1:8100/ as:" in sign_in[0]
    assert "maya@acme.test / okrs-demo" in sign_in[1]
    assert "ceo@acme.test / okrs-demo" in sign_in[2]
    from django.contrib.auth import authenticate

    # The printed credentials work, for the lead and for the admin.
    assert authenticate(email="maya@acme.test", password="okrs-demo") is not None
    assert authenticate(email="ceo@acme.test", password="okrs-demo") is not None
    assert demo_command.run(argparse.Namespace(today="2026-11-27")) == 0
    second = capsys.readouterr().out
    assert "nothing changed" in second
    assert "0 check-ins added" in second


def test_no_sign_ins_without_the_demo(db: None) -> None:
    assert demo_command.sign_in_lines("http://127.0.0.1:8000/") == []
