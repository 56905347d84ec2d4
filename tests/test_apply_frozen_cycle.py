"""`okrs apply` changes nothing in a frozen cycle: each change is a FILE:LINE error naming the
cycle, nothing is written; a file that leaves the frozen cycle as it is applies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from okrs.cli import main
from okrs.goals.models import Objective
from okrs.org.models import AuditEntry

PLAN = """\
objectives:
  - key: grow-self-serve
    cycle: 2026-Q4
    level: company
    title: {title}
    owner: ada@acme.test
"""


@pytest.fixture
def frozen(world: Any) -> Any:
    world.cycle.frozen_at = dt.datetime(2027, 1, 2, tzinfo=dt.UTC)
    world.cycle.save()
    return world


def test_a_change_in_a_frozen_cycle_is_refused_at_its_line(
    frozen: Any, tmp_path: Path, capsys: Any
) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN.format(title="Something else"), encoding="utf-8")

    assert main(["apply", str(path)]) == 1

    err = capsys.readouterr().err
    assert (
        f"{path}:2: update objective grow-self-serve: cycle '2026-Q4' is frozen (its final "
        "scores were fixed on 2027-01-02)" in err
    )
    assert Objective.objects.get(key="grow-self-serve").title != "Something else"
    assert not AuditEntry.objects.exists()


def test_a_file_that_leaves_the_frozen_cycle_as_it_is_applies(
    frozen: Any, tmp_path: Path, capsys: Any
) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN.format(title=frozen.company_goal.title), encoding="utf-8")

    assert main(["apply", str(path)]) == 0
    assert "No changes." in capsys.readouterr().out
