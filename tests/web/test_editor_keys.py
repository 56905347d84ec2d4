"""A new objective, key result or initiative takes its key from its title: asked after the
title, filled as it is typed, derived on the server when left empty, unique, still editable."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.test import Client

from okrs.goals.keys import key_from_title, unique_key
from okrs.goals.models import Initiative, KeyResult, Objective
from tests.web.test_editor import (
    field_html,
    initiative_data,
    key_result_data,
    objective_data,
    signed_in,
)


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("Make onboarding a new service painless", "make-onboarding-a-new-service-painless"),
        ("Reduce deployment lead time from 4 days to 6 hours",
         "reduce-deployment-lead-time-from-4-days"),
        ("Café crème: 99.9% up-time!", "cafe-creme-99-9-up-time"),
        ("🚀 ✓", "objective"),
    ],
)  # fmt: skip
def test_a_key_is_the_title_s_words_in_the_keys_alphabet(title: str, key: str) -> None:
    derived = key_from_title(title, fallback="objective")
    assert derived == key
    assert len(derived) <= 40


def test_a_taken_key_gets_the_next_free_number() -> None:
    taken = {"ship-it", "ship-it-2"}
    assert unique_key("ship-it", taken=taken.__contains__) == "ship-it-3"
    assert unique_key("fresh", taken=taken.__contains__) == "fresh"


def test_the_new_objective_form_asks_for_the_title_before_the_key(
    world: Any, client: Client
) -> None:
    page = signed_in(client, world.admin).get("/new/objective/").content.decode()
    assert page.index('id="field-title"') < page.index('id="field-key"')
    key = field_html(client.get("/new/objective/"), "key")
    assert 'data-key-from="id_title"' in key and "Filled from the title" in key
    assert "required" not in key.split("<input", 1)[1].split(">", 1)[0]


def test_an_objective_left_without_a_key_takes_one_from_its_title(
    world: Any, client: Client
) -> None:
    signed_in(client, world.platform_lead)
    first = client.post("/new/objective/", objective_data(key=""))
    assert first.status_code == 302
    assert first["Location"] == "/objectives/make-onboarding-a-new-service-painless/"
    # The same title again: the derived key is made unique, not refused.
    again = client.post("/new/objective/", objective_data(key=""))
    assert again.status_code == 302
    assert again["Location"] == "/objectives/make-onboarding-a-new-service-painless-2/"
    # What the browser filled in (the derived key itself) is made unique the same way.
    filled = client.post(
        "/new/objective/", objective_data(key="make-onboarding-a-new-service-painless")
    )
    assert filled["Location"] == "/objectives/make-onboarding-a-new-service-painless-3/"
    assert Objective.objects.filter(key__startswith="make-onboarding").count() == 3


def test_a_typed_key_is_kept(world: Any, client: Client) -> None:
    signed_in(client, world.platform_lead)
    response = client.post("/new/objective/", objective_data(key="painless-onboarding"))
    assert response["Location"] == "/objectives/painless-onboarding/"


def test_without_a_title_the_title_is_asked_for_not_the_key(world: Any, client: Client) -> None:
    signed_in(client, world.platform_lead)
    response = client.post("/new/objective/", objective_data(key="", title=""))
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "Title is required" in page
    assert "Key is required" not in page and "'key'" not in page


def test_key_results_and_initiatives_take_their_keys_from_their_titles(
    world: Any, client: Client
) -> None:
    signed_in(client, world.platform_lead)
    url = "/objectives/deploys-advantage/new-key-result/"
    assert client.post(url, key_result_data(key="")).status_code == 302
    assert client.post(url, key_result_data(key="", target="2")).status_code == 302
    keys = set(world.platform_objective.key_results.values_list("key", flat=True))
    derived = "cut-the-time-to-a-first-production"  # cut at a word under 40 characters
    assert {derived, f"{derived}-2"} <= keys
    assert KeyResult.objects.get(objective__key="deploys-advantage", key=derived).unit == "days"

    url = "/objectives/deploys-advantage/new-initiative/"
    response = client.post(url, initiative_data(key=""))
    assert response.status_code == 302
    assert Initiative.objects.filter(
        objective__key="deploys-advantage", key="roll-out-canary-deployments"
    ).exists()
