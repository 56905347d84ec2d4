"""The alignment map in a real browser: drawn, filtered, searched, expanded, and big plans."""

from __future__ import annotations

from typing import Any

import pytest

from okrs.goals.models import KeyResult, Objective

pytestmark = pytest.mark.browser

PLATFORM = "objective:deploys-advantage"
LEAD_TIME = "key_result:deploys-advantage/lead-time"


def open_map(signed_in_page: Any, live_server: Any, person: Any, query: str = "") -> Any:
    page = signed_in_page(person)
    errors: list[str] = []
    # CSP refusals and script errors; a missing /favicon.ico is not the map's business.
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/alignment/{query}")
    page.wait_for_selector("#alignment-map[data-map-state='ready']")
    page.errors = errors
    return page


def visible(page: Any) -> int:
    return page.evaluate("window.okrsMap.visibleCount()")


def shown(page: Any, node_id: str) -> bool:
    return page.evaluate("id => window.okrsMap.isVisible(id)", node_id)


def test_the_map_draws_collapsed_below_team_level(
    transactional_db: None, world: Any, live_server: Any, signed_in_page: Any
) -> None:
    page = open_map(signed_in_page, live_server, world.member)
    assert page.locator("#alignment-map canvas").count() > 0
    # The company goal and both team objectives; their key results wait to be expanded.
    assert visible(page) == 3
    assert page.evaluate("window.okrsMap.totalCount()") == 6
    assert not shown(page, LEAD_TIME)
    assert "Showing 3 of 6 nodes" in page.locator("#map-summary").inner_text()
    # The list view holds the same tree.
    outline = page.locator("#alignment-outline")
    assert "Grow revenue from self-serve customers" in outline.inner_text()
    assert page.errors == []


def test_filtering_by_team_hides_the_other_teams(
    transactional_db: None, world: Any, live_server: Any, signed_in_page: Any
) -> None:
    page = open_map(signed_in_page, live_server, world.member)
    before = visible(page)
    page.select_option("#align-team", "platform")
    page.wait_for_function(f"window.okrsMap.visibleCount() < {before}")
    assert shown(page, PLATFORM)
    assert not shown(page, "objective:checkout-conversion")
    assert "Make checkout effortless" not in page.locator("#alignment-outline").inner_text()
    assert "team=platform" in page.url
    # Status filters too: nothing of checkout is off track, so maya's matches are platform's.
    page.select_option("#align-team", "")
    page.select_option("#align-owner", "maya@acme.test")
    assert (
        "match the filters, 2 of them inside collapsed items"
        in page.locator("#map-summary").inner_text()
    )
    page.get_by_role("button", name="Expand matches").click()
    assert shown(page, LEAD_TIME)


def test_search_finds_centres_and_reveals_a_key_result(
    transactional_db: None, world: Any, live_server: Any, signed_in_page: Any
) -> None:
    page = open_map(signed_in_page, live_server, world.member)
    page.fill("#align-search", "lead time")
    page.press("#align-search", "Enter")
    page.wait_for_function("window.okrsMap.found().length > 0")
    assert page.evaluate("window.okrsMap.found()") == [LEAD_TIME]
    assert shown(page, LEAD_TIME)
    assert "Search found 1" in page.locator("#map-summary").inner_text()
    # Centred: the node sits in the middle of the map.
    box = page.locator("#alignment-map").bounding_box()
    at = page.evaluate("id => window.okrsMap.renderedPosition(id)", LEAD_TIME)
    assert abs(at["x"] - (box["x"] + box["width"] / 2)) < 5
    assert abs(at["y"] - (box["y"] + box["height"] / 2)) < 5
    assert page.url.endswith("q=lead+time")


def test_clicking_an_objective_expands_its_key_results(
    transactional_db: None, world: Any, live_server: Any, signed_in_page: Any
) -> None:
    page = open_map(signed_in_page, live_server, world.member)
    at = page.evaluate("id => window.okrsMap.renderedPosition(id)", PLATFORM)
    page.mouse.click(at["x"], at["y"])
    page.wait_for_function("id => window.okrsMap.isVisible(id)", arg=LEAD_TIME)
    assert visible(page) == 5
    # Clicking again collapses it.
    at = page.evaluate("id => window.okrsMap.renderedPosition(id)", PLATFORM)
    page.mouse.click(at["x"], at["y"])
    page.wait_for_function("() => window.okrsMap.visibleCount() === 3")


def test_the_keyboard_moves_expands_and_opens(
    transactional_db: None, world: Any, live_server: Any, signed_in_page: Any
) -> None:
    page = open_map(signed_in_page, live_server, world.member)
    page.focus("#alignment-map")
    page.keyboard.press("Home")  # the company goal
    page.keyboard.press("ArrowDown")  # its first team objective
    page.keyboard.press("ArrowRight")
    announced = page.locator("#map-focus").inner_text()
    assert announced.startswith("Team objective: Make checkout effortless")
    page.keyboard.press("ArrowLeft")
    assert "deployment infrastructure" in page.locator("#map-focus").inner_text()
    page.keyboard.press("Space")
    page.wait_for_function("id => window.okrsMap.isVisible(id)", arg=LEAD_TIME)
    page.keyboard.press("ArrowDown")
    assert page.locator("#map-focus").inner_text().startswith("Key result: Reduce deployment")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/key-results/deploys-advantage/lead-time/")


def test_double_click_opens_the_objective_page(
    transactional_db: None, world: Any, live_server: Any, signed_in_page: Any
) -> None:
    page = open_map(signed_in_page, live_server, world.member)
    at = page.evaluate("id => window.okrsMap.renderedPosition(id)", PLATFORM)
    with page.expect_navigation():
        page.mouse.dblclick(at["x"], at["y"])
    assert page.url.endswith("/objectives/deploys-advantage/")


def test_an_orphan_is_listed_beside_the_map(
    transactional_db: None, world: Any, live_server: Any, signed_in_page: Any
) -> None:
    Objective.objects.create(
        key="tidy-dashboards", cycle=world.cycle, level="team", team=world.platform,
        title="Tidy up the internal dashboards", owner=world.platform_lead,
    )  # fmt: skip
    page = open_map(signed_in_page, live_server, world.member)
    orphans = page.locator("#orphans")
    link = orphans.get_by_role("link", name="Tidy up the internal dashboards")
    assert link.get_attribute("href") == "/objectives/tidy-dashboards/"
    # On the map it stands apart, labelled as not aligned.
    label = page.evaluate(
        "window.okrsMap.cy.getElementById('objective:tidy-dashboards').data('label')"
    )
    assert "not aligned" in label


def test_a_large_plan_starts_collapsed(
    transactional_db: None, world: Any, live_server: Any, signed_in_page: Any
) -> None:
    objectives = Objective.objects.bulk_create(
        Objective(
            key=f"bulk-{n}", cycle=world.cycle, level="team",
            team=world.platform if n % 2 else world.checkout, title=f"Bulk objective {n}",
            owner=world.platform_lead, aligns_to_objective=world.company_goal,
        )
        for n in range(300)
    )  # fmt: skip
    KeyResult.objects.bulk_create(
        KeyResult(
            objective=o, key=f"kr-{k}", title=f"Bulk key result {k} of {o.key}",
            owner=world.member, kind="increase", baseline=0, target=10, position=k,
        )
        for o in objectives
        for k in range(3)
    )  # fmt: skip
    page = open_map(signed_in_page, live_server, world.member)
    total = page.evaluate("window.okrsMap.totalCount()")
    assert total == 6 + 300 * 4
    assert visible(page) == 3 + 300
    # Search still finds one key result among them and opens the way to it.
    page.fill("#align-search", "key result 2 of bulk-123")
    page.press("#align-search", "Enter")
    page.wait_for_function("window.okrsMap.found().length === 1")
    assert shown(page, "key_result:bulk-123/kr-2")
    assert visible(page) == 3 + 300 + 3


def test_at_360_px_the_map_and_the_list_stack(
    transactional_db: None, world: Any, live_server: Any, signed_in_page: Any
) -> None:
    page = signed_in_page(world.member)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/alignment/")
    page.wait_for_selector("#alignment-map[data-map-state='ready']")
    map_box = page.locator("#alignment-map").bounding_box()
    list_box = page.locator("#alignment-outline").bounding_box()
    assert map_box["width"] <= 360 and list_box["y"] > map_box["y"] + map_box["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # The list view works by keyboard: a branch opens with Enter on its summary.
    summary = page.locator("#alignment-outline summary").first
    summary.focus()
    page.keyboard.press("Enter")
    assert page.locator("#alignment-outline details").first.get_attribute("open") is not None


# --- the opening view, "Fit", and labels that stay readable -------------------------------------

GOAL_TITLES = [
    "Win the mid-market with a product that sells itself to engineering leaders",
    "Keep every customer we have won this year, and grow what they spend with us",
    "Make the platform dependable enough that nobody has to think about it",
    "Ship what customers ask for in weeks rather than quarters",
    "Run the business on numbers everyone trusts",
]
READABLE_PX = 10

# Each node's rendered box, its label as drawn ("" while hidden) and the label's size on screen.
NODES_ON_SCREEN = """() => {
  const cy = window.okrsMap.cy;
  return cy.nodes().map(n => ({
    id: n.id(), company: n.hasClass('company'), box: n.renderedBoundingBox({includeLabels: false}),
    label: n.style('label'), px: parseFloat(n.style('font-size')) * cy.zoom(),
    title: window.okrsMap.nodes.get(n.id()).title,
  }));
}"""
# The labels follow the zoom once per frame: wait for two.
NEXT_FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def add_goals(world: Any, objectives_each: int = 2) -> None:
    """More company goals with long titles, each with team objectives aligned to it."""
    for n, title in enumerate(GOAL_TITLES):
        goal = Objective.objects.create(
            key=f"goal-{n}", cycle=world.cycle, level="company", title=title, owner=world.admin,
            position=n + 1,
        )  # fmt: skip
        Objective.objects.bulk_create(
            Objective(
                key=f"goal-{n}-team-{k}", cycle=world.cycle, level="team",
                team=world.platform if k % 2 else world.checkout,
                title=f"Team objective {k} that serves goal {n}, titled at a realistic length",
                owner=world.platform_lead, aligns_to_objective=goal, position=k,
            )
            for k in range(objectives_each)
        )  # fmt: skip


def open_at(signed_in_page: Any, live_server: Any, person: Any, width: int) -> Any:
    page = signed_in_page(person)
    page.set_viewport_size({"width": width, "height": 900 if width > 400 else 740})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/alignment/")
    page.wait_for_selector("#alignment-map[data-map-state='ready']")
    page.errors = errors
    return page


def assert_goals_framed(page: Any) -> list[dict[str, Any]]:
    size = page.evaluate("({w: window.okrsMap.cy.width(), h: window.okrsMap.cy.height()})")
    on_screen = page.evaluate(NODES_ON_SCREEN)
    goals = [n for n in on_screen if n["company"]]
    assert len(goals) == 1 + len(GOAL_TITLES)
    for goal in goals:
        box = goal["box"]
        assert box["x1"] >= 0 and box["y1"] >= 0, goal
        assert box["x2"] <= size["w"] and box["y2"] <= size["h"], goal
    return on_screen


def assert_readable(page: Any, on_screen: list[dict[str, Any]]) -> None:
    """Every label drawn is at least READABLE_PX on screen; hidden, the tooltip reads instead."""
    if page.get_attribute("#alignment-map", "data-labels") == "shown":
        for node in on_screen:
            assert node["label"], node
            assert node["px"] >= READABLE_PX, node
    else:
        assert all(node["label"] == "" for node in on_screen)
        page.focus("#alignment-map")
        page.keyboard.press("Home")
        tooltip = page.locator("#map-tooltip")
        assert tooltip.is_visible()
        focused = page.evaluate("window.okrsMap.focused()")
        title = page.evaluate("id => window.okrsMap.nodes.get(id).title", focused)
        assert title in tooltip.inner_text()


@pytest.mark.parametrize("width", [1280, 360])
def test_the_map_opens_and_fits_on_the_company_goals_with_readable_labels(
    width: int, transactional_db: None, world: Any, live_server: Any, signed_in_page: Any
) -> None:
    add_goals(world)
    page = open_at(signed_in_page, live_server, world.member, width)
    on_open = assert_goals_framed(page)
    # The demo's size of plan is read without zooming in, on a phone too.
    assert page.get_attribute("#alignment-map", "data-labels") == "shown"
    assert_readable(page, on_open)
    opening_zoom = page.evaluate("window.okrsMap.cy.zoom()")
    # Zoomed in and panned away, "Fit" comes back to the same frame.
    for _ in range(4):
        page.get_by_role("button", name="Zoom in").click()
    page.evaluate("window.okrsMap.cy.panBy({x: -900, y: -600})")
    page.get_by_role("button", name="Fit").click()
    page.evaluate(NEXT_FRAMES)
    assert page.evaluate("window.okrsMap.cy.zoom()") == pytest.approx(opening_zoom)
    assert_readable(page, assert_goals_framed(page))
    assert page.errors == []


@pytest.mark.parametrize("zoom", [0.15, 0.3, 0.5, 0.75, 1.0, 1.6, 3.0])
def test_labels_are_readable_or_give_way_to_the_tooltip_at_every_zoom(
    zoom: float, transactional_db: None, world: Any, live_server: Any, signed_in_page: Any
) -> None:
    add_goals(world)
    page = open_at(signed_in_page, live_server, world.member, 1280)
    page.evaluate("z => window.okrsMap.cy.zoom(z)", zoom)
    page.evaluate(NEXT_FRAMES)
    on_screen = page.evaluate(NODES_ON_SCREEN)
    hidden = page.get_attribute("#alignment-map", "data-labels") == "hidden"
    # Zoomed far out there is no room for text in a node; from half size on there is.
    assert hidden == (zoom < 0.5)
    if not hidden:
        # Big labels would not help either: the size on screen stays in a band.
        assert max(node["px"] for node in on_screen) <= 16.5
    assert_readable(page, on_screen)
    assert page.errors == []


def test_pointing_at_a_node_zoomed_out_shows_its_title_status_and_score(
    transactional_db: None, world: Any, live_server: Any, signed_in_page: Any
) -> None:
    add_goals(world)
    page = open_at(signed_in_page, live_server, world.member, 1280)
    page.evaluate("window.okrsMap.cy.zoom(0.25); window.okrsMap.cy.center()")
    page.evaluate(NEXT_FRAMES)
    assert page.get_attribute("#alignment-map", "data-labels") == "hidden"
    at = page.evaluate("id => window.okrsMap.renderedPosition(id)", PLATFORM)
    page.mouse.move(at["x"], at["y"])
    tooltip = page.locator("#map-tooltip")
    tooltip.wait_for(state="visible")
    text = tooltip.inner_text()
    assert "Make our deployment infrastructure a competitive advantage" in text
    status = page.evaluate("id => window.okrsMap.nodes.get(id)", PLATFORM)
    assert {"on_track": "On track", "at_risk": "At risk", "off_track": "Off track"}.get(
        status["status"], "No status"
    ) in text
    if status["score"] is not None:
        assert f"{round(status['score'] * 100)}%" in text
    page.mouse.move(1, 1)
    tooltip.wait_for(state="hidden")


def test_a_large_plan_opens_on_its_goals_readable(
    transactional_db: None, world: Any, live_server: Any, signed_in_page: Any
) -> None:
    # The generated large organisation's shape: six company goals, dozens of objectives each.
    add_goals(world, objectives_each=60)
    page = open_at(signed_in_page, live_server, world.member, 1280)
    assert page.evaluate("window.okrsMap.visibleCount()") == 3 + len(GOAL_TITLES) * 61
    on_open = assert_goals_framed(page)
    assert page.get_attribute("#alignment-map", "data-labels") == "shown"
    assert_readable(page, on_open)
    assert page.errors == []
