"""In Chromium: the report page under the real Content-Security-Policy, and the printed file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from okrs.reports.build import build_report
from okrs.reports.html import render_html
from tests.reports.conftest import NOW

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture
def at_now() -> Iterator[Any]:
    """Overrides the frozen clock: the live server's sessions need time to pass."""
    import time_machine

    with time_machine.travel(NOW, tick=True):
        yield NOW


def test_the_report_page_draws_its_charts_without_breaking_the_policy(
    reviewed: Any, live_server: Any, signed_in_page: Any
) -> None:
    page = signed_in_page(reviewed.viewer)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/reports/2026-Q4/")
    assert page.get_by_role("heading", name="Summary").is_visible()
    chart = page.locator("svg.trend").first
    box = chart.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 50
    # The stylesheet applied: the line of values is drawn without a fill.
    fill = page.locator("svg.trend polyline.values").first.evaluate(
        "el => getComputedStyle(el).fill"
    )
    assert fill == "none"
    assert problems == []  # a CSP violation is reported on the console as an error


def test_the_file_prints_one_objective_a_page(reviewed: Any, browser: Any, tmp_path: Path) -> None:
    target = tmp_path / "qbr.html"
    target.write_text(render_html(build_report(cycle=reviewed.cycle)))
    context = browser.new_context(offline=True)  # it needs nothing from any network
    page = context.new_page()
    page.goto(target.as_uri())
    page.emulate_media(media="print")
    breaks = page.locator(".qbr-objective").evaluate_all(
        "els => els.map(el => getComputedStyle(el).breakBefore)"
    )
    assert breaks == ["page", "page", "page"]
    pdf = page.pdf(format="A4")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    # The summary, DORA on its own page, then each of the three objectives on its own.
    assert pdf.startswith(b"%PDF") and pages >= 5
    context.close()
