"""A frozen cycle (its final scores fixed) is shown, never changed: the editor refuses every
edit with a 409 that names the cycle, and the goals services refuse whoever calls them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from okrs.goals.models import Objective
from okrs.goals.services import CycleFrozen, delete_key_result
from okrs.org.audit import Actor
from okrs.org.models import AuditEntry


@pytest.fixture
def frozen(world: Any) -> Any:
    world.cycle.frozen_at = dt.datetime(2027, 1, 2, tzinfo=dt.UTC)
    world.cycle.save()
    return world


PAGES = [
    "/objectives/deploys-advantage/edit/",
    "/objectives/deploys-advantage/new-key-result/",
    "/objectives/deploys-advantage/new-initiative/",
    "/key-results/deploys-advantage/lead-time/edit/",
    "/objectives/deploys-advantage/delete/",
    "/key-results/deploys-advantage/lead-time/delete/",
]


@pytest.mark.parametrize("url", PAGES)
def test_every_editor_page_of_a_frozen_cycle_refuses(frozen: Any, client: Client, url: str) -> None:
    client.force_login(frozen.admin)
    for response in (client.get(url), client.post(url, {"title": "Changed"})):
        assert response.status_code == 409
        assert "Cycle &#x27;2026-Q4&#x27; is frozen" in response.content.decode()
    assert Objective.objects.get(key="deploys-advantage").title != "Changed"
    assert not AuditEntry.objects.exists()


def test_no_new_objective_in_a_frozen_cycle(frozen: Any, client: Client) -> None:
    client.force_login(frozen.admin)
    response = client.post(
        "/new/objective/",
        {
            "key": "late-idea",
            "cycle": "2026-Q4",
            "level": "company",
            "title": "A late idea",
            "owner": "ada@acme.test",
        },
    )
    assert response.status_code == 409
    assert "is frozen" in response.content.decode()
    assert not Objective.objects.filter(key="late-idea").exists()


def test_the_services_refuse_a_frozen_cycle_even_for_the_system(frozen: Any) -> None:
    with pytest.raises(CycleFrozen, match="2026-Q4"):
        delete_key_result(actor=Actor(None, "apply", trusted=True), key_result=frozen.lead_time)
    assert frozen.lead_time.__class__.objects.filter(pk=frozen.lead_time.pk).exists()
