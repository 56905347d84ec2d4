"""Deleting an objective, a key result or an initiative in the editor.

A GET shows a confirmation page that says what goes; only a POST deletes, after the permission
check on the server; every deleted row is an audit entry through the channel "web"."""

from __future__ import annotations

from typing import Any

from django.test import Client

from okrs.goals.checkins.models import CheckIn
from okrs.goals.models import ContributionLink, Initiative, KeyResult, Objective
from okrs.org.models import AuditEntry


def _signed_in(client: Client, person: Any) -> Client:
    client.force_login(person)
    return client


def test_the_confirmation_page_says_what_goes_and_deletes_nothing(
    world: Any, client: Client
) -> None:
    CheckIn.objects.create(key_result=world.lead_time, value=50, author=world.member)
    _signed_in(client, world.platform_lead)

    page = client.get("/objectives/deploys-advantage/delete/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Delete the objective" in text and world.platform_objective.title in text
    assert world.lead_time.title in text and world.change_failure_rate.title in text
    assert "1 check-in" in text
    assert Objective.objects.filter(key="deploys-advantage").exists()


def test_the_confirmation_names_contributes_to_links_by_their_titles(
    world: Any, client: Client
) -> None:
    ContributionLink.objects.create(
        objective=world.platform_objective, to_key_result=world.conversion
    )
    ContributionLink.objects.create(
        objective=world.checkout_objective, to_objective=world.platform_objective
    )
    _signed_in(client, world.admin)

    text = client.get("/objectives/deploys-advantage/delete/").content.decode()

    assert (
        f"the link by which “{world.platform_objective.title}” contributes to the key result "
        f"“{world.conversion.title}”" in text
    )
    assert (
        f"the link by which “{world.checkout_objective.title}” contributes to the objective "
        f"“{world.platform_objective.title}”" in text
    )
    assert "contributes-to link" not in text and "-&gt;" not in text and " -> " not in text
    assert "checkout-conversion/conversion" not in text


def test_a_lead_deletes_their_objective_with_what_it_holds(world: Any, client: Client) -> None:
    CheckIn.objects.create(key_result=world.lead_time, value=50, author=world.member)
    Initiative.objects.create(objective=world.platform_objective, key="canary", title="Canary")
    ContributionLink.objects.create(
        objective=world.checkout_objective, to_objective=world.platform_objective
    )
    _signed_in(client, world.platform_lead)

    response = client.post("/objectives/deploys-advantage/delete/")

    assert response.status_code == 302 and response["Location"] == "/"
    assert not Objective.objects.filter(key="deploys-advantage").exists()
    assert not KeyResult.objects.filter(objective__key="deploys-advantage").exists()
    assert not CheckIn.objects.filter(key_result__key="lead-time").exists()
    assert not ContributionLink.objects.exists()
    deleted = set(
        AuditEntry.objects.filter(action="delete", channel="web").values_list("entity", "ref")
    )
    assert {
        ("objective", "deploys-advantage"),
        ("key_result", "deploys-advantage/lead-time"),
        ("key_result", "deploys-advantage/change-failure-rate"),
        ("initiative", "deploys-advantage/canary"),
        ("contribution", "checkout-conversion -> deploys-advantage"),
    } <= deleted
    entry = AuditEntry.objects.get(entity="objective", ref="deploys-advantage")
    assert entry.before is not None
    assert entry.actor == world.platform_lead and entry.before["title"] and entry.after is None


def test_objectives_aligned_to_a_deleted_one_stay_unaligned(world: Any, client: Client) -> None:
    _signed_in(client, world.admin)

    assert client.post("/objectives/grow-self-serve/delete/").status_code == 302

    child = Objective.objects.get(key="deploys-advantage")
    assert child.aligns_to_objective is None
    entry = AuditEntry.objects.get(entity="objective", ref="deploys-advantage", action="update")
    assert entry.before is not None
    assert entry.before["aligns_to_objective_id"] == world.company_goal.pk


def test_deleting_a_key_result_unlinks_its_initiatives(world: Any, client: Client) -> None:
    initiative = Initiative.objects.create(
        objective=world.platform_objective, key="canary", title="Canary", key_result=world.lead_time
    )
    _signed_in(client, world.platform_lead)
    page = client.get("/key-results/deploys-advantage/lead-time/delete/")
    assert page.status_code == 200 and world.lead_time.title in page.content.decode()

    response = client.post("/key-results/deploys-advantage/lead-time/delete/")

    assert response.status_code == 302
    assert response["Location"] == "/objectives/deploys-advantage/"
    assert not KeyResult.objects.filter(pk=world.lead_time.pk).exists()
    initiative.refresh_from_db()
    assert initiative.key_result is None
    assert AuditEntry.objects.filter(
        entity="key_result", ref="deploys-advantage/lead-time", action="delete"
    ).exists()


def test_deleting_an_initiative(world: Any, client: Client) -> None:
    Initiative.objects.create(objective=world.platform_objective, key="canary", title="Canary")
    _signed_in(client, world.platform_lead)

    response = client.post("/initiatives/deploys-advantage/canary/delete/")

    assert response.status_code == 302
    assert not Initiative.objects.exists()
    assert AuditEntry.objects.filter(
        entity="initiative", ref="deploys-advantage/canary", action="delete", channel="web"
    ).exists()


def test_a_viewer_an_outsider_and_a_key_result_owner_are_refused(
    world: Any, client: Client
) -> None:
    urls = [
        "/objectives/deploys-advantage/delete/",
        "/key-results/deploys-advantage/lead-time/delete/",
    ]
    # maya owns lead-time but may not decide whether it counts: that is the objective's editor.
    for person in (world.viewer, world.other_member, world.checkout_lead, world.member):
        _signed_in(client, person)
        for url in urls:
            assert client.get(url).status_code == 403, (person, url)
            assert client.post(url).status_code == 403, (person, url)
    assert Objective.objects.filter(key="deploys-advantage").exists()
    assert KeyResult.objects.filter(pk=world.lead_time.pk).exists()
    assert not AuditEntry.objects.filter(action="delete").exists()


def test_only_get_and_post(world: Any, client: Client) -> None:
    _signed_in(client, world.admin)
    assert client.delete("/objectives/deploys-advantage/delete/").status_code == 405
    assert Objective.objects.filter(key="deploys-advantage").exists()
