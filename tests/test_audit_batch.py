"""A run of writes through the goals write layer with one audit batch (what `okrs apply` does):
one entry per row for the whole run, frozen cycles noted rather than raised, permissions checked
as for anyone else (people and teams are an admin's)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from okrs.ascode.apply import apply_plan
from okrs.ascode.parse import load_plan
from okrs.goals.models import Objective
from okrs.goals.services import (
    CycleFrozen,
    align_objective,
    delete_key_result,
    update_key_result,
)
from okrs.org.audit import Actor, AuditBatch
from okrs.org.models import AuditEntry
from okrs.org.permissions import PermissionDenied

CLI = Actor(None, "cli", trusted=True)


def change_target(world: Any, target: float, audit: AuditBatch | None = None) -> None:
    kr = world.lead_time
    update_key_result(
        actor=CLI, key_result=kr, title=kr.title, owner=kr.owner, kind=kr.kind,
        baseline=kr.baseline, target=target, unit=kr.unit, weight=kr.weight, source=None,
        audit=audit,
    )  # fmt: skip


def test_two_writes_to_a_row_are_one_entry_written_at_the_end(world: Any) -> None:
    audit = AuditBatch(CLI)
    change_target(world, 5, audit)
    change_target(world, 4, audit)
    assert not AuditEntry.objects.exists()

    audit.record()

    entry = AuditEntry.objects.get()
    assert (entry.action, entry.entity, entry.ref, entry.channel) == (
        "update",
        "key_result",
        "deploys-advantage/lead-time",
        "cli",
    )
    assert entry.before is not None and entry.after is not None
    assert (entry.before["target"], entry.after["target"]) == (6, 4)


def test_a_row_changed_and_changed_back_has_no_entry(world: Any) -> None:
    audit = AuditBatch(CLI)
    change_target(world, 5, audit)
    change_target(world, 6, audit)
    audit.record()
    assert not AuditEntry.objects.exists()


def test_without_a_batch_each_write_is_its_own_entry(world: Any) -> None:
    change_target(world, 5)
    change_target(world, 4)
    assert AuditEntry.objects.count() == 2


def test_a_frozen_cycle_is_noted_for_each_row_and_nothing_is_recorded(world: Any) -> None:
    world.cycle.frozen_at = dt.datetime(2027, 1, 2, tzinfo=dt.UTC)
    world.cycle.save()
    audit = AuditBatch(CLI)

    change_target(world, 5, audit)
    align_objective(actor=CLI, objective=world.checkout_objective, aligns_to=None, audit=audit)

    assert set(audit.refused) == {
        ("key_result", "deploys-advantage/lead-time"),
        ("objective", "checkout-conversion"),
    }
    with pytest.raises(CycleFrozen):
        audit.record()
    assert not AuditEntry.objects.exists()


def test_rows_of_objectives_deleted_in_the_same_run_are_spared(world: Any) -> None:
    # The checkout objective rolls up into lead time, and the same run deletes both.
    align_objective(actor=CLI, objective=world.checkout_objective, aligns_to=world.lead_time)
    audit = AuditBatch(CLI)

    delete_key_result(
        actor=CLI, key_result=world.lead_time, spared={world.checkout_objective.pk}, audit=audit
    )

    assert [(w.action, w.entity, w.ref) for w in audit.writes] == [
        ("delete", "key_result", "deploys-advantage/lead-time")
    ]
    checkout = Objective.objects.get(pk=world.checkout_objective.pk)
    assert checkout.aligns_to_key_result is None  # left to go with its own deletion


PLAN = """\
objectives:
  - key: grow-self-serve
    cycle: 2026-Q4
    level: company
    title: Grow something else
    owner: ada@acme.test
"""


def test_apply_as_a_member_is_refused_by_the_write_layer(world: Any) -> None:
    plan = load_plan(PLAN, filename="plan.yaml")
    with pytest.raises(PermissionDenied):
        apply_plan(plan, actor=Actor(world.member, "web"))
    assert Objective.objects.get(key="grow-self-serve").title != "Grow something else"
    assert not AuditEntry.objects.exists()

    apply_plan(plan, actor=Actor(world.admin, "web"))
    assert Objective.objects.get(key="grow-self-serve").title == "Grow something else"


PEOPLE = """\
people:
  - email: new@acme.test
    name: New Person
"""


def test_people_and_teams_from_a_file_are_an_admins(world: Any) -> None:
    plan = load_plan(PEOPLE, filename="plan.yaml")
    with pytest.raises(PermissionDenied, match="Only admins add people"):
        apply_plan(plan, actor=Actor(world.lead, "web"))
    assert not AuditEntry.objects.exists()

    apply_plan(plan, actor=Actor(world.admin, "web"))
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.entity, entry.ref, entry.actor) == (
        "create",
        "person",
        "new@acme.test",
        world.admin,
    )
