"""The live coach in Chromium: findings appear as the person types, before any save."""

from __future__ import annotations

from typing import Any

import pytest

from okrs.goals.models import KeyResult

pytestmark = pytest.mark.browser


def test_typing_a_deliverable_shows_the_finding_without_submitting(
    transactional_db: None, world: Any, live_server: Any, signed_in_page: Any
) -> None:
    from playwright.sync_api import expect

    page = signed_in_page(world.platform_lead)
    url = f"{live_server.url}/objectives/deploys-advantage/new-key-result/"
    page.goto(url)
    panel = page.locator("#coach-panel")
    expect(panel).to_contain_text("Type the key result\u2019s title")

    page.get_by_label("Title").press_sequentially("Complete the Kubernetes migration")
    finding = panel.locator('[data-rule="OKR009"]')
    expect(finding).to_be_visible()
    expect(finding).to_contain_text("reads as a deliverable or activity")
    expect(finding).to_contain_text("Move “Complete the Kubernetes migration” to an initiative")
    assert page.url == url  # nothing was submitted
    assert not KeyResult.objects.filter(title__icontains="Kubernetes").exists()

    # Rewritten as an outcome, with its numbers: the finding goes away.
    page.get_by_label("Title").fill("Reduce infrastructure cost per customer by 25%")
    page.get_by_label("Baseline").fill("40")
    page.get_by_label("Target").fill("30")
    expect(panel).to_contain_text("No findings")
    expect(finding).to_have_count(0)


def test_typing_a_number_into_a_new_objective_shows_the_finding(
    transactional_db: None, world: Any, live_server: Any, signed_in_page: Any
) -> None:
    from playwright.sync_api import expect

    page = signed_in_page(world.platform_lead)
    page.goto(f"{live_server.url}/new/objective/")
    page.get_by_label("Title").press_sequentially("Grow self-serve revenue by 20%")
    finding = page.locator('#coach-panel [data-rule="OKR010"]')
    expect(finding).to_contain_text("holds a number (\u201c20%\u201d)")
    page.get_by_label("Title").fill("Make self-serve the way most customers buy")
    expect(finding).to_have_count(0)
