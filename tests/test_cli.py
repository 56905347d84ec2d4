"""The command line: status, checkin, token create, user create."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.contrib.auth import authenticate
from django.test import Client

from okrs.cli import main
from okrs.goals.checkins.models import CheckIn
from okrs.org.models import AuditEntry, Person

KR_FIELDS = [
    "ref", "key", "title", "owner", "kind", "unit", "baseline", "target", "current", "progress",
    "score", "expected", "pace", "confidence", "status", "stale", "forecast", "forecast_score",
]  # fmt: skip


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_status_json_prints_every_field(world, capsys) -> None:
    for days, value in ((30, 90), (20, 70), (8, 55)):
        CheckIn.objects.create(
            key_result=world.lead_time,
            value=value,
            source="cli",
            at=dt.datetime(2026, 11, 16, tzinfo=dt.UTC) - dt.timedelta(days=days),
        )
    code, out, _ = run(capsys, "status", "--cycle", "2026-Q4", "--as-of", "2026-11-16",
                       "--format", "json")  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["cycle", "as_of", "objectives"]
    objective = next(o for o in data["objectives"] if o["key"] == "deploys-advantage")
    for name in ("key", "title", "level", "team", "owner", "score", "status", "key_results"):
        assert name in objective
    lead_time = objective["key_results"][0]
    assert list(lead_time) == KR_FIELDS
    assert lead_time["current"] == 55
    assert isinstance(lead_time["forecast"], float)  # three points in the cycle
    assert lead_time["stale"] is False


def test_status_text_and_team_filter(world, capsys) -> None:
    code, out, _ = run(capsys, "status", "--team", "checkout", "--as-of", "2026-11-16")
    assert code == 0
    assert "Make checkout effortless" in out
    assert "checkout-conversion/conversion" in out
    assert "deploys-advantage" not in out


def test_status_writes_a_worded_unit_once_beside_the_value(world, capsys) -> None:
    CheckIn.objects.create(
        key_result=world.lead_time,
        value=55,
        source="cli",
        at=dt.datetime(2026, 11, 9, tzinfo=dt.UTC),
    )
    code, out, _ = run(capsys, "status", "--as-of", "2026-11-16")
    assert code == 0
    assert "deploys-advantage/lead-time: 55 hours (from 96 to 6), score" in out
    assert "(from 96 hours to 6 hours)" not in out
    # No value to carry the unit: the span keeps it; a percentage keeps its sign on each number.
    assert "change-failure-rate: - (to 5%, no baseline)" in out
    assert "conversion: 2% (from 2% to 3%)" in out


def test_status_names_the_cycle_it_was_given_by_key(world, capsys) -> None:
    code, out, _ = run(capsys, "status", "--cycle", "2026-Q4", "--as-of", "2026-11-16")
    assert code == 0
    assert out.startswith("Q4 2026  as of 2026-11-16 ")
    assert "2026-Q4" not in out


def test_a_check_in_on_a_frozen_cycle_names_the_cycle(world, capsys) -> None:
    world.cycle.frozen_at = dt.datetime(2027, 1, 2, tzinfo=dt.UTC)
    world.cycle.save()
    code, _, err = run(
        capsys, "checkin", "deploys-advantage/lead-time", "--value", "50", "--as", "maya@acme.test"
    )
    assert code != 0
    assert "Q4 2026 has ended and its final scores are frozen" in err
    assert "2026-Q4" not in err


def test_status_unknown_cycle_is_an_error(world, capsys) -> None:
    code, _, err = run(capsys, "status", "--cycle", "1999")
    assert code == 1 and "no cycle '1999'" in err
    code, _, err = run(capsys, "status", "--as-of", "someday")
    assert code == 2 and "--as-of" in err


def test_checkin_with_backfill(world, capsys) -> None:
    code, out, _ = run(
        capsys, "checkin", "deploys-advantage/lead-time", "--value", "60",
        "--confidence", "at_risk", "--note", "imported from the sheet",
        "--as", "maya@acme.test", "--at", "2026-10-20",
    )  # fmt: skip
    assert code == 0, out
    assert "Checked in deploys-advantage/lead-time = 60 hours" in out
    checkin = CheckIn.objects.get()
    assert checkin.source == "cli" and checkin.author == world.member
    assert checkin.at == dt.datetime(2026, 10, 20, 11, tzinfo=dt.UTC)  # noon in London (BST)
    assert AuditEntry.objects.get(entity="checkin").channel == "cli"


def test_checkin_refuses_the_future_and_unknown_refs(world, capsys) -> None:
    code, _, err = run(capsys, "checkin", "deploys-advantage/lead-time", "--value", "1",
                       "--at", "2999-01-01T00:00:00Z")  # fmt: skip
    assert code == 1 and "cannot be in the future" in err
    code, _, err = run(capsys, "checkin", "deploys-advantage/nope", "--value", "1")
    assert code == 1 and "no key result" in err
    assert CheckIn.objects.count() == 0


def test_token_create_prints_a_working_token_once(world, capsys) -> None:
    code, out, _ = run(capsys, "token", "create", "maya@acme.test", "--name", "ci")
    assert code == 0
    token = out.strip()
    assert token.startswith("okrs_")
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/v1/cycles").status_code == 200
    # Only a hash is stored; the token itself appears nowhere in the database.
    from okrs.org.models import ApiToken

    assert not ApiToken.objects.filter(digest=token).exists()
    assert token not in json.dumps(list(AuditEntry.objects.values("before", "after")))


def test_user_create_with_password_from_stdin(db, capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-enough-passphrase\n"))
    code, out, _ = run(
        capsys, "user", "create", "New.Person@Acme.test", "--role", "lead", "--password-stdin"
    )
    assert code == 0, out
    person = Person.objects.get(email="new.person@acme.test")
    assert person.role == "lead"
    assert person.password.startswith("argon2")
    assert authenticate(email="new.person@acme.test", password="a-long-enough-passphrase")
    entry = AuditEntry.objects.get(entity="person")
    assert entry.after is not None
    assert "password" not in entry.after


def test_user_create_keeps_an_existing_persons_role_without_role(db, capsys, monkeypatch) -> None:
    Person.objects.create_user("lead@acme.test", role="lead", name="Lee")
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-enough-passphrase\n"))
    code, out, _ = run(capsys, "user", "create", "Lead@acme.test", "--password-stdin")
    assert code == 0, out
    person = Person.objects.get(email="lead@acme.test")
    assert person.role == "lead"
    assert person.name == "Lee"
    assert authenticate(email="lead@acme.test", password="a-long-enough-passphrase")
    assert out.strip() == "Updated lead@acme.test: password set, role kept (lead)."


def test_user_create_changes_an_existing_persons_role_with_role(db, capsys, monkeypatch) -> None:
    Person.objects.create_user("lead@acme.test", role="lead")
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-enough-passphrase\n"))
    code, out, _ = run(
        capsys, "user", "create", "lead@acme.test", "--role", "member", "--password-stdin"
    )
    assert code == 0, out
    assert Person.objects.get(email="lead@acme.test").role == "member"
    assert out.strip() == "Updated lead@acme.test: password set, role lead -> member."
    entry = AuditEntry.objects.get(entity="person", action="update")
    assert entry.before is not None and entry.after is not None
    assert (entry.before["role"], entry.after["role"]) == ("lead", "member")


def test_user_create_gives_a_new_person_the_member_role(db, capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-enough-passphrase\n"))
    code, out, _ = run(capsys, "user", "create", "new@acme.test", "--password-stdin")
    assert code == 0, out
    assert Person.objects.get(email="new@acme.test").role == "member"
    assert out.strip() == "Created new@acme.test (member)."


def test_user_create_rejects_a_weak_password(db, capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    code, _, err = run(capsys, "user", "create", "x@acme.test", "--password-stdin")
    assert code == 2 and "password" in err
    assert not Person.objects.exists()


@pytest.mark.parametrize("args", [["nonsense"], ["token"], ["checkin"]])
def test_usage_errors_exit_2(args, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2


def test_checkin_refuses_a_future_day(world, capsys) -> None:
    code, _, err = run(capsys, "checkin", "deploys-advantage/lead-time", "--value", "1",
                       "--at", "2999-01-01")  # fmt: skip
    assert code == 1 and "cannot be in the future" in err
    assert CheckIn.objects.count() == 0


def test_apply_reads_standard_input_with_a_dash(db, capsys, monkeypatch) -> None:
    plan = (
        "organisation: Acme\ntimezone: UTC\n"
        "cycles:\n  - {key: 2026-Q4, start: 2026-10-01, end: 2026-12-31}\n"
        "people:\n  - {email: a@acme.test, name: A}\n"
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(plan))
    code, out, _ = run(capsys, "apply", "-")
    assert code == 0 and "create person a@acme.test" in out
    monkeypatch.setattr("sys.stdin", io.StringIO(plan.replace("a@acme", "a@@acme")))
    code, _, err = run(capsys, "apply", "-")
    assert code == 1 and err.startswith("-:6: ")
