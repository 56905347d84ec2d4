"""`okrs report`: formats, output file, and clear errors with their exit codes."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine

from okrs.cli import main
from okrs.goals.models import Cycle


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_markdown_to_stdout_by_default(reviewed, capsys) -> None:
    code, out, err = run(capsys, "report", "--cycle", "2026-Q4")
    assert code == 0 and err == ""
    assert out.startswith("# Quarterly business review: Q4 2026, Acme")


def test_without_cycle_the_current_one(reviewed, capsys) -> None:
    Cycle.objects.create(key="2027-Q1", start=dt.date(2027, 1, 1), end=dt.date(2027, 3, 31))
    with time_machine.travel(dt.datetime(2026, 12, 2, 12, tzinfo=dt.UTC), tick=False):
        code, out, _ = run(capsys, "report")
    assert code == 0
    assert out.startswith("# Quarterly business review: Q4 2026, Acme")
    with time_machine.travel(dt.datetime(2027, 2, 2, 12, tzinfo=dt.UTC), tick=False):
        code, out, _ = run(capsys, "report")
    assert code == 0
    assert out.startswith("# Quarterly business review: 2027-Q1, Acme")


def test_without_cycle_and_no_plan_exits_1(db, capsys) -> None:
    code, out, err = run(capsys, "report")
    assert code == 1 and out == ""
    assert "there are no cycles yet" in err


def test_json_for_a_team(reviewed, capsys) -> None:
    code, out, _ = run(capsys, "report", "--cycle", "2026-Q4", "--team", "checkout",
                       "--format", "json")  # fmt: skip
    assert code == 0
    assert [o["key"] for o in json.loads(out)["objectives"]] == ["checkout-conversion"]


def test_output_file(reviewed, capsys, tmp_path) -> None:
    target = tmp_path / "qbr.md"
    code, out, err = run(capsys, "report", "--cycle", "2026-Q4", "--output", str(target))
    assert code == 0 and out == "" and str(target) in err
    assert target.read_text().startswith("# Quarterly business review")


def test_unknown_cycle_exits_1_with_the_known_ones(world, capsys) -> None:
    code, out, err = run(capsys, "report", "--cycle", "2031-Q1")
    assert code == 1 and out == ""
    assert err == "okrs: no cycle '2031-Q1' (cycles: 2026-Q4)\n"


def test_unknown_team_exits_1(world, capsys) -> None:
    code, _, err = run(capsys, "report", "--cycle", "2026-Q4", "--team", "nope")
    assert code == 1 and err == "okrs: no team 'nope'\n"


def test_an_unwritable_output_exits_1(world, capsys, tmp_path) -> None:
    code, _, err = run(capsys, "report", "--cycle", "2026-Q4", "--output",
                       str(tmp_path / "missing" / "qbr.md"))  # fmt: skip
    assert code == 1 and err.startswith("okrs: cannot write")


@pytest.mark.parametrize("args", [["report", "--cycle"], ["report", "--format", "pdf"]])
def test_usage_errors_exit_2(world, args) -> None:
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
