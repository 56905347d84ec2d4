"""The editor and the settings page in Chromium: what a person sees and does with a keyboard."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest

from okrs.goals.models import Cycle, KeyResult, Objective
from okrs.org.models import ApiToken, Person

pytestmark = pytest.mark.browser

SCREENSHOTS = os.environ.get("OKRS_SCREENSHOTS")  # a folder, to look at the pages by eye


def shoot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def test_a_lead_adds_a_key_result_fixing_what_the_editor_flags(
    transactional_db: None, world: Any, live_server: Any, signed_in_page: Any
) -> None:
    for name in ("Mayra Quinn", "Sam Reyes", "Tess Ortiz"):  # enough people to want a filter
        email = name.split()[0].lower() + "@acme.test"
        Person.objects.create_user(email, name=name)
    page = signed_in_page(world.platform_lead)
    page.goto(f"{live_server.url}/objectives/deploys-advantage/new-key-result/")
    page.get_by_label("Key", exact=True).fill("time-to-first-deploy")
    page.get_by_label("Title").fill("Cut the time to a first production deploy from 5 days to 1")
    # The owner select is searchable: typing a name picks the person.
    page.get_by_label("Filter Owner").fill("maya patel")
    assert page.get_by_label("Owner", exact=True).input_value() == "maya@acme.test"
    page.get_by_label("Baseline").fill("5")
    page.get_by_label("Target").fill("5")
    page.get_by_role("button", name="Add key result").click()

    # Not saved: apply's message, beside the field, with what was typed still there.
    target_error = page.locator("#id_target_error")
    assert "target equals baseline (5)" in target_error.inner_text()
    assert page.get_by_label("Title").input_value().startswith("Cut the time")
    assert not KeyResult.objects.filter(key="time-to-first-deploy").exists()
    shoot(page, "editor-key-result-error")

    page.get_by_label("Target").fill("1")
    page.get_by_role("button", name="Add key result").click()
    page.wait_for_url(f"{live_server.url}/objectives/deploys-advantage/")
    kr = KeyResult.objects.get(key="time-to-first-deploy")
    assert (kr.kind, kr.owner) == ("decrease", world.member)


def test_a_viewer_sees_no_editor(
    transactional_db: None, world: Any, live_server: Any, signed_in_page: Any
) -> None:
    page = signed_in_page(world.viewer)
    response = page.goto(f"{live_server.url}/objectives/deploys-advantage/edit/")
    assert response.status == 403
    assert page.get_by_role("heading", name="Not allowed").is_visible()
    assert page.locator("form.editor-form").count() == 0


def test_a_token_is_shown_once_then_revoked(
    transactional_db: None, world: Any, live_server: Any, signed_in_page: Any
) -> None:
    page = signed_in_page(world.member)
    page.goto(f"{live_server.url}/settings/")
    page.get_by_label("Token name").fill("CI pipeline")
    page.get_by_role("button", name="Create token").click()
    token = page.get_by_label(re.compile("Your new token")).inner_text()
    assert token.startswith("okrs_") and ApiToken.authenticate(token) == world.member
    shoot(page, "settings-new-token")

    page.goto(f"{live_server.url}/settings/")
    assert token not in page.content()
    page.get_by_role("button", name="Revoke CI pipeline").click()
    assert page.get_by_text("Token “CI pipeline” revoked.").is_visible()
    assert ApiToken.authenticate(token) is None


def test_the_editor_fits_a_phone(
    transactional_db: None, world: Any, live_server: Any, signed_in_page: Any
) -> None:
    page = signed_in_page(world.platform_lead)
    page.set_viewport_size({"width": 360, "height": 740})
    for path in ("/objectives/deploys-advantage/edit/", "/settings/", "/new/objective/"):
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 360, path
    shoot(page, "editor-360")


def test_choosing_another_cycle_offers_its_goals_to_align_to(
    transactional_db: None, world: Any, live_server: Any, signed_in_page: Any
) -> None:
    next_quarter = Cycle.objects.create(key="2027-Q1", start="2027-01-01", end="2027-03-31")
    Objective.objects.create(
        key="expand-emea", cycle=next_quarter, level="company", title="Expand in EMEA",
        owner=world.admin,
    )  # fmt: skip
    page = signed_in_page(world.admin)
    page.goto(f"{live_server.url}/new/objective/?cycle=2026-Q4")
    aligns_to = page.get_by_label("Aligns to", exact=True)
    assert aligns_to.locator("option[value='grow-self-serve']").count() == 1
    page.get_by_label("Cycle").select_option("2027-Q1")
    page.locator("#id_aligns_to option[value='expand-emea']").wait_for(state="attached")
    assert page.locator("#id_aligns_to option[value='grow-self-serve']").count() == 0


def test_the_key_follows_the_title_until_the_person_edits_it(
    transactional_db: None, world: Any, live_server: Any, signed_in_page: Any
) -> None:
    page = signed_in_page(world.platform_lead)
    page.goto(f"{live_server.url}/objectives/deploys-advantage/new-initiative/")
    key = page.get_by_label("Key", exact=True)
    page.get_by_label("Title").press_sequentially("Roll out canary")
    assert key.input_value() == "roll-out-canary"
    key.fill("canary")
    page.get_by_label("Title").press_sequentially(" deployments")
    assert key.input_value() == "canary"  # the person's own key stays
    page.get_by_role("button", name="Add initiative").click()
    page.wait_for_url(f"{live_server.url}/objectives/deploys-advantage/")
    assert world.platform_objective.initiatives.filter(key="canary").exists()
