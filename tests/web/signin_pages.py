"""What every page allauth serves must show: the app's own page, not allauth's default one."""

from __future__ import annotations

import re
from typing import Any


def assert_in_our_style(response: Any, status: int = 200) -> str:
    """The page's HTML, after checking it is built on web/base.html with the sign-in card's
    stylesheet, and offers no sign-up while sign-up is closed."""
    assert response.status_code == status, response.status_code
    page = response.content.decode()
    assert '<link rel="stylesheet" href="/static/web/okrs.css">' in page
    assert '<link rel="stylesheet" href="/static/web/signin.css">' in page
    assert '<a class="brand" href="/">okrs</a>' in page
    assert '<a class="skip-link" href="#main">' in page
    # allauth's own layout: its menu and its Title Case headings.
    assert "Menu:" not in page
    assert not re.search(r"Sign In|Sign Up|Password Reset", page)
    assert not re.search(r"sign[ -]?up\b", page, re.IGNORECASE)
    assert "/accounts/signup/" not in page
    return page


def heading(page: str) -> str:
    match = re.search(r"<h1>(.*?)</h1>", page, re.DOTALL)
    assert match is not None, "no <h1> on the page"
    return match.group(1).strip()
