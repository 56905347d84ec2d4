"""Cycles through the goals write layer: only admins create, change or delete them, each write
audited; a frozen cycle and a cycle that still holds objectives stay."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from okrs.goals.models import Cycle
from okrs.goals.services import CycleFrozen, create_cycle, delete_cycle, update_cycle
from okrs.org.audit import Actor
from okrs.org.models import AuditEntry
from okrs.org.permissions import PermissionDenied

Q1: dict[str, Any] = {
    "key": "2027-Q1",
    "name": "Q1",
    "start": dt.date(2027, 1, 1),
    "end": dt.date(2027, 3, 31),
}


def test_an_admin_creates_changes_and_deletes_a_cycle(world: Any) -> None:
    admin = Actor(world.admin, "web")

    cycle = create_cycle(actor=admin, **Q1)
    update_cycle(actor=admin, cycle=cycle, name="First quarter", start=cycle.start,
                 end=cycle.end, parent=None)  # fmt: skip
    delete_cycle(actor=admin, cycle=cycle)

    assert not Cycle.objects.filter(key="2027-Q1").exists()
    entries = AuditEntry.objects.filter(entity="cycle", ref="2027-Q1").order_by("id")
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert entries[1].after is not None
    assert entries[1].after["name"] == "First quarter" and entries[0].actor == world.admin


def test_a_lead_may_not_create_a_cycle(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        create_cycle(actor=Actor(world.lead, "web"), **Q1)
    assert not Cycle.objects.filter(key="2027-Q1").exists()


def test_a_cycle_with_objectives_or_frozen_stays(world: Any) -> None:
    admin = Actor(world.admin, "web")
    with pytest.raises(PermissionDenied, match="still holds objectives"):
        delete_cycle(actor=admin, cycle=world.cycle)
    world.cycle.frozen_at = dt.datetime(2027, 1, 2, tzinfo=dt.UTC)
    world.cycle.save()
    name = world.cycle.name
    with pytest.raises(CycleFrozen):
        update_cycle(actor=admin, cycle=world.cycle, name="x", start=world.cycle.start,
                     end=world.cycle.end, parent=None)  # fmt: skip
    assert Cycle.objects.get(pk=world.cycle.pk).name == name != "x"
    assert not AuditEntry.objects.exists()
