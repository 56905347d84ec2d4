"""Pages speak plainly: no Markdown backticks and no repository paths in what a person reads
(docs/numbers.md, "Pages speak plainly")."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.conftest import World

PAGES = [
    "/", "/alignment/", "/teams/platform/", "/objectives/deploys-advantage/",
    "/key-results/deploys-advantage/lead-time/", "/checkins/", "/new/objective/",
    "/objectives/deploys-advantage/new-key-result/", "/settings/", "/dora/", "/reports/",
    "/settings/teams/", "/settings/slack/", "/settings/nudges/", "/settings/webhooks/",
    "/settings/sources/",
]  # fmt: skip
REPOSITORY_PATH = re.compile(r"\b(?:okrs|docs|tests)/[\w./-]+")


def readable_text(html: str) -> str:
    """What the page shows: tags, scripts and attributes dropped (a path in a link is fine)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize("url", PAGES)
def test_a_page_shows_no_markdown_and_no_repository_path(world: World, url: str) -> None:
    client = Client()
    client.force_login(world.admin)
    response = client.get(url)
    assert response.status_code == 200
    shown = readable_text(response.content.decode())
    assert "`" not in shown
    assert not REPOSITORY_PATH.search(shown), REPOSITORY_PATH.search(shown)
