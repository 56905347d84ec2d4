"""The demo's business review speaks plainly (docs/numbers.md): figures at their unit's
precision, plurals right, words for what is missing, no repository paths."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from okrs.cli import main
from okrs.org.models import Person
from tests.demo_once import demo_loaded_once

TODAY = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)

demo_loaded = demo_loaded_once(TODAY)


@pytest.fixture
def demo(demo_loaded, db):
    with time_machine.travel(TODAY, tick=False):
        yield


def markdown(capsys) -> str:
    assert main(["report", "--cycle", "2026-Q4", "--format", "md"]) == 0
    return capsys.readouterr().out


def page_text(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def signed_in() -> Client:
    client = Client()
    client.force_login(Person.objects.order_by("pk")[0])
    return client


RAW_FIGURE = re.compile(
    r"level [+\u2212-]?\d+\.\d{3}|\d\.\d{3} per day|\d/day|level [+\u2212-]0(?:\.0+)? "
)


def test_level_changes_and_rates_are_rounded_in_all_formats(demo, capsys) -> None:
    text = markdown(capsys)
    assert not RAW_FIGURE.search(text), RAW_FIGURE.search(text)
    # A jump of a few seconds on an hours key result rounds to nothing; minutes below an hour.
    assert "no level change" in text
    assert re.search(r"level [+\u2212]\d+ minutes", text)
    assert "0.43 per day (high)" in text and "0.433" not in text
    for url in ("/reports/2026-Q4/", "/reports/2026-Q4.html"):
        html = page_text(signed_in(), url)
        assert not RAW_FIGURE.search(html), (url, RAW_FIGURE.search(html))
        assert "no level change" in html and "0.43 per day" in html


def test_the_markdown_report_has_plurals_words_and_no_paths(demo, capsys) -> None:
    text = markdown(capsys)
    assert "service(s)" not in text
    assert "Production deployments of 7 services." in text
    # A service with no failed deployment in a window has no recovery time to show.
    assert "→ \u2013" not in text and "\u2013 →" not in text
    assert "6.9 h (high) → no failures" in text
    assert "docs/" not in text and ".md" not in text
    assert "“The quarterly business review” guide" in text
