"""Editing an objective's `contributes_to` links: drawn on the map, never counted in a score.

The editor validates them with `okrs apply`'s rules, shows the stored ones, and writes exactly
the chosen ones, each created or removed link an audit entry."""

from __future__ import annotations

from typing import Any

from django.test import Client

from okrs.goals.models import ContributionLink
from okrs.org.models import AuditEntry

EDIT = "/objectives/checkout-conversion/edit/"


def _data(**overrides: Any) -> dict[str, Any]:
    data = {
        "level": "team",
        "team": "checkout",
        "title": "Make checkout effortless",
        "description": "",
        "owner": "carl@acme.test",
        "aligns_to": "grow-self-serve",
    }
    data.update(overrides)
    return data


def test_a_lead_adds_and_removes_contributions(world: Any, client: Client) -> None:
    client.force_login(world.checkout_lead)
    refs = ["deploys-advantage", "deploys-advantage/lead-time"]

    response = client.post(EDIT, _data(contributes_to=refs))

    assert response.status_code == 302
    links = ContributionLink.objects.filter(objective=world.checkout_objective)
    assert [link.target_ref for link in links] == refs
    created = AuditEntry.objects.filter(entity="contribution", action="create", channel="web")
    assert set(created.values_list("ref", flat=True)) == {
        "checkout-conversion -> deploys-advantage",
        "checkout-conversion -> deploys-advantage/lead-time",
    }
    page = client.get(EDIT).content.decode()
    assert 'value="deploys-advantage/lead-time" selected' in page

    assert client.post(EDIT, _data(contributes_to=["deploys-advantage"])).status_code == 302
    links = ContributionLink.objects.filter(objective=world.checkout_objective)
    assert [link.target_ref for link in links] == ["deploys-advantage"]
    assert AuditEntry.objects.filter(
        entity="contribution",
        action="delete",
        ref="checkout-conversion -> deploys-advantage/lead-time",
    ).exists()


def test_apply_s_words_for_a_bad_contribution(world: Any, client: Client) -> None:
    client.force_login(world.checkout_lead)

    response = client.post(EDIT, _data(contributes_to=["nowhere", "checkout-conversion"]))

    assert response.status_code == 400
    page = response.content.decode()
    assert "contributes_to &#x27;nowhere&#x27;: no objective &#x27;nowhere&#x27;" in page
    assert "cannot contribute to itself" in page
    assert not ContributionLink.objects.exists()
